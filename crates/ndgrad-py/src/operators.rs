//! `ndgrad.magnitude`, `divergence`, `laplacian` and `curl`: the core's fused operators on
//! plain ndarrays, with NumPy's spacing and axis arguments and the engine's extensions.
//! There is no NumPy fallback (NumPy has no such functions): inputs the engine does not
//! compute are a TypeError naming the reason.

use ndarray::{ArrayViewD, ArrayViewMutD};
use ndgrad::{EdgeOrder, Element, GradientOptions, MagnitudeOf, OutputValue, Scheme};
use numpy::{PyArrayDescrMethods, PyUntypedArrayMethods};
use numpy::{PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::extensions::Extensions;
use crate::{args, call_options, errors, fresh_like, parallelism, returned, user_outputs};

/// One of the operators (`"magnitude"`, `"divergence"`, `"laplacian"`, `"curl"`) on
/// `components` (one array for magnitude and laplacian), with NumPy's `*varargs`, `axis`
/// and `edge_order`, `workers`, `out` and the extension arguments `ext`.
#[pyfunction]
#[pyo3(signature = (name, components, varargs, axis, edge_order, workers, out, ext=None))]
#[allow(clippy::too_many_arguments)]
pub fn operator<'py>(
    py: Python<'py>,
    name: &str,
    components: Vec<Bound<'py, PyAny>>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: i64,
    workers: &Bound<'py, PyAny>,
    out: &Bound<'py, PyAny>,
    ext: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let parallelism = parallelism(workers)?;
    let mut arrays = Vec::with_capacity(components.len());
    for (i, c) in components.iter().enumerate() {
        let a = c.cast_exact::<PyUntypedArray>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name}: component {i} must be a numpy.ndarray (not a subclass); pass \
                 np.asarray(...)"
            ))
        })?;
        crate::layout::check_ndim(a, &format!("{name}: component {i}"))?;
        arrays.push(crate::layout::readable(a)?);
    }
    let Some(first) = arrays.first() else {
        return Err(PyValueError::new_err(format!("{name}: no input array")));
    };
    let dtype = args::dtype(&first.dtype()).map_err(|reason| {
        PyTypeError::new_err(format!("{name}: {} ({})", first.dtype(), reason.describe()))
    })?;
    for (i, a) in arrays.iter().enumerate() {
        if !a.dtype().is_equiv_to(&first.dtype()) {
            return Err(PyTypeError::new_err(format!(
                "{name}: component {i} has dtype {} but component 0 has {}; convert them to \
                 one dtype",
                a.dtype(),
                first.dtype()
            )));
        }
    }
    let edge = edge_order.into_pyobject(py)?.into_any();
    let (options, edge_order) = call_options(py, varargs, axis, &edge)
        .map_err(|reason| PyTypeError::new_err(format!("{name}: {}", reason.describe())))?;
    let n_axes = match &options.axes {
        ndgrad::Axes::All => first.ndim(),
        ndgrad::Axes::List(list) => list.len(),
    };
    let options = match ext.filter(|e| !e.is_none()) {
        Some(ext) => Extensions::parse(ext)?.apply(options, edge_order, n_axes)?,
        None => {
            let e = EdgeOrder::try_from(edge_order).map_err(|e| errors::to_py(py, e))?;
            let mut o = options;
            o.scheme = Scheme::NumPy(e);
            o
        }
    };
    let options = options.parallelism(parallelism);
    ndgrad::with_dtype!(dtype, T => run::<T>(py, name, &arrays, &options, out))
}

fn run<'py, T>(
    py: Python<'py>,
    name: &str,
    arrays: &[Bound<'py, PyUntypedArray>],
    options: &GradientOptions,
    out: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>>
where
    T: Element + numpy::Element,
    T::Output: numpy::Element + OutputValue,
    MagnitudeOf<T>: numpy::Element,
{
    let readers: Vec<PyReadonlyArrayDyn<'py, T>> = arrays
        .iter()
        .map(|a| {
            a.cast::<PyArrayDyn<T>>()?
                .try_readonly()
                .map_err(|e| PyValueError::new_err(format!("cannot read an input: {e}")))
        })
        .collect::<PyResult<_>>()?;
    let views: Vec<ArrayViewD<'_, T>> = readers.iter().map(|r| r.as_array()).collect();
    if !out.is_none() {
        return run_into::<T>(py, name, &arrays[0], &views, options, out);
    }
    // Fresh outputs like the first input, from the recycled-buffer pool when large.
    let fresh: Bound<'py, PyAny> = match name {
        "magnitude" => fresh_like::<MagnitudeOf<T>>(py, &arrays[0])?.into_any(),
        "curl" if views.len() == 3 => {
            let three = (0..3)
                .map(|_| fresh_like::<T::Output>(py, &arrays[0]))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, three)?.into_any()
        }
        _ => fresh_like::<T::Output>(py, &arrays[0])?.into_any(),
    };
    run_into::<T>(py, name, &arrays[0], &views, options, &fresh)
}

/// The operator into caller-provided arrays (`out=`), checked like `gradient`'s.
fn run_into<'py, T>(
    py: Python<'py>,
    name: &str,
    like: &Bound<'py, PyUntypedArray>,
    views: &[ArrayViewD<'_, T>],
    options: &GradientOptions,
    out: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>>
where
    T: Element + numpy::Element,
    T::Output: numpy::Element + OutputValue,
    MagnitudeOf<T>: numpy::Element,
{
    let core = |e| errors::to_py(py, e);
    let count = match name {
        "curl" if views.len() == 3 => 3,
        _ => 1,
    };
    if name == "magnitude" {
        let want = <MagnitudeOf<T> as numpy::Element>::get_dtype(py);
        let outs = user_outputs(like, out, count, Some(&want))?;
        let target = outs[0].cast::<PyArrayDyn<MagnitudeOf<T>>>()?.clone();
        {
            let mut w = writer(&target)?;
            let view: ArrayViewMutD<'_, MagnitudeOf<T>> = w.as_array_mut();
            let f = views[0].clone();
            py.detach(|| ndgrad::magnitude_into(f, options, view))
                .map_err(core)?;
        }
        return returned(py, vec![target]);
    }
    let want = <T::Output as numpy::Element>::get_dtype(py);
    let outs = user_outputs(like, out, count, Some(&want))?;
    let targets: Vec<Bound<'py, PyArrayDyn<T::Output>>> = outs
        .iter()
        .map(|o| Ok(o.cast::<PyArrayDyn<T::Output>>()?.clone()))
        .collect::<PyResult<_>>()?;
    {
        let mut writers = targets.iter().map(writer).collect::<PyResult<Vec<_>>>()?;
        let mut mut_views: Vec<ArrayViewMutD<'_, T::Output>> =
            writers.iter_mut().map(|w| w.as_array_mut()).collect();
        py.detach(|| match name {
            "laplacian" => ndgrad::laplacian_into(views[0].clone(), options, mut_views.remove(0)),
            "divergence" => ndgrad::divergence_into(views, options, mut_views.remove(0)),
            _ => ndgrad::curl_into(views, options, mut_views),
        })
        .map_err(core)?;
    }
    returned(py, targets)
}

fn writer<'py, O: numpy::Element>(
    target: &Bound<'py, PyArrayDyn<O>>,
) -> PyResult<numpy::PyReadwriteArrayDyn<'py, O>> {
    target.try_readwrite().map_err(|e| {
        PyValueError::new_err(format!(
            "cannot write out ({e}): outputs must be writeable and share no memory with the \
             inputs or with each other"
        ))
    })
}
