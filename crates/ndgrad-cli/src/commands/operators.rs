//! `ndgrad magnitude`, `laplacian`, `divergence` and `curl`: the core's one-pass vector
//! calculus on arrays read whole, with `grad`'s flags resolved by the same step.

use std::any::Any;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use ndarray::{ArrayD, ArrayViewD};
use ndgrad::{Curl, Element, OutputValue};

use super::flags::{Derivative, Scheme};
use super::grad::read_array;
use crate::UsageError;
use crate::array::{AnyArray, with_array};
use crate::files::{Format, refuse_overwrite, require, write_atomically};
use crate::gradient::Gradient;
use crate::npy;

/// The length of the gradient vector at every point, sqrt(g0^2 + g1^2 + ...).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad magnitude field.npy -o mag.npy                 over every axis, unit spacing
  ndgrad magnitude field.npy -o mag.npy --spacing 0.5 --accuracy 4
  ndgrad magnitude sst.npy -o mag.npy --axis 0 --axis 1 --boundary periodic
  ndgrad magnitude photo.png -o mag.npy                 image as 2-D float64 (luminance)

The result equals sqrt((g0*g0 + g1*g1) + ...) of `ndgrad grad` with the same flags, bit for
bit, computed in one pass; real (float64 for integer data, the real type of complex data).
The flags are grad's (see ndgrad grad --help); files are read whole (no --memory-limit).")]
pub struct MagnitudeArgs {
    /// Input file: .npy, .npz, .png, .tif or .jpg
    pub input: PathBuf,
    /// Output file (.npy)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    #[command(flatten)]
    pub derivative: Derivative,
    /// Array to read from an .npz holding several
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
    /// Input file: .npy, .npz, .png, .tif or .jpg
    pub input: PathBuf,
    /// Output file (.npy)
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub scheme: Scheme,
    /// Array to read from an .npz holding several
    #[arg(long)]
    pub key: Option<String>,
    /// Not supported here: refused with an explanation
    #[arg(long, value_name = "SIZE", hide = true)]
    pub memory_limit: Option<String>,
}

/// A vector field given as one .npy file per component.
#[derive(clap::Args)]
pub struct FieldArgs {
    /// Component files (.npy), in axis order: U V, or U V W; same shape and dtype
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
    let (gradient, array) = scalar_input(
        &args.input,
        &args.output,
        args.key.as_deref(),
        &args.scheme,
        &args.derivative,
    )?;
    let result = with_array!(&array, a => ndgrad::magnitude(a.view(), &gradient.options)
        .map(AnyArray::from))
    .map_err(|e| explain(&gradient, e, array.shape()))?;
    write_npy(&args.output, &result)
}

pub fn laplacian(args: LaplacianArgs) -> Result<()> {
    refuse_streaming("laplacian", args.memory_limit.as_deref())?;
    let (gradient, array) = scalar_input(
        &args.input,
        &args.output,
        args.key.as_deref(),
        &args.scheme,
        &Derivative::FIRST,
    )?;
    let result = with_array!(&array, a => ndgrad::laplacian(a.view(), &gradient.options)
        .map(AnyArray::from))
    .map_err(|e| explain_laplacian(&gradient, e, array.shape()))?;
    write_npy(&args.output, &result)
}

pub fn divergence(args: FieldArgs) -> Result<()> {
    refuse_streaming("divergence", args.memory_limit.as_deref())?;
    require(
        &args.output,
        |f| f == Format::Npy,
        "the divergence is written as .npy",
    )?;
    let (gradient, field) = field_input(&args)?;
    let shape = field[0].shape().to_vec();
    let result = with_array!(&field[0], a => divergence_of(a, &field, &gradient.options))
        .map_err(|e| explain(&gradient, e, &shape))?;
    write_npy(&args.output, &result)
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
            |f| f == Format::Npy,
            "the curl of 2 components is one array, written as .npy",
        )?;
    } else {
        require(
            &args.output,
            |f| f == Format::Npz,
            "the curl of 3 components is three arrays (curl0, curl1, curl2), written as .npz",
        )?;
    }
    let (gradient, field) = field_input(&args)?;
    let shape = field[0].shape().to_vec();
    let result = with_array!(&field[0], a => curl_of(a, &field, &gradient.options))
        .map_err(|e| explain(&gradient, e, &shape))?;
    match result {
        Curl::Scalar(c) => write_npy(&args.output, &c),
        Curl::Vector(parts) => {
            let named: Vec<(String, AnyArray)> = parts
                .into_iter()
                .enumerate()
                .map(|(i, c)| (format!("curl{i}"), c))
                .collect();
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

/// The checks of a one-input operator, then its input read whole.
fn scalar_input(
    input: &Path,
    output: &Path,
    key: Option<&str>,
    scheme: &Scheme,
    derivative: &Derivative,
) -> Result<(Gradient, AnyArray)> {
    let format = require(
        input,
        |f| !f.is_table(),
        "a table is not an array file; give .npy, .npz or an image",
    )?;
    require(
        output,
        |f| f == Format::Npy,
        "the result is one array, written as .npy",
    )?;
    let mut inputs = vec![input];
    inputs.extend(scheme.spacing_files());
    refuse_overwrite(output, &inputs)?;
    let gradient = scheme.resolve(derivative, input)?;
    let array = read_array(input, format, key)?;
    Ok((gradient, array))
}

/// The checks of a vector operator, then its components read whole: every one an .npy file
/// of the first one's shape and dtype.
fn field_input(args: &FieldArgs) -> Result<(Gradient, Vec<AnyArray>)> {
    for c in &args.components {
        require(
            c,
            |f| f == Format::Npy,
            "components are read from .npy files",
        )?;
    }
    let mut inputs: Vec<&Path> = args.components.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.scheme.spacing_files());
    refuse_overwrite(&args.output, &inputs)?;
    let gradient = args.scheme.resolve(&args.derivative, &args.components[0])?;
    let mut field: Vec<AnyArray> = Vec::with_capacity(args.components.len());
    for path in &args.components {
        let array = npy::read(path)?;
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
    Ok((gradient, field))
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
            expected,
        } => UsageError(format!(
            "{input} (shape {shape:?}): {operator} differentiates {axes} axes here but needs \
             {expected}; give one component per differentiated axis, or choose the axes with \
             --axis"
        ))
        .into(),
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

fn write_npy(output: &Path, result: &AnyArray) -> Result<()> {
    write_atomically(output, |w| Ok(npy::write(w, result)?))
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
