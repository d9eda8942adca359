//! One Dask block, every differentiated axis at once, from the block and the thin slices of
//! its neighbours: no overlapped copy of the block is ever made.
//!
//! For output `k` along axis `a`, the block's outputs split into three pieces. The middle
//! rows read only the block, so they are computed from it in place; the first and last
//! `reach` rows read up to `reach` samples beyond the block, so they are computed from a
//! small copy: the neighbour's slice (or the ghost rows of a boundary mode) joined to the
//! block's `2 * reach` rows at that end. Each piece is `Plan::compute_block` on the global
//! indices, so the result is the whole array's, bit for bit.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, Slice, concatenate};
use ndgrad::{Element, Plan};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::{args, call_options, errors, make_plan, pooled};

/// The samples just before and just after a block along one differentiated axis: a
/// neighbour's slice, ghost rows, or nothing at an end without ghosts.
type Neighbours<'py> = (
    Option<Bound<'py, PyUntypedArray>>,
    Option<Bound<'py, PyUntypedArray>>,
);

/// Every output of a call on an array of `shape` for one block starting at `origin` (its
/// first index along every axis): a tuple of arrays shaped like the block. `neighbours[k]`
/// holds the samples before and after the block along output `k`'s axis: at least
/// `Plan::reach` of them, or the ghost rows where the block touches an end with a boundary
/// mode, or None at an end without ghosts (or where the block holds the whole axis).
#[pyfunction]
#[pyo3(signature = (block, neighbours, shape, varargs, axis, edge_order, ext, origin))]
#[allow(clippy::too_many_arguments)]
pub fn gradient_parts<'py>(
    py: Python<'py>,
    block: &Bound<'py, PyUntypedArray>,
    neighbours: Vec<Neighbours<'py>>,
    shape: Vec<usize>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: &Bound<'py, PyAny>,
    ext: Option<&Bound<'py, PyAny>>,
    origin: Vec<usize>,
) -> PyResult<Py<PyAny>> {
    let dtype = args::dtype(&block.dtype()).map_err(|reason| {
        PyTypeError::new_err(format!(
            "ndgrad computes blocks of numeric data, not {} ({})",
            block.dtype(),
            reason.describe()
        ))
    })?;
    let (options, edge_order) = call_options(py, varargs, axis, edge_order).map_err(|reason| {
        PyTypeError::new_err(format!(
            "this call is not supported for blocks ({})",
            reason.describe()
        ))
    })?;
    let plan = make_plan(py, &shape, options.threads(1), edge_order, ext)?;
    if block.ndim() != shape.len() || origin.len() != shape.len() {
        return Err(PyValueError::new_err(
            "block or origin of the wrong dimension",
        ));
    }
    if neighbours.len() != plan.axes().len() {
        return Err(PyValueError::new_err(format!(
            "{} neighbour pairs for {} outputs",
            neighbours.len(),
            plan.axes().len()
        )));
    }
    ndgrad::with_dtype!(dtype, T => parts::<T>(py, block, &neighbours, &plan, &origin))
}

/// [`gradient_parts`] for element type `T`.
fn parts<'py, T>(
    py: Python<'py>,
    block: &Bound<'py, PyUntypedArray>,
    neighbours: &[Neighbours<'py>],
    plan: &Plan,
    origin: &[usize],
) -> PyResult<Py<PyAny>>
where
    T: Element + numpy::Element,
    T::Output: numpy::Element,
{
    let read = |a: &Bound<'py, PyUntypedArray>| -> PyResult<ArrayD<T>> {
        let a = crate::layout::readable(a)?;
        let typed = a.cast::<PyArrayDyn<T>>().map_err(|_| {
            PyTypeError::new_err("a neighbour slice differs in dtype from its block")
        })?;
        Ok(typed.try_readonly()?.as_array().to_owned())
    };
    crate::layout::check_ndim(block, "a block")?;
    let block = &crate::layout::readable(block)?;
    let f = block.cast::<PyArrayDyn<T>>()?.try_readonly()?;
    let c_order: Vec<usize> = (0..block.ndim()).collect();
    let mut outputs = Vec::with_capacity(neighbours.len());
    for (k, (before, after)) in neighbours.iter().enumerate() {
        let before = before.as_ref().map(read).transpose()?;
        let after = after.as_ref().map(read).transpose()?;
        let out = match pooled::<T::Output>(py, block.shape(), &c_order)? {
            Some(out) => out,
            // SAFETY: every element is written below before the array is returned; on an
            // error it is dropped unread (plain numbers, no drop glue).
            None => unsafe { PyArrayDyn::<T::Output>::new(py, block.shape().to_vec(), false) },
        };
        {
            let mut target = out.try_readwrite()?;
            let pieces = Pieces {
                plan,
                k,
                block: f.as_array(),
                before: before.as_ref().map(|b| b.view()),
                after: after.as_ref().map(|a| a.view()),
                origin,
            };
            let view = target.as_array_mut();
            py.detach(|| pieces.compute(view)).map_err(|e| match e {
                ndgrad::Error::NanFound { mut index, axis } => {
                    // Along the axis the core names the array's index, along the others
                    // the block's: shift those by the block's origin.
                    for (d, i) in index.iter_mut().enumerate() {
                        if d != axis {
                            *i += origin[d];
                        }
                    }
                    errors::to_py(py, ndgrad::Error::NanFound { index, axis })
                }
                other => errors::to_py(py, other),
            })?;
        }
        outputs.push(out.into_any());
    }
    Ok(PyTuple::new(py, outputs)?.into_any().unbind())
}

