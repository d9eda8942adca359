//! `ndgrad._native`: the compiled half of the `ndgrad` Python package.
//!
//! `gradient` handles plain `numpy.ndarray` inputs of every numeric dtype the core supports,
//! with NumPy's argument semantics; for anything it cannot reproduce exactly (subclasses,
//! object/bool/datetime data, exotic spacing) it returns a `Declined` reason instead of a
//! result, and the Python wrapper then defers to `numpy.gradient` itself (or, under
//! `ndgrad._strict()`, raises an error naming the reason).

mod args;
mod blocks;
mod cuda;
mod decline;
mod errors;
mod extensions;
mod layout;
mod operators;
mod pool;

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use ndgrad::{AxisSpacing, Element, GradientOptions, Parallelism, Plan, Scalar, Spacing};
use numpy::npyffi::{NPY_ORDER, PY_ARRAY_API};
use numpy::{
    PyArrayDescr, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyTuple};

use decline::Decline;
use extensions::Extensions;

/// `numpy.gradient(f, *varargs, axis, edge_order)` for a plain ndarray `f`, computed by the
/// ndgrad engine; a `Declined` reason where NumPy's own implementation must decide.
///
/// `ext` is None for NumPy's call, or the extension arguments (see [`Extensions`]).
#[pyfunction]
#[pyo3(signature = (f, varargs, axis, edge_order, workers, out, ext=None))]
#[allow(clippy::too_many_arguments)]
fn gradient<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: &Bound<'py, PyAny>,
    workers: &Bound<'py, PyAny>,
    out: &Bound<'py, PyAny>,
    ext: Option<&Bound<'py, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let parallelism = parallelism(workers)?;
    let declined = |reason: Decline| Ok(Bound::new(py, reason)?.into_any().unbind());
    let Ok(array) = f.cast_exact::<PyUntypedArray>() else {
        return declined(Decline::Subclass);
    };
    // The dtype decides first: NumPy raises for unsupported data (bool) only while
    // computing, after validating some axes, so such calls are NumPy's to answer.
    let dtype = match args::dtype(&array.dtype()) {
        Ok(dtype) => dtype,
        Err(reason) => return declined(reason),
    };
    if array.ndim() > layout::MAX_NDIM {
        return declined(Decline::Dimensions);
    }
    let array = &layout::readable(array)?;
    let (options, edge_order) = match call_options(py, varargs, axis, edge_order) {
        Ok(options) => options,
        Err(reason) => return declined(reason),
    };
    let plan = make_plan(
        py,
        array.shape(),
        options.parallelism(parallelism),
        edge_order,
        ext,
    )?;
    ndgrad::with_dtype!(dtype, T => run::<T>(py, array, &plan, out))
}

/// The plan of a call: NumPy's (its edge order validated where NumPy validates it), or with
/// the extension arguments.
fn make_plan(
    py: Python<'_>,
    shape: &[usize],
    options: GradientOptions,
    edge_order: i64,
    ext: Option<&Bound<'_, PyAny>>,
) -> PyResult<Plan> {
    let to_py = |e| errors::to_py(py, e);
    let Some(ext) = ext.filter(|e| !e.is_none()) else {
        return Plan::with_numpy_edge_order(shape, &options, edge_order).map_err(to_py);
    };
    let n_axes = match &options.axes {
        ndgrad::Axes::All => shape.len(),
        ndgrad::Axes::List(list) => list.len(),
    };
    let options = Extensions::parse(ext)?.apply(options, edge_order, n_axes)?;
    Plan::new(shape, &options).map_err(to_py)
}

/// NumPy's `*varargs, axis, edge_order` as options, or the reason NumPy must decide.
fn call_options(
    py: Python<'_>,
    varargs: &Bound<'_, PyTuple>,
    axis: &Bound<'_, PyAny>,
    edge_order: &Bound<'_, PyAny>,
) -> Result<(GradientOptions, i64), Decline> {
    let axes = args::axes(axis)?;
    let edge_order = args::edge_order(edge_order)?;
    let spacing = varargs
        .iter()
        .map(|v| args::spacing(py, &v))
        .collect::<Result<Vec<_>, _>>()?;
    // NumPy computes `-1.5 / h` in Python for a Python-number spacing, which raises
    // ZeroDivisionError for h == 0 (only with edge_order 2); let NumPy raise it in order.
    let python_zero =
        |s: &AxisSpacing| matches!(s, AxisSpacing::Uniform(Scalar::Float(h)) if *h == 0.0);
    if edge_order != 1 && spacing.iter().any(python_zero) {
        return Err(Decline::ZeroDivision);
    }
    let mut options = GradientOptions::new().with_spacing(Spacing::from_varargs(spacing));
    options.axes = axes;
    Ok((options, edge_order))
}

