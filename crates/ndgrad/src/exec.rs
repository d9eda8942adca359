//! Scheduling: turns one axis of one (block of an) array into contiguous row or lane work,
//! splits it into tasks, and runs them serially or on rayon threads.
//!
//! Every sample is computed by the same kernel call whatever the split, so results are
//! bit-identical for any thread count and any blocking.
//!
//! Layout. Non-gradient dimensions are sorted by stride and merged where memory allows, which
//! leaves one of two shapes of work:
//! - *row mode*: some other dimension is more contiguous than the gradient axis, so output
//!   row `i` (along that innermost dimension) is a combination of input rows `i-1, i, i+1`;
//! - *lane mode*: the gradient axis is the innermost one, so each lane is differentiated with
//!   shifted loads along it.
//!
//! Rows or lanes that are not contiguous (strided views) are gathered into a small scratch
//! buffer first, so kernels always run on contiguous slices.

use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::element::{Compute, Element, Load, Real, Store};
use crate::error::Error;
use crate::kernels::{self, Weights};
use crate::options::{EdgeOrder, Parallelism};
use crate::stencil::Stencil;

/// One axis of one block, described with raw strides so any memory layout fits.
/// Built by [`crate::Plan`], run by an [`AxisKernel`].
pub struct BlockJob<'a, T: Element> {
    pub(crate) input: *const T,
    pub(crate) in_strides: &'a [isize],
    /// Shape of the input block (its length along `axis` may exceed the output's).
    pub(crate) shape: &'a [usize],
    pub(crate) output: *mut MaybeUninit<T::Output>,
    pub(crate) out_strides: &'a [isize],
    pub(crate) axis: usize,
    /// Length of the whole axis the block belongs to.
    pub(crate) len: usize,
    /// Global index of the block's first sample along `axis`.
    pub(crate) block_start: usize,
    /// Global indices the output holds along `axis`; it must lie within the block's reach.
    pub(crate) out_range: Range<usize>,
    pub(crate) edge_order: EdgeOrder,
    pub(crate) parallelism: Parallelism,
    /// Smallest task, in output elements.
    pub(crate) task_size: usize,
}

