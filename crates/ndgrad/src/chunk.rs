//! Blocks with a halo: computing part of an axis from a slab of the array.
//!
//! A block is a sub-array holding samples `block_start..block_start + m` along the gradient
//! axis (and any part of the other axes). Its output covers samples `out_start..` along that
//! axis; the block must reach the halo those outputs read ([`Plan::halo`]). The same kernels
//! run on the same global indices with the globally resolved stencil, so any blocking gives
//! exactly the in-memory result. The whole-array gradient is simply the one-block case.

use std::mem::MaybeUninit;
use std::ops::Range;

use ndarray::{ArrayView, ArrayViewMut, Axis, Dimension};

use crate::element::Element;
use crate::error::Error;
use crate::exec::{self, BlockJob};
use crate::options::Parallelism;
use crate::plan::Plan;

impl Plan {
    /// The samples along output `k`'s axis that outputs `out` read: one neighbour each side,
    /// and the first or last `edge_order + 1` samples where `out` touches an end.
    pub fn halo(&self, k: usize, out: Range<usize>) -> Range<usize> {
        exec::halo(out, self.shape[self.axes[k].axis], self.edge_order)
    }

    /// Computes output `k` for one block of the planned array.
    ///
    /// `block` holds samples `block_start..` of the planned array along output `k`'s axis;
    /// `out` receives samples `out_start..out_start + out.len_of(axis)` of the gradient.
    /// Along every other axis `block` and `out` must have the same length (they are the same
    /// slab of the array). The result is bit-identical to the same samples of
    /// [`gradient`](crate::gradient) on the whole array.
    ///
    /// # Errors
    /// [`Error::BlockShape`] if the shapes disagree or `out` reaches past the array,
    /// [`Error::BlockMissingHalo`] if `block` lacks samples that `out` needs.
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
        let axis = self
            .axes
            .get(k)
            .map(|a| a.axis)
            .ok_or_else(|| Error::BlockShape {
                detail: format!(
                    "output {k} does not exist: the plan has {}",
                    self.axes.len()
                ),
            })?;
        if block.ndim() != self.shape.len() || out.ndim() != self.shape.len() {
            return Err(Error::BlockShape {
                detail: format!(
                    "block and output must have {} dimensions like the planned array",
                    self.shape.len()
                ),
            });
        }
        for d in (0..self.shape.len()).filter(|&d| d != axis) {
            if block.len_of(Axis(d)) != out.len_of(Axis(d)) {
                return Err(Error::BlockShape {
                    detail: format!(
                        "block and output differ along axis {d} ({} vs {})",
                        block.len_of(Axis(d)),
                        out.len_of(Axis(d))
                    ),
                });
            }
        }
        let len = self.shape[axis];
        let out_range = out_start..out_start + out.len_of(Axis(axis));
        if out_range.end > len {
            return Err(Error::BlockShape {
                detail: format!("output samples {out_range:?} reach past the axis length {len}"),
            });
        }
        let given = block_start..block_start + block.len_of(Axis(axis));
        let needed = self.halo(k, out_range.clone());
        if !needed.is_empty() && (needed.start < given.start || needed.end > given.end) {
            return Err(Error::BlockMissingHalo { needed, given });
        }
        let output = out.as_mut_ptr() as *mut MaybeUninit<T::Output>;
        self.run(k, block, block_start, output, out.strides(), out_range);
        Ok(())
    }

    /// Runs output `k` into raw output memory laid out with `out_strides` (elements).
    /// The caller guarantees the output memory is valid, writable and unaliased.
    pub(crate) fn run<T: Element, D: Dimension>(
        &self,
        k: usize,
        block: ArrayView<'_, T, D>,
        block_start: usize,
        output: *mut MaybeUninit<T::Output>,
        out_strides: &[isize],
        out_range: Range<usize>,
    ) {
        let plan = &self.axes[k];
        let kernel = T::prepare(plan.precision, &plan.stencil);
        kernel.run(&self.block_job(
            k,
            &block,
            block_start,
            output,
            out_strides,
            out_range,
            self.parallelism,
        ));
    }

    /// The job of output `k` for one block (see [`Plan::compute_block`] for the arguments).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn block_job<'a, T: Element, D: Dimension>(
        &self,
        k: usize,
        block: &'a ArrayView<'_, T, D>,
        block_start: usize,
        output: *mut MaybeUninit<T::Output>,
        out_strides: &'a [isize],
        out_range: Range<usize>,
        parallelism: Parallelism,
    ) -> BlockJob<'a, T> {
        let axis = self.axes[k].axis;
        BlockJob {
            input: block.as_ptr(),
            in_strides: block.strides(),
            shape: block.shape(),
            output,
            out_strides,
            axis,
            len: self.shape[axis],
            block_start,
            out_range,
            edge_order: self.edge_order,
            parallelism,
            task_size: self.task_size,
        }
    }
}
