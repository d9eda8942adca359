//! The fused schedule: all requested axes from one pass over the input.
//!
//! The array is cut into slabs along its outermost memory dimension; each task
//! differentiates its slab (plus halo) along every axis while the slab is in cache, writing
//! the slab's part of every output. Slabs partition the outputs, so the threads that compute
//! a part of an output are the ones that first touch its pages.

use std::mem::MaybeUninit;
use std::ops::Range;

use ndarray::{ArrayView, Axis, Dimension, Slice};

use crate::element::Element;
use crate::error::Error;
use crate::exec;
use crate::options::Parallelism;
use crate::plan::Plan;

/// Output pointers shared by the slab tasks.
struct Targets<'a, O>(&'a [(*mut MaybeUninit<O>, Vec<isize>)]);

// SAFETY: slab tasks write disjoint parts of each output (their slabs partition the
// outermost dimension), and the caller holds the outputs for the whole run.
unsafe impl<O> Sync for Targets<'_, O> {}

impl<O> Targets<'_, O> {
    /// A method, not `targets.0[k]`: a closure would capture the field alone, whose raw
    /// pointers are not `Sync`, instead of the `Sync` wrapper.
    fn get(&self, k: usize) -> &(*mut MaybeUninit<O>, Vec<isize>) {
        &self.0[k]
    }
}

impl Plan {
    /// Every output of the plan for the whole array `f`, into `targets` (pointer to element
    /// 0 and strides of each output, shaped like `f`).
    ///
    /// # Safety
    /// Each target must address an array shaped like `f` (with its strides) that is valid
    /// for writes and accessed by nothing else during the call; `f` has the planned shape.
    ///
    /// # Errors
    /// [`Error::ThreadPool`] if the plan's threads cannot be started.
    ///
    /// With several axes and an array large enough, the work is fused: the array is cut
    /// into slabs along its outermost dimension, and each task differentiates its slab (plus
    /// halo) along every axis while the slab is still in cache, so the input is read from
    /// memory about once instead of once per axis.
    pub(crate) unsafe fn run_all<T: Element, D: Dimension>(
        &self,
        f: ArrayView<'_, T, D>,
        targets: &[(*mut MaybeUninit<T::Output>, Vec<isize>)],
    ) -> Result<(), Error> {
        self.check_constants(T::DTYPE)?;
        let kernels: Vec<_> = self
            .axes
            .iter()
            .map(|a| T::prepare(a.precision, &a.stencil))
            .collect();
        let threads = exec::thread_count(self.parallelism);
        let slabs = self.slabs::<T>(f.shape(), f.strides(), threads);
        let Some((outer, slabs)) = slabs else {
            for (k, kernel) in kernels.iter().enumerate() {
                let (ptr, strides) = &targets[k];
                // The whole array holds the whole real axis: ghosts come from the index map.
                let real = self.axes[k].ghosts.real();
                let job = self.block_job(k, &f, real.start, *ptr, strides, real, self.parallelism);
                // SAFETY: the whole array is its own block, and target k is its output.
                unsafe { kernel.run(&job)? };
            }
            return Ok(());
        };
        let outputs = Targets(targets);
        exec::for_each_task(self.parallelism, &slabs, |slab| {
            for (k, kernel) in kernels.iter().enumerate() {
                let axis = self.axes[k].axis;
                let (ptr, strides) = outputs.get(k);
                // This slab's part of output k starts at index slab.start along `outer`.
                let out = ptr.wrapping_offset(slab.start as isize * strides[outer]);
                let plan = &self.axes[k];
                let shift = plan.ghosts.left;
                let (block, block_start, out_range) = if axis != outer {
                    (
                        f.slice_axis(Axis(outer), Slice::from(slab.clone())),
                        shift,
                        plan.ghosts.real(),
                    )
                } else if plan.ghosts.is_empty() {
                    let reach = plan.halo(slab.clone());
                    let block = f.slice_axis(Axis(outer), Slice::from(reach.clone()));
                    (block, reach.start, slab.clone())
                } else {
                    // Ghost rows wrap around or mirror: the slab's task reads them from the
                    // whole array through the index map.
                    let out = slab.start + shift..slab.end + shift;
                    (f.view(), shift, out)
                };
                let job = self.block_job(
                    k,
                    &block,
                    block_start,
                    out,
                    strides,
                    out_range,
                    Parallelism::Serial,
                );
                // SAFETY: the block is the slab plus its halo along `outer` (so it holds
                // every sample the slab's outputs read), and this task alone writes the
                // slab's part of output k. Serial jobs start no pool, so cannot fail.
                let serial = unsafe { kernel.run(&job) };
                debug_assert!(serial.is_ok());
            }
        })
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
}
