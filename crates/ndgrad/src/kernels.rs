//! Pure loops over contiguous slices: no allocation, no threads, no I/O.
//!
//! Each formula exists once, as a scalar `#[inline(always)]` function in NumPy's evaluation
//! order; the slice loops around them are what the compiler vectorizes. Outputs are
//! `MaybeUninit` so the same kernels fill fresh (uninitialized) and caller-owned buffers.

use std::mem::MaybeUninit;

use crate::element::{Compute, Load, Store};

/// Real coefficients rounded into the compute type `C`.
pub type Weights<C> = [<C as Compute>::Real; 3];

/// `(hi - lo) / d`: NumPy's uniform interior `(f[i+1] - f[i-1]) / (2. * h)` and first-order
/// edge `(f[1] - f[0]) / dx_0`. The subtraction runs in the data's own type `S` (two arrays
/// of the data's dtype); only the division promotes to `C` with the spacing.
#[inline(always)]
fn difference<S: Compute + Load<C>, C: Compute>(lo: S, hi: S, d: C::Divisor) -> C {
    hi.sub(lo).load().div(d)
}

/// `(a*f0 + b*f1) + c*f2`: NumPy's `a * f[..] + b * f[..] + c * f[..]`, evaluated left to
/// right and never fused into multiply-adds.
#[inline(always)]
fn three<C: Compute>(w: Weights<C>, f0: C, f1: C, f2: C) -> C {
    C::scale(w[0], f0)
        .add(C::scale(w[1], f1))
        .add(C::scale(w[2], f2))
}

/// Differences of whole rows: `out[j] = (hi[j] - lo[j]) / d`, for the uniform interior
/// (`lo = f[i-1]`, `hi = f[i+1]`, `d = 2h`) and the first-order edges.
#[inline]
pub fn difference_rows<I: Load<S>, S: Compute + Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    lo: &[I],
    hi: &[I],
    d: C::Divisor,
) {
    let (lo, hi) = (&lo[..out.len()], &hi[..out.len()]);
    for ((o, &l), &h) in out.iter_mut().zip(lo).zip(hi) {
        o.write(O::store(difference::<S, C>(l.load(), h.load(), d)));
    }
}

/// Three-point stencil on whole rows with one set of weights.
#[inline]
pub fn three_rows<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    r0: &[I],
    r1: &[I],
    r2: &[I],
    w: Weights<C>,
) {
    let n = out.len();
    let (r0, r1, r2) = (&r0[..n], &r1[..n], &r2[..n]);
    for (((o, &a), &b), &c) in out.iter_mut().zip(r0).zip(r1).zip(r2) {
        o.write(O::store(three(
            w,
            up::<I, S, C>(a),
            up::<I, S, C>(b),
            up::<I, S, C>(c),
        )));
    }
}

/// Three-point stencil along a lane with weights varying per sample (non-uniform interior):
/// `w[0][k], w[1][k], w[2][k]` weigh `r0[k], r1[k], r2[k]`.
#[inline]
pub fn three_lane<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    r0: &[I],
    r1: &[I],
    r2: &[I],
    w: [&[C::Real]; 3],
) {
    let n = out.len();
    let (r0, r1, r2) = (&r0[..n], &r1[..n], &r2[..n]);
    let (a, b, c) = (&w[0][..n], &w[1][..n], &w[2][..n]);
    for k in 0..n {
        let f = [r0[k], r1[k], r2[k]].map(up::<I, S, C>);
        out[k].write(O::store(three([a[k], b[k], c[k]], f[0], f[1], f[2])));
    }
}

/// A single three-point value (edges of a lane).
#[inline]
pub fn three_at<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    w: Weights<C>,
    f0: I,
    f1: I,
    f2: I,
) -> O {
    O::store(three(
        w,
        up::<I, S, C>(f0),
        up::<I, S, C>(f1),
        up::<I, S, C>(f2),
    ))
}

/// A single first-order edge value.
#[inline]
pub fn difference_at<I: Load<S>, S: Compute + Load<C>, C: Compute, O: Store<C>>(
    lo: I,
    hi: I,
    d: C::Divisor,
) -> O {
    O::store(difference::<S, C>(lo.load(), hi.load(), d))
}

/// Data into the compute type: first into the data's arithmetic type `S` (integers become
/// `f64`, as NumPy's `astype`), then promoted to `C` (always exact).
#[inline(always)]
fn up<I: Load<S>, S: Load<C>, C>(x: I) -> C {
    x.load().load()
}

