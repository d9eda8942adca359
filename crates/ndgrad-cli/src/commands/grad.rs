//! `ndgrad grad`: the gradient of an array, image or table, like `np.gradient`.

mod job;
mod table;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::UsageError;
use crate::array::AnyArray;
use crate::commands::flags::{Derivative, Scheme};
use crate::files::{Format, write_atomically};
use crate::options;
use crate::{images, npy, stream, zarr};
use job::{ArrayOutput, GradJob, Mode};

/// Differentiate an array (.npy, .npz, Zarr), an image (.png, .tif, .jpg) or a table (.csv,
/// .tsv).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad grad field.npy -o grad.npz                      every axis, unit spacing
  ndgrad grad field.npy -o dx.npy --axis 1 --spacing 0.5
  ndgrad grad field.npy -o g.npz --spacing 2 --spacing y.npy   one spacing per axis
  ndgrad grad field.npy -o g.npz --accuracy 4            4th-order accurate everywhere
  ndgrad grad field.npy -o d2.npy --axis 0 --deriv 2     second derivative
  ndgrad grad sst.npy -o g.npz --spacing 1 --spacing lon.npy --boundary reflect \\
      --boundary periodic --period 360                   periodic longitudes
  ndgrad grad wave.npy -o g.npy --boundary reflect,one-sided --accuracy 6
  ndgrad grad noisy.npy -o g.npy --window-length 11 --polyorder 2   Savitzky-Golay
  ndgrad grad log.csv --x time -o rates.csv              d<column>/d<time>, time in seconds
  ndgrad grad photo.png -o grad.npz                      image as 2-D float64 (luminance)
  ndgrad grad big.npy --axis 0 -o d0.npy --memory-limit 2G   files larger than RAM
  ndgrad grad field.zarr -o grad.zarr --memory-limit 2G  Zarr, chunk by chunk: a group of
                                                         arrays axis0, axis1, ...

Spacing follows np.gradient: none means 1; one value applies to every axis; otherwise one
per differentiated axis, in --axis order. A value is a number (like a Python float) or the
path of a 1-D coordinate file (.npy, or text with one number per line). A datetime64 .npy
file gives the time since its first sample in --time-unit units (default s).

Without --accuracy, --deriv or --boundary the result is np.gradient's, bit for bit
(--edge-order 1 or 2). --accuracy P uses the deriv + P nearest samples at the ends, so
every point is O(h^P); --accuracy 2 is --edge-order 2. --deriv 2 or more, or a --boundary
other than one-sided, means --accuracy 2 unless given; --edge-order then does not apply.

