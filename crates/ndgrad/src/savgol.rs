//! Savitzky–Golay derivatives as one more producer of [`Taps`]: at each point, derivative `k`
//! of the least-squares polynomial of degree `d` through a window of `W` samples.
//!
//! Interior points use the centred window; a point nearer an end than `W / 2` uses the `W`
//! samples nearest that end, evaluated at the point (SciPy's `mode="interp"`). Boundary modes
//! extend the axis by `W / 2` ghosts, so every real point is then interior.
//!
//! - Evenly spaced axes: exact rational weights on integer offsets. The normal equations of
//!   the fit are solved once per `(W, d)` by Gauss–Jordan elimination in exact arithmetic;
//!   a point's weights are then the derivative of the fitted polynomial at its offset. The
//!   executor rounds them once into the compute type and divides by `h^k`, exactly as for
//!   the accuracy stencils (the interior as symmetric pairs).
//! - Coordinate axes: `f64` weights per point, from a Householder QR of the Vandermonde
//!   matrix in `t = (x_j - x_i) / s`, `s = max_j |x_j - x_i|` over the window: the weights of
//!   `k! c_k / s^k`, `c_k` the fitted coefficient of `t^k`.
//!
//! With `d = W - 1` the fit interpolates, so the weights are those of the finite differences
//! on the same nodes: `SG(p + 1, p)` of the first derivative is accuracy `p`, bit for bit.

use crate::element::Real;
use crate::ghosts::Ghosts;
use crate::taps::{TapWeights, Taps};
use crate::weights::Rational;

/// Longest supported window. The kernels take up to 25 nodes (unrolled up to 13, blocked
/// beyond: `exec/taps.rs`), and every intermediate of
/// the exact solve stays below 2^117 for windows up to 25 and orders up to 12 (checked for
/// every window, order, derivative and position by this module's tests), well inside `i128`.
pub(crate) const MAX_WINDOW: usize = 25;
/// Highest supported polynomial order (see [`MAX_WINDOW`]).
pub(crate) const MAX_POLYORDER: usize = 12;

/// Whether a window of `window_length` samples can carry a polynomial of order `polyorder`:
/// odd, longer than the order, and within the supported sizes.
pub(crate) fn window_is_valid(window_length: usize, polyorder: usize) -> bool {
    window_length % 2 == 1
        && window_length > polyorder
        && window_length <= MAX_WINDOW
        && polyorder <= MAX_POLYORDER
}

/// The least-squares polynomial of degree `d` through the integer offsets `-c..=c`
/// (`c = W / 2`), as a linear map of the samples: coefficient `p` of the fitted polynomial is
/// `Σ_j rows[p][j] f_j`.
struct Fit {
    half: i128,
    rows: Vec<Vec<Rational>>,
}

impl Fit {
    fn new(window: usize, polyorder: usize) -> Fit {
        let half = (window / 2) as i128;
        let n = polyorder + 1;
        let offsets: Vec<i128> = (-half..=half).collect();
        // Normal equations: a[p][q] = Σ_j t_j^(p + q), right-hand sides b[p][j] = t_j^p.
        // Moments stay below 25 * 12^24 < 2^92.
        let moment = |e: usize| offsets.iter().map(|&t| t.pow(e as u32)).sum::<i128>();
        let mut a: Vec<Vec<Rational>> = (0..n)
            .map(|p| (0..n).map(|q| Rational::int(moment(p + q))).collect())
            .collect();
        let mut b: Vec<Vec<Rational>> = (0..n)
            .map(|p| {
                offsets
                    .iter()
                    .map(|&t| Rational::int(t.pow(p as u32)))
                    .collect()
            })
            .collect();
        // Gauss–Jordan: the matrix is symmetric positive definite, so every pivot is
        // nonzero without row exchanges.
        let zero = Rational::int(0);
        for col in 0..n {
            let (pivot_row, pivot_rhs) = (a[col].clone(), b[col].clone());
            for r in (0..n).filter(|&r| r != col) {
                if a[r][col] == zero {
                    continue;
                }
                let factor = a[r][col] / pivot_row[col];
                for (v, &p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                    *v = *v - factor * p;
                }
                for (v, &p) in b[r].iter_mut().zip(&pivot_rhs) {
                    *v = *v - factor * p;
                }
            }
        }
        let rows = b
            .into_iter()
            .enumerate()
            .map(|(p, row)| row.into_iter().map(|v| v / a[p][p]).collect())
            .collect();
        Fit { half, rows }
    }

