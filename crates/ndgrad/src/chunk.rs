//! Blocks with a halo: computing part of an axis from a slab of the array.
//!
//! A block is a sub-array holding samples `block_start..block_start + m` along the gradient
//! axis (and any part of the other axes). Its output covers samples `out_start..` along that
//! axis; the block must reach the halo those outputs read ([`Plan::halo`]). The same kernels
//! run on the same global indices with the globally resolved stencil, so any blocking gives
//! exactly the in-memory result. The whole-array gradient is simply the one-block case.

use std::mem::MaybeUninit;
use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut, Axis, Dimension, Slice};

use crate::element::Element;
use crate::error::Error;
use crate::exec::BlockJob;
use crate::options::Parallelism;
use crate::plan::Plan;

impl Plan {
    /// The input samples that output samples `out` of output `k` read, as indices on the
    /// extended axis ([`Plan::ghosts`]: real sample `i` is `i + ghosts.0`; without a
    /// boundary mode the two are the same). NumPy's scheme reads one neighbour each side and
    /// the first or last `edge_order + 1` samples where `out` touches an end.
    ///
    /// # Panics
    /// If `k` is not below the number of outputs.
    pub fn halo(&self, k: usize, out: Range<usize>) -> Range<usize> {
        let a = &self.axes[k];
        let shift = a.ghosts.left;
        a.halo(out.start + shift..out.end + shift)
    }

    /// Computes output `k` for one block of the planned array.
    ///
    /// `block` holds samples `block_start..` of output `k`'s axis, counted on the extended
    /// axis (see [`Plan::ghosts`]; the same as the planned array's without a boundary mode),
    /// so a block may carry ghost samples its front filled (wrapped, mirrored or constant
    /// rows). A block that holds the whole real axis needs no ghosts: they are read through
    /// the boundary's index map. `out` receives real samples
    /// `out_start..out_start + out.len_of(axis)` of the gradient.
    /// Along every other axis `block` and `out` must have the same length (they are the same
    /// slab of the array). The result is bit-identical to the same samples of
    /// [`gradient`](crate::gradient) on the whole array.
    ///
    /// Under a NaN policy ([`NanPolicy`](crate::NanPolicy)) the block's real samples are
    /// checked: `raise` fails on a NaN among them; under `omit` (and `split` where
    /// [`Plan::needs_whole_axis`]) a block holding NaN must hold the whole axis, else
    /// `split` needs [`Plan::reach`] real samples each side of the outputs (or the axis end).
    ///
    /// # Errors
    /// [`Error::NoSuchOutput`], [`Error::BlockDimensions`] or [`Error::BlockOutputMismatch`]
    /// if the arguments do not fit the plan, [`Error::NanFound`] under `raise` (its index is
    /// the array's along the axis, the block's along the others),
    /// [`Error::NanPolicyNeedsWholeAxis`] or [`Error::BlockMissingHalo`] as above, [`Error::OutputPastEnd`] if `out` reaches past
    /// the axis, [`Error::BlockMissingHalo`] if `block` lacks samples that `out` needs,
    /// [`Error::ThreadPool`] if the plan's threads cannot be started.
    ///
    /// # Examples
    /// ```
    /// use ndarray::{Array2, Axis, Slice};
    /// use ndgrad::{AxisSpacing, GradientOptions, Plan, gradient};
    ///
    /// let f = Array2::<f64>::from_shape_fn((1000, 80), |(i, j)| ((i * j) as f64).sqrt());
    /// let x: Vec<f64> = (0..1000).map(|i| (i as f64).powf(1.2)).collect();
    /// let options = GradientOptions::new().axis(0).spacings([AxisSpacing::from(x)]);
    /// let plan = Plan::new(f.shape(), &options)?;
    /// let mut out = Array2::<f64>::zeros((1000, 80));
    /// for start in (0..1000).step_by(128) {
    ///     let rows = start..(start + 128).min(1000);
    ///     let halo = plan.halo(0, rows.clone()); // the input rows these outputs read
    ///     let block = f.slice_axis(Axis(0), Slice::from(halo.clone()));
    ///     let target = out.slice_axis_mut(Axis(0), Slice::from(rows.clone()));
    ///     plan.compute_block(0, block, halo.start, target, rows.start)?;
    /// }
    /// assert_eq!(out, gradient(f.view(), &options)?[0]);
    /// # Ok::<(), ndgrad::Error>(())
    /// ```
    pub fn compute_block<T: Element, D: Dimension>(
        &self,
        k: usize,
        block: ArrayView<'_, T, D>,
        block_start: usize,
        mut out: ArrayViewMut<'_, T::Output, D>,
        out_start: usize,
    ) -> Result<(), Error> {
        let out_range = self.check_block(k, &block, block_start, out.shape(), out_start)?;
        let (real_part, real) = self.real_part(k, &block, block_start);
        let out_real = out_start..out_start + out_range.len();
        let redo = self.check_block_nan(k, &real_part, real.clone(), out_real)?;
        let output = out.as_mut_ptr() as *mut MaybeUninit<T::Output>;
        // SAFETY: `out` is exclusively borrowed for this call and has the strides passed
        // along; `check_block` verified the block covers the halo of `out_range`, and that
        // both have the planned number of dimensions and agree on every other axis.
        unsafe { self.run(k, block, block_start, output, out.strides(), out_range)? };
        if redo {
            self.redo_lanes(k, &real_part, real.start, out, out_start)?;
        }
        Ok(())
    }

