//! Gradients of arrays larger than memory, in slabs, with bounded memory.
//!
//! A [`Source`] gives the input's rows along its outermost memory dimension (an `.npy`
//! file's rows, or a Zarr array's, decoded chunk by chunk); a [`Sink`] takes each output's
//! rows (appended to an `.npy` file, or encoded chunk by chunk into a Zarr array). Between
//! them, [`drive`] cuts the array into slabs that fit the memory limit. Each slab is read with
//! the halo its outputs need ([`ndgrad::Plan::halo`]: neighbouring rows when the outermost
//! axis is differentiated and, beyond its ends, the ghost rows of a boundary mode: wrapped
//! or mirrored rows of the input, or constant rows), differentiated along every requested
//! axis by the same kernels as the in-memory path ([`ndgrad::Plan::compute_block`]), and
//! handed to the sink. Rows the next slab reads again stay in memory. Results are identical
//! to the in-memory gradient; outputs appear only when complete.

mod npy;
mod window;

use std::path::Path;
use std::sync::mpsc;

use anyhow::{Result, bail};
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn};
use ndgrad::{Axes, DType, Element, Plan, with_dtype};

use crate::UsageError;
use crate::codec;
use crate::files::Format;
use crate::gradient::Gradient;
use crate::zarr;
use window::{Outer, Window};

/// A memory figure of this process from /proc/self/status, in bytes (Linux; 0 elsewhere):
/// `VmRSS` (resident now) or `VmHWM` (peak resident since the program started).
fn status_bytes(key: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn resident_bytes() -> usize {
    status_bytes("VmRSS:")
}

/// What to stream: the input, the outputs (one per axis) and the call's options.
pub struct Job<'a> {
    pub input: &'a Path,
    /// The output path; with several axes, `NAME.axis<k>.npy` for each axis `k` (.npy) or
    /// the arrays `axis<k>` of a group (Zarr).
    pub output: &'a Path,
    /// The array in a Zarr group.
    pub key: Option<&'a str>,
    pub gradient: &'a Gradient,
    /// In bytes.
    pub memory_limit: usize,
    pub progress: bool,
    /// Report time, throughput and peak resident memory on stderr at the end.
    pub stats: bool,
}

/// Where a streamed array's rows come from: rows along its outermost memory dimension,
/// each `per_index` values (the product of the other dimensions) long.
pub trait Source {
    /// Reads rows `first..first + n` into `into` (`n` rows of values, as bytes), as this
    /// machine's values of the input's dtype.
    fn read_rows(&mut self, first: usize, into: &mut [u8]) -> Result<()>;
}

/// Where the outputs' rows go, in order, one slab at a time.
pub trait Sink: Send {
    /// Writes rows `start..` of output `k` (this machine's values of the output dtype, as
    /// bytes). Slabs come in order, each a multiple of [`Output::granule`] rows except at
    /// the end of the array.
    fn write_rows(&mut self, k: usize, start: usize, rows: &[u8]) -> Result<()>;
    /// Makes the complete outputs appear under their names.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// An opened input.
pub struct Input {
    /// The shape as the user sees it.
    pub shape: Vec<usize>,
    /// Rows run along the last axis (a Fortran-ordered file), not the first.
    pub fortran: bool,
    pub dtype: DType,
    /// Rows that are best read together (a Zarr chunk's extent along the rows).
    pub granule: usize,
    /// Bytes the source needs besides the rows it reads (buffers, codecs).
    pub overhead: usize,
    pub source: Box<dyn Source>,
}

/// What a sink is opened for: outputs shaped and ordered like the input, one per axis.
pub struct Request<'a> {
    pub shape: &'a [usize],
    pub fortran: bool,
    /// The differentiated axes, in the user's numbering.
    pub axes: &'a [usize],
    pub dtype: DType,
}

/// An opened sink.
pub struct Output {
    /// Slabs hold a multiple of this many rows (a Zarr chunk's extent along the rows).
    pub granule: usize,
    /// Bytes the sink needs besides the output rows (write buffers, codecs).
    pub overhead: usize,
    pub sink: Box<dyn Sink>,
}