    /// Weights of derivative `k` at offset `z` from the window's centre:
    /// `Σ_p p! / (p - k)! z^(p - k) rows[p][j]`.
    fn derivative(&self, k: usize, z: i128) -> Vec<Rational> {
        let window = (2 * self.half + 1) as usize;
        let mut w = vec![Rational::int(0); window];
        for (p, row) in self.rows.iter().enumerate().skip(k) {
            let falling: i128 = ((p - k + 1)..=p).map(|v| v as i128).product();
            let scale = Rational::int(falling * z.pow((p - k) as u32));
            for (w, &c) in w.iter_mut().zip(row) {
                *w = *w + scale * c;
            }
        }
        w
    }
}

impl Taps {
    /// Savitzky–Golay weights of derivative `k` for an evenly spaced extended axis of `len`
    /// samples with `h_power = h^k`. The window must be valid ([`window_is_valid`]), `k` at
    /// most `polyorder`.
    pub(crate) fn savgol_uniform(
        window: usize,
        polyorder: usize,
        k: usize,
        len: usize,
        h_power: f64,
    ) -> Taps {
        let m = window / 2;
        let fit = Fit::new(window, polyorder);
        let centred = fit.derivative(k, 0);
        // A symmetric window gives symmetric weights for even derivatives and antisymmetric
        // ones for odd derivatives: the interior is stored by offsets 0..=m, like differences.
        debug_assert!((1..=m).all(|j| {
            let (plus, minus) = (centred[m + j], centred[m - j]);
            if k % 2 == 1 {
                plus == -minus
            } else {
                plus == minus
            }
        }));
        let m_signed = m as i128;
        Taps {
            deriv: k,
            half_width: m,
            end_width: window,
            len,
            weights: TapWeights::Uniform {
                centre: centred[m..].to_vec(),
                // Row i < m sits at offset i - m of the first window; row t of the right
                // end (point len - m + t) at offset t + 1 of the last one.
                left: (0..m_signed)
                    .map(|i| fit.derivative(k, i - m_signed))
                    .collect(),
                right: (0..m_signed).map(|t| fit.derivative(k, t + 1)).collect(),
                h_power,
            },
        }
    }

    pub(crate) fn savgol_coordinates<K: Real>(
        window: usize,
        polyorder: usize,
        k: usize,
        x: &[K],
        ends: (&Ghosts, Option<f64>, f64),
    ) -> Taps {
        Taps::from_offsets(k, (window / 2, window), x, ends, |offsets| {
            least_squares(offsets, polyorder, k)
        })
    }
}

