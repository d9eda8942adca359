//! `ndgrad magnitude`, `laplacian`, `divergence` and `curl`: the core's one-pass vector
//! calculus on arrays read whole, with `grad`'s flags resolved by the same step.

use std::any::Any;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use ndarray::{ArrayD, ArrayViewD};
use ndgrad::{Curl, Element, OutputValue};

use super::flags::{Derivative, Scheme};
use super::grad::read_with_template;
use crate::UsageError;
use crate::array::{AnyArray, with_array};
use crate::files::{Format, input_location, refuse_overwrite, require, write_atomically};
use crate::gradient::Gradient;
use crate::{npy, zarr};

/// The length of the gradient vector at every point, sqrt(g0^2 + g1^2 + ...).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad magnitude field.npy -o mag.npy                 over every axis, unit spacing
  ndgrad magnitude field.npy -o mag.npy --spacing 0.5 --accuracy 4
  ndgrad magnitude sst.npy -o mag.npy --axis 0 --axis 1 --boundary periodic
  ndgrad magnitude photo.png -o mag.npy                 image as 2-D float64 (luminance)

The result equals sqrt((g0*g0 + g1*g1) + ...) of `ndgrad grad` with the same flags, bit for
bit, computed in one pass; real (float64 for integer data, the real type of complex data).
The flags are grad's (see ndgrad grad --help); files are read whole (no --memory-limit).
A .zarr output copies a Zarr input's format, chunks and compressors.")]
pub struct MagnitudeArgs {
    /// Input file: .npy, .npz, .zarr, .png, .tif or .jpg
    pub input: PathBuf,
    /// Output file (.npy or .zarr)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    #[command(flatten)]
    pub derivative: Derivative,
    /// Array to read from an .npz or a Zarr group holding several
    #[arg(long)]
    pub key: Option<String>,
    /// Not supported here: refused with an explanation
    #[arg(long, value_name = "SIZE", hide = true)]
    pub memory_limit: Option<String>,
}

/// The Laplacian: the sum of the second derivatives along the axes.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad laplacian field.npy -o lap.npy                 every axis, accuracy 2
  ndgrad laplacian field.npy -o lap.npy --spacing 0.1 --accuracy 4
  ndgrad laplacian wave.npy -o lap.npy --boundary periodic
  ndgrad laplacian field.npy -o lap.npy --axis 1 --axis 2

The sum, in axis order, of the direct second derivatives (not the divergence of the
gradient): [1, -2, 1] / h^2 inside and [2, -5, 4, -1] / h^2 at one-sided ends by default,
so every axis needs 4 samples. --accuracy, --boundary, --period, --window-length/--polyorder
and --spacing are grad's (see ndgrad grad --help); the derivative order is always 2, so
there is no --deriv or --edge-order. Files are read whole (no --memory-limit).")]
pub struct LaplacianArgs {
    /// Input file: .npy, .npz, .zarr, .png, .tif or .jpg
    pub input: PathBuf,
    /// Output file (.npy or .zarr)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    /// Array to read from an .npz or a Zarr group holding several
    #[arg(long)]
    pub key: Option<String>,
    /// Not supported here: refused with an explanation
    #[arg(long, value_name = "SIZE", hide = true)]
    pub memory_limit: Option<String>,
}

/// A vector field given as one .npy file or Zarr array per component.
#[derive(clap::Args)]
pub struct FieldArgs {
    /// Component files (.npy or .zarr), in axis order: U V, or U V W; same shape and dtype
    #[arg(required = true, value_name = "COMPONENT")]
    pub components: Vec<PathBuf>,
    /// Output file
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    #[command(flatten)]
    pub derivative: Derivative,
    /// Not supported here: refused with an explanation
    #[arg(long, value_name = "SIZE", hide = true)]
    pub memory_limit: Option<String>,
}

