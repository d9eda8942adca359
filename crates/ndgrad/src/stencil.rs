//! The one place where NumPy's finite-difference coefficients are computed (the taps of
//! higher accuracy and of Savitzky–Golay come from `weights.rs` and `savgol.rs`).
//!
//! Every formula is NumPy's, operation for operation, evaluated in the spacing's own
//! precision `K` (NumPy computes `2. * h` or `-(dx2) / (dx1 * (dx1 + dx2))` on the spacing
//! before it meets the data). Results are kept as `f64`, which holds any `K` exactly; the
//! kernels round them once into their compute type.

use crate::element::Real;
use crate::options::EdgeOrder;

/// Coefficients of a one-sided three-point stencil: `(a*f0 + b*f1) + c*f2`.
pub type Three = [f64; 3];

/// Everything the kernels need to differentiate one axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Stencil {
    /// Evenly spaced samples with distance `h`.
    Uniform {
        /// Divisor of the edge differences (edge order 1).
        h: f64,
        /// Divisor of the central differences: `2. * h`, computed in the spacing's precision.
        h2: f64,
        /// Edge order 2 coefficients on `f[0], f[1], f[2]` and `f[n-3], f[n-2], f[n-1]`.
        left: Three,
        right: Three,
    },
    /// Unevenly spaced samples.
    NonUniform {
        /// Interior coefficients: `interior[i - 1]` weighs `f[i-1], f[i], f[i+1]`.
        interior: Vec<Three>,
        /// Divisors of the edge order 1 differences: `dx[0]` and `dx[n-2]`.
        first: f64,
        last: f64,
        left: Three,
        right: Three,
    },
}

/// Coefficients for a uniform spacing `h`, all computed in `h`'s precision `K`.
pub fn uniform<K: Real>(h: K) -> Stencil {
    let c = K::from_f64;
    let widen = |a: K, b: K, d: K| [a.to_f64(), b.to_f64(), d.to_f64()];
    Stencil::Uniform {
        h: h.to_f64(),
        h2: (c(2.0) * h).to_f64(),
        left: widen(c(-1.5) / h, c(2.0) / h, c(-0.5) / h),
        right: widen(c(0.5) / h, c(-2.0) / h, c(1.5) / h),
    }
}

/// Coefficients for sample coordinates `x` (at least 2 of them), in their precision `K`.
///
/// As in NumPy, the differences `dx` are computed first; if every one equals `dx[0]` exactly
/// the axis takes the uniform path with `h = dx[0]`.
pub fn from_coordinates<K: Real>(x: &[K], edge_order: EdgeOrder) -> Stencil {
    let dx: Vec<K> = x.windows(2).map(|w| w[1] - w[0]).collect();
    from_differences(&dx, edge_order)
}

/// Coefficients for sample distances `dx` (at least one): the uniform path if every one
/// equals `dx[0]` exactly, as for coordinates.
pub fn from_differences<K: Real>(dx: &[K], edge_order: EdgeOrder) -> Stencil {
    let h = dx[0];
    if dx.iter().all(|&d| d == h) {
        uniform(h)
    } else {
        nonuniform(dx, edge_order)
    }
}

/// Coefficients for sample distances `dx` (`x[i+1] - x[i]`), not all equal.
pub fn nonuniform<K: Real>(dx: &[K], edge_order: EdgeOrder) -> Stencil {
    let two = K::from_f64(2.0);
    let widen = |a: K, b: K, d: K| [a.to_f64(), b.to_f64(), d.to_f64()];
    // Equal neighbouring distances give equal coefficients: reuse the last ones (the lanes
    // a NaN policy re-plans have long runs of equal gaps; the divisions dominate).
    // Compared by bits, so that -0.0 and 0.0 (whose coefficients differ in sign) stay apart.
    let key = |a: K, b: K| (a.to_f64().to_bits(), b.to_f64().to_bits());
    let mut last: Option<((u64, u64), Three)> = None;
    let interior = dx
        .windows(2)
        .map(|w| {
            let (dx1, dx2) = (w[0], w[1]);
            match last {
                Some((pair, c)) if pair == key(dx1, dx2) => c,
                _ => {
                    let c = widen(
                        -dx2 / (dx1 * (dx1 + dx2)),
                        (dx2 - dx1) / (dx1 * dx2),
                        dx1 / (dx2 * (dx1 + dx2)),
                    );
                    last = Some((key(dx1, dx2), c));
                    c
                }
            }
        })
        .collect();
    let n1 = dx.len();
    let (left, right) = if edge_order == EdgeOrder::Second && n1 >= 2 {
        let (dx1, dx2) = (dx[0], dx[1]);
        let left = widen(
            -(two * dx1 + dx2) / (dx1 * (dx1 + dx2)),
            (dx1 + dx2) / (dx1 * dx2),
            -dx1 / (dx2 * (dx1 + dx2)),
        );
        let (dx1, dx2) = (dx[n1 - 2], dx[n1 - 1]);
        let right = widen(
            dx2 / (dx1 * (dx1 + dx2)),
            -(dx2 + dx1) / (dx1 * dx2),
            (two * dx2 + dx1) / (dx2 * (dx1 + dx2)),
        );
        (left, right)
    } else {
        ([f64::NAN; 3], [f64::NAN; 3])
    };
    Stencil::NonUniform {
        interior,
        first: dx[0].to_f64(),
        last: dx[n1 - 1].to_f64(),
        left,
        right,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_coordinates_take_the_uniform_path() {
        let s = from_coordinates(&[0.0f64, 0.5, 1.0, 1.5], EdgeOrder::Second);
        assert_eq!(s, uniform(0.5f64));
    }

    #[test]
    fn uneven_coordinates_take_the_nonuniform_path() {
        let s = from_coordinates(&[0.0f64, 1.0, 3.0, 6.0], EdgeOrder::First);
        match s {
            Stencil::NonUniform {
                interior,
                first,
                last,
                ..
            } => {
                assert_eq!(interior.len(), 2);
                assert_eq!((first, last), (1.0, 3.0));
                // dx1 = 1, dx2 = 2: a = -2/3, b = 1/2, c = 1/6
                assert_eq!(interior[0], [-2.0 / 3.0, 0.5, 1.0 / 6.0]);
            }
            other => panic!("expected non-uniform, got {other:?}"),
        }
    }

    #[test]
    fn float32_coefficients_are_rounded_in_float32() {
        // 2 * 0.1f32 computed in f32, not 2 * 0.1 in f64.
        let Stencil::Uniform { h2, .. } = uniform(0.1f32) else {
            unreachable!()
        };
        assert_eq!(h2, (2.0f32 * 0.1f32) as f64);
    }
}
