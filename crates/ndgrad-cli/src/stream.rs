//! Gradients of `.npy` files larger than memory, in slabs, with bounded memory.
//!
//! The file is cut into slabs along its outermost memory dimension. Each slab is read with
//! the halo its outputs need ([`ndgrad::Plan::halo`]: neighbouring rows when the outermost
//! axis is differentiated and, beyond its ends, the ghost rows of a boundary mode: wrapped
//! or mirrored rows of the file, or constant rows), differentiated along every requested
//! axis by the same kernels as the in-memory path ([`ndgrad::Plan::compute_block`]), and
//! appended to one output file per axis. Results are identical to the in-memory gradient;
//! outputs appear only when complete.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn};
use ndgrad::{Axes, Boundary, ByteOrder, Element, Plan, Side, with_dtype};

use crate::UsageError;
use crate::codec;
use crate::files::{publish, temporary_for};
use crate::gradient::Gradient;
use crate::npy::{self, Header};

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
    /// The output path; with several axes, `NAME.axis<k>.npy` for each axis `k`.
    pub output: &'a Path,
    pub gradient: &'a Gradient,
    /// In bytes.
    pub memory_limit: usize,
    pub progress: bool,
    /// Report time, throughput and peak resident memory on stderr at the end.
    pub stats: bool,
}

