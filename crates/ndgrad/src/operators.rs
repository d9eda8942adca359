//! Vector calculus in one pass: the gradient's magnitude, the divergence, the Laplacian and
//! the curl, each computed slab by slab from the input (the derivatives of a slab live in
//! cache-sized scratch arrays, combined at once into the output) instead of whole gradient
//! arrays combined afterwards.
//!
//! Every operator takes the engine's options (spacing, accuracy, derivative order where it
//! applies, boundary modes, NaN policy), and its values are exactly the combination, in axis order, of
//! the [`gradient`](crate::gradient) outputs with the same options — the formula users write:
//! `sqrt((g0*g0 + g1*g1) + g2*g2)`, `(d0 + d1) + d2`, `dF1/dx0 - dF0/dx1`. Inputs holding
//! NaN under `omit` or `split` are the exception to one pass: a lane's derivatives then
//! depend on the whole lane, so the gradients are computed whole and folded afterwards.

mod slabs;
mod value;

use std::mem::MaybeUninit;

use ndarray::{Array, ArrayView, ArrayViewMut, Dimension, IxDyn};

use crate::element::Element;
use crate::error::Error;
use crate::gradient::uninit_like;
use crate::options::GradientOptions;
use crate::plan::Plan;
use slabs::Fold;

pub use value::OutputValue;

/// The magnitude's element type for data `T`: the gradient's real type (`f32` for
/// `Complex<f32>` data, `f64` for integers).
pub type MagnitudeOf<T> = <<T as Element>::Output as OutputValue>::Magnitude;

/// The curl of a 2-D or 3-D vector field.
#[derive(Debug, Clone, PartialEq)]
pub enum Curl<A> {
    /// `dF1/dx0 - dF0/dx1` of a two-component field.
    Scalar(A),
    /// `(dF2/dx1 - dF1/dx2, dF0/dx2 - dF2/dx0, dF1/dx0 - dF0/dx1)` of a three-component field.
    Vector([A; 3]),
}

/// The gradient's magnitude `sqrt((g0*g0 + g1*g1) + ...)` over the differentiated axes, in
/// one pass; bit for bit the formula applied to [`gradient`](crate::gradient)'s outputs
/// (for complex data `sqrt(sum(re*re + im*im))`).
///
/// # Errors
/// Those of [`Plan::new`], and [`Error::OperatorAxes`] with no axis to differentiate.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use ndgrad::{magnitude, GradientOptions};
///
/// let f = array![[0.0, 3.0, 6.0], [4.0, 7.0, 10.0]];
/// assert_eq!(magnitude(f.view(), &GradientOptions::new())?, array![[5.0; 3], [5.0; 3]]);
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn magnitude<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
) -> Result<Array<MagnitudeOf<T>, D>, Error>
where
    T::Output: OutputValue,
{
    let mut out = uninit_like::<MagnitudeOf<T>, D>(&f);
    run_magnitude(f, options, out.view_mut())?;
    // SAFETY: `run_magnitude` wrote every element (its slabs partition the array).
    Ok(unsafe { out.assume_init() })
}

/// [`magnitude`] into a caller-provided output shaped like `f`.
///
/// # Errors
/// Those of [`magnitude`], and [`Error::OutputShape`].
pub fn magnitude_into<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    out: ArrayViewMut<'_, MagnitudeOf<T>, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    run_magnitude(f, options, as_uninit(out))
}

fn run_magnitude<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    out: ArrayViewMut<'_, MaybeUninit<MagnitudeOf<T>>, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    let plan = Plan::new(f.shape(), options)?;
    let terms: Vec<(usize, usize)> = (0..plan.axes().len()).map(|k| (0, k)).collect();
    require_axes(
        "magnitude",
        (terms.len(), 0),
        !terms.is_empty(),
        "at least 1",
    )?;
    let fold = Fold {
        init: |v: T::Output| v.square(),
        step: |sum, v: T::Output| T::Output::add_squares(sum, v.square()),
        finish: T::Output::root,
    };
    slabs::run(&[f.into_dyn()], &plan, &terms, out.into_dyn(), fold)
}

/// The divergence `(dF0/dx0 + dF1/dx1) + ...` of a vector field: component `i` is
/// differentiated along the `i`-th differentiated axis (the options' axes, all by default).
///
/// # Errors
/// Those of [`Plan::new`], [`Error::OperatorAxes`] when the number of components differs
/// from the number of axes, [`Error::ComponentShape`] when components differ in shape.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use ndgrad::{divergence, GradientOptions};
///
/// // F = (x0, x1) on a 2x3 grid: divergence 2 everywhere.
/// let f0 = array![[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]];
/// let f1 = array![[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]];
/// let d = divergence(&[f0.view(), f1.view()], &GradientOptions::new())?;
/// assert_eq!(d, array![[2.0; 3], [2.0; 3]]);
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn divergence<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
) -> Result<Array<T::Output, D>, Error>
where
    T::Output: OutputValue,
{
    let first = first_component(components)?;
    let mut out = uninit_like::<T::Output, D>(first);
    run_divergence(components, options, out.view_mut())?;
    // SAFETY: `run_divergence` wrote every element (its slabs partition the array).
    Ok(unsafe { out.assume_init() })
}

