//! The whole-array entry points: `gradient` and `gradient_into`.

use std::cmp::Reverse;
use std::mem::MaybeUninit;

use std::ops::Range;

use ndarray::{Array, ArrayView, ArrayViewMut, Axis, Dimension, IxDyn, Slice};

use crate::element::Element;
use crate::error::Error;
use crate::exec;
use crate::options::{GradientOptions, Parallelism};
use crate::plan::Plan;

/// Output pointers shared by the slab tasks.
struct Targets<'a, O>(&'a [(*mut MaybeUninit<O>, Vec<isize>)]);

// SAFETY: slab tasks write disjoint parts of each output (their slabs partition the
// outermost dimension), and the caller holds the outputs for the whole run.
unsafe impl<O> Sync for Targets<'_, O> {}

impl<O> Targets<'_, O> {
    fn get(&self, k: usize) -> &(*mut MaybeUninit<O>, Vec<isize>) {
        &self.0[k]
    }
}

/// The gradient of `f` along the requested axes: NumPy's `np.gradient`, bit for bit.
///
/// Returns one array per differentiated axis, in the order the axes were given (NumPy
/// returns a single array when there is one axis; here it is a one-element `Vec`). Each
/// output is laid out in the input's memory order (like `np.empty_like`), so Fortran-ordered
/// inputs give Fortran-ordered outputs.
///
/// # Errors
/// NumPy's errors for invalid axes, spacing and too-short axes; see [`Plan::new`].
///
/// # Examples
/// ```
/// use ndarray::array;
/// use ndgrad::{gradient, GradientOptions};
///
/// let f = array![1.0, 2.0, 4.0, 7.0, 11.0];
/// let g = gradient(f.view(), &GradientOptions::new())?;
/// assert_eq!(g[0], array![1.0, 1.5, 2.5, 3.5, 4.0]);
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn gradient<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
) -> Result<Vec<Array<T::Output, D>>, Error> {
    Plan::new(f.shape(), options)?.gradient(f)
}

/// Like [`gradient`], writing into caller-provided outputs (one per axis, shaped like `f`,
/// any layout) instead of allocating.
///
/// # Errors
/// Those of [`gradient`], plus [`Error::OutputCount`] and [`Error::OutputShape`].
pub fn gradient_into<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    outputs: &mut [ArrayViewMut<'_, T::Output, D>],
) -> Result<(), Error> {
    Plan::new(f.shape(), options)?.gradient_into(f, outputs)
}