/// Validates a call for an array of `shape` as NumPy would (raising NumPy's exceptions) and
/// describes each differentiated axis as `(axis, reach, (left, right) ghosts, (left, right)
/// fills)`, a fill being None (one-sided), `"wrap"`, `"reflect"` or `("constant", value)`;
/// or returns the `Declined` reason where NumPy must decide. The Dask front checks a call
/// once with it before building its graph, and builds its halos and ghosts from it; with
/// the data's `dtype` it also checks that the dtype holds every constant boundary value.
#[pyfunction]
#[pyo3(signature = (shape, varargs, axis, edge_order, ext=None, dtype=None))]
fn plan_axes<'py>(
    py: Python<'py>,
    shape: Vec<usize>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: &Bound<'py, PyAny>,
    ext: Option<&Bound<'py, PyAny>>,
    dtype: Option<&Bound<'py, PyArrayDescr>>,
) -> PyResult<Py<PyAny>> {
    let (options, edge_order) = match call_options(py, varargs, axis, edge_order) {
        Ok(options) => options,
        Err(reason) => return Ok(Bound::new(py, reason)?.into_any().unbind()),
    };
    let plan = make_plan(py, &shape, options, edge_order, ext)?;
    if let Some(dtype) = dtype.and_then(|d| args::dtype(d).ok()) {
        plan.check_constants(dtype)
            .map_err(|e| errors::to_py(py, e))?;
    }
    let fill = |side: Option<ndgrad::Side>| -> PyResult<Py<PyAny>> {
        Ok(match side {
            None => "wrap".into_pyobject(py)?.into_any().unbind(),
            Some(ndgrad::Side::OneSided) => py.None(),
            Some(ndgrad::Side::Reflect) => "reflect".into_pyobject(py)?.into_any().unbind(),
            Some(ndgrad::Side::Constant(v)) => {
                ("constant", v).into_pyobject(py)?.into_any().unbind()
            }
        })
    };
    let axes = plan
        .axes()
        .into_iter()
        .enumerate()
        .map(|(k, axis)| {
            let sides = match plan.boundary(k) {
                ndgrad::Boundary::Periodic { .. } => (None, None),
                ndgrad::Boundary::OneSided => {
                    (Some(ndgrad::Side::OneSided), Some(ndgrad::Side::OneSided))
                }
                ndgrad::Boundary::Reflect => {
                    (Some(ndgrad::Side::Reflect), Some(ndgrad::Side::Reflect))
                }
                ndgrad::Boundary::Constant(v) => (
                    Some(ndgrad::Side::Constant(v)),
                    Some(ndgrad::Side::Constant(v)),
                ),
                ndgrad::Boundary::Sides(l, r) => (Some(l), Some(r)),
            };
            let fills = PyTuple::new(py, [fill(sides.0)?, fill(sides.1)?])?;
            Ok((
                axis,
                plan.reach(k),
                plan.ghosts(k),
                fills,
                plan.needs_whole_axis(k),
            )
                .into_pyobject(py)?
                .into_any()
                .unbind())
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyTuple::new(py, axes)?.into_any().unbind())
}

/// The name of the dtype `numpy.gradient` returns for data of `dtype` (anything
/// `numpy.dtype` accepts) when the engine computes it, or None where it declines the dtype
/// (unsupported type or non-native byte order).
#[pyfunction]
fn output_dtype<'py>(py: Python<'py>, dtype: &Bound<'py, PyAny>) -> PyResult<Option<&'static str>> {
    let descr = PyArrayDescr::new(py, dtype)?;
    Ok(args::dtype(&descr).ok().map(|d| d.output().name()))
}

/// `workers=`: None (all cores), a positive count, or -1 (all cores, as in SciPy).
fn parallelism(workers: &Bound<'_, PyAny>) -> PyResult<Parallelism> {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let n = if workers.is_none() {
        cores
    } else {
        if !workers.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "workers must be None, -1 or a positive int, not {}",
                workers.get_type().name()?
            )));
        }
        match workers.extract::<i64>()? {
            -1 => cores,
            n if n > ndgrad::MAX_THREADS as i64 => {
                return Err(PyValueError::new_err(format!(
                    "workers={n} is more than {} threads; the kernels are bound by memory, \
                     so use at most the {cores} cores (or -1)",
                    ndgrad::MAX_THREADS
                )));
            }
            n if n >= 1 => n as usize,
            n => {
                return Err(PyValueError::new_err(format!(
                    "workers must be None, -1 or a positive int, got {n}"
                )));
            }
        }
    };
    // A private pool (never the global one), keyed by process, so a forked child works.
    Ok(match NonZeroUsize::new(n) {
        Some(n) if n.get() > 1 => Parallelism::Threads(n),
        _ => Parallelism::Serial,
    })
}