/// [`divergence`] into a caller-provided output.
///
/// # Errors
/// Those of [`divergence`], and [`Error::OutputShape`].
pub fn divergence_into<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
    out: ArrayViewMut<'_, T::Output, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    run_divergence(components, options, as_uninit(out))
}

fn run_divergence<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
    out: ArrayViewMut<'_, MaybeUninit<T::Output>, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    let (inputs, plan) = field(components, options)?;
    let n = plan.axes().len();
    require_axes(
        "divergence",
        (n, inputs.len()),
        n == inputs.len(),
        "one per component",
    )?;
    let terms: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    slabs::run(&inputs, &plan, &terms, out.into_dyn(), sum::<T::Output>())
}

/// The Laplacian: the sum, in axis order, of the direct second derivatives along the
/// differentiated axes (`deriv` is 2 whatever the options say; accuracy 2 by default:
/// `[1, -2, 1] / h^2` inside, `[2, -5, 4, -1] / h^2` at one-sided ends, 4 samples per
/// axis at least). Not the divergence of the gradient, which misses the shortest waves.
///
/// # Errors
/// Those of [`Plan::new`], and [`Error::OperatorAxes`] with no axis to differentiate.
///
/// # Examples
/// ```
/// use ndarray::Array1;
/// use ndgrad::{laplacian, GradientOptions};
///
/// // NUMERICS.md E6: f = (-1)^i
/// let f = Array1::from_shape_fn(8, |i| if i % 2 == 0 { 1.0 } else { -1.0 });
/// let l = laplacian(f.view(), &GradientOptions::new())?;
/// assert_eq!(l.to_vec(), [12.0, 4.0, -4.0, 4.0, -4.0, 4.0, -4.0, -12.0]);
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn laplacian<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
) -> Result<Array<T::Output, D>, Error>
where
    T::Output: OutputValue,
{
    let mut out = uninit_like::<T::Output, D>(&f);
    run_laplacian(f, options, out.view_mut())?;
    // SAFETY: `run_laplacian` wrote every element (its slabs partition the array).
    Ok(unsafe { out.assume_init() })
}

/// [`laplacian`] into a caller-provided output.
///
/// # Errors
/// Those of [`laplacian`], and [`Error::OutputShape`].
pub fn laplacian_into<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    out: ArrayViewMut<'_, T::Output, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    run_laplacian(f, options, as_uninit(out))
}

fn run_laplacian<T: Element, D: Dimension>(
    f: ArrayView<'_, T, D>,
    options: &GradientOptions,
    out: ArrayViewMut<'_, MaybeUninit<T::Output>, D>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    let plan = Plan::new(f.shape(), &options.clone().deriv(2))?;
    let n = plan.axes().len();
    require_axes("laplacian", (n, 0), n >= 1, "at least 1")?;
    let terms: Vec<(usize, usize)> = (0..n).map(|k| (0, k)).collect();
    slabs::run(
        &[f.into_dyn()],
        &plan,
        &terms,
        out.into_dyn(),
        sum::<T::Output>(),
    )
}

/// The curl of a vector field of 2 or 3 components, right-handed in the order of the
/// differentiated axes: component `i` goes with axis `i` (`x0, x1, x2`). For images held as
/// `(y, x)` arrays, the usual vorticity `dv/dx - du/dy` is
/// `curl(&[u, v], options.axes([1, 0]))`.
///
/// # Errors
/// Those of [`Plan::new`], [`Error::OperatorAxes`] unless there are 2 or 3 components and
/// as many axes, [`Error::ComponentShape`] when components differ in shape.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use ndgrad::{curl, Curl, GradientOptions};
///
/// // A rotation u = -y, v = x on a (y, x) grid has vorticity 2 (NUMERICS.md E7).
/// let y = Array2::from_shape_fn((5, 5), |(i, _)| i as f64 - 2.0);
/// let x = Array2::from_shape_fn((5, 5), |(_, j)| j as f64 - 2.0);
/// let u = y.mapv(|v| -v);
/// let Curl::Scalar(w) = curl(&[u.view(), x.view()], &GradientOptions::new().axes([1, 0]))? else {
///     unreachable!()
/// };
/// assert!(w.iter().all(|&v| v == 2.0));
/// # Ok::<(), ndgrad::Error>(())
/// ```
pub fn curl<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
) -> Result<Curl<Array<T::Output, D>>, Error>
where
    T::Output: OutputValue,
{
    let first = first_component(components)?;
    let mut outs: Vec<Array<MaybeUninit<T::Output>, D>> =
        (0..if components.len() == 3 { 3 } else { 1 })
            .map(|_| uninit_like::<T::Output, D>(first))
            .collect();
    run_curl(
        components,
        options,
        outs.iter_mut().map(|o| o.view_mut()).collect(),
    )?;
    // SAFETY: `run_curl` wrote every element of every output.
    let outs: Vec<Array<T::Output, D>> = outs
        .into_iter()
        .map(|o| unsafe { o.assume_init() })
        .collect();
    Ok(match <[_; 3]>::try_from(outs) {
        Ok(three) => Curl::Vector(three),
        Err(mut one) => Curl::Scalar(one.remove(0)),
    })
}

