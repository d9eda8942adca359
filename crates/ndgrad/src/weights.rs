//! Finite-difference weights by Fornberg's recursion: exact rationals on integer offsets
//! (uniform axes) and `f64` on real offsets (coordinate axes).
//!
//! Uniform weights are exact fractions; each is rounded once, correctly, into the compute
//! type ([`Rational::round_to`]), so an `f32` kernel never sees a weight rounded twice.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// An exact fraction `num / den` in lowest terms, `den > 0`.
///
/// `i128` holds every intermediate of Fornberg's recursion for the stencils ndgrad builds
/// (at most 13 nodes with offsets below 16: numerators and denominators stay below 2^64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rational {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    pub fn new(num: i128, den: i128) -> Rational {
        assert!(den != 0, "a fraction with denominator 0");
        let g = gcd(num, den).max(1);
        let sign = if den < 0 { -1 } else { 1 };
        Rational {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn int(v: i128) -> Rational {
        Rational { num: v, den: 1 }
    }

    /// The value correctly rounded (to nearest, ties to even) to `bits` significant bits,
    /// returned as the `f64` that holds it exactly. With `bits` = 53, 24 or 11 this is the
    /// correctly rounded `f64`, `f32` or `f16` (weights are far from their subnormal ranges).
    pub fn round_to(self, bits: u32) -> f64 {
        if self.num == 0 {
            return 0.0;
        }
        let negative = self.num < 0;
        let (num, den) = (self.num.unsigned_abs(), self.den.unsigned_abs());
        debug_assert!(den < 1 << 60 && num < 1 << 120, "weights have small terms");
        // Scale the numerator so the quotient has at least 63 significant bits (more than
        // bits + 2): `num << shift` then has 64 + bitlen(den) < 125 bits.
        let shift = 64 + (128 - den.leading_zeros()) as i32 - (128 - num.leading_zeros()) as i32;
        let shift = shift.max(0) as u32;
        let scaled = num << shift;
        let (mut q, rem) = (scaled / den, scaled % den);
        let width = 128 - q.leading_zeros();
        // Drop the bits below the target precision, rounding to nearest, ties to even; the
        // remainder of the division counts as bits below the half.
        let drop = width - bits;
        let half = 1u128 << (drop - 1);
        let low = q & ((1u128 << drop) - 1);
        q >>= drop;
        let round_up = low > half || (low == half && (rem != 0 || q & 1 == 1));
        if round_up {
            q += 1;
        }
        // q < 2^(bits + 1) is exact in f64; scaling by a power of two is exact too.
        let value = q as f64 * 2f64.powi(drop as i32 - shift as i32);
        if negative { -value } else { value }
    }
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, o: Rational) -> Rational {
        Rational::new(self.num * o.den + o.num * self.den, self.den * o.den)
    }
}
impl Sub for Rational {
    type Output = Rational;
    fn sub(self, o: Rational) -> Rational {
        self + (-o)
    }
}
impl Mul for Rational {
    type Output = Rational;
    fn mul(self, o: Rational) -> Rational {
        Rational::new(self.num * o.num, self.den * o.den)
    }
}
impl Div for Rational {
    type Output = Rational;
    fn div(self, o: Rational) -> Rational {
        Rational::new(self.num * o.den, self.den * o.num)
    }
}
impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        Rational {
            num: -self.num,
            den: self.den,
        }
    }
}

/// The arithmetic Fornberg's recursion needs.
pub trait Field:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    fn from_int(v: i128) -> Self;
}

impl Field for Rational {
    fn from_int(v: i128) -> Self {
        Rational::int(v)
    }
}

impl Field for f64 {
    fn from_int(v: i128) -> Self {
        v as f64
    }
}

