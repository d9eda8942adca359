//! Stencils of any accuracy and derivative order, as data: per position class (left rows,
//! interior, right rows) the nodes read and their weights.
//!
//! Uniform axes keep exact rational weights (rounded once into the compute type by the
//! executor) and divide by `h^k` at the end; coordinate axes carry `f64` weights per point,
//! computed once per axis from the whole axis's coordinates, so any block of the axis uses
//! the same weights as the whole.

use std::ops::Range;

use crate::element::Real;
use crate::ghosts::{Fill, Ghosts};
use crate::weights::{Rational, fornberg};

/// A stencil of derivative order `deriv` over an (extended) axis of `len` samples.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Taps {
    pub(crate) deriv: usize,
    /// Interior point `i` reads nodes `i - half_width ..= i + half_width`.
    pub(crate) half_width: usize,
    /// Points closer to an end read the `end_width` nodes nearest that end.
    pub(crate) end_width: usize,
    /// Samples of the extended axis.
    pub(crate) len: usize,
    pub(crate) weights: TapWeights,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TapWeights {
    /// Evenly spaced samples: weights on integer offsets, then a division by `h^deriv`.
    Uniform {
        /// Interior weights of offsets `0..=half_width` (offset `-j` has the same weight,
        /// negated for odd derivatives).
        centre: Vec<Rational>,
        /// Rows `0..half_width` over nodes `0..end_width`.
        left: Vec<Vec<Rational>>,
        /// Rows `len - half_width..len` over nodes `len - end_width..len`.
        right: Vec<Vec<Rational>>,
        /// `(h * h) * h ...` in the spacing's precision.
        h_power: f64,
    },
    /// Uneven samples: for each real point (extended indices `first..`), its first node and
    /// the weights of its nodes, in ascending node order.
    Coordinates {
        first: usize,
        rows: Vec<(usize, Vec<f64>)>,
    },
}

/// Interior half-width and end width for derivative `k`, accuracy `p`.
pub(crate) fn widths(k: usize, p: usize, uniform: bool) -> (usize, usize) {
    let m = if uniform {
        (2 * k.div_ceil(2) - 1 + p) / 2
    } else {
        (k + p) / 2
    };
    (m, k + p)
}

/// Samples an axis needs: the interior stencil, and the end stencil at each one-sided end.
pub(crate) fn min_len(k: usize, p: usize, uniform: bool, one_sided_end: bool) -> usize {
    let (m, l) = widths(k, p, uniform);
    if one_sided_end {
        (2 * m + 1).max(l)
    } else {
        2 * m + 1
    }
}

impl Taps {
    /// Weights for an evenly spaced extended axis of `len` samples with `h_power = h^k`.
    pub(crate) fn uniform(k: usize, p: usize, len: usize, h_power: f64) -> Taps {
        let (m, l) = widths(k, p, true);
        let nodes = |r: Range<i128>| r.map(Rational::int).collect::<Vec<_>>();
        let centre =
            fornberg(&nodes(-(m as i128)..m as i128 + 1), Rational::int(0), k)[m..].to_vec();
        let end_nodes = nodes(0..l as i128);
        let left = (0..m)
            .map(|i| fornberg(&end_nodes, Rational::int(i as i128), k))
            .collect();
        let right = (0..m)
            .map(|t| fornberg(&end_nodes, Rational::int((l - m + t) as i128), k))
            .collect();
        Taps {
            deriv: k,
            half_width: m,
            end_width: l,
            len,
            weights: TapWeights::Uniform {
                centre,
                left,
                right,
                h_power,
            },
        }
    }

    /// Weights for uneven coordinates `x` (real samples) extended by the ghosts of `ends`
    /// (`ends`: ghosts, the period of periodic axes, the scale of offsets; see
    /// [`Taps::from_offsets`]).
    pub(crate) fn coordinates<K: Real>(
        k: usize,
        p: usize,
        x: &[K],
        ends: (&Ghosts, Option<f64>, f64),
    ) -> Taps {
        let widths = widths(k, p, false);
        Taps::from_offsets(k, widths, x, ends, |offsets| fornberg(offsets, 0.0, k))
    }

