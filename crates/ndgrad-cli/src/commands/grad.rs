//! `ndgrad grad`: the gradient of an array, image or table, like `np.gradient`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ndarray::ArrayD;
use ndgrad::{Axes, AxisSpacing, Coordinates, GradientOptions, Spacing};

use crate::UsageError;
use crate::array::AnyArray;
use crate::files::{Format, refuse_overwrite, write_atomically};
use crate::{images, npy, table};

/// Differentiate an array (.npy, .npz), an image (.png, .tif, .jpg) or a table (.csv, .tsv).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad grad field.npy -o grad.npz                      every axis, unit spacing
  ndgrad grad field.npy -o dx.npy --axis 1 --spacing 0.5
  ndgrad grad field.npy -o g.npz --spacing 2 --spacing y.npy   one spacing per axis
  ndgrad grad log.csv --x time -o rates.csv              d<column>/d<time>, time in seconds
  ndgrad grad photo.png -o grad.npz                      image as 2-D float64 (luminance)
  ndgrad grad big.npy --axis 0 -o d0.npy --memory-limit 2G   files larger than RAM

Spacing follows np.gradient: none means 1; one value applies to every axis; otherwise one
per differentiated axis, in --axis order. A value is a number (like a Python float) or the
path of a 1-D coordinate file (.npy, or text with one number per line).")]
pub struct Args {
    /// Input file: .npy, .npz, .csv, .tsv, .png, .tif or .jpg
    pub input: PathBuf,
    /// Output file: .npz (one array per axis, named axis0, axis1, ...), .npy (one axis),
    /// or .csv/.tsv for a table input
    #[arg(short, long)]
    pub output: PathBuf,
    /// Axis to differentiate (repeatable; negative counts from the end; default: all)
    #[arg(long = "axis", allow_negative_numbers = true)]
    pub axes: Vec<isize>,
    /// Sample spacing: a number or a coordinate file (repeatable, one per axis)
    #[arg(long = "spacing", allow_negative_numbers = true)]
    pub spacing: Vec<String>,
    /// Accuracy of the one-sided differences at the ends: 1 or 2
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub edge_order: i64,
    /// Worker threads (default: all cores)
    #[arg(long)]
    pub threads: Option<usize>,
    /// Array to read from an .npz holding several
    #[arg(long)]
    pub key: Option<String>,
    /// Table column holding the coordinates (numbers or ISO-8601 date-times)
    #[arg(long)]
    pub x: Option<String>,
    /// Unit of date-time coordinates: ns, us, ms, s, min, h or d
    #[arg(long, default_value = "s")]
    pub time_unit: String,
    /// Stream an .npy file in slabs, keeping memory under SIZE (e.g. 512M, 2G); with several
    /// axes, writes OUTPUT.axis<k>.npy per axis
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bar
    #[arg(short, long)]
    pub quiet: bool,
    /// After streaming, print the time, throughput and peak resident memory to stderr
    #[arg(long)]
    pub stats: bool,
}

pub fn run(args: Args) -> Result<()> {
    let in_format = Format::of(&args.input)?;
    let out_format = Format::of(&args.output)?;
    let spacing_files: Vec<&Path> = args
        .spacing
        .iter()
        .filter(|s| s.parse::<f64>().is_err())
        .map(Path::new)
        .collect();
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(spacing_files);
    refuse_overwrite(&args.output, &inputs)?;
    if args.edge_order > 2 || args.edge_order < 1 {
        return Err(UsageError(format!("--edge-order {} is not 1 or 2", args.edge_order)).into());
    }
    if let Some(limit) = &args.memory_limit {
        return streamed(&args, in_format, out_format, limit);
    }
    match in_format {
        Format::Csv | Format::Tsv => return table_gradient(&args, out_format),
        _ if args.x.is_some() => {
            return Err(UsageError(
                "--x applies to .csv/.tsv tables; for arrays give --spacing".into(),
            )
            .into());
        }
        _ => {}
    }
    let array = read_array(&args.input, in_format, args.key.as_deref())?;
    let mut options = options(&args)?;
    options.spacing = spacing(&args.spacing)?;
    if !args.axes.is_empty() {
        options.axes = Axes::List(args.axes.clone());
    }
    let named: Vec<(String, AnyArray)> = array
        .gradient(&options, args.edge_order)
        .map_err(|e| explain(e, &args, &array))?
        .into_iter()
        .map(|(axis, g)| (format!("axis{axis}"), g))
        .collect();
    match out_format {
        Format::Npy if named.len() == 1 => write_atomically(&args.output, |w| Ok(npy::write(w, &named[0].1)?)),
        Format::Npy => Err(UsageError(format!(
            "{}: {} axes are differentiated but .npy holds one array; write .npz or pass one --axis",
            args.output.display(),
            named.len()
        ))
        .into()),
        Format::Npz => write_atomically(&args.output, |w| npy::write_npz(w, &named)),
        _ => Err(UsageError(format!(
            "{}: array gradients are written as .npy or .npz",
            args.output.display()
        ))
        .into()),
    }
}