/// Help for `divergence`, set on its subcommand.
pub const DIVERGENCE_HELP: &str = "Examples:
  ndgrad divergence u.npy v.npy -o div.npy              dU/dx0 + dV/dx1
  ndgrad divergence u.npy v.npy w.npy -o div.npy --spacing 0.5 --accuracy 4
  ndgrad divergence u.npy v.npy -o div.npy --axis 1 --axis 0   (y, x) arrays: u along x

Component i is differentiated along the i-th differentiated axis (every axis, or --axis in
order), so give one component per axis. The result equals (dU/dx0 + dV/dx1) + dW/dx2 of
`ndgrad grad` with the same flags, bit for bit. The flags are grad's (see ndgrad grad
--help); files are read whole (no --memory-limit).";

/// Help for `curl`, set on its subcommand.
pub const CURL_HELP: &str = "Examples:
  ndgrad curl u.npy v.npy -o vort.npy                   dV/dx0 - dU/dx1 (.npy)
  ndgrad curl u.npy v.npy -o vort.npy --axis 1 --axis 0   (y, x) images: dv/dx - du/dy
  ndgrad curl u.npy v.npy w.npy -o curl.npz --boundary periodic   arrays curl0, curl1, curl2

Right-handed in the order of the differentiated axes: component i goes with axis i. Two
components give one array, written as .npy; three give three (curl0 = dW/dx1 - dV/dx2,
curl1 = dU/dx2 - dW/dx0, curl2 = dV/dx0 - dU/dx1), written as .npz. The flags are grad's
(see ndgrad grad --help); files are read whole (no --memory-limit).";

pub fn magnitude(args: MagnitudeArgs) -> Result<()> {
    refuse_streaming("magnitude", args.memory_limit.as_deref())?;
    let (gradient, array, template) = scalar_input(
        &args.input,
        &args.output,
        args.key.as_deref(),
        &args.scheme,
        &args.derivative,
    )?;
    let result = with_array!(&array, a => ndgrad::magnitude(a.view(), &gradient.options)
        .map(AnyArray::from))
    .map_err(|e| explain(&gradient, e, array.shape()))?;
    write_one(&args.output, result, &template)
}

pub fn laplacian(args: LaplacianArgs) -> Result<()> {
    refuse_streaming("laplacian", args.memory_limit.as_deref())?;
    let (gradient, array, template) = scalar_input(
        &args.input,
        &args.output,
        args.key.as_deref(),
        &args.scheme,
        &Derivative::FIRST,
    )?;
    let result = with_array!(&array, a => ndgrad::laplacian(a.view(), &gradient.options)
        .map(AnyArray::from))
    .map_err(|e| explain_laplacian(&gradient, e, array.shape()))?;
    write_one(&args.output, result, &template)
}

pub fn divergence(args: FieldArgs) -> Result<()> {
    refuse_streaming("divergence", args.memory_limit.as_deref())?;
    require(
        &args.output,
        |f| matches!(f, Format::Npy | Format::Zarr),
        "the divergence is written as .npy or .zarr",
    )?;
    let (gradient, field, template) = field_input(&args)?;
    let shape = field[0].shape().to_vec();
    let result = with_array!(&field[0], a => divergence_of(a, &field, &gradient.options))
        .map_err(|e| explain(&gradient, e, &shape))?;
    write_one(&args.output, result, &template)
}

