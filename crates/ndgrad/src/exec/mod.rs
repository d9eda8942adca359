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
//!
//! Indices along the differentiated axis are those of the extended axis (real samples plus
//! the ghosts of boundary modes, see `crate::ghosts`): a block that holds the whole real axis
//! has its ghosts read through the index map, any other block brings them along.
//!
//! Files: `geometry` (layout), `task` (the row and lane drivers), `numpy` (NumPy's
//! formulas), `taps` (stencils of any accuracy and derivative order).

mod geometry;
pub(crate) mod numpy;
pub(crate) mod taps;
mod task;

use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::element::{Compute, Element, Load, Store};
use crate::error::Error;
use crate::options::Parallelism;
use crate::plan::{AxisPlan, AxisStencil};

use geometry::Geometry;
use numpy::NumpyCoefficients;
use taps::TapCoefficients;
use task::Task;

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
    /// The plan of the axis (its stencil, ghosts and halo rule).
    pub(crate) plan: &'a AxisPlan,
    /// Extended index of the block's first sample along `axis`.
    pub(crate) block_start: usize,
    /// Extended indices the output holds along `axis` (real samples only); the block holds
    /// their halo, or the whole real axis (ghosts then come from the index map).
    pub(crate) out_range: Range<usize>,
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
    /// samples the plan's halo names for `out_range` (extended indices from `block_start`),
    /// or every real sample of the axis, and
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
pub(crate) fn prepare<T, S, C>(stencil: &AxisStencil) -> Box<dyn AxisKernel<T>>
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

/// A stencil's coefficients rounded into the compute type.
pub(crate) enum Coefficients<C: Compute> {
    NumPy(NumpyCoefficients<C>),
    Taps(TapCoefficients<C>),
}

impl<C: Compute> Coefficients<C> {
    fn new(stencil: &AxisStencil) -> Self {
        match stencil {
            AxisStencil::NumPy {
                stencil,
                edge_order,
            } => Coefficients::NumPy(NumpyCoefficients::new(stencil, *edge_order)),
            AxisStencil::Taps(t) => Coefficients::Taps(TapCoefficients::new(t)),
        }
    }

    /// Input rows a single output row may read at once (one scratch slot each).
    fn width(&self) -> usize {
        match self {
            Coefficients::NumPy(_) => 3,
            Coefficients::Taps(t) => t.width(),
        }
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
