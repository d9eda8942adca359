//! Stencils of any accuracy and derivative order on the executor's rows and lanes.
//!
//! Evaluation order (fixed, so every path gives the same bits): a uniform interior point sums
//! symmetric pairs outwards, `c1 (f[i+1] - f[i-1]) + c2 (f[i+2] - f[i-2]) + ...` for odd
//! derivatives and `c0 f[i] + c1 (f[i+1] + f[i-1]) + ...` for even ones; every other point
//! sums `w_j f[node_j]` over ascending nodes. Uniform results are then divided by `h^k`.
//! Terms are summed in the compute type and rounded to the output once.

use std::mem::MaybeUninit;

use crate::element::{Compute, Load, Real, Store};
use crate::kernels;
use crate::taps::{TapWeights, Taps};

/// Runs `$body` with the constant `$m` bound to the half-width `m` (1 to 6): kernels take
/// their number of taps as a constant, so their sums unroll and their loops vectorize.
macro_rules! by_half_width {
    ($m:expr, $name:ident => $body:expr) => {
        by_constant!($m, $name => $body, 1 2 3 4 5 6)
    };
}

/// Like `by_half_width!`, for a number of nodes (1 to 13).
macro_rules! by_width {
    ($w:expr, $name:ident => $body:expr) => {
        by_constant!($w, $name => $body, 1 2 3 4 5 6 7 8 9 10 11 12 13)
    };
}

/// The widest stencils the unrolled kernels take (the accuracy stencils); wider ones, the
/// Savitzky–Golay windows of up to [`MAX_NODES`] samples, run the blocked kernels
/// (`kernels::*_wide`), which sum the same terms in the same order.
const UNROLLED_HALF_WIDTH: usize = 6;
const UNROLLED_WIDTH: usize = 13;
const MAX_NODES: usize = crate::savgol::MAX_WINDOW;
const MAX_HALF_WIDTH: usize = MAX_NODES / 2;

macro_rules! by_constant {
    ($v:expr, $name:ident => $body:expr, $($n:literal)+) => {
        match $v {
            $($n => {
                const $name: usize = $n;
                $body
            })+
            other => unreachable!("stencils have 1 to 13 nodes, not {other}"),
        }
    };
}

/// A [`Taps`] stencil with its weights rounded into the compute type.
pub(crate) struct TapCoefficients<C: Compute> {
    pub(crate) half_width: usize,
    pub(crate) end_width: usize,
    pub(crate) len: usize,
    pub(crate) weights: Weights<C>,
}