/// Computes every output of `plan` for `array` of element type `T`.
fn run<'py, T>(
    py: Python<'py>,
    array: &Bound<'py, PyUntypedArray>,
    plan: &Plan,
    out: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>>
where
    T: Element + numpy::Element,
    T::Output: numpy::Element,
{
    let f = array.cast::<PyArrayDyn<T>>()?;
    let naxes = plan.axes().len();
    let outputs = if out.is_none() {
        (0..naxes)
            .map(|_| fresh_like::<T::Output>(py, array))
            .collect::<PyResult<Vec<_>>>()?
    } else {
        let want = <T::Output as numpy::Element>::get_dtype(py);
        user_outputs(array, out, naxes, Some(&want))?
            .into_iter()
            .map(|o| Ok(o.cast_into::<PyArrayDyn<T::Output>>()?))
            .collect::<PyResult<Vec<_>>>()?
    };
    {
        let input = f
            .try_readonly()
            .map_err(|e| PyValueError::new_err(format!("cannot read f: {e}")))?;
        let mut writers = Vec::with_capacity(naxes);
        for (k, o) in outputs.iter().enumerate() {
            writers.push(o.try_readwrite().map_err(|e| {
                PyValueError::new_err(format!(
                    "cannot write out[{k}] ({e}): outputs must be writeable and share no \
                     memory with f or with each other"
                ))
            })?);
        }
        let view = input.as_array();
        let mut views: Vec<_> = writers.iter_mut().map(|w| w.as_array_mut()).collect();
        py.detach(|| plan.gradient_into(view, &mut views))
            .map_err(|e| errors::to_py(py, e))?;
    }
    returned(py, outputs)
}

/// What `numpy.gradient` returns for `outputs`: the array itself for one axis, otherwise
/// a tuple (`()` for none).
fn returned<'py, A: pyo3::PyTypeInfo>(
    py: Python<'py>,
    outputs: Vec<Bound<'py, A>>,
) -> PyResult<Py<PyAny>> {
    Ok(match <[_; 1]>::try_from(outputs) {
        Ok([one]) => one.into_any().unbind(),
        Err(outputs) => PyTuple::new(py, outputs)?.into_any().unbind(),
    })
}

/// A fresh output like `np.empty_like(f, dtype=O)` (same shape, same memory order), carved
/// from a recycled buffer ([`pool`]) when it is large.
fn fresh_like<'py, O: numpy::Element>(
    py: Python<'py>,
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<Bound<'py, PyArrayDyn<O>>> {
    match pooled::<O>(py, array.shape(), &keep_order(array))? {
        Some(out) => Ok(out),
        None => empty_like(py, array),
    }
}