    /// Weights for uneven coordinates `x` extended by `ghosts`, with interior half-width `m`
    /// and end width `l`: `weights` maps the offsets `(x[node] - x[i]) * scale` of a point's
    /// nodes (ascending) to their weights. `scale` is 1 for coordinates, and `h` for
    /// positions counted in steps of `h` (a NaN policy's selection of an evenly spaced axis),
    /// whose whole-number differences are exact, so each offset is rounded once. Every
    /// stencil family over coordinates shares it.
    pub(crate) fn from_offsets<K: Real>(
        k: usize,
        (m, l): (usize, usize),
        x: &[K],
        (ghosts, period, scale): (&Ghosts, Option<f64>, f64),
        weights: impl Fn(&[f64]) -> Vec<f64>,
    ) -> Taps {
        let len = ghosts.extended_len();
        let xf: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
        let extended = ghosts.extend(&xf, period);
        let n = x.len();
        let rows = ghosts
            .real()
            .map(|e| {
                let nodes = node_range(e, m, l, len);
                let i = e - ghosts.left;
                let offsets: Vec<f64> = nodes
                    .clone()
                    .map(|j| match (period, wrapped(ghosts, j)) {
                        // (x[r] - x[i]) + q P: the seam stays exact in the real coordinates.
                        (Some(p), Some((q, r))) => ((xf[r] - xf[i]) + q as f64 * p) * scale,
                        _ => (extended[j] - extended[e]) * scale,
                    })
                    .collect();
                debug_assert!(i < n);
                (nodes.start, weights(&offsets))
            })
            .collect();
        Taps {
            deriv: k,
            half_width: m,
            end_width: l,
            len,
            weights: TapWeights::Coordinates {
                first: ghosts.left,
                rows,
            },
        }
    }

    /// The nodes point `i` (extended index) reads.
    pub(crate) fn nodes(&self, i: usize) -> Range<usize> {
        node_range(i, self.half_width, self.end_width, self.len)
    }

    /// The input samples (extended indices) outputs `out` read.
    pub(crate) fn halo(&self, out: Range<usize>) -> Range<usize> {
        if out.is_empty() {
            return out;
        }
        let first = self.nodes(out.start);
        let last = self.nodes(out.end - 1);
        // Interior points read further right than earlier ones, end rows as far as their
        // window: the first and last points bound every point in between.
        first.start.min(last.start)..first.end.max(last.end)
    }

    /// How far beyond a block of outputs its inputs may reach, on either side.
    pub(crate) fn reach(&self) -> usize {
        self.half_width.max(self.end_width - 1)
    }
}

fn node_range(i: usize, m: usize, l: usize, len: usize) -> Range<usize> {
    if i < m {
        0..l
    } else if i + m >= len {
        len - l..len
    } else {
        i - m..i + m + 1
    }
}

/// For a wrapped ghost (or real sample) at extended index `j`: `(q, r)` with the sample
/// being real sample `r` shifted by `q` periods.
fn wrapped(ghosts: &Ghosts, j: usize) -> Option<(i64, usize)> {
    let (n, l) = (ghosts.len, ghosts.left);
    if (l..l + n).contains(&j) {
        return Some((0, j - l));
    }
    if j < l && ghosts.left_fill == Fill::Wrap {
        return Some((-1, n - (l - j)));
    }
    if j >= l + n && ghosts.right_fill == Fill::Wrap {
        return Some((1, j - l - n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_classic_tables() {
        assert_eq!(widths(1, 2, true), (1, 3));
        assert_eq!(widths(1, 8, true), (4, 9));
        assert_eq!(widths(2, 2, true), (1, 4));
        assert_eq!(widths(3, 2, true), (2, 5));
        assert_eq!(widths(4, 4, true), (3, 8));
        assert_eq!(widths(2, 2, false), (2, 4));
        assert_eq!(min_len(2, 2, false, true), 5);
    }

    #[test]
    fn halo_covers_end_windows() {
        let t = Taps::uniform(1, 4, 20, 1.0);
        assert_eq!(t.halo(0..1), 0..5);
        assert_eq!(t.halo(5..7), 3..9);
        assert_eq!(t.halo(19..20), 15..20);
        assert_eq!(t.reach(), 4);
    }
}