pub fn curl(args: FieldArgs) -> Result<()> {
    refuse_streaming("curl", args.memory_limit.as_deref())?;
    let n = args.components.len();
    if !(n == 2 || n == 3) {
        return Err(UsageError(format!(
            "curl needs 2 or 3 component files (U V or U V W), got {n}: {}",
            names(&args.components)
        ))
        .into());
    }
    if n == 2 {
        require(
            &args.output,
            |f| matches!(f, Format::Npy | Format::Zarr),
            "the curl of 2 components is one array, written as .npy or .zarr",
        )?;
    } else {
        require(
            &args.output,
            |f| matches!(f, Format::Npz | Format::Zarr),
            "the curl of 3 components is three arrays (curl0, curl1, curl2), written as .npz \
             or .zarr (a group)",
        )?;
    }
    let (gradient, field, template) = field_input(&args)?;
    let shape = field[0].shape().to_vec();
    let result = with_array!(&field[0], a => curl_of(a, &field, &gradient.options))
        .map_err(|e| explain(&gradient, e, &shape))?;
    match result {
        Curl::Scalar(c) => write_one(&args.output, c, &template),
        Curl::Vector(parts) => {
            let named: Vec<(String, AnyArray)> = parts
                .into_iter()
                .enumerate()
                .map(|(i, c)| (format!("curl{i}"), c))
                .collect();
            if Format::of(&args.output)? == Format::Zarr {
                return zarr::write(&args.output, &named, &template);
            }
            write_atomically(&args.output, |w| npy::write_npz(w, &named))
        }
    }
}

/// `--memory-limit` streams `grad` only.
fn refuse_streaming(command: &str, memory_limit: Option<&str>) -> Result<()> {
    match memory_limit {
        None => Ok(()),
        Some(size) => Err(UsageError(format!(
            "--memory-limit {size} is not supported by {command}, which reads its input \
             whole; drop --memory-limit (only grad streams files)"
        ))
        .into()),
    }
}

/// The checks of a one-input operator, then its input read whole (and what a Zarr output
/// copies from it).
fn scalar_input(
    input: &Path,
    output: &Path,
    key: Option<&str>,
    scheme: &Scheme,
    derivative: &Derivative,
) -> Result<(Gradient, AnyArray, zarr::Template)> {
    let format = require(
        input,
        |f| !f.is_table(),
        "a table is not an array file; give .npy, .npz, .zarr or an image",
    )?;
    require(
        output,
        |f| matches!(f, Format::Npy | Format::Zarr),
        "the result is one array, written as .npy or .zarr",
    )?;
    let location = input_location(input, key);
    let mut inputs = vec![location.as_path()];
    inputs.extend(scheme.spacing_files());
    refuse_overwrite(output, &inputs)?;
    check_zarr_target(output)?;
    let gradient = scheme.resolve(derivative, input)?;
    let (array, template) = read_with_template(input, format, key)?;
    Ok((gradient, array, template))
}

/// Refuses early a Zarr output that would replace something other than a Zarr store.
fn check_zarr_target(output: &Path) -> Result<()> {
    if Format::of(output)? == Format::Zarr {
        zarr::check_target(output)?;
    }
    Ok(())
}

/// The checks of a vector operator, then its components read whole: every one an .npy file
/// or a Zarr array of the first one's shape and dtype (and what a Zarr output copies: the
/// first Zarr component's format, chunks and codecs).
fn field_input(args: &FieldArgs) -> Result<(Gradient, Vec<AnyArray>, zarr::Template)> {
    let mut formats = Vec::with_capacity(args.components.len());
    for c in &args.components {
        formats.push(require(
            c,
            |f| matches!(f, Format::Npy | Format::Zarr),
            "components are read from .npy files or Zarr arrays",
        )?);
    }
    let mut inputs: Vec<&Path> = args.components.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.scheme.spacing_files());
    refuse_overwrite(&args.output, &inputs)?;
    check_zarr_target(&args.output)?;
    let gradient = args.scheme.resolve(&args.derivative, &args.components[0])?;
    let mut field: Vec<AnyArray> = Vec::with_capacity(args.components.len());
    let mut template = None;
    for (path, format) in args.components.iter().zip(formats) {
        let (array, like) = read_with_template(path, format, None)?;
        if format == Format::Zarr && template.is_none() {
            template = Some(like);
        }
        if let Some(first) = field.first() {
            let first_path = args.components[0].display();
            if array.shape() != first.shape() {
                return Err(anyhow!(
                    "{}: shape {:?} differs from {first_path}'s {:?}; the components must have \
                     the same shape",
                    path.display(),
                    array.shape(),
                    first.shape()
                ));
            }
            if array.dtype() != first.dtype() {
                return Err(anyhow!(
                    "{}: dtype {} differs from {first_path}'s {}; the components must have \
                     the same dtype",
                    path.display(),
                    array.dtype().descr(),
                    first.dtype().descr()
                ));
            }
        }
        field.push(array);
    }
    Ok((gradient, field, template.unwrap_or_default()))
}

