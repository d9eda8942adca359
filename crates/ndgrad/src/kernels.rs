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

/// Whether a term starts an accumulator or adds to it: the general stencils sum their terms
/// in an accumulator of the compute type (never rounded to the output between terms), and
/// fused operators add several derivatives into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Accumulate,
}

/// Lands `terms` in `acc`: replaces it (`Write`) or adds each term, `acc[k] + term[k]`.
#[inline(always)]
fn land<C: Compute>(acc: &mut Vec<C>, terms: impl Iterator<Item = C>, mode: Mode) {
    match mode {
        Mode::Write => {
            acc.clear();
            acc.extend(terms);
        }
        Mode::Accumulate => {
            for (a, t) in acc.iter_mut().zip(terms) {
                *a = a.add(t);
            }
        }
    }
}

/// `w * f[k]` for one weight: a node of a stencil, over a whole row.
#[inline]
pub fn weighted<I: Load<S>, S: Load<C>, C: Compute>(
    acc: &mut Vec<C>,
    f: &[I],
    w: C::Real,
    mode: Mode,
) {
    land(acc, f.iter().map(|&x| C::scale(w, up::<I, S, C>(x))), mode);
}

/// `w[k] * f[k]`: a node of a stencil whose weights vary along the row (coordinates).
#[inline]
pub fn weighted_each<I: Load<S>, S: Load<C>, C: Compute>(
    acc: &mut Vec<C>,
    f: &[I],
    w: &[C::Real],
    mode: Mode,
) {
    let terms = f
        .iter()
        .zip(w)
        .map(|(&x, &w)| C::scale(w, up::<I, S, C>(x)));
    land(acc, terms, mode);
}

/// `w * (plus[k] - minus[k])` (odd derivatives) or `w * (plus[k] + minus[k])` (even): a
/// symmetric pair of nodes `i + j`, `i - j` of a centred stencil.
#[inline]
pub fn paired<I: Load<S>, S: Load<C>, C: Compute>(
    acc: &mut Vec<C>,
    plus: &[I],
    minus: &[I],
    w: C::Real,
    odd: bool,
    mode: Mode,
) {
    let pairs = plus.iter().zip(minus).map(|(&p, &m)| {
        let (p, m) = (up::<I, S, C>(p), up::<I, S, C>(m));
        C::scale(w, if odd { p.sub(m) } else { p.add(m) })
    });
    land(acc, pairs, mode);
}

/// Stores an accumulator, divided by `divisor` (`h^k` on uniform axes) when there is one.
#[inline]
pub fn finish<C: Compute, O: Store<C>>(
    out: &mut [MaybeUninit<O>],
    acc: &[C],
    divisor: Option<C::Divisor>,
) {
    match divisor {
        Some(d) => {
            for (o, &a) in out.iter_mut().zip(acc) {
                o.write(O::store(a.div(d)));
            }
        }
        None => {
            for (o, &a) in out.iter_mut().zip(acc) {
                o.write(O::store(a));
            }
        }
    }
}