/// `--memory-limit`: an .npy file in slabs, to one .npy per axis.
fn streamed(args: &Args, in_format: Format, out_format: Format, limit: &str) -> Result<()> {
    if in_format != Format::Npy || out_format != Format::Npy {
        return Err(UsageError(
            "--memory-limit streams .npy files: give an .npy input and an .npy output".into(),
        )
        .into());
    }
    let mut options = options(args)?;
    options.spacing = spacing(&args.spacing)?;
    if !args.axes.is_empty() {
        options.axes = Axes::List(args.axes.clone());
    }
    crate::stream::run(crate::stream::Job {
        input: &args.input,
        output: &args.output,
        options,
        edge_order: args.edge_order,
        memory_limit: crate::stream::parse_size(limit)?,
        progress: !args.quiet,
        stats: args.stats,
    })
}

/// An array file of any supported kind (images become 2-D float64 luminance).
pub fn read_array(path: &Path, format: Format, key: Option<&str>) -> Result<AnyArray> {
    Ok(match format {
        Format::Npy => npy::read(path)?,
        Format::Npz => npy::read_npz(path, key)?.1,
        Format::Image => AnyArray::F64(images::read_luminance(path)?.into_dyn()),
        Format::Csv | Format::Tsv => {
            return Err(
                UsageError(format!("{}: a table is not an array file", path.display())).into(),
            );
        }
    })
}

fn options(args: &Args) -> Result<GradientOptions> {
    let mut options = GradientOptions::new();
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(UsageError("--threads must be at least 1".into()).into());
        }
        options = options.threads(n);
    }
    Ok(options)
}