/// An uninitialized array of `shape` laid out in `order` (axes from outermost to
/// innermost), in a buffer from the pool; `None` where the pool does not serve this size.
fn pooled<'py, O: numpy::Element>(
    py: Python<'py>,
    shape: &[usize],
    order: &[usize],
) -> PyResult<Option<Bound<'py, PyArrayDyn<O>>>> {
    let item = std::mem::size_of::<O>();
    let bytes = shape.iter().product::<usize>() * item;
    if !pool::serves(bytes) {
        return Ok(None);
    }
    let Some(buffer) = pool::take(bytes) else {
        return Ok(None);
    };
    let data = buffer.as_ptr();
    let base = Bound::new(py, pool::PooledBuffer::new(buffer))?;
    let mut dims: Vec<numpy::npyffi::npy_intp> = shape.iter().map(|&d| d as _).collect();
    let mut strides = vec![0 as numpy::npyffi::npy_intp; shape.len()];
    let mut step = item as numpy::npyffi::npy_intp;
    for &axis in order.iter().rev() {
        strides[axis] = step;
        step *= shape[axis].max(1) as numpy::npyffi::npy_intp;
    }
    let flags = numpy::npyffi::NPY_ARRAY_WRITEABLE | numpy::npyffi::NPY_ARRAY_ALIGNED;
    // SAFETY: the buffer holds `bytes`, which the dims and strides address exactly, with
    // the dtype's alignment (page-aligned); NewFromDescr steals the descriptor reference and
    // returns a new reference or NULL with an error set. The array does not own the data
    // (no OWNDATA flag): its base object does, and outlives every view of it.
    let raw = unsafe {
        PY_ARRAY_API.PyArray_NewFromDescr(
            py,
            numpy::npyffi::get_type_object(py, numpy::npyffi::NpyTypes::PyArray_Type),
            O::get_dtype(py).into_dtype_ptr(),
            dims.len() as std::os::raw::c_int,
            dims.as_mut_ptr(),
            strides.as_mut_ptr(),
            data.cast(),
            flags,
            std::ptr::null_mut(),
        )
    };
    // SAFETY: `raw` is an owned reference or NULL.
    let any = unsafe { Bound::from_owned_ptr_or_err(py, raw)? };
    // SAFETY: `raw` is a fresh ndarray without a base; SetBaseObject steals the reference
    // to `base`, which then lives as long as the array (and returns the buffer after).
    if unsafe { PY_ARRAY_API.PyArray_SetBaseObject(py, raw.cast(), base.into_ptr()) } < 0 {
        return Err(PyErr::fetch(py));
    }
    Ok(Some(any.cast_into::<PyArrayDyn<O>>()?))
}

/// The axes of `array` from outermost to innermost in memory, as `np.empty_like`'s
/// `order="K"` lays out a new array: C order for C-contiguous input, Fortran order for
/// Fortran-contiguous input, else by decreasing stride.
fn keep_order(array: &Bound<'_, PyUntypedArray>) -> Vec<usize> {
    let n = array.ndim();
    if array.is_c_contiguous() {
        return (0..n).collect();
    }
    if array.is_fortran_contiguous() {
        return (0..n).rev().collect();
    }
    let strides = array.strides();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&a| std::cmp::Reverse(strides[a].unsigned_abs()));
    order
}

/// The output buffer pool: `{"bytes": held, "buffers": count, "limit": bytes,
/// "idle_seconds": s}`, or None while another thread uses the pool.
#[pyfunction]
fn pool_info(py: Python<'_>) -> PyResult<Py<PyAny>> {
    match pool::info() {
        None => Ok(py.None()),
        Some((held, count, limit, idle)) => {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("bytes", held)?;
            d.set_item("buffers", count)?;
            d.set_item("limit", limit)?;
            d.set_item("idle_seconds", idle)?;
            Ok(d.into_any().unbind())
        }
    }
}

/// Sets the pool's limit in bytes (0 switches it off and frees what it holds) and the
/// time after which an idle buffer is freed; False while another thread uses the pool.
#[pyfunction]
#[pyo3(signature = (limit=None, idle_seconds=None))]
fn configure_pool(limit: Option<usize>, idle_seconds: Option<f64>) -> PyResult<bool> {
    // A Duration holds up to about 1.8e19 seconds; beyond that (or negative, NaN) the
    // conversion would panic.
    if let Some(s) = idle_seconds
        && std::time::Duration::try_from_secs_f64(s).is_err()
    {
        return Err(PyValueError::new_err(format!(
            "idle_seconds must be a finite number of seconds from 0 to 1e18, got {s}"
        )));
    }
    Ok(pool::configure(limit, idle_seconds))
}