/// A core error in the user's words: a component count that does not match the axes is a
/// usage error naming `--axis`, and the Laplacian's errors speak of its fixed order 2 (it has
/// no `--deriv`); the rest as for `grad`.
fn explain(gradient: &Gradient, e: ndgrad::Error, shape: &[usize]) -> anyhow::Error {
    use ndgrad::Error as E;
    let input = gradient.input.display();
    match e {
        E::OperatorAxes {
            operator,
            axes,
            components,
            expected,
        } => {
            let given = match components {
                0 => String::new(),
                n => format!(" for {n} component file(s)"),
            };
            UsageError(format!(
                "{input} (shape {shape:?}): {operator} differentiates {axes} axes here{given} \
                 but needs {expected}; give one component per differentiated axis, or choose \
                 the axes with --axis"
            ))
            .into()
        }
        other => gradient.explain(other, shape),
    }
}

/// [`explain`] for the Laplacian, whose derivative order is 2 without a `--deriv` flag.
fn explain_laplacian(gradient: &Gradient, e: ndgrad::Error, shape: &[usize]) -> anyhow::Error {
    use ndgrad::Error as E;
    let input = gradient.input.display();
    match e {
        E::AxisTooShort {
            axis,
            len,
            accuracy,
            required,
            ..
        } => anyhow!(
            "{input}: axis {axis} has {len} sample(s) (shape {shape:?}) but the Laplacian \
             (second derivatives) with --accuracy {accuracy} needs at least {required}; lower \
             --accuracy, leave this axis out with --axis, or give a longer axis"
        ),
        E::PolyorderBelowDeriv { polyorder, .. } => UsageError(format!(
            "--polyorder {polyorder} is below 2, the Laplacian's derivative order: the fitted \
             polynomial's second derivative would be 0; give a --polyorder of at least 2"
        ))
        .into(),
        other => explain(gradient, other, shape),
    }
}

/// One result array, as .npy or as a Zarr array like `template`.
fn write_one(output: &Path, result: AnyArray, template: &zarr::Template) -> Result<()> {
    if Format::of(output)? == Format::Zarr {
        return zarr::write(output, &[("result".into(), result)], template);
    }
    write_atomically(output, |w| Ok(npy::write(w, &result)?))
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The components as views of `T` (the first one's type, which every one shares).
fn views<T: Element>(field: &[AnyArray]) -> Vec<ArrayViewD<'_, T>> {
    field
        .iter()
        .map(|c| {
            with_array!(c, a => (a as &dyn Any).downcast_ref::<ArrayD<T>>())
                .expect("components share one dtype (checked on reading)")
                .view()
        })
        .collect()
}

fn divergence_of<T: Element>(
    _first: &ArrayD<T>,
    field: &[AnyArray],
    options: &ndgrad::GradientOptions,
) -> Result<AnyArray, ndgrad::Error>
where
    T::Output: OutputValue,
    AnyArray: From<ArrayD<T::Output>>,
{
    ndgrad::divergence(&views::<T>(field), options).map(AnyArray::from)
}

fn curl_of<T: Element>(
    _first: &ArrayD<T>,
    field: &[AnyArray],
    options: &ndgrad::GradientOptions,
) -> Result<Curl<AnyArray>, ndgrad::Error>
where
    T::Output: OutputValue,
    AnyArray: From<ArrayD<T::Output>>,
{
    Ok(match ndgrad::curl(&views::<T>(field), options)? {
        Curl::Scalar(c) => Curl::Scalar(AnyArray::from(c)),
        Curl::Vector(parts) => Curl::Vector(parts.map(AnyArray::from)),
    })
}