/// The differentiation of one axis, typed for its data and compute types, with its
/// coefficients already rounded into the compute type: prepared once per call, then run on
/// the whole array or on many blocks.
pub trait AxisKernel<T: Element>: Send + Sync {
    /// Computes the job's outputs.
    ///
    /// # Errors
    /// [`Error::ThreadPool`] if the job's threads cannot be started (nothing is written).
    ///
    /// # Safety
    /// `job.input` with `in_strides` must address a live array of `shape` holding the
    /// samples [`halo`] names for `out_range` (global indices from `block_start`), and
    /// `job.output` with `out_strides` the output: `shape` with `out_range.len()` samples
    /// along `axis`, valid for writes and accessed by nothing else until `run` returns.
    unsafe fn run(&self, job: &BlockJob<'_, T>) -> Result<(), Error>;
}

/// An [`AxisKernel`] with data type `T`, difference type `S` and compute type `C`.
struct Prepared<T, S, C: Compute> {
    coefficients: Coefficients<C>,
    _types: std::marker::PhantomData<fn(T, S)>,
}

/// Prepares the kernel of one axis (called through the element's promotion table).
pub(crate) fn prepare<T, S, C>(stencil: &Stencil) -> Box<dyn AxisKernel<T>>
where
    T: Element + Load<S>,
    S: Compute + Load<C>,
    T::Output: Store<C>,
    C: Compute,
{
    Box::new(Prepared::<T, S, C> {
        coefficients: Coefficients::new(stencil),
        _types: std::marker::PhantomData,
    })
}

/// The stencil's coefficients rounded into the compute type.
struct Coefficients<C: Compute> {
    interior: Interior<C>,
    /// Divisors of the first-order edges.
    first: C::Divisor,
    last: C::Divisor,
    /// Weights of the second-order edges.
    left: Weights<C>,
    right: Weights<C>,
}

enum Interior<C: Compute> {
    Uniform {
        h2: C::Divisor,
    },
    /// Interior weights as three arrays (`a[i-1]`, `b[i-1]`, `c[i-1]` weigh `f[i-1]`,
    /// `f[i]`, `f[i+1]`): separate arrays let the lane loop load them as vectors.
    NonUniform {
        weights: [Vec<C::Real>; 3],
    },
}

impl<C: Compute> Coefficients<C> {
    fn new(stencil: &Stencil) -> Self {
        let r = <C::Real as Real>::from_f64;
        let w = |t: &[f64; 3]| [r(t[0]), r(t[1]), r(t[2])];
        match stencil {
            Stencil::Uniform { h, h2, left, right } => Coefficients {
                interior: Interior::Uniform {
                    h2: C::divisor(r(*h2)),
                },
                first: C::divisor(r(*h)),
                last: C::divisor(r(*h)),
                left: w(left),
                right: w(right),
            },
            Stencil::NonUniform {
                interior,
                first,
                last,
                left,
                right,
            } => Coefficients {
                interior: Interior::NonUniform {
                    weights: [0, 1, 2].map(|j| interior.iter().map(|t| r(t[j])).collect()),
                },
                first: C::divisor(r(*first)),
                last: C::divisor(r(*last)),
                left: w(left),
                right: w(right),
            },
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Dim {
    len: usize,
    /// Input and output strides, in elements.
    si: isize,
    so: isize,
}

/// The work of one axis after layout normalization.
struct Geometry {
    /// Dimensions iterated as a flat batch (outermost first).
    batch: Vec<Dim>,
    batch_count: usize,
    /// The gradient axis.
    grad: Dim,
    /// Row mode: the innermost dimension, differentiated as whole rows. Lane mode: `None`.
    row: Option<Dim>,
}

impl Geometry {
    fn new(shape: &[usize], si: &[isize], so: &[isize], axis: usize) -> Option<Geometry> {
        if shape.contains(&0) {
            return None;
        }
        let mut dims: Vec<Dim> = (0..shape.len())
            .filter(|&d| d != axis && shape[d] > 1)
            .map(|d| Dim {
                len: shape[d],
                si: si[d],
                so: so[d],
            })
            .collect();
        dims.sort_by_key(|d| std::cmp::Reverse(d.si.unsigned_abs()));
        // Merge an outer dimension into the inner one when both arrays walk them as one.
        let mut merged: Vec<Dim> = Vec::with_capacity(dims.len());
        for d in dims {
            match merged.last_mut() {
                Some(outer)
                    if outer.si == d.si * d.len as isize && outer.so == d.so * d.len as isize =>
                {
                    *outer = Dim {
                        len: outer.len * d.len,
                        si: d.si,
                        so: d.so,
                    };
                }
                _ => merged.push(d),
            }
        }
        let grad = Dim {
            len: shape[axis],
            si: si[axis],
            so: so[axis],
        };
        let row = match merged.last() {
            Some(inner) if inner.si.unsigned_abs() < grad.si.unsigned_abs() => merged.pop(),
            _ => None,
        };
        let batch_count = merged.iter().map(|d| d.len).product();
        Some(Geometry {
            batch: merged,
            batch_count,
            grad,
            row,
        })
    }

    /// Input and output offsets of batch element `b`.
    fn batch_offsets(&self, mut b: usize) -> (isize, isize) {
        let (mut oi, mut oo) = (0isize, 0isize);
        for d in self.batch.iter().rev() {
            let k = (b % d.len) as isize;
            b /= d.len;
            oi += k * d.si;
            oo += k * d.so;
        }
        (oi, oo)
    }
}

// SAFETY: tasks only read through `input`, and each task writes a disjoint set of output
// elements (tasks partition the batch x output-range grid). The plan that builds a job
// borrows both buffers for the whole run, so they stay alive and unaliased.
unsafe impl<T: Element> Sync for BlockJob<'_, T> {}

impl<T, S, C> AxisKernel<T> for Prepared<T, S, C>
where
    T: Element + Load<S>,
    S: Compute + Load<C>,
    T::Output: Store<C>,
    C: Compute,
{
    unsafe fn run(&self, job: &BlockJob<'_, T>) -> Result<(), Error> {
        let Some(geometry) = Geometry::new(job.shape, job.in_strides, job.out_strides, job.axis)
        else {
            return Ok(());
        };
        let out_len = job.out_range.len();
        if out_len == 0 {
            return Ok(());
        }
        let row_len = geometry.row.map_or(1, |r| r.len);
        let total = geometry.batch_count * out_len * row_len;
        let tasks = split_tasks(
            geometry.batch_count,
            job.out_range.clone(),
            total,
            thread_count(job.parallelism),
            job.task_size,
        );
        for_each_task(job.parallelism, &tasks, |(batches, rows)| {
            let task = Task::<T, S, C> {
                _arithmetic: std::marker::PhantomData,
                job,
                geometry: &geometry,
                coefficients: &self.coefficients,
            };
            // SAFETY: `run`'s contract covers the job; tasks partition its outputs.
            unsafe { task.run(batches.clone(), rows.clone()) };
        })
    }
}

/// How many threads `parallelism` may use.
pub(crate) fn thread_count(parallelism: Parallelism) -> usize {
    match parallelism {
        Parallelism::Serial => 1,
        Parallelism::Auto => rayon::current_num_threads(),
        Parallelism::Threads(n) => n.get(),
    }
}

/// Runs `body` on every task: inline for one task or serial parallelism, else on the
/// caller's rayon pool (`Auto`) or a private pool (`Threads`).
///
/// # Errors
/// [`Error::ThreadPool`] when a private pool cannot be started; no task has run then.
pub(crate) fn for_each_task<W: Sync>(
    parallelism: Parallelism,
    tasks: &[W],
    body: impl Fn(&W) + Sync + Send,
) -> Result<(), Error> {
    if tasks.len() <= 1 || parallelism == Parallelism::Serial {
        tasks.iter().for_each(body);
        return Ok(());
    }
    match parallelism {
        Parallelism::Threads(n) => {
            private_pool(n.get())?.install(|| tasks.par_iter().for_each(body));
        }
        _ => tasks.par_iter().for_each(body),
    }
    Ok(())
}

/// Splits the batch x output-range grid into contiguous tasks of at least `task_size`
/// elements, about four per thread for balance.
fn split_tasks(
    batch_count: usize,
    rows: Range<usize>,
    total: usize,
    threads: usize,
    task_size: usize,
) -> Vec<(Range<usize>, Range<usize>)> {
    let wanted = (threads * 4).min(total / task_size);
    if threads <= 1 || wanted <= 1 {
        return vec![(0..batch_count, rows)];
    }
    let batch_parts = wanted.min(batch_count);
    let row_parts = wanted.div_ceil(batch_parts).min(rows.len());
    let mut tasks = Vec::with_capacity(batch_parts * row_parts);
    for b in split(0..batch_count, batch_parts) {
        for r in split(rows.clone(), row_parts) {
            tasks.push((b.clone(), r));
        }
    }
    tasks
}

fn split(range: Range<usize>, parts: usize) -> impl Iterator<Item = Range<usize>> {
    let (start, len) = (range.start, range.len());
    (0..parts).map(move |k| start + len * k / parts..start + len * (k + 1) / parts)
}

/// Private pools keyed by (process id, size): a pool inherited through `fork` has no threads
/// in the child, so a forked process gets fresh pools instead of a deadlock.
fn private_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, Error> {
    type Pools = Mutex<Vec<((u32, usize), Arc<rayon::ThreadPool>)>>;
    static POOLS: OnceLock<Pools> = OnceLock::new();
    let key = (std::process::id(), threads);
    // A panic while the lock was held cannot leave the list inconsistent (pushes and
    // retains are whole), so a poisoned lock is still usable.
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(k, _)| *k == key) {
        return Ok(pool.clone());
    }
    pools.retain(|((pid, _), _)| *pid == key.0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ndgrad-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool {
            threads,
            detail: e.to_string(),
        })?;
    let pool = Arc::new(pool);
    pools.push((key, pool.clone()));
    Ok(pool)
}

struct Task<'a, 'j, T: Element, S, C: Compute> {
    _arithmetic: std::marker::PhantomData<S>,
    job: &'a BlockJob<'j, T>,
    geometry: &'a Geometry,
    coefficients: &'a Coefficients<C>,
}

impl<T, S, C> Task<'_, '_, T, S, C>
where
    T: Element + Load<S>,
    S: Compute + Load<C>,
    T::Output: Store<C>,
    C: Compute,
{
    /// # Safety
    /// The job meets [`AxisKernel::run`]'s contract, and no other task writes the outputs
    /// of `batches` x `rows`.
    unsafe fn run(&self, batches: Range<usize>, rows: Range<usize>) {
        // SAFETY: forwarded contract.
        unsafe {
            match self.geometry.row {
                Some(row) => self.run_rows(row, batches, rows),
                None => self.run_lanes(batches, rows),
            }
        }
    }

    /// Row mode: output row `i` from input rows around `i`, for each batch element.
    ///
    /// # Safety
    /// As [`Task::run`].
    unsafe fn run_rows(&self, row: Dim, batches: Range<usize>, rows: Range<usize>) {
        let g = self.geometry.grad;
        let job = self.job;
        let mut scratch: [Vec<T>; 3] = Default::default();
        let mut out_scratch: Vec<MaybeUninit<T::Output>> = Vec::new();
        if row.si != 1 {
            scratch.iter_mut().for_each(|s| s.reserve(row.len));
        }
        if row.so != 1 {
            out_scratch.resize_with(row.len, MaybeUninit::uninit);
        }
        for b in batches {
            let (bi, bo) = self.geometry.batch_offsets(b);
            // Input row at global sample j along the gradient axis.
            let source = |j: usize, buf: &mut Vec<T>| -> *const T {
                let offset = bi + (j - job.block_start) as isize * g.si;
                let p = job.input.wrapping_offset(offset);
                if row.si == 1 {
                    return p;
                }
                buf.clear();
                // SAFETY: element k of this row lies inside the input block (the plan checked
                // the block covers every sample the output range needs).
                buf.extend((0..row.len).map(|k| unsafe { *p.offset(k as isize * row.si) }));
                buf.as_ptr()
            };
            for i in rows.clone() {
                let out_offset = bo + (i - job.out_range.start) as isize * g.so;
                let out_ptr = job.output.wrapping_offset(out_offset);
                let [s0, s1, s2] = &mut scratch;
                // SAFETY: `source` returns pointers to `row.len` readable elements (in the
                // block or in a scratch buffer that is not touched again until the call ends).
                let rd = |p: *const T| unsafe { std::slice::from_raw_parts(p, row.len) };
                let out: &mut [MaybeUninit<T::Output>] = if row.so == 1 {
                    // SAFETY: this task alone writes output row i of batch element b, which is
                    // `row.len` contiguous elements of the output buffer.
                    unsafe { std::slice::from_raw_parts_mut(out_ptr, row.len) }
                } else {
                    &mut out_scratch
                };
                self.fill_row(out, i, |j, slot| match slot {
                    0 => rd(source(j, s0)),
                    1 => rd(source(j, s1)),
                    _ => rd(source(j, s2)),
                });
                if row.so != 1 {
                    for (k, v) in out_scratch.iter().enumerate() {
                        // SAFETY: element k of output row i, written by this task only.
                        unsafe { *out_ptr.offset(k as isize * row.so) = *v };
                    }
                }
            }
        }
    }

    /// One output row; `row(j, slot)` yields input row `j`, with a distinct `slot` for each of
    /// the (up to three) rows a stencil reads at once.
    fn fill_row<'r>(
        &self,
        out: &mut [MaybeUninit<T::Output>],
        i: usize,
        mut row: impl FnMut(usize, usize) -> &'r [T],
    ) {
        let n = self.job.len;
        let c = self.coefficients;
        let second = self.job.edge_order == EdgeOrder::Second;
        if i == 0 {
            if second {
                kernels::three_rows::<T, S, C, _>(out, row(0, 0), row(1, 1), row(2, 2), c.left);
            } else {
                kernels::difference_rows::<T, S, C, _>(out, row(0, 0), row(1, 1), c.first);
            }
        } else if i == n - 1 {
            if second {
                let (a, b, d) = (row(n - 3, 0), row(n - 2, 1), row(n - 1, 2));
                kernels::three_rows::<T, S, C, _>(out, a, b, d, c.right);
            } else {
                let (a, b) = (row(n - 2, 0), row(n - 1, 1));
                kernels::difference_rows::<T, S, C, _>(out, a, b, c.last);
            }
        } else {
            match &c.interior {
                Interior::Uniform { h2 } => {
                    kernels::difference_rows::<T, S, C, _>(out, row(i - 1, 0), row(i + 1, 2), *h2)
                }
                Interior::NonUniform { weights } => {
                    let (a, b, d) = (row(i - 1, 0), row(i, 1), row(i + 1, 2));
                    let w = [weights[0][i - 1], weights[1][i - 1], weights[2][i - 1]];
                    kernels::three_rows::<T, S, C, _>(out, a, b, d, w);
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
        let window = halo(rows.clone(), job.len, job.edge_order);
        let mut in_scratch: Vec<T> = Vec::new();
        let mut out_scratch: Vec<MaybeUninit<T::Output>> = Vec::new();
        if g.so != 1 {
            out_scratch.resize_with(rows.len(), MaybeUninit::uninit);
        }
        for b in batches {
            let (bi, bo) = self.geometry.batch_offsets(b);
            let first = bi + (window.start - job.block_start) as isize * g.si;
            let p = job.input.wrapping_offset(first);
            let lane: &[T] = if g.si == 1 {
                // SAFETY: the window lies inside the block (checked by the plan).
                unsafe { std::slice::from_raw_parts(p, window.len()) }
            } else {
                in_scratch.clear();
                // SAFETY: as above, element k of the window is inside the block.
                in_scratch
                    .extend((0..window.len()).map(|k| unsafe { *p.offset(k as isize * g.si) }));
                &in_scratch
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
            self.fill_lane(out, rows.start, lane, window.start);
            if g.so != 1 {
                for (k, v) in out_scratch.iter().enumerate() {
                    // SAFETY: output sample rows.start + k of this lane, this task's alone.
                    unsafe { *out_ptr.offset(k as isize * g.so) = *v };
                }
            }
        }
    }

    /// Output samples `i0..i0 + out.len()` of one lane from `f`, which holds samples
    /// `f0..f0 + f.len()`.
    fn fill_lane(&self, out: &mut [MaybeUninit<T::Output>], i0: usize, f: &[T], f0: usize) {
        let n = self.job.len;
        let c = self.coefficients;
        let i1 = i0 + out.len();
        let at = |j: usize| f[j - f0];
        let second = self.job.edge_order == EdgeOrder::Second;
        if i0 == 0 {
            out[0].write(if second {
                kernels::three_at::<T, S, C, _>(c.left, at(0), at(1), at(2))
            } else {
                kernels::difference_at::<T, S, C, _>(at(0), at(1), c.first)
            });
        }
        if i1 == n {
            out[n - 1 - i0].write(if second {
                kernels::three_at::<T, S, C, _>(c.right, at(n - 3), at(n - 2), at(n - 1))
            } else {
                kernels::difference_at::<T, S, C, _>(at(n - 2), at(n - 1), c.last)
            });
        }
        let (s, e) = (i0.max(1), i1.min(n - 1));
        if s >= e {
            return;
        }
        let out = &mut out[s - i0..e - i0];
        let prev = &f[s - 1 - f0..e - 1 - f0];
        let next = &f[s + 1 - f0..e + 1 - f0];
        match &c.interior {
            Interior::Uniform { h2 } => {
                kernels::difference_rows::<T, S, C, _>(out, prev, next, *h2)
            }
            Interior::NonUniform { weights } => {
                let here = &f[s - f0..e - f0];
                let w = [0, 1, 2].map(|j| &weights[j][s - 1..e - 1]);
                kernels::three_lane::<T, S, C, _>(out, prev, here, next, w);
            }
        }
    }
}

/// The input samples (global indices) needed to compute outputs `out` of an axis of length
/// `len`: one neighbour each side, and the three edge samples at either end.
pub(crate) fn halo(out: Range<usize>, len: usize, edge_order: EdgeOrder) -> Range<usize> {
    if out.is_empty() {
        return out;
    }
    let reach = edge_order.min_len();
    let mut lo = out.start.saturating_sub(1);
    let mut hi = (out.end + 1).min(len);
    if out.start == 0 {
        hi = hi.max(reach.min(len));
    }
    if out.end == len {
        lo = lo.min(len.saturating_sub(reach));
    }
    lo..hi
}