/// Weights of derivative `k` at offset 0 of the least-squares polynomial of degree `d`
/// through nodes at `offsets`, in `f64`: `k! c_k / s^k` with `c` the fit in `t = offset / s`,
/// `s = max |offset|`, solved by a Householder QR of the Vandermonde matrix `V[j][p] = t_j^p`.
/// The weight row of `c_k` is `e_k^T R^-1 Q^T = (Q R^-T e_k)^T`.
fn least_squares(offsets: &[f64], d: usize, k: usize) -> Vec<f64> {
    let rows = offsets.len();
    let cols = d + 1;
    let s = offsets.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    let t: Vec<f64> = offsets.iter().map(|v| v / s).collect();
    // Column-major: a[p][j] = t_j^p.
    let mut a = vec![vec![1.0f64; rows]; cols];
    for p in 1..cols {
        for j in 0..rows {
            a[p][j] = a[p - 1][j] * t[j];
        }
    }
    // Householder reflections H_c = I - beta_c v_c v_c^T (v_c over rows c..), leaving R in
    // the upper triangle of `a`.
    let mut reflectors: Vec<(Vec<f64>, f64)> = Vec::with_capacity(cols);
    for c in 0..cols {
        let norm = a[c][c..].iter().map(|v| v * v).sum::<f64>().sqrt();
        let alpha = if a[c][c] > 0.0 { -norm } else { norm };
        let mut v = a[c][c..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let beta = if vv > 0.0 { 2.0 / vv } else { 0.0 };
        a[c][c] = alpha;
        for entry in &mut a[c][c + 1..] {
            *entry = 0.0;
        }
        for column in &mut a[c + 1..] {
            let dot: f64 = v.iter().zip(&column[c..]).map(|(x, y)| x * y).sum();
            let f = beta * dot;
            for (entry, x) in column[c..].iter_mut().zip(&v) {
                *entry -= f * x;
            }
        }
        reflectors.push((v, beta));
    }
    // R^T y = e_k by forward substitution (R[l][i] is a[i][l]).
    let mut y = vec![0.0f64; rows];
    for i in 0..cols {
        let mut rhs = if i == k { 1.0 } else { 0.0 };
        for l in 0..i {
            rhs -= a[i][l] * y[l];
        }
        y[i] = rhs / a[i][i];
    }
    // Q y = H_0 H_1 ... H_{d} y.
    for (c, (v, beta)) in reflectors.iter().enumerate().rev() {
        let dot: f64 = v.iter().zip(&y[c..]).map(|(x, z)| x * z).sum();
        let f = beta * dot;
        for (entry, x) in y[c..].iter_mut().zip(v) {
            *entry -= f * x;
        }
    }
    let factorial: f64 = (1..=k).map(|v| v as f64).product();
    let s_power = (1..k).fold(s, |acc, _| acc * s);
    let scale = factorial / s_power;
    y.iter().map(|w| w * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::fornberg;

    fn r(n: i128, d: i128) -> Rational {
        Rational::new(n, d)
    }

    #[test]
    fn classic_five_point_tables() {
        // Quadratic fit over five points: first derivative (-2, -1, 0, 1, 2) / 10, second
        // (2, -1, -2, -1, 2) / 7, smoothing (-3, 12, 17, 12, -3) / 35.
        let fit = Fit::new(5, 2);
        assert_eq!(
            fit.derivative(1, 0),
            [r(-1, 5), r(-1, 10), r(0, 1), r(1, 10), r(1, 5)]
        );
        assert_eq!(
            fit.derivative(2, 0),
            [r(2, 7), r(-1, 7), r(-2, 7), r(-1, 7), r(2, 7)]
        );
        assert_eq!(
            fit.derivative(0, 0),
            [r(-3, 35), r(12, 35), r(17, 35), r(12, 35), r(-3, 35)]
        );
        // At the first sample of the window (offset -2): the fitted line's slope there,
        // (-54, 13, 40, 27, -26) / 70.
        assert_eq!(
            fit.derivative(1, -2),
            [r(-27, 35), r(13, 70), r(4, 7), r(27, 70), r(-13, 35)]
        );
    }

    #[test]
    fn interpolating_fits_are_finite_differences() {
        for window in (3..=13).step_by(2) {
            let fit = Fit::new(window, window - 1);
            let half = (window / 2) as i128;
            let nodes: Vec<Rational> = (-half..=half).map(Rational::int).collect();
            for k in 1..=4.min(window - 1) {
                for z in -half..=half {
                    assert_eq!(
                        fit.derivative(k, z),
                        fornberg(&nodes, Rational::int(z), k),
                        "W={window} k={k} z={z}"
                    );
                }
            }
        }
    }

    /// Every supported window, order, derivative and position, with overflow checks on in
    /// test builds: the exact solve never leaves `i128`, and every weight's terms stay within
    /// what [`Rational::round_to`] takes.
    #[test]
    fn exact_solve_fits_i128_everywhere_supported() {
        for window in (3..=MAX_WINDOW).step_by(2) {
            for polyorder in 1..window.min(MAX_POLYORDER + 1) {
                assert!(window_is_valid(window, polyorder));
                let fit = Fit::new(window, polyorder);
                let half = (window / 2) as i128;
                for k in 1..=polyorder.min(4) {
                    for z in -half..=half {
                        for w in fit.derivative(k, z) {
                            let _ = w.round_to(53);
                        }
                    }
                }
            }
        }
        assert!(!window_is_valid(27, 2));
        assert!(!window_is_valid(25, 13));
        assert!(!window_is_valid(4, 2));
        assert!(!window_is_valid(5, 5));
    }

    #[test]
    fn float_fit_matches_the_exact_one() {
        // Relative to the largest weight; an interpolating octic's fourth derivative at the
        // end of its window is ill-conditioned (measured 1.7e-11).
        let cases = [
            (5, 2, 1, 1e-14),
            (7, 3, 2, 1e-14),
            (11, 4, 3, 1e-13),
            (25, 6, 1, 1e-12),
            (9, 8, 4, 1e-10),
        ];
        for (window, d, k, tolerance) in cases {
            let fit = Fit::new(window, d);
            let half = (window / 2) as i128;
            for z in -half..=half {
                let offsets: Vec<f64> = (-half..=half).map(|t| (t - z) as f64).collect();
                let float = least_squares(&offsets, d, k);
                let exact = fit.derivative(k, z);
                let scale = exact
                    .iter()
                    .map(|w| w.round_to(53).abs())
                    .fold(0.0, f64::max);
                for (e, f) in exact.iter().zip(&float) {
                    assert!(
                        (e.round_to(53) - f).abs() <= tolerance * scale,
                        "W={window} d={d} k={k} z={z}: {e:?} vs {f}"
                    );
                }
            }
        }
    }
}