    /// The part of `block` (from extended index `block_start` along output `k`'s axis)
    /// that holds real samples, not ghosts, and those samples' real indices.
    fn real_part<'a, T, D: Dimension>(
        &self,
        k: usize,
        block: &ArrayView<'a, T, D>,
        block_start: usize,
    ) -> (ArrayView<'a, T, D>, Range<usize>) {
        let a = &self.axes[k];
        let real = a.ghosts.real();
        let given = block_start..block_start + block.len_of(Axis(a.axis));
        let lo = real.start.max(given.start);
        let hi = real.end.min(given.end).max(lo);
        let part = block.clone().slice_axis_move(
            Axis(a.axis),
            Slice::from(lo - given.start..hi - given.start),
        );
        (part, lo - real.start..hi - real.start)
    }

    /// [`Plan::compute_block`] into a fresh, uninitialized output of `out_shape` in C order:
    /// every element is written on success (the operators' scratch derivatives).
    pub(crate) fn compute_block_fresh<T: Element, D: Dimension>(
        &self,
        k: usize,
        block: ArrayView<'_, T, D>,
        block_start: usize,
        out: &mut [MaybeUninit<T::Output>],
        out_shape: &[usize],
        out_start: usize,
    ) -> Result<(), Error> {
        assert_eq!(
            out.len(),
            out_shape.iter().product::<usize>(),
            "one slot per element"
        );
        let out_range = self.check_block(k, &block, block_start, out_shape, out_start)?;
        let mut strides = vec![0isize; out_shape.len()];
        let mut step = 1isize;
        for d in (0..out_shape.len()).rev() {
            strides[d] = step;
            step *= out_shape[d].max(1) as isize;
        }
        // SAFETY: `out` holds one element per index of `out_shape` at these C-order strides,
        // exclusively borrowed; `check_block` verified the block as for `compute_block`.
        unsafe { self.run(k, block, block_start, out.as_mut_ptr(), &strides, out_range) }
    }

    /// Checks a block and its output against the plan; returns the output's samples along
    /// output `k`'s axis as extended indices.
    fn check_block<T, D: Dimension>(
        &self,
        k: usize,
        block: &ArrayView<'_, T, D>,
        block_start: usize,
        out_shape: &[usize],
        out_start: usize,
    ) -> Result<Range<usize>, Error> {
        let axis = self
            .axes
            .get(k)
            .map(|a| a.axis)
            .ok_or(Error::NoSuchOutput {
                index: k,
                outputs: self.axes.len(),
            })?;
        for ndim in [block.ndim(), out_shape.len()] {
            if ndim != self.shape.len() {
                return Err(Error::BlockDimensions {
                    expected: self.shape.len(),
                    found: ndim,
                });
            }
        }
        for d in (0..self.shape.len()).filter(|&d| d != axis) {
            if block.len_of(Axis(d)) != out_shape[d] {
                return Err(Error::BlockOutputMismatch {
                    axis: d,
                    block: block.len_of(Axis(d)),
                    output: out_shape[d],
                });
            }
        }
        let len = self.shape[axis];
        let out_range = out_start..out_start + out_shape[axis];
        if out_range.end > len {
            return Err(Error::OutputPastEnd {
                range: out_range,
                len,
            });
        }
        let given = block_start..block_start + block.len_of(Axis(axis));
        let needed = self.halo(k, out_range.clone());
        let real = self.axes[k].ghosts.real();
        let covers = |r: &Range<usize>| r.start >= given.start && r.end <= given.end;
        if !needed.is_empty() && !covers(&needed) && !covers(&real) {
            return Err(Error::BlockMissingHalo { needed, given });
        }
        let shift = self.axes[k].ghosts.left;
        Ok(out_range.start + shift..out_range.end + shift)
    }

    /// Runs output `k` into raw output memory laid out with `out_strides` (elements).
    ///
    /// # Safety
    /// `output` with `out_strides` must address, for every index of `block` (with
    /// `out_range.len()` samples along output `k`'s axis instead of the block's), memory that
    /// is valid for writes and not accessed by anything else during the call; `block` must
    /// hold the samples [`Plan::halo`] names for `out_range`, starting at `block_start`.
    pub(crate) unsafe fn run<T: Element, D: Dimension>(
        &self,
        k: usize,
        block: ArrayView<'_, T, D>,
        block_start: usize,
        output: *mut MaybeUninit<T::Output>,
        out_strides: &[isize],
        out_range: Range<usize>,
    ) -> Result<(), Error> {
        self.check_constants(T::DTYPE)?;
        let plan = &self.axes[k];
        let kernel = T::prepare(plan.precision, &plan.stencil);
        let job = self.block_job(
            k,
            &block,
            block_start,
            output,
            out_strides,
            out_range,
            self.parallelism,
        );
        // SAFETY: the job describes the caller's block and output, which meet `run`'s
        // contract (this function's own).
        unsafe { kernel.run(&job) }
    }

    /// The job of output `k` for one block (see [`Plan::compute_block`] for the arguments;
    /// `block_start` and `out_range` are extended indices).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn block_job<'a, T: Element, D: Dimension>(
        &'a self,
        k: usize,
        block: &'a ArrayView<'_, T, D>,
        block_start: usize,
        output: *mut MaybeUninit<T::Output>,
        out_strides: &'a [isize],
        out_range: Range<usize>,
        parallelism: Parallelism,
    ) -> BlockJob<'a, T> {
        let plan = &self.axes[k];
        BlockJob {
            input: block.as_ptr(),
            in_strides: block.strides(),
            shape: block.shape(),
            output,
            out_strides,
            axis: plan.axis,
            plan,
            block_start,
            out_range,
            parallelism,
            task_size: self.task_size,
        }
    }
}