/// The inputs of output `k` for one block.
struct Pieces<'a, T> {
    plan: &'a Plan,
    k: usize,
    block: ArrayViewD<'a, T>,
    before: Option<ArrayViewD<'a, T>>,
    after: Option<ArrayViewD<'a, T>>,
    origin: &'a [usize],
}

impl<T: Element> Pieces<'_, T> {
    /// Writes every output of the block into `out` (the block's shape).
    fn compute(&self, mut out: ArrayViewMutD<'_, T::Output>) -> Result<(), ndgrad::Error> {
        let a = Axis(self.plan.axes()[self.k]);
        let len = self.block.len_of(a);
        let start = self.origin[a.index()];
        // The block's first sample on the extended axis (real sample i is i + left ghosts).
        let first = start + self.plan.ghosts(self.k).0;
        let before = self.before.as_ref().map_or(0, |b| b.len_of(a));
        let depth = self.plan.reach(self.k).max(1);
        if before == 0 && self.after.is_none() {
            // Nothing beyond the block: it holds the whole axis (ghosts come from the
            // plan's index map), or the array is this one block.
            return self
                .plan
                .compute_block(self.k, self.block.view(), first, out, start);
        }
        if len <= 4 * depth {
            // A thin block: one joined copy is cheap.
            let joined = self.join(0..len);
            return self
                .plan
                .compute_block(self.k, joined.view(), first - before, out, start);
        }
        let rows = |r: std::ops::Range<usize>| Slice::from(r);
        // The first `depth` outputs: the samples before the block and its first 2 depth.
        let head = self.join(0..2 * depth);
        let target = out.slice_axis_mut(a, rows(0..depth));
        self.plan
            .compute_block(self.k, head.view(), first - before, target, start)?;
        // The middle: the block alone.
        let middle = len - 2 * depth;
        let target = out.slice_axis_mut(a, rows(depth..depth + middle));
        self.plan
            .compute_block(self.k, self.block.view(), first, target, start + depth)?;
        // The last `depth`: the block's last 2 depth and the samples after it.
        let tail = self.join(len - 2 * depth..len);
        let target = out.slice_axis_mut(a, rows(len - depth..len));
        let tail_first = first + len - 2 * depth;
        self.plan
            .compute_block(self.k, tail.view(), tail_first, target, start + len - depth)
    }

    /// Block rows `rows` with the samples before them (if `rows` starts the block) and
    /// after them (if it ends it), as one array.
    fn join(&self, rows: std::ops::Range<usize>) -> ArrayD<T> {
        let a = Axis(self.plan.axes()[self.k]);
        let len = self.block.len_of(a);
        let mut parts: Vec<ArrayViewD<'_, T>> = Vec::with_capacity(3);
        if rows.start == 0 {
            parts.extend(self.before.as_ref().map(|b| b.view()));
        }
        parts.push(self.block.slice_axis(a, Slice::from(rows.clone())));
        if rows.end == len {
            parts.extend(self.after.as_ref().map(|b| b.view()));
        }
        concatenate(a, &parts).expect("the slices agree along every other axis")
    }
}