/// [`curl`] into caller-provided outputs: one for a 2-D field, three for a 3-D field.
///
/// # Errors
/// Those of [`curl`], and [`Error::OutputCount`], [`Error::OutputShape`].
pub fn curl_into<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
    outs: Vec<ArrayViewMut<'_, T::Output, D>>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    run_curl(
        components,
        options,
        outs.into_iter().map(as_uninit).collect(),
    )
}

fn run_curl<T: Element, D: Dimension>(
    components: &[ArrayView<'_, T, D>],
    options: &GradientOptions,
    outs: Vec<ArrayViewMut<'_, MaybeUninit<T::Output>, D>>,
) -> Result<(), Error>
where
    T::Output: OutputValue,
{
    let (inputs, plan) = field(components, options)?;
    let n = plan.axes().len();
    let ok = n == inputs.len() && (n == 2 || n == 3);
    require_axes("curl", (n, inputs.len()), ok, "2 or 3, one per component")?;
    // (a, b): the output is dF_a / dx_b minus dF_b / dx_a.
    let pairs: &[(usize, usize)] = if n == 2 {
        &[(1, 0)]
    } else {
        &[(2, 1), (0, 2), (1, 0)]
    };
    if outs.len() != pairs.len() {
        return Err(Error::OutputCount {
            expected: pairs.len(),
            found: outs.len(),
        });
    }
    for (out, &(a, b)) in outs.into_iter().zip(pairs) {
        let terms = [(a, b), (b, a)];
        let difference = Fold {
            init: |v: T::Output| v,
            step: |a: T::Output, v: T::Output| a.minus(v),
            finish: |a| a,
        };
        slabs::run(&inputs, &plan, &terms, out.into_dyn(), difference)?;
    }
    Ok(())
}

/// `((v0 + v1) + v2) + ...` (closures, not function pointers, so the fold inlines).
fn sum<O: OutputValue>() -> Fold<impl Fn(O) -> O, impl Fn(O, O) -> O, impl Fn(O) -> O> {
    Fold {
        init: |v| v,
        step: |a: O, v: O| a.plus(v),
        finish: |a| a,
    }
}

/// A caller's output as slots the operators fill (they only write, never read it).
fn as_uninit<O, D: Dimension>(
    mut out: ArrayViewMut<'_, O, D>,
) -> ArrayViewMut<'_, MaybeUninit<O>, D> {
    let raw = out.raw_view_mut().cast::<MaybeUninit<O>>();
    // SAFETY: `MaybeUninit<O>` has `O`'s layout; the view takes over `out`'s exclusive
    // borrow (consumed here) for the same lifetime, and writing initialized values through it
    // keeps every element of the caller's array initialized.
    unsafe { raw.deref_into_view_mut() }
}

fn first_component<'a, 'b, T, D: Dimension>(
    components: &'a [ArrayView<'b, T, D>],
) -> Result<&'a ArrayView<'b, T, D>, Error> {
    components.first().ok_or(Error::OperatorAxes {
        operator: "vector field",
        axes: 0,
        components: 0,
        expected: "at least one component",
    })
}

/// The components as one list of same-shaped views, and the plan they share.
fn field<'a, T: Element, D: Dimension>(
    components: &[ArrayView<'a, T, D>],
    options: &GradientOptions,
) -> Result<(Vec<ArrayView<'a, T, IxDyn>>, Plan), Error> {
    let first = first_component(components)?;
    for (index, c) in components.iter().enumerate() {
        if c.shape() != first.shape() {
            return Err(Error::ComponentShape {
                index,
                expected: first.shape().to_vec(),
                found: c.shape().to_vec(),
            });
        }
    }
    let plan = Plan::new(first.shape(), options)?;
    Ok((
        components.iter().map(|c| c.clone().into_dyn()).collect(),
        plan,
    ))
}

/// `(axes, components)`: the axes differentiated and the components given (0 for one array).
fn require_axes(
    operator: &'static str,
    (axes, components): (usize, usize),
    ok: bool,
    expected: &'static str,
) -> Result<(), Error> {
    if ok {
        Ok(())
    } else {
        Err(Error::OperatorAxes {
            operator,
            axes,
            components,
            expected,
        })
    }
}
