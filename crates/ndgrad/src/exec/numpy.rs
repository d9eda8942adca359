//! NumPy's formulas on the executor's rows and lanes: its divided forms, edge orders 1 and 2,
//! uniform and coordinate interiors, evaluated exactly as `numpy.gradient` does.

use std::mem::MaybeUninit;

use crate::element::{Compute, Load, Real, Store};
use crate::kernels::{self, Weights};
use crate::options::EdgeOrder;
use crate::stencil::Stencil;

/// The stencil's coefficients rounded into the compute type (read by the backend seam,
/// `backend.rs`, too, so other backends get these very roundings).
pub(crate) struct NumpyCoefficients<C: Compute> {
    pub(crate) edge_order: EdgeOrder,
    pub(crate) interior: Interior<C>,
    /// Divisors of the first-order edges.
    pub(crate) first: C::Divisor,
    pub(crate) last: C::Divisor,
    /// Weights of the second-order edges.
    pub(crate) left: Weights<C>,
    pub(crate) right: Weights<C>,
}

pub(crate) enum Interior<C: Compute> {
    Uniform {
        h2: C::Divisor,
    },
    /// Interior weights as three arrays (`a[i-1]`, `b[i-1]`, `c[i-1]` weigh `f[i-1]`,
    /// `f[i]`, `f[i+1]`): separate arrays let the lane loop load them as vectors.
    NonUniform {
        weights: [Vec<C::Real>; 3],
    },
}

impl<C: Compute> NumpyCoefficients<C> {
    pub(crate) fn new(stencil: &Stencil, edge_order: EdgeOrder) -> Self {
        let r = <C::Real as Real>::from_f64;
        let w = |t: &[f64; 3]| [r(t[0]), r(t[1]), r(t[2])];
        match stencil {
            Stencil::Uniform { h, h2, left, right } => NumpyCoefficients {
                edge_order,
                interior: Interior::Uniform {
                    h2: C::divisor(r(*h2)),
                },
                first: C::divisor(r(*h)),
                last: C::divisor(r(*h)),
                left: w(left),
                right: w(right),
            },
            Stencil::NonUniform {
                interior,
                first,
                last,
                left,
                right,
            } => NumpyCoefficients {
                edge_order,
                interior: Interior::NonUniform {
                    weights: [0, 1, 2].map(|j| interior.iter().map(|t| r(t[j])).collect()),
                },
                first: C::divisor(r(*first)),
                last: C::divisor(r(*last)),
                left: w(left),
                right: w(right),
            },
        }
    }
}

impl<C: Compute> NumpyCoefficients<C> {
    /// One output row; `row(j, slot)` yields input row `j`, with a distinct `slot` for each of
    /// the (up to three) rows a stencil reads at once.
    pub(crate) fn fill_row<'r, T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i: usize,
        n: usize,
        mut row: impl FnMut(usize, usize) -> &'r [T],
    ) where
        T: Load<S> + 'r,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        let c = self;
        let second = self.edge_order == EdgeOrder::Second;
        if i == 0 {
            if second {
                kernels::three_rows::<T, S, C, O>(out, row(0, 0), row(1, 1), row(2, 2), c.left);
            } else {
                kernels::difference_rows::<T, S, C, O>(out, row(0, 0), row(1, 1), c.first);
            }
        } else if i == n - 1 {
            if second {
                let (a, b, d) = (row(n - 3, 0), row(n - 2, 1), row(n - 1, 2));
                kernels::three_rows::<T, S, C, O>(out, a, b, d, c.right);
            } else {
                let (a, b) = (row(n - 2, 0), row(n - 1, 1));
                kernels::difference_rows::<T, S, C, O>(out, a, b, c.last);
            }
        } else {
            match &c.interior {
                Interior::Uniform { h2 } => {
                    kernels::difference_rows::<T, S, C, O>(out, row(i - 1, 0), row(i + 1, 2), *h2)
                }
                Interior::NonUniform { weights } => {
                    let (a, b, d) = (row(i - 1, 0), row(i, 1), row(i + 1, 2));
                    let w = [weights[0][i - 1], weights[1][i - 1], weights[2][i - 1]];
                    kernels::three_rows::<T, S, C, O>(out, a, b, d, w);
                }
            }
        }
    }

    /// Output samples `i0..i0 + out.len()` of one lane from `f`, which holds samples
    /// `f0..f0 + f.len()`.
    pub(crate) fn fill_lane<T, S, O>(
        &self,
        out: &mut [MaybeUninit<O>],
        i0: usize,
        f: &[T],
        f0: usize,
        n: usize,
    ) where
        T: Load<S>,
        S: Compute + Load<C>,
        O: Store<C>,
    {
        let c = self;
        let i1 = i0 + out.len();
        let at = |j: usize| f[j - f0];
        let second = self.edge_order == EdgeOrder::Second;
        if i0 == 0 {
            out[0].write(if second {
                kernels::three_at::<T, S, C, O>(c.left, at(0), at(1), at(2))
            } else {
                kernels::difference_at::<T, S, C, O>(at(0), at(1), c.first)
            });
        }
        if i1 == n {
            out[n - 1 - i0].write(if second {
                kernels::three_at::<T, S, C, O>(c.right, at(n - 3), at(n - 2), at(n - 1))
            } else {
                kernels::difference_at::<T, S, C, O>(at(n - 2), at(n - 1), c.last)
            });
        }
        let (s, e) = (i0.max(1), i1.min(n - 1));
        if s >= e {
            return;
        }
        let out = &mut out[s - i0..e - i0];
        let prev = &f[s - 1 - f0..e - 1 - f0];
        let next = &f[s + 1 - f0..e + 1 - f0];
        match &c.interior {
            Interior::Uniform { h2 } => {
                kernels::difference_rows::<T, S, C, O>(out, prev, next, *h2)
            }
            Interior::NonUniform { weights } => {
                let here = &f[s - f0..e - f0];
                let w = [0, 1, 2].map(|j| &weights[j][s - 1..e - 1]);
                kernels::three_lane::<T, S, C, O>(out, prev, here, next, w);
            }
        }
    }
}