--window-length W --polyorder D (given together, instead of --accuracy) take Savitzky-Golay
derivatives: at each point the --deriv-th derivative of the least-squares polynomial of
degree D through W samples (W odd, up to 25; D from --deriv to 12), centred, or the W
samples nearest an end (scipy.signal.savgol_filter's mode 'interp'). They smooth noise that
differences amplify, work on coordinate files and with every --boundary.

--boundary says what lies beyond the ends (like np.pad): one-sided (np.gradient's
one-sided differences), periodic (np.pad 'wrap'), reflect (mirrored about the end sample),
constant:VALUE (constant alone is 0), or LEFT,RIGHT for different ends (one-sided, reflect
or constant:VALUE each). Give one for every axis, or one per differentiated axis in
--axis order. --period P is the length of one cycle of a periodic axis: needed for uneven
coordinates, implied (n * spacing) for evenly spaced ones. One --period applies to every
periodic axis; several give one per axis, none for an axis without a period.")]
pub struct Args {
    /// Input file: .npy, .npz, .zarr (a Zarr array, format 2 or 3), .csv, .tsv, .png, .tif
    /// or .jpg
    pub input: PathBuf,
    /// Output file: .npz (one array per axis, named axis0, axis1, ...), .npy (one axis),
    /// .zarr (an array for one axis, a group of arrays axis0, axis1, ... for several), or
    /// .csv/.tsv for a table input
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    #[command(flatten)]
    pub derivative: Derivative,
    /// Array to read from an .npz or a Zarr group holding several
    #[arg(long)]
    pub key: Option<String>,
    /// Table column holding the coordinates (numbers or ISO-8601 date-times)
    #[arg(long)]
    pub x: Option<String>,
    /// Stream an .npy file or a Zarr array in slabs, keeping memory under SIZE (e.g. 512M,
    /// 2G); with several axes, writes OUTPUT.axis<k>.npy per axis (or a Zarr group)
    #[arg(long, value_name = "SIZE", value_parser = options::size)]
    pub memory_limit: Option<usize>,
    /// No progress bar
    #[arg(short, long)]
    pub quiet: bool,
    /// After streaming, print the time, throughput and peak resident memory to stderr
    #[arg(long)]
    pub stats: bool,
}

pub fn run(args: Args) -> Result<()> {
    let job = args.resolve()?;
    match &job.mode {
        Mode::InMemory {
            format,
            key,
            output,
        } => in_memory(&job, *format, key.as_deref(), *output),
        Mode::Table { x, time_unit } => table::run(&job, x.as_deref(), *time_unit),
        Mode::Streamed {
            key,
            memory_limit,
            progress,
            stats,
        } => stream::run(stream::Job {
            input: &job.input,
            output: &job.output,
            key: key.as_deref(),
            gradient: &job.gradient,
            memory_limit: *memory_limit,
            progress: *progress,
            stats: *stats,
        }),
    }
}

/// An array file read whole, differentiated, written as .npy (one axis), .npz or Zarr.
fn in_memory(job: &GradJob, format: Format, key: Option<&str>, out: ArrayOutput) -> Result<()> {
    let (array, template) = read_with_template(&job.input, format, key)?;
    let plan = job.gradient.plan(array.shape())?;
    let axes = plan.axes().len();
    if out == ArrayOutput::Npy && axes != 1 {
        return Err(UsageError(format!(
            "{}: {axes} axes are differentiated but .npy holds one array; write .npz or pass one --axis",
            job.output.display(),
        ))
        .into());
    }
    let named: Vec<(String, AnyArray)> = array
        .gradient(&plan)
        .map_err(|e| job.gradient.explain(e, array.shape()))?
        .into_iter()
        .map(|(axis, g)| (format!("axis{axis}"), g))
        .collect();
    match out {
        ArrayOutput::Npy => write_atomically(&job.output, |w| Ok(npy::write(w, &named[0].1)?)),
        ArrayOutput::Npz => write_atomically(&job.output, |w| npy::write_npz(w, &named)),
        ArrayOutput::Zarr => zarr::write(&job.output, &named, &template),
    }
}

/// An array file read whole, and what Zarr outputs copy from it (a Zarr input's format,
/// chunks and codecs; zarr-python's defaults for other inputs).
pub(crate) fn read_with_template(
    path: &Path,
    format: Format,
    key: Option<&str>,
) -> Result<(AnyArray, zarr::Template)> {
    if format == Format::Zarr {
        let reader = zarr::Reader::open(path, key)?;
        return Ok((reader.read_all()?, reader.template()));
    }
    Ok((read_array(path, format, key)?, zarr::Template::default()))
}

/// An array file of any supported kind (images become 2-D float64 luminance).
pub(crate) fn read_array(path: &Path, format: Format, key: Option<&str>) -> Result<AnyArray> {
    Ok(match format {
        Format::Npy => npy::read(path)?,
        Format::Npz => npy::read_npz(path, key)?.1,
        Format::Image => AnyArray::F64(images::read_luminance(path)?.into_dyn()),
        Format::Zarr => zarr::read(path, key)?,
        Format::Csv | Format::Tsv => {
            return Err(
                UsageError(format!("{}: a table is not an array file", path.display())).into(),
            );
        }
    })
}