/// `--spacing` values: numbers behave like Python floats, files like the arrays they hold.
fn spacing(values: &[String]) -> Result<Spacing> {
    let args = values
        .iter()
        .map(|v| match v.parse::<f64>() {
            Ok(h) => Ok(AxisSpacing::from(h)),
            Err(_) => coordinates(Path::new(v)).map(AxisSpacing::Coordinates),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Spacing::from_varargs(args))
}

/// A coordinate file: `.npy` (float dtypes keep their precision; integers become float64,
/// as NumPy converts them) or text with one number per line (float64, like np.loadtxt).
fn coordinates(path: &Path) -> Result<Coordinates> {
    if !path.exists() {
        return Err(UsageError(format!(
            "--spacing '{}' is neither a number nor an existing coordinate file",
            path.display()
        ))
        .into());
    }
    if Format::of(path).ok() == Some(Format::Npy) {
        return Ok(match npy::read(path)? {
            AnyArray::F64(a) => Coordinates::F64(a),
            AnyArray::F32(a) => Coordinates::F32(a),
            AnyArray::F16(a) => Coordinates::F16(a),
            AnyArray::I8(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::I16(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::I32(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::I64(a) => Coordinates::F64(a.mapv(|v| v as f64)),
            AnyArray::U8(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::U16(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::U32(a) => Coordinates::F64(a.mapv(f64::from)),
            AnyArray::U64(a) => Coordinates::F64(a.mapv(|v| v as f64)),
            other => anyhow::bail!(
                "{}: coordinates of dtype {} are not supported",
                path.display(),
                other.dtype()
            ),
        });
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let values = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(k, l)| {
            let cell = l.split([',', '\t']).next().unwrap_or("").trim();
            table::parse_number(cell).with_context(|| {
                format!(
                    "{}: line {}: '{cell}' is not a number",
                    path.display(),
                    k + 1
                )
            })
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(Coordinates::F64(ArrayD::from_shape_vec(
        ndarray::IxDyn(&[values.len()]),
        values,
    )?))
}

/// Core errors, with the file or flag they concern.
fn explain(e: ndgrad::Error, args: &Args, array: &AnyArray) -> anyhow::Error {
    use ndgrad::Error as E;
    let shape = array.shape();
    match e {
        E::AxisOutOfBounds { axis, ndim } => UsageError(format!(
            "--axis {axis} is out of bounds: {} has {ndim} dimension(s)",
            args.input.display()
        ))
        .into(),
        E::RepeatedAxis => UsageError("--axis lists the same axis twice".into()).into(),
        E::InvalidNumberOfArguments { given, axes } => UsageError(format!(
            "{given} --spacing values for {axes} differentiated axes; give none, one, or one per axis"
        ))
        .into(),
        E::SpacingNotScalarOr1d { position } => anyhow::anyhow!(
            "--spacing {}: coordinates must be 1-D",
            args.spacing.get(position).map_or("?", String::as_str)
        ),
        E::CoordinatesLengthMismatch { position, axis, expected, found } => anyhow::anyhow!(
            "--spacing {}: {found} coordinates for axis {axis}, which has {expected} samples in {}",
            args.spacing.get(position).map_or("?", String::as_str),
            args.input.display()
        ),
        E::CoordinatesTooShort { position } => anyhow::anyhow!(
            "--spacing {}: at least 2 coordinates are needed",
            args.spacing.get(position).map_or("?", String::as_str)
        ),
        E::ArrayTooSmall { axis, len, required } => anyhow::anyhow!(
            "{}: axis {axis} has {len} sample(s) (shape {shape:?}) but edge order {} needs at least {required}",
            args.input.display(),
            args.edge_order
        ),
        other => anyhow::anyhow!("{}: {other}", args.input.display()),
    }
}

/// Tables: every numeric column against the x column (or a spacing), written as a table.
fn table_gradient(args: &Args, out_format: Format) -> Result<()> {
    if !matches!(out_format, Format::Csv | Format::Tsv) {
        return Err(UsageError(format!(
            "{}: a table's derivatives are written as .csv or .tsv",
            args.output.display()
        ))
        .into());
    }
    if args.axes.iter().any(|&a| a != 0 && a != -1) {
        return Err(UsageError("a table's columns are 1-D: --axis can only be 0".into()).into());
    }
    if args.x.is_some() && !args.spacing.is_empty() {
        return Err(UsageError("give either --x COLUMN or --spacing, not both".into()).into());
    }
    let t = table::read(&args.input, args.x.as_deref(), &args.time_unit)?;
    let mut options = options(args)?;
    options.spacing = match &t.x {
        Some(x) => Spacing::PerAxis(vec![AxisSpacing::from(x.values.clone())]),
        None => spacing(&args.spacing)?,
    };
    let mut derivatives = Vec::with_capacity(t.columns.len());
    for (name, values) in &t.columns {
        let column = AnyArray::F64(ArrayD::from_shape_vec(
            ndarray::IxDyn(&[values.len()]),
            values.clone(),
        )?);
        let mut g = column
            .gradient(&options, args.edge_order)
            .map_err(|e| explain(e, args, &column))?;
        let (_, AnyArray::F64(g)) = g.remove(0) else {
            unreachable!("float64 columns give float64")
        };
        derivatives.push((name.clone(), g.iter().copied().collect()));
    }
    let delimiter = table::delimiter(&args.output);
    write_atomically(&args.output, |w| {
        table::write(w, delimiter, t.x.as_ref(), &derivatives)
    })
}