/// Read by the backend seam (`backend.rs`) too, so other backends get these very roundings.
pub(crate) enum Weights<C: Compute> {
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
        row: impl FnMut(usize, usize) -> &'r [T],
    ) where
        T: Load<S> + 'r,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { self.fill_row_avx2(out, i, row) };
        }
        self.fill_row_portable(out, i, row)
    }

    /// [`Self::fill_row`] compiled for AVX2: wide stencils are compute-bound in SSE2. AVX2
    /// adds wider registers only, not fused multiply-adds, so the results are the same bits.
    ///
    /// # Safety
    /// The processor must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fill_row_avx2<'r, T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i: usize,
        row: impl FnMut(usize, usize) -> &'r [T],
    ) where
        T: Load<S> + 'r,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        self.fill_row_portable(out, i, row)
    }

    #[inline(always)]
    fn fill_row_portable<'r, T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i: usize,
        mut row: impl FnMut(usize, usize) -> &'r [T],
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
            // Slot of the row at offset o from i: o + m.
            if m > UNROLLED_HALF_WIDTH {
                let mut plus: [&[T]; MAX_HALF_WIDTH] = [&[]; MAX_HALF_WIDTH];
                let mut minus: [&[T]; MAX_HALF_WIDTH] = [&[]; MAX_HALF_WIDTH];
                for (j, r) in plus[..m].iter_mut().enumerate() {
                    *r = row(i + j + 1, m + j + 1);
                }
                for (j, r) in minus[..m].iter_mut().enumerate() {
                    *r = row(i - j - 1, m - j - 1);
                }
                let middle = if *odd { plus[0] } else { row(i, m) };
                kernels::centred_rows_wide::<T, S, C, O>(
                    out,
                    middle,
                    &plus[..m],
                    &minus[..m],
                    centre[0],
                    &centre[1..=m],
                    *odd,
                    *divisor,
                );
                return;
            }
            by_half_width!(m, M => {
                let plus: [&[T]; M] = std::array::from_fn(|j| row(i + j + 1, m + j + 1));
                let minus: [&[T]; M] = std::array::from_fn(|j| row(i - j - 1, m - j - 1));
                let middle = if *odd { plus[0] } else { row(i, m) };
                let c: [C::Real; M] = std::array::from_fn(|j| centre[j + 1]);
                kernels::centred_rows::<M, T, S, C, O>(
                    out, middle, plus, minus, centre[0], c, *odd, *divisor,
                );
            });
            return;
        }
        let first = self.node_start(i);
        let (w, divisor) = self.point(i);
        if w.len() > UNROLLED_WIDTH {
            let mut rows: [&[T]; MAX_NODES] = [&[]; MAX_NODES];
            for (j, r) in rows[..w.len()].iter_mut().enumerate() {
                *r = row(first + j, j);
            }
            kernels::weighted_rows_wide::<T, S, C, O>(out, &rows[..w.len()], w, divisor);
            return;
        }
        by_width!(w.len(), W => {
            let rows: [&[T]; W] = std::array::from_fn(|j| row(first + j, j));
            let w: [C::Real; W] = std::array::from_fn(|j| w[j]);
            kernels::weighted_rows::<W, T, S, C, O>(out, rows, w, divisor);
        });
    }

    /// Output samples `i0..i0 + out.len()` of one lane from `f`, which holds samples
    /// `f0..f0 + f.len()` (extended indices).
    pub(crate) fn fill_lane<T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i0: usize,
        f: &[T],
        f0: usize,
    ) where
        T: Load<S>,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            return unsafe { self.fill_lane_avx2(out, i0, f, f0) };
        }
        self.fill_lane_portable(out, i0, f, f0)
    }

    /// [`Self::fill_lane`] compiled for AVX2 (see [`Self::fill_row_avx2`]).
    ///
    /// # Safety
    /// The processor must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn fill_lane_avx2<T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i0: usize,
        f: &[T],
        f0: usize,
    ) where
        T: Load<S>,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        self.fill_lane_portable(out, i0, f, f0)
    }

    #[inline(always)]
    fn fill_lane_portable<T, S, O>(&self, out: &mut [MaybeUninit<O>], i0: usize, f: &[T], f0: usize)
    where
        T: Load<S>,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        let m = self.half_width;
        let i1 = i0 + out.len();
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
        // Interior points: the lane shifted by each node's offset, like rows.
        let (s, e) = (i0.max(m), i1.min(self.len - m));
        if s >= e {
            return;
        }
        let at = |offset: usize| &f[s + offset - m - f0..e + offset - m - f0];
        let target = &mut out[s - i0..e - i0];
        if m > UNROLLED_HALF_WIDTH {
            let mut rows: [&[T]; MAX_NODES] = [&[]; MAX_NODES];
            for (j, r) in rows[..2 * m + 1].iter_mut().enumerate() {
                *r = at(j);
            }
            match &self.weights {
                Weights::Uniform {
                    centre,
                    odd,
                    divisor,
                    ..
                } => {
                    let minus: [&[T]; MAX_HALF_WIDTH] =
                        std::array::from_fn(|j| rows[m.saturating_sub(j + 1)]);
                    kernels::centred_rows_wide::<T, S, C, O>(
                        target,
                        rows[m],
                        &rows[m + 1..=2 * m],
                        &minus[..m],
                        centre[0],
                        &centre[1..=m],
                        *odd,
                        *divisor,
                    );
                }
                Weights::Coordinates { first, columns, .. } => {
                    let mut w: [&[C::Real]; MAX_NODES] = [&[]; MAX_NODES];
                    for (w, c) in w.iter_mut().zip(columns) {
                        *w = &c[s - first..e - first];
                    }
                    let width = 2 * m + 1;
                    kernels::weighted_lane_wide::<T, S, C, O>(target, &rows[..width], &w[..width]);
                }
            }
            return;
        }
        match &self.weights {
            Weights::Uniform {
                centre,
                odd,
                divisor,
                ..
            } => by_half_width!(m, M => {
                let plus: [&[T]; M] = std::array::from_fn(|j| at(m + j + 1));
                let minus: [&[T]; M] = std::array::from_fn(|j| at(m - j - 1));
                let c: [C::Real; M] = std::array::from_fn(|j| centre[j + 1]);
                kernels::centred_rows::<M, T, S, C, O>(
                    target, at(m), plus, minus, centre[0], c, *odd, *divisor,
                );
            }),
            Weights::Coordinates { first, columns, .. } => by_width!(2 * m + 1, W => {
                let rows: [&[T]; W] = std::array::from_fn(at);
                let w: [&[C::Real]; W] =
                    std::array::from_fn(|j| &columns[j][s - first..e - first]);
                kernels::weighted_lane::<W, T, S, C, O>(target, rows, w);
            }),
        }
    }
}

#[inline(always)]
fn load<T: Load<S>, S: Load<C>, C>(x: T) -> C {
    x.load().load()
}