/// Weights of the `deriv`-th derivative at `z` from samples at `nodes` (Fornberg 1988):
/// `f^(deriv)(z) ≈ Σ w[j] f(nodes[j])`.
pub fn fornberg<F: Field>(nodes: &[F], z: F, deriv: usize) -> Vec<F> {
    let n = nodes.len();
    let zero = F::from_int(0);
    // c[j][d]: weight of node j for derivative d, for the nodes seen so far.
    let mut c = vec![vec![zero; deriv + 1]; n];
    let mut c1 = F::from_int(1);
    let mut c4 = nodes[0] - z;
    c[0][0] = F::from_int(1);
    for i in 1..n {
        let mn = i.min(deriv);
        let mut c2 = F::from_int(1);
        let c5 = c4;
        c4 = nodes[i] - z;
        for j in 0..i {
            let c3 = nodes[i] - nodes[j];
            c2 = c2 * c3;
            if j == i - 1 {
                for d in (1..=mn).rev() {
                    c[i][d] =
                        c1 * (F::from_int(d as i128) * c[i - 1][d - 1] - c5 * c[i - 1][d]) / c2;
                }
                c[i][0] = -(c1 * c5 * c[i - 1][0]) / c2;
            }
            for d in (1..=mn).rev() {
                c[j][d] = (c4 * c[j][d] - F::from_int(d as i128) * c[j][d - 1]) / c3;
            }
            c[j][0] = c4 * c[j][0] / c3;
        }
        c1 = c2;
    }
    c.into_iter().map(|row| row[deriv]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d)
    }

    fn ints(range: std::ops::RangeInclusive<i128>) -> Vec<Rational> {
        range.map(Rational::int).collect()
    }

    #[test]
    fn eighth_order_first_derivative_e1() {
        let centred = fornberg(&ints(-4..=4), Rational::int(0), 1);
        let expected = [
            r(1, 280),
            r(-4, 105),
            r(1, 5),
            r(-4, 5),
            r(0, 1),
            r(4, 5),
            r(-1, 5),
            r(4, 105),
            r(-1, 280),
        ];
        assert_eq!(centred, expected);
        let end = fornberg(&ints(0..=8), Rational::int(0), 1);
        let expected = [
            r(-761, 280),
            r(8, 1),
            r(-14, 1),
            r(56, 3),
            r(-35, 2),
            r(56, 5),
            r(-14, 3),
            r(8, 7),
            r(-1, 8),
        ];
        assert_eq!(end, expected);
    }

    #[test]
    fn second_derivative_three_points() {
        assert_eq!(
            fornberg(&ints(-1..=1), Rational::int(0), 2),
            [r(1, 1), r(-2, 1), r(1, 1)]
        );
    }

    #[test]
    fn rounding_is_correct_once() {
        assert_eq!(r(1, 3).round_to(53), 1.0 / 3.0);
        assert_eq!(r(-4, 105).round_to(53), -4.0 / 105.0);
        assert_eq!(r(1, 3).round_to(24), (1.0f32 / 3.0) as f64);
        assert_eq!(r(-761, 280).round_to(24), (-761.0f32 / 280.0) as f64);
        assert_eq!(
            r(2, 3).round_to(11),
            half::f16::from_f64(2.0 / 3.0).to_f64()
        );
        assert_eq!(r(8, 1).round_to(53), 8.0);
        // Every fraction with small terms rounds like the correctly rounded f64 division.
        for num in -40i128..=40 {
            for den in 1i128..=60 {
                let exact = num as f64 / den as f64;
                assert_eq!(r(num, den).round_to(53), exact, "{num}/{den}");
                assert_eq!(
                    r(num, den).round_to(24),
                    (num as f32 / den as f32) as f64,
                    "{num}/{den}"
                );
            }
        }
    }

    #[test]
    fn float_weights_match_rational_ones() {
        let nodes: Vec<f64> = (0..7).map(|i| i as f64).collect();
        let exact = fornberg(&ints(0..=6), Rational::int(2), 3);
        let float = fornberg(&nodes, 2.0, 3);
        for (e, f) in exact.iter().zip(&float) {
            assert!((e.round_to(53) - f).abs() < 1e-12, "{e:?} {f}");
        }
    }
}
