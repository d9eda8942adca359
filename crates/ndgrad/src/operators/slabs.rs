//! The operators' schedule: the array is cut into slabs along its outermost memory axis;
//! for each slab, every derivative an operator needs is computed into a slab-sized scratch
//! array (`Plan::compute_block`, so blocks, halos and ghosts follow the one halo rule) and
//! combined at once into the output. The input is read about once and the output written
//! once; the derivatives never leave the cache.

use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};

use crate::element::Element;
use crate::error::Error;
use crate::exec;
use crate::options::Parallelism;
use crate::plan::Plan;

/// Computes `out = combine(d_0, d_1, ...)` element by element, `d_t` being output `k` of
/// `plan` applied to `inputs[c]` for the term `(c, k)`.
pub(super) fn run<T: Element, O: Copy + Send + Sync>(
    inputs: &[ArrayViewD<'_, T>],
    plan: &Plan,
    terms: &[(usize, usize)],
    mut out: ArrayViewMutD<'_, O>,
    combine: impl Fn(&[T::Output]) -> O + Sync,
) -> Result<(), Error> {
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
    let strides = inputs[0].strides();
    let outer = (0..shape.len())
        .filter(|&d| shape[d] > 1)
        .max_by_key(|&d| strides[d].unsigned_abs())
        .unwrap_or(0);
    // About four tasks' worth of elements per slab (1 MB of f64 by default): the scratch
    // derivatives of a slab stay in cache until they are combined.
    let index_len = shape.iter().product::<usize>() / shape[outer];
    let slab_len = (4 * plan.task_size).div_ceil(index_len).max(1);
    let mut serial = plan.clone();
    serial.parallelism = Parallelism::Serial;
    let parts: Vec<Mutex<(usize, ArrayViewMutD<'_, O>)>> = out
        .axis_chunks_iter_mut(Axis(outer), slab_len)
        .enumerate()
        .map(|(s, view)| Mutex::new((s * slab_len, view)))
        .collect();
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let zero = <T::Output as Element>::from_f64_cast(0.0);
    exec::for_each_task(plan.parallelism, &parts, |part| {
        // Each task locks its own part only: never contended, never poisoned by another.
        let mut guard = part.lock().unwrap_or_else(|p| p.into_inner());
        let (start, view) = &mut *guard;
        let slab = *start..*start + view.len_of(Axis(outer));
        let result = one_slab(inputs, &serial, terms, outer, slab, view, zero, &combine);
        if let Err(e) = result {
            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        }
    })?;
    match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn one_slab<T: Element, O: Copy>(
    inputs: &[ArrayViewD<'_, T>],
    plan: &Plan,
    terms: &[(usize, usize)],
    outer: usize,
    slab: std::ops::Range<usize>,
    out: &mut ArrayViewMutD<'_, O>,
    zero: T::Output,
    combine: &impl Fn(&[T::Output]) -> O,
) -> Result<(), Error> {
    let slab_shape = out.shape().to_vec();
    let axes = plan.axes();
    let mut scratch: Vec<ArrayD<T::Output>> = Vec::with_capacity(terms.len());
    for &(c, k) in terms {
        let f = &inputs[c];
        let (left, _) = plan.ghosts(k);
        let n = f.len_of(Axis(axes[k]));
        let mut d = ArrayD::from_elem(IxDyn(&slab_shape), zero);
        if axes[k] != outer {
            // The slab holds the whole axis: its ghosts come from the index map.
            let block = f.slice_axis(Axis(outer), Slice::from(slab.clone()));
            plan.compute_block(k, block, left, d.view_mut(), 0)?;
        } else {
            let halo = plan.halo(k, slab.clone());
            if halo.start >= left && halo.end <= left + n {
                let local = halo.start - left..halo.end - left;
                let block = f.slice_axis(Axis(outer), Slice::from(local));
                plan.compute_block(k, block, halo.start, d.view_mut(), slab.start)?;
            } else {
                // The halo wraps or mirrors: read the whole axis through the index map.
                plan.compute_block(k, f.view(), left, d.view_mut(), slab.start)?;
            }
        }
        scratch.push(d);
    }
    let slices: Vec<&[T::Output]> = scratch
        .iter()
        .map(|d| d.as_slice().expect("fresh arrays are contiguous"))
        .collect();
    let mut values = vec![zero; terms.len()];
    let combined: Vec<O> = (0..slices[0].len())
        .map(|e| {
            for (v, s) in values.iter_mut().zip(&slices) {
                *v = s[e];
            }
            combine(&values)
        })
        .collect();
    let combined = ndarray::ArrayView::from_shape(IxDyn(&slab_shape), &combined)
        .expect("one value per element of the slab");
    out.assign(&combined);
    Ok(())
}