/// Streams the gradient of an `.npy` file or a Zarr array into `.npy` files or a Zarr store.
pub fn run(job: Job<'_>) -> Result<()> {
    let out_format = Format::of(job.output)?;
    let (input, template) = match Format::of(job.input)? {
        Format::Npy => (npy::open(job.input)?, None),
        Format::Zarr => {
            let store = zarr::Reader::open(job.input, job.key)?;
            let template = store.template();
            let threads = zarr::threads(&job.gradient.options);
            (
                zarr::source(store, job.memory_limit, threads)?,
                Some(template),
            )
        }
        _ => bail!(
            "{}: only .npy files and Zarr arrays stream",
            job.input.display()
        ),
    };
    drive(&job, input, |request| match out_format {
        Format::Zarr => zarr::sink(
            job.output,
            request,
            template.as_ref(),
            job.memory_limit,
            zarr::threads(&job.gradient.options),
        ),
        _ => npy::sink(job.output, request),
    })
}

/// Streams the gradient of `input` into the sink that `open` opens; dispatches on the dtype.
pub fn drive(
    job: &Job<'_>,
    input: Input,
    open: impl FnOnce(&Request<'_>) -> Result<Output>,
) -> Result<()> {
    with_dtype!(input.dtype, T => drive_as::<T>(job, input, open))
}

fn drive_as<T>(
    job: &Job<'_>,
    mut input: Input,
    open: impl FnOnce(&Request<'_>) -> Result<Output>,
) -> Result<()>
where
    T: Element + Default,
    T::Output: Default,
{
    let shape = input.shape.clone();
    let ndim = shape.len();
    // Validate on the shape and axes the user sees, so that errors name the user's axes.
    let user_plan = job.gradient.plan(&shape)?;
    let user_axes = user_plan.axes();
    // Work in memory order: a Fortran file is the C-ordered array of the reversed axes.
    let (plan, mem_shape) = if input.fortran {
        let mem_shape: Vec<usize> = shape.iter().rev().copied().collect();
        let mut options = job.gradient.options.clone();
        options.axes = Axes::List(user_axes.iter().map(|&a| (ndim - 1 - a) as isize).collect());
        // The same checks on the same lengths, which passed above.
        let plan = Plan::new(&mem_shape, &options).map_err(|e| job.gradient.explain(e, &shape))?;
        (plan, mem_shape)
    } else {
        (user_plan, shape.clone())
    };
    let axes = plan.axes();
    if ndim == 0 || mem_shape.contains(&0) {
        bail!(
            "{}: the array is empty; nothing to stream",
            job.input.display()
        );
    }
    let outer_len = mem_shape[0];
    let per_index: usize = mem_shape[1..].iter().product();
    // The outermost axis, when differentiated: its output, and how its slabs reach beyond
    // themselves (the plan's halo rule, ghost rows of a boundary mode included).
    let outer = axes.iter().position(|&a| a == 0).map(|k| Outer {
        k,
        ghosts: plan.ghosts(k),
        boundary: plan.boundary(k),
        len: outer_len,
    });
    let halo_reach = outer.as_ref().map_or(0, |o| plan.reach(o.k));
    let output = open(&Request {
        shape: &shape,
        fortran: input.fortran,
        axes: &user_axes,
        dtype: T::Output::DTYPE,
    })?;
    let sizes = Sizes {
        per_index,
        size: T::DTYPE.itemsize(),
        out_size: T::Output::DTYPE.itemsize(),
        out_buffers: 2,
        extra: 2 * halo_reach + input.granule.max(1) - 1,
        granule: output.granule.max(1),
        read_granule: input.granule.max(1),
        baseline: resident_bytes() + input.overhead + output.overhead + (4 << 20),
    };
    let slab = sizes.slab(job.memory_limit)?.min(outer_len);
    if let Some(o) = outer.as_ref().filter(|o| plan.needs_whole_axis(o.k))
        && slab < outer_len
    {
        let user_axis = if input.fortran { ndim - 1 } else { 0 };
        let whole = (sizes.per_index * (sizes.size + sizes.out_size) * outer_len + sizes.baseline)
            .div_ceil(1 << 20);
        return Err(UsageError(format!(
            "--nan-policy {} along axis {user_axis} decides each derivative from the \
                 whole lane, but --memory-limit {} streams that axis in slabs of {slab} of \
                 {} rows; give --memory-limit {whole}M or more, leave axis {user_axis} out \
                 of --axis, or use --nan-policy split (which streams on evenly spaced, \
                 non-periodic axes)",
            job.gradient.nan_policy_name(),
            crate::options::size_text(job.memory_limit),
            o.len
        ))
        .into());
    }
    // Under `split` a NaN may cut the axis anywhere, and a cut is a one-sided end: each
    // slab reads the real rows within the plan's reach, not only the interior halo.
    let split = job.gradient.options.nan_policy == ndgrad::NanPolicy::Split;
    let sink = output.sink;

    // Ctrl-C (or SIGTERM) ends the program at once; `cleanup` removes the temporary
    // outputs, so nothing appears under the final names.
    let total: usize = shape.iter().product();
    let bar = progress_bar(job.progress, (total * sizes.size) as u64);
    let started = std::time::Instant::now();

    // Buffers sized once for the largest slab (with halo): growing a Vec could double it.
    let extended_len = outer.as_ref().map_or(outer_len, Outer::extended_len);
    let mut window = Window::<T>::new((slab + sizes.extra).min(extended_len), per_index);
    // Writing overlaps reading and computing: a writer thread owns the sink and writes each
    // output slab while the next is computed; two output buffers circulate between them.
    let sink = std::thread::scope(|scope| -> Result<Box<dyn Sink>> {
        let (full, to_write) = mpsc::sync_channel::<(usize, usize, Vec<T::Output>)>(1);
        let (give_back, empty) = mpsc::channel::<Vec<T::Output>>();
        let writer = scope.spawn(move || -> Result<Box<dyn Sink>> {
            let mut sink = sink;
            for (k, start, buffer) in to_write {
                // On an error the sink is dropped here (removing the partial outputs) and
                // the channel closes, which stops the reader.
                sink.write_rows(k, start, codec::bytes(&buffer))?;
                // The reader may already be done; the buffer is then simply freed.
                let _ = give_back.send(buffer);
            }
            Ok(sink)
        });
        let mut allocated = 0;
        let mut start = 0;
        'slabs: while start < outer_len {
            let end = (start + slab).min(outer_len);
            // The block: rows `lo..hi` of the outermost axis, counted on its extended axis (real
            // row `i` is `i + left ghosts`), covering the slab and the halo its outputs read,
            // ghost rows included (wrapped or mirrored rows of the input, or constant rows).
            let (lo, hi, shift) = match &outer {
                Some(o) => {
                    let halo = plan.halo(o.k, start..end);
                    let shift = o.ghosts.0;
                    let (first, last) = if split {
                        (
                            start.saturating_sub(halo_reach),
                            (end + halo_reach).min(outer_len),
                        )
                    } else {
                        (start, end)
                    };
                    (
                        halo.start.min(first + shift),
                        halo.end.max(last + shift),
                        shift,
                    )
                }
                None => (start, end, 0),
            };
            let ahead = read_ahead(hi, shift, outer_len, sizes.read_granule);
            window.cover(lo..hi, ahead, outer.as_ref(), input.source.as_mut())?;
            let mut block_shape = mem_shape.clone();
            block_shape[0] = hi - lo;
            let block = ArrayViewD::from_shape(IxDyn(&block_shape), window.rows(lo..hi))?;
            for (k, &axis) in axes.iter().enumerate() {
                let mut out_shape = mem_shape.clone();
                out_shape[0] = end - start;
                let mut out_values = if allocated < 2 {
                    allocated += 1;
                    Vec::with_capacity(slab * per_index)
                } else {
                    // Both buffers are out: wait for the writer to hand one back.
                    match empty.recv() {
                        Ok(buffer) => buffer,
                        Err(_) => break 'slabs, // the writer stopped on an error (below)
                    }
                };
                out_values.clear();
                out_values.resize(out_shape.iter().product(), T::Output::default());
                let out = ArrayViewMutD::from_shape(IxDyn(&out_shape), &mut out_values)?;
                // Along the outermost axis the block starts at extended row `lo`; along the
                // others the slab holds the whole (real) axis, whose ghosts the core fills,
                // and the block's rows are the slab's own.
                let (view, block_start, out_start) = if axis == 0 {
                    (block.view(), lo, start)
                } else {
                    let rows = start + shift - lo..end + shift - lo;
                    let inner = block.slice_axis(ndarray::Axis(0), ndarray::Slice::from(rows));
                    (inner, plan.ghosts(k).0, 0)
                };
                plan.compute_block(k, view, block_start, out, out_start)
                    .map_err(|e| explain(job, e, start, &shape, input.fortran))?;
                if full.send((k, start, out_values)).is_err() {
                    break 'slabs; // the writer stopped on an error, reported below
                }
            }
            if let Some(b) = &bar {
                b.inc(((end - start) * per_index * sizes.size) as u64);
            }
            start = end;
        }
        drop(full);
        writer
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the writer thread failed")))
    })?;
    drop(window);
    sink.finish()?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if job.stats {
        let seconds = started.elapsed().as_secs_f64();
        let bytes = total * (sizes.size + axes.len() * sizes.out_size);
        eprintln!(
            "streamed {:.1} MB (read + written) in {seconds:.2} s: {:.0} MB/s; slabs of {slab} x {per_index} \
             samples; peak resident memory {} bytes",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / seconds,
            status_bytes("VmHWM:")
        );
    }
    Ok(())
}

/// A core error from the slab starting at row `start`, in the user's words. The core names
/// a NaN's index within the slab along the rows, unless they are the differentiated axis;
/// the user reads it in the input's axis order.
fn explain(
    job: &Job<'_>,
    e: ndgrad::Error,
    start: usize,
    shape: &[usize],
    fortran: bool,
) -> anyhow::Error {
    match e {
        ndgrad::Error::NanFound { mut index, axis } => {
            if axis != 0 {
                index[0] += start;
            }
            let axis = if fortran {
                index.reverse();
                shape.len() - 1 - axis
            } else {
                axis
            };
            job.gradient
                .explain(ndgrad::Error::NanFound { index, axis }, shape)
        }
        other => job.gradient.explain(other, shape),
    }
}

/// How many rows a slab holds within a memory limit.
struct Sizes {
    /// Values per row.
    per_index: usize,
    /// Bytes of an input and an output value.
    size: usize,
    out_size: usize,
    /// Output slabs in memory at once: one computed while another is written.
    out_buffers: usize,
    /// Input rows held beyond the slab's own: its halo, and the rest of a read granule.
    extra: usize,
    /// Slabs are a multiple of this many rows (what the sink writes at once).
    granule: usize,
    /// Rows the source reads at once to best effect.
    read_granule: usize,
    /// Bytes of the program itself, and of the source's and sink's buffers.
    baseline: usize,
}

impl Sizes {
    /// The rows of a slab: input rows (the slab and `extra`) and one output's rows fit in
    /// what the limit leaves beside the baseline.
    fn slab(&self, memory_limit: usize) -> Result<usize> {
        let budget = memory_limit.saturating_sub(self.baseline);
        let rows = (budget / self.per_index).saturating_sub(self.extra * self.size)
            / (self.size + self.out_buffers * self.out_size);
        // Whole read granules where the sink takes any number of rows.
        let multiple = if self.granule == 1 && rows >= self.read_granule {
            self.read_granule
        } else {
            self.granule
        };
        let slab = rows / multiple * multiple;
        if slab == 0 {
            let row_bytes = self.per_index * (self.size + self.out_buffers * self.out_size);
            let need = self.granule * row_bytes + self.extra * self.per_index * self.size;
            let rows = if self.granule > 1 {
                format!(" ({} rows: one chunk along the first axis)", self.granule)
            } else {
                String::new()
            };
            return Err(UsageError(format!(
                "--memory-limit {} is too small: one slab of this array{rows} needs about {} \
                 MiB (plus {} MiB for the program itself)",
                crate::options::size_text(memory_limit),
                need.div_ceil(1 << 20),
                self.baseline.div_ceil(1 << 20)
            ))
            .into());
        }
        Ok(slab)
    }
}

/// The end of the rows to read for a block ending at extended row `hi`: on to the end of
/// its read granule of real rows (which the next slab reads), never past the real rows.
fn read_ahead(hi: usize, shift: usize, len: usize, granule: usize) -> usize {
    if hi <= shift || hi >= shift + len {
        return hi;
    }
    let real = (hi - shift).next_multiple_of(granule).min(len);
    hi.max(real + shift)
}

fn progress_bar(enabled: bool, total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