/// A fresh array like `np.empty_like(f, dtype=O)`: same shape, same memory order.
fn empty_like<'py, O: numpy::Element>(
    py: Python<'py>,
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<Bound<'py, PyArrayDyn<O>>> {
    let descr = O::get_dtype(py).into_dtype_ptr();
    // SAFETY: the prototype is a live ndarray; NewLikeArray steals the descriptor reference
    // and returns a new reference (or NULL with a Python error set).
    let raw = unsafe {
        PY_ARRAY_API.PyArray_NewLikeArray(
            py,
            array.as_array_ptr(),
            NPY_ORDER::NPY_KEEPORDER,
            descr,
            0,
        )
    };
    // SAFETY: `raw` is an owned reference or NULL.
    let any = unsafe { Bound::from_owned_ptr_or_err(py, raw)? };
    Ok(any.cast_into::<PyArrayDyn<O>>()?)
}

/// Validates `out=`: one array per differentiated axis, each shaped like `f` with the
/// gradient's dtype `want` (one bare array is accepted when there is one axis). `want` is
/// None only where no axis is differentiated. The one implementation of these checks: the
/// engine's calls and NumPy's (through [`fill_out`]) both use it.
fn user_outputs<'py>(
    array: &Bound<'py, PyUntypedArray>,
    out: &Bound<'py, PyAny>,
    naxes: usize,
    want: Option<&Bound<'py, PyArrayDescr>>,
) -> PyResult<Vec<Bound<'py, PyUntypedArray>>> {
    let items: Vec<Bound<'py, PyAny>> =
        if out.is_instance_of::<PyTuple>() || out.is_instance_of::<PyList>() {
            out.try_iter()?.collect::<PyResult<_>>()?
        } else {
            vec![out.clone()]
        };
    if items.len() != naxes {
        return Err(PyValueError::new_err(format!(
            "out has {} array(s) but {naxes} axes are differentiated; pass one array per axis",
            items.len()
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(k, item)| {
            let Ok(o) = item.cast::<PyUntypedArray>() else {
                return Err(PyTypeError::new_err(format!(
                    "out[{k}] must be a numpy.ndarray, not {}",
                    item.get_type().name()?
                )));
            };
            if let Some(want) = want.filter(|want| !o.dtype().is_equiv_to(want)) {
                return Err(PyTypeError::new_err(format!(
                    "out[{k}] has dtype {} but the gradient of {} data is {}; \
                     allocate it with that dtype",
                    o.dtype(),
                    array.dtype(),
                    want
                )));
            }
            if o.shape() != array.shape() {
                return Err(PyValueError::new_err(format!(
                    "out[{k}] has shape {} but f has shape {}; outputs are shaped like f",
                    python_shape(o.shape()),
                    python_shape(array.shape())
                )));
            }
            layout::writable(o, &format!("out[{k}]"))?;
            layout::check_ndim(o, &format!("out[{k}]"))?;
            Ok(o.clone())
        })
        .collect()
}

/// `out=` for a call `numpy.gradient` computed (one the engine declined): validates `out`
/// against `f` and NumPy's `result` with the engine's own checks and messages, copies the
/// result into it (`numpy.copyto`) and returns it as the engine would. `out` None returns
/// `result` unchanged.
#[pyfunction]
fn fill_out<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    out: &Bound<'py, PyAny>,
    result: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    if out.is_none() {
        return Ok(result.clone().unbind());
    }
    let Ok(array) = f.cast_exact::<PyUntypedArray>() else {
        return Err(PyTypeError::new_err(format!(
            "out= is not supported for {} inputs; omit it",
            f.get_type().name()?
        )));
    };
    let results: Vec<Bound<'py, PyUntypedArray>> = if result.is_instance_of::<PyTuple>() {
        result
            .try_iter()?
            .map(|r| Ok(r?.cast_into::<PyUntypedArray>()?))
            .collect::<PyResult<_>>()?
    } else {
        vec![result.cast::<PyUntypedArray>()?.clone()]
    };
    let want = results.first().map(|r| r.dtype());
    let outputs = user_outputs(array, out, results.len(), want.as_ref())?;
    let copyto = py.import("numpy")?.getattr("copyto")?;
    for (o, r) in outputs.iter().zip(&results) {
        copyto.call1((o, r))?;
    }
    returned(py, outputs)
}