/// A centred uniform stencil of half-width `M` on whole rows, in one pass: `out[k]` is
/// `(c[0] (plus[0][k] - minus[0][k]) + c[1] (plus[1][k] - minus[1][k]) + ...) / d` for odd
/// derivatives (`plus[j]`, `minus[j]` are the rows at offsets `±(j + 1)`), and
/// `(c0 centre[k] + c[0] (plus[0][k] + minus[0][k]) + ...) / d` for even ones. `M` is a
/// constant so the sum over the taps unrolls and the loop over `k` vectorizes.
// Always inlined: the AVX2 builds of the drivers must compile these loops for AVX2.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn centred_rows<const M: usize, I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    centre: &[I],
    plus: [&[I]; M],
    minus: [&[I]; M],
    c0: C::Real,
    c: [C::Real; M],
    odd: bool,
    d: C::Divisor,
) {
    let n = out.len();
    let plus = plus.map(|r| &r[..n]);
    let minus = minus.map(|r| &r[..n]);
    if odd {
        for (k, o) in out.iter_mut().enumerate() {
            let pair = |j: usize| up::<I, S, C>(plus[j][k]).sub(up::<I, S, C>(minus[j][k]));
            let mut s = C::scale(c[0], pair(0));
            for (j, &c) in c.iter().enumerate().skip(1) {
                s = s.add(C::scale(c, pair(j)));
            }
            o.write(O::store(s.div(d)));
        }
    } else {
        let centre = &centre[..n];
        for (k, o) in out.iter_mut().enumerate() {
            let mut s = C::scale(c0, up::<I, S, C>(centre[k]));
            for j in 0..M {
                let pair = up::<I, S, C>(plus[j][k]).add(up::<I, S, C>(minus[j][k]));
                s = s.add(C::scale(c[j], pair));
            }
            o.write(O::store(s.div(d)));
        }
    }
}

/// `Σ_j w[j] rows[j][k]` over ascending nodes `j`, in one pass, then divided by `d` when
/// given: the end rows of uniform stencils and the points of coordinate axes (row mode).
// Always inlined: the AVX2 builds of the drivers must compile these loops for AVX2.
#[inline(always)]
pub fn weighted_rows<const W: usize, I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    rows: [&[I]; W],
    w: [C::Real; W],
    d: Option<C::Divisor>,
) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    for (k, o) in out.iter_mut().enumerate() {
        let mut s = C::scale(w[0], up::<I, S, C>(rows[0][k]));
        for j in 1..W {
            s = s.add(C::scale(w[j], up::<I, S, C>(rows[j][k])));
        }
        o.write(O::store(match d {
            Some(d) => s.div(d),
            None => s,
        }));
    }
}

/// `Σ_j w[j][k] rows[j][k]` over ascending nodes `j`, in one pass: coordinate axes along
/// a lane, where every point has its own weights.
// Always inlined: the AVX2 builds of the drivers must compile these loops for AVX2.
#[inline(always)]
pub fn weighted_lane<const W: usize, I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    rows: [&[I]; W],
    w: [&[C::Real]; W],
) {
    let n = out.len();
    let rows = rows.map(|r| &r[..n]);
    let w = w.map(|r| &r[..n]);
    for (k, o) in out.iter_mut().enumerate() {
        let mut s = C::scale(w[0][k], up::<I, S, C>(rows[0][k]));
        for j in 1..W {
            s = s.add(C::scale(w[j][k], up::<I, S, C>(rows[j][k])));
        }
        o.write(O::store(s));
    }
}

/// Samples per block of the wide kernels: their partial sums wait on the stack in the
/// compute type, one block at a time.
const BLOCK: usize = 64;

/// Input slices `rows[j][range]`, for every `j`.
macro_rules! block_of {
    ($rows:expr, $range:expr) => {
        $rows.iter().map(|r| &r[$range.clone()])
    };
}

/// [`centred_rows`] for any half-width (`c.len()`, Savitzky–Golay windows beyond the
/// unrolled stencils): the same sum for every sample, in the same order, so the same bits.
/// Taps run outermost over blocks of samples whose partial sums stay in the compute type,
/// so the loops over samples still vectorize.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn centred_rows_wide<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    centre: &[I],
    plus: &[&[I]],
    minus: &[&[I]],
    c0: C::Real,
    c: &[C::Real],
    odd: bool,
    d: C::Divisor,
) {
    let n = out.len();
    for start in (0..n).step_by(BLOCK) {
        let range = start..(start + BLOCK).min(n);
        let len = range.len();
        let pairs = block_of!(plus, range).zip(block_of!(minus, range));
        let mut acc = [C::scale(c0, up::<I, S, C>(centre[start])); BLOCK];
        let acc = &mut acc[..len];
        if odd {
            for (j, (p, m)) in pairs.enumerate() {
                for ((a, &p), &m) in acc.iter_mut().zip(p).zip(m) {
                    let term = C::scale(c[j], up::<I, S, C>(p).sub(up::<I, S, C>(m)));
                    *a = if j == 0 { term } else { a.add(term) };
                }
            }
        } else {
            for (a, &x) in acc.iter_mut().zip(&centre[range.clone()]) {
                *a = C::scale(c0, up::<I, S, C>(x));
            }
            for (j, (p, m)) in pairs.enumerate() {
                for ((a, &p), &m) in acc.iter_mut().zip(p).zip(m) {
                    *a = a.add(C::scale(c[j], up::<I, S, C>(p).add(up::<I, S, C>(m))));
                }
            }
        }
        for (o, a) in out[range].iter_mut().zip(acc.iter()) {
            o.write(O::store(a.div(d)));
        }
    }
}

