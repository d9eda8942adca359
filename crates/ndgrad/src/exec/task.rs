//! The drivers of one task: a range of batch elements times a range of output samples,
//! walked as whole rows (row mode) or along lanes (lane mode), reading samples by extended
//! index so ghosts need no special case in the stencils.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::geometry::{Dim, Geometry};
use super::{BlockJob, Coefficients};
use crate::element::{Compute, Element, Load, Store};
use crate::ghosts::Source;

pub(crate) struct Task<'a, 'j, T: Element, S, C: Compute> {
    pub(crate) _arithmetic: std::marker::PhantomData<S>,
    pub(crate) job: &'a BlockJob<'j, T>,
    pub(crate) geometry: &'a Geometry,
    pub(crate) coefficients: &'a Coefficients<C>,
}

impl<T, S, C> Task<'_, '_, T, S, C>
where
    T: Element + Load<S>,
    S: Compute + Load<C>,
    T::Output: Store<C>,
    C: Compute,
{
    /// # Safety
    /// The job meets [`AxisKernel::run`](super::AxisKernel::run)'s contract, and no other
    /// task writes the outputs of `batches` x `rows`.
    pub(crate) unsafe fn run(&self, batches: Range<usize>, rows: Range<usize>) {
        // SAFETY: forwarded contract.
        unsafe {
            match self.geometry.row {
                Some(row) => self.run_rows(row, batches, rows),
                None => self.run_lanes(batches, rows),
            }
        }
    }

    /// Where extended sample `j` is read: in the block, or through the ghost index map
    /// (only needed, and only valid, when the block holds the whole real axis).
    fn resolve(&self, j: usize) -> Source {
        let job = self.job;
        let block = job.block_start..job.block_start + job.shape[job.axis];
        if block.contains(&j) {
            Source::Sample(j)
        } else {
            job.plan.ghosts.source(j)
        }
    }

    /// Row mode: output row `i` from input rows around `i`, for each batch element.
    ///
    /// # Safety
    /// As [`Task::run`].
    unsafe fn run_rows(&self, row: Dim, batches: Range<usize>, rows: Range<usize>) {
        let g = self.geometry.grad;
        let job = self.job;
        // One scratch row per input row a stencil reads at once: gathered strided rows and
        // constant ghost rows live there until the output row is written.
        let mut scratch: Vec<Vec<T>> = vec![Vec::new(); self.coefficients.width()];
        let mut out_scratch: Vec<MaybeUninit<T::Output>> = Vec::new();
        if row.so != 1 {
            out_scratch.resize_with(row.len, MaybeUninit::uninit);
        }
        let n = job.plan.extended_len();
        // Whole rows: walking column chunks down the rows instead (to keep wide stencils'
        // rows in L1) measured slower, the per-row setup outweighing the cache gain.
        let chunk = row.len;
        for b in batches {
            let (bi, bo) = self.geometry.batch_offsets(b);
            for c0 in (0..row.len).step_by(chunk) {
                let width = chunk.min(row.len - c0);
                // Columns c0..c0 + width of the input row at extended sample j.
                let source = |j: usize, buf: &mut Vec<T>| -> *const T {
                    let j = match self.resolve(j) {
                        Source::Sample(j) => j,
                        Source::Constant(v) => {
                            buf.clear();
                            buf.resize(width, T::from_f64_cast(v));
                            return buf.as_ptr();
                        }
                    };
                    let offset = bi + (j - job.block_start) as isize * g.si + c0 as isize * row.si;
                    let p = job.input.wrapping_offset(offset);
                    if row.si == 1 {
                        return p;
                    }
                    buf.clear();
                    // SAFETY: element k of this row lies inside the input block (the plan
                    // checked the block covers every sample the output range needs).
                    buf.extend((0..width).map(|k| unsafe { *p.offset(k as isize * row.si) }));
                    buf.as_ptr()
                };
                for i in rows.clone() {
                    let out_offset =
                        bo + (i - job.out_range.start) as isize * g.so + c0 as isize * row.so;
                    let out_ptr = job.output.wrapping_offset(out_offset);
                    let slots = scratch.as_mut_ptr();
                    // SAFETY: `source` returns pointers to `width` readable elements (in the
                    // block or in a scratch row); each slot is a distinct scratch row, and a
                    // stencil gives each row it reads at once its own slot, so no slice
                    // handed out is overwritten before this output row is written.
                    let read = |j: usize, slot: usize| -> &[T] {
                        let buf = unsafe { &mut *slots.add(slot) };
                        unsafe { std::slice::from_raw_parts(source(j, buf), width) }
                    };
                    let out: &mut [MaybeUninit<T::Output>] = if row.so == 1 {
                        // SAFETY: this task alone writes output row i of batch element b,
                        // whose columns c0..c0 + width are contiguous in the output buffer.
                        unsafe { std::slice::from_raw_parts_mut(out_ptr, width) }
                    } else {
                        &mut out_scratch[..width]
                    };
                    match self.coefficients {
                        Coefficients::NumPy(c) => c.fill_row::<T, S, _>(out, i, n, read),
                        Coefficients::Taps(c) => c.fill_row::<T, S, _>(out, i, read),
                    }
                    if row.so != 1 {
                        for (k, v) in out_scratch[..width].iter().enumerate() {
                            // SAFETY: element c0 + k of output row i, this task's alone.
                            unsafe { *out_ptr.offset(k as isize * row.so) = *v };
                        }
                    }
                }
            }
        }
    }

    /// Lane mode: each batch element is one lane along the gradient axis.
    ///
    /// # Safety
    /// As [`Task::run`].
    unsafe fn run_lanes(&self, batches: Range<usize>, rows: Range<usize>) {
        let g = self.geometry.grad;
        let job = self.job;
        let n = job.plan.extended_len();
        let block = job.block_start..job.block_start + job.shape[job.axis];
        let inside = |r: Range<usize>| {
            let w = job.plan.halo(r);
            w.start >= block.start && w.end <= block.end
        };
        // Outputs whose windows reach ghosts (at most a stencil's width at each end) are
        // computed from small gathered windows; the rest straight from the lane.
        let mut a = rows.start;
        while a < rows.end && !inside(a..a + 1) {
            a += 1;
        }
        let mut z = rows.end;
        while z > a && !inside(z - 1..z) {
            z -= 1;
        }
        // The same for every lane of the task: worked out once, with their windows.
        let segments: Vec<(Range<usize>, Range<usize>, bool)> =
            [(rows.start..a, false), (a..z, true), (z..rows.end, false)]
                .into_iter()
                .filter(|(segment, _)| !segment.is_empty())
                .map(|(segment, in_block)| (segment.clone(), job.plan.halo(segment), in_block))
                .collect();
        let mut in_scratch: Vec<T> = Vec::new();
        let mut out_scratch: Vec<MaybeUninit<T::Output>> = Vec::new();
        if g.so != 1 {
            out_scratch.resize_with(rows.len(), MaybeUninit::uninit);
        }
        for b in batches {
            let (bi, bo) = self.geometry.batch_offsets(b);
            let at = |j: usize| {
                job.input
                    .wrapping_offset(bi + (j - job.block_start) as isize * g.si)
            };
            let out_ptr = job
                .output
                .wrapping_offset(bo + (rows.start - job.out_range.start) as isize * g.so);
            let out: &mut [MaybeUninit<T::Output>] = if g.so == 1 {
                // SAFETY: output samples `rows` of this lane belong to this task alone.
                unsafe { std::slice::from_raw_parts_mut(out_ptr, rows.len()) }
            } else {
                &mut out_scratch
            };
            for (segment, window, in_block) in segments.iter().cloned() {
                let lane: &[T] = if in_block && g.si == 1 {
                    // SAFETY: the window lies inside the block (checked by the plan).
                    unsafe { std::slice::from_raw_parts(at(window.start), window.len()) }
                } else if in_block {
                    let p = at(window.start);
                    in_scratch.clear();
                    // SAFETY: as above, element k of the window is inside the block.
                    in_scratch
                        .extend((0..window.len()).map(|k| unsafe { *p.offset(k as isize * g.si) }));
                    &in_scratch
                } else {
                    // The window reaches ghosts: gather it through the index map.
                    in_scratch.clear();
                    in_scratch.extend(window.clone().map(|j| match self.resolve(j) {
                        // SAFETY: a real sample of the axis, which the block holds whole.
                        Source::Sample(j) => unsafe { *at(j) },
                        Source::Constant(v) => T::from_f64_cast(v),
                    }));
                    &in_scratch
                };
                let part = &mut out[segment.start - rows.start..segment.end - rows.start];
                match self.coefficients {
                    Coefficients::NumPy(c) => {
                        c.fill_lane::<T, S, _>(part, segment.start, lane, window.start, n)
                    }
                    Coefficients::Taps(c) => {
                        c.fill_lane::<T, S, _>(part, segment.start, lane, window.start)
                    }
                }
            }
            if g.so != 1 {
                for (k, v) in out_scratch.iter().enumerate() {
                    // SAFETY: output sample rows.start + k of this lane, this task's alone.
                    unsafe { *out_ptr.offset(k as isize * g.so) = *v };
                }
            }
        }
    }
}