/// A shape as Python prints it: `(3, 4)`, `(5,)`, `()`.
fn python_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// Benchmark floor: copies C-contiguous `src` into every array of `dsts` (same size) in one
/// parallel pass that reads `src` once and writes each destination once, the least memory
/// traffic a gradient of `src` along `len(dsts)` axes can cause.
#[pyfunction]
#[pyo3(signature = (src, dsts, workers=None))]
fn copy_floor<'py>(
    py: Python<'py>,
    src: &Bound<'py, PyUntypedArray>,
    dsts: Vec<Bound<'py, PyUntypedArray>>,
    workers: Option<Bound<'py, PyAny>>,
) -> PyResult<()> {
    let parallelism = match &workers {
        Some(w) => parallelism(w)?,
        None => parallelism(&py.None().into_bound(py))?,
    };
    let bytes = src.len() * src.dtype().itemsize();
    let contiguous = |a: &Bound<'py, PyUntypedArray>| a.is_c_contiguous();
    if !contiguous(src)
        || dsts
            .iter()
            .any(|d| !contiguous(d) || d.len() * d.dtype().itemsize() != bytes)
    {
        return Err(PyValueError::new_err(
            "copy_floor needs C-contiguous arrays of equal size in bytes",
        ));
    }
    // Raw byte ranges: destinations must be writeable and overlap nothing else.
    let range = |a: &Bound<'py, PyUntypedArray>| {
        // SAFETY: reading the data pointer of a live array object.
        let start = unsafe { (*a.as_array_ptr()).fields.data as usize };
        start..start + bytes
    };
    let mut ranges: Vec<_> = std::iter::once(range(src))
        .chain(dsts.iter().map(range))
        .collect();
    ranges.sort_by_key(|r| r.start);
    let overlapping = ranges.windows(2).any(|w| w[0].end > w[1].start);
    let writeable = dsts.iter().all(|d| {
        // SAFETY: reading the flags of a live array object.
        unsafe { (*d.as_array_ptr()).fields.flags & numpy::npyffi::NPY_ARRAY_WRITEABLE != 0 }
    });
    if overlapping || !writeable {
        return Err(PyValueError::new_err(
            "copy_floor needs writeable destinations that share no memory with the source",
        ));
    }
    // SAFETY: the arrays are live, C-contiguous, `bytes` long and pairwise disjoint (checked
    // above), and this frame keeps them alive until the copy returns.
    let source = unsafe {
        std::slice::from_raw_parts((*src.as_array_ptr()).fields.data as *const u8, bytes)
    };
    let mut targets: Vec<&mut [u8]> = dsts
        .iter()
        .map(|d| unsafe {
            std::slice::from_raw_parts_mut((*d.as_array_ptr()).fields.data as *mut u8, bytes)
        })
        .collect();
    py.detach(|| ndgrad::bench::copy_floor(source, &mut targets, parallelism))
        .map_err(|e| errors::to_py(py, e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(gradient, m)?)?;
    m.add_function(wrap_pyfunction!(copy_floor, m)?)?;
    m.add_function(wrap_pyfunction!(plan_axes, m)?)?;
    m.add_function(wrap_pyfunction!(blocks::gradient_parts, m)?)?;
    m.add_function(wrap_pyfunction!(output_dtype, m)?)?;
    m.add_function(wrap_pyfunction!(fill_out, m)?)?;
    m.add_function(wrap_pyfunction!(operators::operator, m)?)?;
    m.add_function(wrap_pyfunction!(pool_info, m)?)?;
    m.add_function(wrap_pyfunction!(cuda::cuda_plan, m)?)?;
    m.add_function(wrap_pyfunction!(cuda::cuda_launch, m)?)?;
    m.add_function(wrap_pyfunction!(cuda::cuda_launch_block, m)?)?;
    m.add_class::<cuda::CudaPlan>()?;
    m.add_function(wrap_pyfunction!(configure_pool, m)?)?;
    m.add_class::<pool::PooledBuffer>()?;
    m.add_class::<Decline>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