impl Plan {
    /// [`gradient`] with this plan; `f` must have the planned shape.
    ///
    /// # Errors
    /// [`Error::BlockShape`] if `f`'s shape differs from the plan's.
    pub fn gradient<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
    ) -> Result<Vec<Array<T::Output, D>>, Error> {
        self.check_shape(f.shape())?;
        let mut outputs: Vec<_> = (0..self.axes.len())
            .map(|_| uninit_like::<T::Output, D>(&f))
            .collect();
        let targets: Vec<_> = outputs
            .iter_mut()
            .map(|o| (o.as_mut_ptr(), o.strides().to_vec()))
            .collect();
        self.run_all(f.view(), &targets);
        // SAFETY: `run_all` wrote every element of every output exactly once: the slabs or
        // tasks partition all batch elements x all samples along the axis x all rows.
        Ok(outputs
            .into_iter()
            .map(|o| unsafe { o.assume_init() })
            .collect())
    }

    /// [`gradient_into`] with this plan.
    ///
    /// # Errors
    /// [`Error::BlockShape`], [`Error::OutputCount`], [`Error::OutputShape`].
    pub fn gradient_into<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        outputs: &mut [ArrayViewMut<'_, T::Output, D>],
    ) -> Result<(), Error> {
        self.check_shape(f.shape())?;
        if outputs.len() != self.axes.len() {
            return Err(Error::OutputCount {
                expected: self.axes.len(),
                found: outputs.len(),
            });
        }
        for (index, out) in outputs.iter().enumerate() {
            if out.shape() != f.shape() {
                return Err(Error::OutputShape {
                    index,
                    expected: f.shape().to_vec(),
                    found: out.shape().to_vec(),
                });
            }
        }
        let targets: Vec<_> = outputs
            .iter_mut()
            .map(|o| {
                (
                    o.as_mut_ptr() as *mut MaybeUninit<T::Output>,
                    o.strides().to_vec(),
                )
            })
            .collect();
        self.run_all(f, &targets);
        Ok(())
    }

    /// Every output of the plan for the whole array `f`, into `targets` (pointer to element
    /// 0 and strides of each output, shaped like `f`).
    ///
    /// With several axes and an array large enough, the work is fused: the array is cut
    /// into slabs along its outermost dimension, and each task differentiates its slab (plus
    /// halo) along every axis while the slab is still in cache, so the input is read from
    /// memory about once instead of once per axis.
    fn run_all<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        targets: &[(*mut MaybeUninit<T::Output>, Vec<isize>)],
    ) {
        let kernels: Vec<_> = self
            .axes
            .iter()
            .map(|a| T::prepare(a.precision, &a.stencil))
            .collect();
        let threads = crate::exec::thread_count(self.parallelism);
        let slabs = self.slabs::<T>(f.shape(), f.strides(), threads);
        let Some((outer, slabs)) = slabs else {
            for (k, kernel) in kernels.iter().enumerate() {
                let (ptr, strides) = &targets[k];
                let all = 0..self.shape[self.axes[k].axis];
                kernel.run(&self.block_job(k, &f, 0, *ptr, strides, all, self.parallelism));
            }
            return;
        };
        let outputs = Targets(targets);
        crate::exec::for_each_task(self.parallelism, &slabs, |slab| {
            for (k, kernel) in kernels.iter().enumerate() {
                let axis = self.axes[k].axis;
                let (ptr, strides) = outputs.get(k);
                // This slab's part of output k starts at index slab.start along `outer`.
                let out = ptr.wrapping_offset(slab.start as isize * strides[outer]);
                let (reach, out_range) = if axis == outer {
                    (
                        exec::halo(slab.clone(), self.shape[outer], self.edge_order),
                        slab.clone(),
                    )
                } else {
                    (slab.clone(), 0..self.shape[axis])
                };
                let block = f.slice_axis(Axis(outer), Slice::from(reach.clone()));
                let block_start = if axis == outer { reach.start } else { 0 };
                let job = self.block_job(
                    k,
                    &block,
                    block_start,
                    out,
                    strides,
                    out_range,
                    Parallelism::Serial,
                );
                kernel.run(&job);
            }
        });
    }

    /// The fused schedule for an array of this shape and strides: its outermost memory
    /// dimension and the slabs along it, or `None` where one pass per axis is better (one
    /// axis, small arrays, too few slabs for the threads, or slabs too big for the cache).
    fn slabs<T>(
        &self,
        shape: &[usize],
        strides: &[isize],
        threads: usize,
    ) -> Option<(usize, Vec<Range<usize>>)> {
        /// Largest slab worth fusing: beyond it, the cache no longer holds it.
        const MAX_SLAB_BYTES: usize = 8 << 20;
        /// Fewer samples per slab along the outer axis would re-read too much halo.
        const MIN_SLAB_LEN: usize = 4;

        if self.axes.len() < 2 {
            return None;
        }
        let total: usize = shape.iter().product();
        if total < 2 * self.task_size || total == 0 {
            return None;
        }
        let outer = (0..shape.len())
            .filter(|&d| shape[d] > 1)
            .max_by_key(|&d| strides[d].unsigned_abs())?;
        // A slab of about four tasks' worth of elements (1 MB of f64 input by default), with
        // its halo, stays in the last-level cache while every axis reads it.
        let index_len = total / shape[outer];
        let index_bytes = index_len * std::mem::size_of::<T>();
        let slab_len = (4 * self.task_size).div_ceil(index_len).max(MIN_SLAB_LEN);
        if slab_len * index_bytes > MAX_SLAB_BYTES || shape[outer] < slab_len * 2 * threads {
            return None;
        }
        let n = shape[outer];
        let slabs = (0..n.div_ceil(slab_len))
            .map(|s| s * slab_len..((s + 1) * slab_len).min(n))
            .collect();
        Some((outer, slabs))
    }

    fn check_shape(&self, shape: &[usize]) -> Result<(), Error> {
        if shape != self.shape.as_slice() {
            return Err(Error::BlockShape {
                detail: format!(
                    "the array has shape {shape:?} but the plan was made for {:?}",
                    self.shape
                ),
            });
        }
        Ok(())
    }
}

/// An uninitialized array shaped like `f` and laid out in `f`'s memory order (axes sorted by
/// stride), so kernels walk input and output in step — what `np.empty_like` does.
fn uninit_like<O, D: Dimension>(f: &ArrayView<'_, impl Sized, D>) -> Array<MaybeUninit<O>, D> {
    let strides = f.strides();
    let mut order: Vec<usize> = (0..f.ndim()).collect();
    order.sort_by_key(|&a| Reverse(strides[a].unsigned_abs()));
    let shape: Vec<usize> = order.iter().map(|&a| f.shape()[a]).collect();
    let mut inverse = vec![0; order.len()];
    for (position, &a) in order.iter().enumerate() {
        inverse[a] = position;
    }
    let len = shape.iter().product();
    Array::from_shape_vec(IxDyn(&shape), crate::alloc::uninit_buffer::<O>(len))
        .expect("the buffer has one element per index")
        .permuted_axes(IxDyn(&inverse))
        .into_dimensionality::<D>()
        .expect("the output has the input's number of dimensions")
}