/// [`weighted_rows`] for any number of nodes (`w.len()`), in blocks like
/// [`centred_rows_wide`]: the same sums in the same order.
#[inline(always)]
pub fn weighted_rows_wide<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    rows: &[&[I]],
    w: &[C::Real],
    d: Option<C::Divisor>,
) {
    let n = out.len();
    for start in (0..n).step_by(BLOCK) {
        let range = start..(start + BLOCK).min(n);
        let mut acc = [C::scale(w[0], up::<I, S, C>(rows[0][start])); BLOCK];
        let acc = &mut acc[..range.len()];
        for (j, r) in block_of!(rows, range).enumerate() {
            for (a, &x) in acc.iter_mut().zip(r) {
                let term = C::scale(w[j], up::<I, S, C>(x));
                *a = if j == 0 { term } else { a.add(term) };
            }
        }
        for (o, a) in out[range].iter_mut().zip(acc.iter()) {
            o.write(O::store(match d {
                Some(d) => a.div(d),
                None => *a,
            }));
        }
    }
}

/// [`weighted_lane`] for any number of nodes (`w.len()`), in blocks like
/// [`centred_rows_wide`]: the same sums in the same order.
#[inline(always)]
pub fn weighted_lane_wide<I: Load<S>, S: Load<C>, C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    rows: &[&[I]],
    w: &[&[C::Real]],
) {
    let n = out.len();
    for start in (0..n).step_by(BLOCK) {
        let range = start..(start + BLOCK).min(n);
        let mut acc = [C::scale(w[0][start], up::<I, S, C>(rows[0][start])); BLOCK];
        let acc = &mut acc[..range.len()];
        let columns = block_of!(rows, range).zip(block_of!(w, range));
        for (j, (r, w)) in columns.enumerate() {
            for ((a, &x), &w) in acc.iter_mut().zip(r).zip(w) {
                let term = C::scale(w, up::<I, S, C>(x));
                *a = if j == 0 { term } else { a.add(term) };
            }
        }
        for (o, a) in out[range].iter_mut().zip(acc.iter()) {
            o.write(O::store(*a));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rough values whose sums round differently in every order.
    fn data(rows: usize, n: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut state = seed;
        (0..rows)
            .map(|_| {
                (0..n)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        ((state >> 40) as f32 / (1u32 << 24) as f32 - 0.5) * 1e3
                    })
                    .collect()
            })
            .collect()
    }

    fn bits(v: &[MaybeUninit<f64>]) -> Vec<u64> {
        // SAFETY: every element was written by the kernel under test.
        v.iter()
            .map(|x| unsafe { x.assume_init() }.to_bits())
            .collect()
    }

    /// The wide kernels give the unrolled kernels' bits (same width), blocks and tails
    /// included, f32 data summed in f64.
    #[test]
    fn wide_kernels_equal_the_unrolled_ones() {
        const M: usize = 6;
        const W: usize = 13;
        let n = 3 * BLOCK + 17;
        let rows = data(W, n, 1);
        let weights: Vec<f64> = data(1, W, 2)[0].iter().map(|&v| v as f64 / 7.0).collect();
        let r: [&[f32]; W] = std::array::from_fn(|j| rows[j].as_slice());
        let plus: [&[f32]; M] = std::array::from_fn(|j| rows[M + 1 + j].as_slice());
        let minus: [&[f32]; M] = std::array::from_fn(|j| rows[M - 1 - j].as_slice());
        let c: [f64; M] = std::array::from_fn(|j| weights[j + 1]);
        let (mut a, mut b) = (
            vec![MaybeUninit::uninit(); n],
            vec![MaybeUninit::uninit(); n],
        );
        for odd in [true, false] {
            centred_rows::<M, f32, f32, f64, f64>(
                &mut a, r[M], plus, minus, weights[0], c, odd, 0.3,
            );
            centred_rows_wide::<f32, f32, f64, f64>(
                &mut b, r[M], &plus, &minus, weights[0], &c, odd, 0.3,
            );
            assert_eq!(bits(&a), bits(&b), "odd={odd}");
        }
        let w: [f64; W] = std::array::from_fn(|j| weights[j]);
        for d in [None, Some(0.7)] {
            weighted_rows::<W, f32, f32, f64, f64>(&mut a, r, w, d);
            weighted_rows_wide::<f32, f32, f64, f64>(&mut b, &r, &w, d);
            assert_eq!(bits(&a), bits(&b), "{d:?}");
        }
        let lane_weights: Vec<Vec<f64>> = data(W, n, 3)
            .into_iter()
            .map(|v| v.into_iter().map(f64::from).collect())
            .collect();
        let lw: [&[f64]; W] = std::array::from_fn(|j| lane_weights[j].as_slice());
        weighted_lane::<W, f32, f32, f64, f64>(&mut a, r, lw);
        weighted_lane_wide::<f32, f32, f64, f64>(&mut b, &r, &lw);
        assert_eq!(bits(&a), bits(&b));
    }
}
