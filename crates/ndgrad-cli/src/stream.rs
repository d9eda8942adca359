//! Gradients of `.npy` files larger than memory, in slabs, with bounded memory.
//!
//! The file is cut into slabs along its outermost memory dimension. Each slab is read with
//! the halo its outputs need (neighbouring samples along the outermost axis, when that axis
//! is differentiated), differentiated along every requested axis by the same kernels as the
//! in-memory path ([`ndgrad::Plan::compute_block`]), and appended to one output file per
//! axis. Results are identical to the in-memory gradient; outputs appear only when complete.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use half::f16;
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn};
use ndgrad::{Element, GradientOptions, Plan};
use num_complex::Complex;

use crate::UsageError;
use crate::files::{publish, temporary_for};
use crate::npy::{self, Header};

/// Conversion between file bytes and values.
///
/// Every implementing type is plain data (integers, floats, pairs of floats): any bit
/// pattern is a valid value and there is no padding, which the raw-byte fast paths rely on.
pub trait Bytes: Copy + Default {
    const SIZE: usize;
    fn decode(bytes: &[u8], little_endian: bool) -> Self;
    fn encode_le(self, out: &mut Vec<u8>);
    /// NumPy's type string of this type in little-endian order.
    const DESCR: &'static str;
}

macro_rules! bytes_int {
    ($($t:ty => $d:expr),*) => {$(
        impl Bytes for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const DESCR: &'static str = $d;
            fn decode(b: &[u8], le: bool) -> Self {
                let a = b.try_into().expect("item-sized chunk");
                if le { <$t>::from_le_bytes(a) } else { <$t>::from_be_bytes(a) }
            }
            fn encode_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
bytes_int!(f64 => "<f8", f32 => "<f4", i8 => "|i1", i16 => "<i2", i32 => "<i4", i64 => "<i8",
           u8 => "|u1", u16 => "<u2", u32 => "<u4", u64 => "<u8");

impl Bytes for f16 {
    const SIZE: usize = 2;
    const DESCR: &'static str = "<f2";
    fn decode(b: &[u8], le: bool) -> Self {
        f16::from_bits(u16::decode(b, le))
    }
    fn encode_le(self, out: &mut Vec<u8>) {
        self.to_bits().encode_le(out)
    }
}

macro_rules! bytes_complex {
    ($($r:ty => $d:expr),*) => {$(
        impl Bytes for Complex<$r> {
            const SIZE: usize = 2 * std::mem::size_of::<$r>();
            const DESCR: &'static str = $d;
            fn decode(b: &[u8], le: bool) -> Self {
                let n = std::mem::size_of::<$r>();
                Complex::new(<$r>::decode(&b[..n], le), <$r>::decode(&b[n..], le))
            }
            fn encode_le(self, out: &mut Vec<u8>) {
                self.re.encode_le(out);
                self.im.encode_le(out);
            }
        }
    )*};
}
bytes_complex!(f32 => "<c8", f64 => "<c16");

/// A size such as `512M`, `2G`, `1GiB` or `1048576`.
pub fn parse_size(text: &str) -> Result<usize> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        _ => {
            return Err(UsageError(format!(
                "--memory-limit '{text}': use a size like 512M or 2G"
            ))
            .into());
        }
    };
    let value: f64 = number.parse().map_err(|_| {
        UsageError(format!(
            "--memory-limit '{text}': use a size like 512M or 2G"
        ))
    })?;
    Ok((value * scale) as usize)
}

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
    pub options: GradientOptions,
    pub edge_order: i64,
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
    match header.kind() {
        "f8" => stream::<f64>(job, file, header),
        "f4" => stream::<f32>(job, file, header),
        "f2" => stream::<f16>(job, file, header),
        "c16" => stream::<Complex<f64>>(job, file, header),
        "c8" => stream::<Complex<f32>>(job, file, header),
        "i1" => stream::<i8>(job, file, header),
        "i2" => stream::<i16>(job, file, header),
        "i4" => stream::<i32>(job, file, header),
        "i8" => stream::<i64>(job, file, header),
        "u1" => stream::<u8>(job, file, header),
        "u2" => stream::<u16>(job, file, header),
        "u4" => stream::<u32>(job, file, header),
        "u8" => stream::<u64>(job, file, header),
        other => bail!(
            "{}: unsupported dtype '{other}' for a gradient",
            job.input.display()
        ),
    }
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

fn stream<T>(job: Job<'_>, mut file: File, header: Header) -> Result<()>
where
    T: Element + Bytes,
    T::Output: Bytes,
{
    let ndim = header.shape.len();
    // Work in memory order: a Fortran file is the C-ordered array of the reversed axes.
    let to_memory = |axis: usize| {
        if header.fortran_order {
            ndim - 1 - axis
        } else {
            axis
        }
    };
    let mem_shape: Vec<usize> = (0..ndim).map(|d| header.shape[to_memory(d)]).collect();
    let mut options = job.options.clone();
    if let ndgrad::Axes::List(list) = &options.axes {
        // Map the user's axes (negative allowed) onto memory order, keeping errors NumPy's.
        let mapped = list
            .iter()
            .map(|&a| {
                let n = ndim as isize;
                if a < -n || a >= n {
                    a
                } else {
                    to_memory(a.rem_euclid(n) as usize) as isize
                }
            })
            .collect();
        options.axes = ndgrad::Axes::List(mapped);
    } else if header.fortran_order {
        options.axes = ndgrad::Axes::List((0..ndim).map(|a| to_memory(a) as isize).collect());
    }
    let plan = Plan::with_numpy_edge_order(&mem_shape, &options, job.edge_order)
        .map_err(|e| anyhow::anyhow!("{}: {e}", job.input.display()))?;
    let axes = plan.axes();
    let output_paths: Vec<PathBuf> = if axes.len() == 1 {
        vec![job.output.to_path_buf()]
    } else {
        axes.iter()
            .map(|&a| output_for_axis(job.output, to_memory(a)))
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
    let halo_reach = 2; // edge order 2 reads up to 2 samples beyond a slab (exec::halo)
    // Memory per outer index: the values of the input (and its raw bytes when they must be
    // byte-swapped) and the values of every output (written as they are).
    let swap = !(header.little_endian() && cfg!(target_endian = "little"));
    let input_copies = if swap { 2 } else { 1 };
    let per_index_bytes = per_index * (input_copies * T::SIZE + T::Output::SIZE);
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

    // Outputs: temporary files in the target folders, renamed when everything is written.
    let mut outputs = Vec::with_capacity(axes.len());
    for path in &output_paths {
        outputs.push(temporary_for(path)?);
    }
    let out_header = header_like(&header, T::Output::DESCR);
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
    let bar = progress_bar(job.progress, (header.len() * T::SIZE) as u64);
    let started = std::time::Instant::now();

    let le = header.little_endian();
    // Buffers sized once for the largest slab (with halo): growing a Vec could double it.
    let max_rows = (slab + 2 * halo_reach).min(outer_len);
    let mut raw: Vec<u8> = Vec::with_capacity(if swap {
        max_rows * per_index * T::SIZE
    } else {
        0
    });
    let mut values: Vec<T> = Vec::with_capacity(max_rows * per_index);
    let mut out_values: Vec<T::Output> = Vec::with_capacity(slab * per_index);
    let mut out_bytes: Vec<u8> = Vec::with_capacity(if cfg!(target_endian = "little") {
        0
    } else {
        1 << 20
    });
    let mut writers: Vec<BufWriter<&mut File>> = outputs
        .iter_mut()
        .map(|t| BufWriter::with_capacity(1 << 20, t.as_file_mut()))
        .collect();
    let mut start = 0;
    while start < outer_len {
        if interrupted.load(Ordering::SeqCst) {
            drop(writers);
            drop(outputs); // removes the partial files
            bail!("interrupted; no output was written");
        }
        let end = (start + slab).min(outer_len);
        // Read the slab plus the halo the outermost axis needs, if it is differentiated.
        let reach = if axes.contains(&0) {
            plan.halo(axes.iter().position(|&a| a == 0).unwrap_or(0), start..end)
        } else {
            start..end
        };
        let (lo, hi) = (reach.start.min(start), reach.end.max(end));
        file.seek(SeekFrom::Start(
            (header.data_offset + lo * per_index * T::SIZE) as u64,
        ))?;
        let count = (hi - lo) * per_index;
        let read_context = || format!("cannot read {}", job.input.display());
        if swap {
            raw.clear();
            raw.resize(count * T::SIZE, 0);
            file.read_exact(&mut raw).with_context(read_context)?;
            values.clear();
            values.extend(raw.chunks_exact(T::SIZE).map(|c| T::decode(c, le)));
        } else {
            // Same byte order as memory: read straight into the values.
            values.clear();
            values.resize(count, T::default());
            // SAFETY: `T` is plain data (see `Bytes`): its memory may hold any bytes, and
            // the slice covers exactly the `count` initialized values.
            let bytes = unsafe {
                std::slice::from_raw_parts_mut(values.as_mut_ptr() as *mut u8, count * T::SIZE)
            };
            file.read_exact(bytes).with_context(read_context)?;
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
            // Along the outermost axis the block starts at `lo`; along the others the slab
            // holds the whole axis, so output and block cover the same samples.
            let (view, block_start, out_start) = if axis == 0 {
                (block.view(), lo, start)
            } else {
                let inner =
                    block.slice_axis(ndarray::Axis(0), ndarray::Slice::from(start - lo..end - lo));
                (inner, 0, 0)
            };
            plan.compute_block(k, view, block_start, out, out_start)
                .map_err(|e| anyhow::anyhow!("{}: {e}", job.input.display()))?;
            let write_context = || format!("cannot write {}", output_paths[k].display());
            if cfg!(target_endian = "little") {
                // SAFETY: plain data (see `Bytes`) viewed as its bytes, which on a
                // little-endian machine are the file's little-endian encoding.
                let bytes = unsafe {
                    std::slice::from_raw_parts(
                        out_values.as_ptr() as *const u8,
                        out_values.len() * T::Output::SIZE,
                    )
                };
                writers[k].write_all(bytes).with_context(write_context)?;
            } else {
                for chunk in out_values.chunks(1 << 16) {
                    out_bytes.clear();
                    chunk.iter().for_each(|v| v.encode_le(&mut out_bytes));
                    writers[k]
                        .write_all(&out_bytes)
                        .with_context(write_context)?;
                }
            }
        }
        if let Some(b) = &bar {
            b.inc(((end - start) * per_index * T::SIZE) as u64);
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
        let bytes = header.len() * (T::SIZE + axes.len() * T::Output::SIZE);
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
