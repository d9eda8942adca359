//! Stencils of any accuracy and derivative order on the executor's rows and lanes.
//!
//! Evaluation order (fixed, so every path gives the same bits): a uniform interior point sums
//! symmetric pairs outwards, `c1 (f[i+1] - f[i-1]) + c2 (f[i+2] - f[i-2]) + ...` for odd
//! derivatives and `c0 f[i] + c1 (f[i+1] + f[i-1]) + ...` for even ones; every other point
//! sums `w_j f[node_j]` over ascending nodes. Uniform results are then divided by `h^k`.
//! Terms accumulate in the compute type and are rounded to the output once.

use std::mem::MaybeUninit;

use crate::element::{Compute, Load, Real, Store};
use crate::kernels::{self, Mode};
use crate::taps::{TapWeights, Taps};

/// Elements per accumulator chunk: small enough to stay in L1 while every term passes.
const CHUNK: usize = 512;

/// A [`Taps`] stencil with its weights rounded into the compute type.
pub(crate) struct TapCoefficients<C: Compute> {
    half_width: usize,
    end_width: usize,
    len: usize,
    weights: Weights<C>,
}

enum Weights<C: Compute> {
    Uniform {
        centre: Vec<C::Real>,
        odd: bool,
        left: Vec<Vec<C::Real>>,
        right: Vec<Vec<C::Real>>,
        divisor: C::Divisor,
    },
    Coordinates {
        /// Extended index of the first real sample.
        first: usize,
        /// Per real sample: its weights over its nodes.
        rows: Vec<Vec<C::Real>>,
        /// Interior weights by node: `columns[j][i - first]` weighs node `i - m + j`
        /// (zero where `i` is not interior), so lanes load them as vectors.
        columns: Vec<Vec<C::Real>>,
    },
}

impl<C: Compute> TapCoefficients<C> {
    pub(crate) fn new(t: &Taps) -> Self {
        let r = <C::Real as Real>::from_f64;
        let bits = <C::Real as Real>::BITS;
        let round = |v: &Vec<crate::weights::Rational>| -> Vec<C::Real> {
            v.iter().map(|w| r(w.round_to(bits))).collect()
        };
        let m = t.half_width;
        let weights = match &t.weights {
            TapWeights::Uniform {
                centre,
                left,
                right,
                h_power,
            } => Weights::Uniform {
                centre: round(centre),
                odd: t.deriv % 2 == 1,
                left: left.iter().map(round).collect(),
                right: right.iter().map(round).collect(),
                divisor: C::divisor(r(*h_power)),
            },
            TapWeights::Coordinates { first, rows } => {
                let width = 2 * m + 1;
                let mut columns = vec![vec![r(0.0); rows.len()]; width];
                for (p, (start, w)) in rows.iter().enumerate() {
                    let i = first + p;
                    if *start + m == i && w.len() == width {
                        for (j, &v) in w.iter().enumerate() {
                            columns[j][p] = r(v);
                        }
                    }
                }
                Weights::Coordinates {
                    first: *first,
                    rows: rows
                        .iter()
                        .map(|(_, w)| w.iter().map(|&v| r(v)).collect())
                        .collect(),
                    columns,
                }
            }
        };
        TapCoefficients {
            half_width: m,
            end_width: t.end_width,
            len: t.len,
            weights,
        }
    }

    /// Input rows one output row reads at once.
    pub(crate) fn width(&self) -> usize {
        (2 * self.half_width + 1).max(self.end_width)
    }

    /// First node of point `i`.
    fn node_start(&self, i: usize) -> usize {
        let (m, l) = (self.half_width, self.end_width);
        if i < m {
            0
        } else if i + m >= self.len {
            self.len - l
        } else {
            i - m
        }
    }

    fn is_interior(&self, i: usize) -> bool {
        i >= self.half_width && i + self.half_width < self.len
    }

    /// The weights of point `i` over its nodes, and the divisor of its sum.
    fn point(&self, i: usize) -> (&[C::Real], Option<C::Divisor>) {
        match &self.weights {
            Weights::Uniform {
                left,
                right,
                divisor,
                ..
            } => {
                let w = if i < self.half_width {
                    &left[i]
                } else {
                    &right[i + self.half_width - self.len]
                };
                (w, Some(*divisor))
            }
            Weights::Coordinates { first, rows, .. } => (&rows[i - first], None),
        }
    }