/// Streams the gradient of an `.npy` file; dispatches on its dtype.
pub fn run(job: Job<'_>) -> Result<()> {
    let mut file =
        File::open(job.input).with_context(|| format!("cannot read {}", job.input.display()))?;
    let mut head = vec![0u8; 65_536];
    let n = read_up_to(&mut file, &mut head)?;
    let header =
        npy::parse_header(&head[..n]).with_context(|| format!("{}", job.input.display()))?;
    let file_len = file.metadata()?.len() as usize;
    let need = header.data_offset + header.len() * header.itemsize();
    if file_len < need {
        bail!(
            "{}: truncated: the header promises {} bytes of data but the file holds {}",
            job.input.display(),
            header.len() * header.itemsize(),
            file_len.saturating_sub(header.data_offset)
        );
    }
    let (dtype, order) = header
        .dtype()
        .with_context(|| format!("{}", job.input.display()))?;
    with_dtype!(dtype, T => stream::<T>(job, file, header, order))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn stream<T>(job: Job<'_>, mut file: File, header: Header, order: ByteOrder) -> Result<()>
where
    T: Element + Default,
    T::Output: Default,
{
    let ndim = header.shape.len();
    // Validate on the shape and axes the user sees, so that errors name the user's axes.
    let user_plan = job.gradient.plan(&header.shape)?;
    let user_axes = user_plan.axes();
    // Work in memory order: a Fortran file is the C-ordered array of the reversed axes.
    let (plan, mem_shape) = if header.fortran_order {
        let mem_shape: Vec<usize> = header.shape.iter().rev().copied().collect();
        let mut options = job.gradient.options.clone();
        options.axes = Axes::List(user_axes.iter().map(|&a| (ndim - 1 - a) as isize).collect());
        // The same checks on the same lengths, which passed above.
        let plan =
            Plan::new(&mem_shape, &options).map_err(|e| job.gradient.explain(e, &header.shape))?;
        (plan, mem_shape)
    } else {
        (user_plan, header.shape.clone())
    };
    let axes = plan.axes();
    let output_paths: Vec<PathBuf> = if axes.len() == 1 {
        vec![job.output.to_path_buf()]
    } else {
        user_axes
            .iter()
            .map(|&a| output_for_axis(job.output, a))
            .collect()
    };
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
    // Memory per outer index: the values of the input (byte-swapped in place when the file's
    // order is not the machine's) and the values of every output (written as they are).
    let (size, out_size) = (T::DTYPE.itemsize(), T::Output::DTYPE.itemsize());
    let per_index_bytes = per_index * (size + out_size);
    // The program itself, plus a 1 MiB write buffer per output and some slack.
    let baseline = resident_bytes() + axes.len() * (1 << 20) + (4 << 20);
    let budget = job.memory_limit.saturating_sub(baseline);
    let slab = (budget / per_index_bytes).saturating_sub(2 * halo_reach);
    if slab == 0 {
        return Err(UsageError(format!(
            "--memory-limit {} is too small: one slab of this array needs about {} MiB \
             (plus {} MiB for the program itself)",
            job.memory_limit,
            (per_index_bytes * (1 + 2 * halo_reach)).div_ceil(1 << 20),
            baseline.div_ceil(1 << 20)
        ))
        .into());
    }
    let slab = slab.min(outer_len);
    if let Some(o) = outer.as_ref().filter(|o| plan.needs_whole_axis(o.k)) {
        if slab < outer_len {
            let user_axis = if header.fortran_order { ndim - 1 } else { 0 };
            let whole = (per_index_bytes * outer_len + baseline).div_ceil(1 << 20);
            return Err(UsageError(format!(
                "--nan-policy {} along axis {user_axis} decides each derivative from the \
                 whole lane, but --memory-limit {} streams that axis in slabs of {slab} of \
                 {} rows; give --memory-limit {whole}M or more, leave axis {user_axis} out \
                 of --axis, or use --nan-policy split (which streams on evenly spaced, \
                 non-periodic axes)",
                job.gradient.nan_policy_name(),
                job.memory_limit,
                o.len
            ))
            .into());
        }
    }
    // Under `split` a NaN may cut the axis anywhere, and a cut is a one-sided end: each
    // slab reads the real rows within the plan's reach, not only the interior halo.
    let split = job.gradient.options.nan_policy == ndgrad::NanPolicy::Split;

    // Outputs: temporary files in the target folders, renamed when everything is written.
    let mut outputs = Vec::with_capacity(axes.len());
    for path in &output_paths {
        outputs.push(temporary_for(path)?);
    }
    let out_header = header_like(&header, &T::Output::DTYPE.descr());
    for tmp in &mut outputs {
        tmp.as_file_mut().write_all(&out_header)?;
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        // A second handler cannot be installed (e.g. in tests calling twice); then Ctrl-C
        // simply ends the process, which still leaves no output file under the final name.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let bar = progress_bar(job.progress, (header.len() * size) as u64);
    let started = std::time::Instant::now();

    // Buffers sized once for the largest slab (with halo): growing a Vec could double it.
    let max_rows =
        (slab + 2 * halo_reach).min(outer.as_ref().map_or(outer_len, Outer::extended_len));
    let mut values: Vec<T> = Vec::with_capacity(max_rows * per_index);
    let mut out_values: Vec<T::Output> = Vec::with_capacity(slab * per_index);
    let mut writers: Vec<BufWriter<&mut File>> = outputs
        .iter_mut()
        .map(|t| BufWriter::with_capacity(1 << 20, t.as_file_mut()))
        .collect();
    let row_bytes = per_index * size;
    let mut start = 0;
    while start < outer_len {
        if interrupted.load(Ordering::SeqCst) {
            drop(writers);
            drop(outputs); // removes the partial files
            bail!("interrupted; no output was written");
        }
        let end = (start + slab).min(outer_len);
        // The block: rows `lo..hi` of the outermost axis, counted on its extended axis (real
        // row `i` is `i + left ghosts`), covering the slab and the halo its outputs read,
        // ghost rows included (wrapped or mirrored rows of the file, or constant rows).
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
        values.clear();
        values.resize((hi - lo) * per_index, T::default());
        let mut constants = Vec::new();
        let mut row = lo;
        while row < hi {
            match outer.as_ref().map_or(Row::File(row), |o| o.row(row)) {
                Row::Constant(v) => {
                    constants.push((row - lo, v));
                    row += 1;
                }
                Row::File(first) => {
                    // A run of consecutive file rows, read at once.
                    let mut count = 1;
                    while row + count < hi
                        && outer
                            .as_ref()
                            .map_or(Row::File(row + count), |o| o.row(row + count))
                            == Row::File(first + count)
                    {
                        count += 1;
                    }
                    let at = (row - lo) * per_index;
                    file.seek(SeekFrom::Start(
                        (header.data_offset + first * row_bytes) as u64,
                    ))?;
                    file.read_exact(codec::bytes_mut(&mut values[at..at + count * per_index]))
                        .with_context(|| format!("cannot read {}", job.input.display()))?;
                    row += count;
                }
            }
        }
        codec::to_native(&mut values, order);
        for (r, v) in constants {
            // `np.pad` stores the constant in the data's dtype.
            values[r * per_index..(r + 1) * per_index].fill(T::from_f64_cast(v));
        }
        let mut block_shape = mem_shape.clone();
        block_shape[0] = hi - lo;
        let block = ArrayViewD::from_shape(IxDyn(&block_shape), &values)?;
        for (k, &axis) in axes.iter().enumerate() {
            let mut out_shape = mem_shape.clone();
            out_shape[0] = end - start;
            out_values.clear();
            out_values.resize(out_shape.iter().product(), T::Output::default());
            let out = ArrayViewMutD::from_shape(IxDyn(&out_shape), &mut out_values)?;
            // Along the outermost axis the block starts at extended row `lo`; along the
            // others the slab holds the whole (real) axis, whose ghosts the core fills, and
            // the block's rows are the slab's own.
            let (view, block_start, out_start) = if axis == 0 {
                (block.view(), lo, start)
            } else {
                let rows = start + shift - lo..end + shift - lo;
                let inner = block.slice_axis(ndarray::Axis(0), ndarray::Slice::from(rows));
                (inner, plan.ghosts(k).0, 0)
            };
            plan.compute_block(k, view, block_start, out, out_start)
                .map_err(|e| match e {
                    // The core names the index within the slab along the rows, unless they
                    // are the differentiated axis; in the file's axis order for the user.
                    ndgrad::Error::NanFound { mut index, axis } => {
                        if axis != 0 {
                            index[0] += start;
                        }
                        let axis = if header.fortran_order {
                            index.reverse();
                            ndim - 1 - axis
                        } else {
                            axis
                        };
                        job.gradient
                            .explain(ndgrad::Error::NanFound { index, axis }, &header.shape)
                    }
                    other => job.gradient.explain(other, &header.shape),
                })?;
            codec::write_le(&mut writers[k], &out_values)
                .with_context(|| format!("cannot write {}", output_paths[k].display()))?;
        }
        if let Some(b) = &bar {
            b.inc(((end - start) * per_index * size) as u64);
        }
        start = end;
    }
    for (k, w) in writers.into_iter().enumerate() {
        w.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot write {}", output_paths[k].display()))?;
    }
    for (tmp, path) in outputs.into_iter().zip(&output_paths) {
        publish(tmp, path)?;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if job.stats {
        let seconds = started.elapsed().as_secs_f64();
        let bytes = header.len() * (size + axes.len() * out_size);
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

/// The differentiated outermost axis of a streamed file: which output, its ghost rows
/// (before, after) and how they are filled.
struct Outer {
    k: usize,
    ghosts: (usize, usize),
    boundary: Boundary,
    /// Real rows.
    len: usize,
}

/// What one row of a block holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Row {
    /// This row of the file.
    File(usize),
    /// This value throughout (a constant ghost row).
    Constant(f64),
}

impl Outer {
    fn extended_len(&self) -> usize {
        self.ghosts.0 + self.len + self.ghosts.1
    }

    /// What extended row `e` holds, as `np.pad` fills it: real row `e - left`, or a ghost
    /// `d` rows beyond an end, wrapped (periodic), mirrored about the end row (reflect) or
    /// constant.
    fn row(&self, e: usize) -> Row {
        let (n, left) = (self.len, self.ghosts.0);
        if (left..left + n).contains(&e) {
            return Row::File(e - left);
        }
        let before = e < left;
        let side = match (self.boundary, before) {
            (Boundary::Periodic { .. }, _) => None,
            (Boundary::Reflect, _) => Some(Side::Reflect),
            (Boundary::Constant(v), _) => Some(Side::Constant(v)),
            (Boundary::Sides(l, _), true) => Some(l),
            (Boundary::Sides(_, r), false) => Some(r),
            // No ghosts at a one-sided end (the plan adds none).
            (Boundary::OneSided, _) => Some(Side::OneSided),
        };
        let (wrapped, mirrored) = if before {
            let d = left - e;
            (n - d, d)
        } else {
            let d = e - (left + n - 1);
            (d - 1, n - 1 - d)
        };
        match side {
            None => Row::File(wrapped),
            Some(Side::Constant(v)) => Row::Constant(v),
            Some(Side::Reflect | Side::OneSided) => Row::File(mirrored),
        }
    }
}

/// `OUT.npy` -> `OUT.axis<k>.npy`: one output file per differentiated axis.
pub fn output_for_axis(output: &Path, axis: usize) -> PathBuf {
    let stem = output
        .file_stem()
        .map_or_else(|| "gradient".into(), |s| s.to_string_lossy().to_string());
    output.with_file_name(format!("{stem}.axis{axis}.npy"))
}

/// The header of an output shaped and ordered like the input, with dtype `descr`.
fn header_like(h: &Header, descr: &str) -> Vec<u8> {
    let bytes = npy::header_bytes(descr, &h.shape);
    if !h.fortran_order {
        return bytes;
    }
    // Same length: "False" -> "True " keeps the header size and alignment.
    let (from, to) = (
        b"'fortran_order': False".as_slice(),
        b"'fortran_order': True ".as_slice(),
    );
    let mut bytes = bytes;
    if let Some(at) = bytes.windows(from.len()).position(|w| w == from) {
        bytes[at..at + to.len()].copy_from_slice(to);
    }
    bytes
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
