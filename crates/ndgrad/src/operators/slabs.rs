//! The operators' schedule: the array is cut into slabs along its outermost memory axis;
//! for each slab, every derivative an operator needs is computed into a slab-sized scratch
//! array (`Plan::compute_block_fresh`, so blocks, halos and ghosts follow the one halo rule) and
//! combined at once into the output. The input is read about once and the output written
//! once; the derivatives never leave the cache.

use std::sync::Mutex;

use std::mem::MaybeUninit;

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice, Zip};

use crate::element::Element;
use crate::error::Error;
use crate::exec;
use crate::options::Parallelism;
use crate::plan::Plan;

/// How an operator folds its terms, element by element: `finish(step(...step(init(d0),
/// d1)..., dn))`, in term order.
pub(super) struct Fold<I, S, F> {
    pub(super) init: I,
    pub(super) step: S,
    pub(super) finish: F,
}

/// Computes `out` from the terms `(c, k)`: output `k` of `plan` applied to `inputs[c]`,
/// folded element by element.
pub(super) fn run<T, A, O, I, S, F>(
    inputs: &[ArrayViewD<'_, T>],
    plan: &Plan,
    terms: &[(usize, usize)],
    mut out: ArrayViewMutD<'_, MaybeUninit<O>>,
    fold: Fold<I, S, F>,
) -> Result<(), Error>
where
    T: Element,
    A: Copy,
    O: Copy + Send + Sync,
    I: Fn(T::Output) -> A + Sync,
    S: Fn(A, T::Output) -> A + Sync,
    F: Fn(A) -> O + Sync,
{
    let shape = inputs[0].shape().to_vec();
    if out.shape() != shape.as_slice() {
        return Err(Error::OutputShape {
            index: 0,
            expected: shape,
            found: out.shape().to_vec(),
        });
    }
    if shape.contains(&0) {
        return Ok(());
    }
    let mut nan = false;
    for f in inputs {
        // Raises under `raise`; under `omit` and `split` NaN needs whole lanes.
        nan |= plan.check_nan(f)?;
    }
    if nan {
        return run_whole(inputs, plan, terms, out, fold);
    }
    let strides = inputs[0].strides();
    let outer = (0..shape.len())
        .filter(|&d| shape[d] > 1)
        .max_by_key(|&d| strides[d].unsigned_abs())
        .unwrap_or(0);
    // About four tasks' worth of elements per slab (1 MB of f64 by default): the scratch
    // derivatives of a slab stay in cache until they are folded.
    let index_len = shape.iter().product::<usize>() / shape[outer];
    let slab_len = (4 * plan.task_size).div_ceil(index_len).max(1);
    let mut serial = plan.clone();
    serial.parallelism = Parallelism::Serial;
    let parts: Vec<Mutex<(usize, ArrayViewMutD<'_, MaybeUninit<O>>)>> = out
        .axis_chunks_iter_mut(Axis(outer), slab_len)
        .enumerate()
        .map(|(s, view)| Mutex::new((s * slab_len, view)))
        .collect();
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    exec::for_each_task(plan.parallelism, &parts, |part| {
        // Each task locks its own part only: never contended, never poisoned by another.
        let mut guard = part.lock().unwrap_or_else(|p| p.into_inner());
        let (start, view) = &mut *guard;
        let slab = *start..*start + view.len_of(Axis(outer));
        if let Err(e) = one_slab(inputs, &serial, terms, outer, slab, view, &fold) {
            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        }
    })?;
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// [`run`] for inputs holding NaN under `omit` or `split`: a lane's derivatives depend on
/// the whole lane, so each input's gradients are computed whole (NaN lanes redone) and
/// folded afterwards, with the same fold in the same term order.
fn run_whole<T, A, O, I, S, F>(
    inputs: &[ArrayViewD<'_, T>],
    plan: &Plan,
    terms: &[(usize, usize)],
    mut out: ArrayViewMutD<'_, MaybeUninit<O>>,
    fold: Fold<I, S, F>,
) -> Result<(), Error>
where
    T: Element,
    A: Copy,
    I: Fn(T::Output) -> A,
    S: Fn(A, T::Output) -> A,
    F: Fn(A) -> O,
{
    let mut gradients = Vec::with_capacity(inputs.len());
    for (c, f) in inputs.iter().enumerate() {
        let used = terms.iter().any(|t| t.0 == c);
        gradients.push(if used {
            plan.gradient(f.view())?
        } else {
            Vec::new()
        });
    }
    let (c0, k0) = terms[0];
    let mut acc = gradients[c0][k0].mapv(&fold.init);
    for &(c, k) in &terms[1..] {
        Zip::from(&mut acc)
            .and(&gradients[c][k])
            .for_each(|a, &d| *a = (fold.step)(*a, d));
    }
    Zip::from(&mut out)
        .and(&acc)
        .for_each(|o, &a| *o = MaybeUninit::new((fold.finish)(a)));
    Ok(())
}

fn one_slab<T, A, O, I, S, F>(
    inputs: &[ArrayViewD<'_, T>],
    plan: &Plan,
    terms: &[(usize, usize)],
    outer: usize,
    slab: std::ops::Range<usize>,
    out: &mut ArrayViewMutD<'_, MaybeUninit<O>>,
    fold: &Fold<I, S, F>,
) -> Result<(), Error>
where
    T: Element,
    A: Copy,
    O: Copy,
    I: Fn(T::Output) -> A,
    S: Fn(A, T::Output) -> A,
    F: Fn(A) -> O,
{
    let slab_shape = out.shape().to_vec();
    let len: usize = slab_shape.iter().product();
    let axes = plan.axes();
    let mut acc: Vec<A> = Vec::with_capacity(len);
    let mut scratch: Vec<MaybeUninit<T::Output>> = Vec::with_capacity(len);
    for (t, &(c, k)) in terms.iter().enumerate() {
        let f = &inputs[c];
        let (left, _) = plan.ghosts(k);
        let n = f.len_of(Axis(axes[k]));
        scratch.clear();
        scratch.resize_with(len, MaybeUninit::uninit);
        if axes[k] != outer {
            // The slab holds the whole axis: its ghosts come from the index map.
            let block = f.slice_axis(Axis(outer), Slice::from(slab.clone()));
            plan.compute_block_fresh(k, block, left, &mut scratch, &slab_shape, 0)?;
        } else {
            let halo = plan.halo(k, slab.clone());
            if halo.start >= left && halo.end <= left + n {
                let local = halo.start - left..halo.end - left;
                let block = f.slice_axis(Axis(outer), Slice::from(local));
                plan.compute_block_fresh(
                    k,
                    block,
                    halo.start,
                    &mut scratch,
                    &slab_shape,
                    slab.start,
                )?;
            } else {
                // The halo wraps or mirrors: read the whole axis through the index map.
                let (block, start) = (f.view(), left);
                plan.compute_block_fresh(k, block, start, &mut scratch, &slab_shape, slab.start)?;
            }
        }
        // SAFETY: `compute_block_fresh` wrote every element of the scratch slab.
        let values = unsafe {
            &*(scratch.as_slice() as *const [MaybeUninit<T::Output>] as *const [T::Output])
        };
        if t == 0 {
            acc.extend(values.iter().map(|&v| (fold.init)(v)));
        } else {
            for (a, &v) in acc.iter_mut().zip(values) {
                *a = (fold.step)(*a, v);
            }
        }
    }
    match out.as_slice_mut() {
        // A C-ordered output slab takes the results in place.
        Some(dst) => {
            for (d, &a) in dst.iter_mut().zip(&acc) {
                d.write((fold.finish)(a));
            }
        }
        None => {
            let acc = ndarray::ArrayView::from_shape(IxDyn(&slab_shape), &acc)
                .expect("one value per element of the slab");
            ndarray::Zip::from(out).and(&acc).for_each(|d, &a| {
                d.write((fold.finish)(a));
            });
        }
    }
    Ok(())
}