    /// One output row `i`; `row(j, slot)` yields input row `j` in scratch slot `slot`.
    pub(crate) fn fill_row<'r, T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i: usize,
        mut row: impl FnMut(usize, usize) -> &'r [T],
        acc: &mut Vec<C>,
    ) where
        T: Load<S> + 'r,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        let m = self.half_width;
        if let (
            true,
            Weights::Uniform {
                centre,
                odd,
                divisor,
                ..
            },
        ) = (self.is_interior(i), &self.weights)
        {
            let rows: Vec<&[T]> = (0..=2 * m).map(|s| row(i + s - m, s)).collect();
            for start in (0..out.len()).step_by(CHUNK) {
                let end = (start + CHUNK).min(out.len());
                let at = |offset: usize| &rows[offset][start..end];
                centred::<T, S, C>(acc, m, *odd, centre, at);
                kernels::finish(&mut out[start..end], acc, Some(*divisor));
            }
            return;
        }
        let first = self.node_start(i);
        let (w, divisor) = self.point(i);
        let rows: Vec<&[T]> = (0..w.len()).map(|s| row(first + s, s)).collect();
        for start in (0..out.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(out.len());
            for (s, (&r, &w)) in rows.iter().zip(w).enumerate() {
                let mode = if s == 0 {
                    Mode::Write
                } else {
                    Mode::Accumulate
                };
                kernels::weighted::<T, S, C>(acc, &r[start..end], w, mode);
            }
            kernels::finish(&mut out[start..end], acc, divisor);
        }
    }

    /// Output samples `i0..i0 + out.len()` of one lane from `f`, which holds samples
    /// `f0..f0 + f.len()` (extended indices).
    pub(crate) fn fill_lane<T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i0: usize,
        f: &[T],
        f0: usize,
        acc: &mut Vec<C>,
    ) where
        T: Load<S>,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        let m = self.half_width;
        let i1 = i0 + out.len();
        // Interior points: shifted slices of the lane, like rows.
        let (s, e) = (i0.max(m), i1.min(self.len - m));
        for i in (i0..i1).filter(|&i| !self.is_interior(i)) {
            let (w, divisor) = self.point(i);
            let first = self.node_start(i) - f0;
            let nodes = &f[first..first + w.len()];
            let mut sum = C::scale(w[0], load::<T, S, C>(nodes[0]));
            for (&x, &w) in nodes.iter().zip(w).skip(1) {
                sum = sum.add(C::scale(w, load::<T, S, C>(x)));
            }
            out[i - i0].write(O::store(match divisor {
                Some(d) => sum.div(d),
                None => sum,
            }));
        }
        if s >= e {
            return;
        }
        for start in (s..e).step_by(CHUNK) {
            let end = (start + CHUNK).min(e);
            // Node i + offset - m of points start..end.
            let at = |offset: usize| &f[start + offset - m - f0..end + offset - m - f0];
            let target = &mut out[start - i0..end - i0];
            match &self.weights {
                Weights::Uniform {
                    centre,
                    odd,
                    divisor,
                    ..
                } => {
                    centred::<T, S, C>(acc, m, *odd, centre, at);
                    kernels::finish(target, acc, Some(*divisor));
                }
                Weights::Coordinates { first, columns, .. } => {
                    for (j, column) in columns.iter().enumerate() {
                        let mode = if j == 0 {
                            Mode::Write
                        } else {
                            Mode::Accumulate
                        };
                        let w = &column[start - first..end - first];
                        kernels::weighted_each::<T, S, C>(acc, at(j), w, mode);
                    }
                    kernels::finish(target, acc, None);
                }
            }
        }
    }
}

/// A centred uniform stencil into `acc`; `at(offset)` is the input at node `i + offset - m`
/// for the chunk's points.
#[inline]
fn centred<'f, T, S, C>(
    acc: &mut Vec<C>,
    m: usize,
    odd: bool,
    centre: &[C::Real],
    at: impl Fn(usize) -> &'f [T],
) where
    T: Load<S> + 'f,
    S: Load<C>,
    C: Compute,
{
    let first = if odd {
        kernels::paired::<T, S, C>(acc, at(m + 1), at(m - 1), centre[1], true, Mode::Write);
        2
    } else {
        kernels::weighted::<T, S, C>(acc, at(m), centre[0], Mode::Write);
        1
    };
    for j in first..=m {
        kernels::paired::<T, S, C>(acc, at(m + j), at(m - j), centre[j], odd, Mode::Accumulate);
    }
}

#[inline(always)]
fn load<T: Load<S>, S: Load<C>, C>(x: T) -> C {
    x.load().load()
}
