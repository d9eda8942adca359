//! `ndgrad._native`: the compiled half of the `ndgrad` Python package.
//!
//! `gradient` handles plain `numpy.ndarray` inputs of every numeric dtype the core supports,
//! with NumPy's argument semantics; it returns `NotImplemented` for anything it cannot
//! reproduce exactly (subclasses, object/bool/datetime data, exotic spacing), and the Python
//! wrapper then defers to `numpy.gradient` itself.

mod args;
mod errors;

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use ndgrad::{
    AxisSpacing, Complex, Element, GradientOptions, Parallelism, Plan, Scalar, Spacing, f16,
};
use numpy::npyffi::{NPY_ORDER, PY_ARRAY_API};
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyTuple};

/// Runs `$body` with the type alias `$t` bound to the element type of `kind`.
macro_rules! with_kind {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            DataKind::F64 => {
                type $t = f64;
                $body
            }
            DataKind::F32 => {
                type $t = f32;
                $body
            }
            DataKind::F16 => {
                type $t = f16;
                $body
            }
            DataKind::C128 => {
                type $t = Complex<f64>;
                $body
            }
            DataKind::C64 => {
                type $t = Complex<f32>;
                $body
            }
            DataKind::I8 => {
                type $t = i8;
                $body
            }
            DataKind::I16 => {
                type $t = i16;
                $body
            }
            DataKind::I32 => {
                type $t = i32;
                $body
            }
            DataKind::I64 => {
                type $t = i64;
                $body
            }
            DataKind::U8 => {
                type $t = u8;
                $body
            }
            DataKind::U16 => {
                type $t = u16;
                $body
            }
            DataKind::U32 => {
                type $t = u32;
                $body
            }
            DataKind::U64 => {
                type $t = u64;
                $body
            }
        }
    };
}

/// `numpy.gradient(f, *varargs, axis, edge_order)` for a plain ndarray `f`, computed by the
/// ndgrad engine; `NotImplemented` where NumPy's own implementation must decide.
#[pyfunction]
#[pyo3(signature = (f, varargs, axis, edge_order, workers, out))]
fn gradient<'py>(
    py: Python<'py>,
    f: &Bound<'py, PyAny>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: &Bound<'py, PyAny>,
    workers: &Bound<'py, PyAny>,
    out: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    let not_implemented = || Ok(py.NotImplemented());
    let parallelism = parallelism(workers)?;
    let Ok(array) = f.cast_exact::<PyUntypedArray>() else {
        return not_implemented();
    };
    // The dtype decides first: NumPy raises for unsupported data (bool) only while
    // computing, after validating some axes, so such calls are NumPy's to answer.
    let Some(kind) = DataKind::of(array) else {
        return not_implemented();
    };
    let Some((options, edge_order)) = call_options(py, varargs, axis, edge_order)? else {
        return not_implemented();
    };
    let plan =
        Plan::with_numpy_edge_order(array.shape(), &options.parallelism(parallelism), edge_order)
            .map_err(|e| errors::to_py(py, e))?;
    with_kind!(kind, T => run::<T>(py, array, &plan, out))
}

/// NumPy's `*varargs, axis, edge_order` as options, or `None` where NumPy must decide.
fn call_options(
    py: Python<'_>,
    varargs: &Bound<'_, PyTuple>,
    axis: &Bound<'_, PyAny>,
    edge_order: &Bound<'_, PyAny>,
) -> PyResult<Option<(GradientOptions, i64)>> {
    let (Some(axes), Some(edge_order)) = (args::axes(axis), args::edge_order(edge_order)) else {
        return Ok(None);
    };
    let mut spacing = Vec::with_capacity(varargs.len());
    for v in varargs.iter() {
        match args::spacing(py, &v) {
            Some(s) => spacing.push(s),
            None => return Ok(None),
        }
    }
    // NumPy computes `-1.5 / h` in Python for a Python-number spacing, which raises
    // ZeroDivisionError for h == 0 (only with edge_order 2); let NumPy raise it in order.
    let python_zero =
        |s: &AxisSpacing| matches!(s, AxisSpacing::Uniform(Scalar::Float(h)) if *h == 0.0);
    if edge_order != 1 && spacing.iter().any(python_zero) {
        return Ok(None);
    }
    let mut options = GradientOptions::new().with_spacing(Spacing::from_varargs(spacing));
    options.axes = axes;
    Ok(Some((options, edge_order)))
}

/// Validates a call for an array of `shape` as NumPy would (raising NumPy's exceptions) and
/// returns the differentiated axes, or `NotImplemented` where NumPy must decide. Used by
/// the Dask front to check a call once before building its graph.
#[pyfunction]
fn plan_axes<'py>(
    py: Python<'py>,
    shape: Vec<usize>,
    varargs: &Bound<'py, PyTuple>,
    axis: &Bound<'py, PyAny>,
    edge_order: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    let Some((options, edge_order)) = call_options(py, varargs, axis, edge_order)? else {
        return Ok(py.NotImplemented());
    };
    let plan = Plan::with_numpy_edge_order(&shape, &options, edge_order)
        .map_err(|e| errors::to_py(py, e))?;
    Ok(PyTuple::new(py, plan.axes())?.into_any().unbind())
}

/// One block of the gradient along `axis` of an array whose axis has `length` samples.
///
/// `block` holds samples `block_start..` along `axis` (and any slab of the other axes);
/// the result holds samples `out_start..out_stop`, bit-identical to the same samples of
/// `numpy.gradient` on the whole array. `spacing` is the axis's spacing argument (empty for
/// unit spacing), resolved over the whole axis: coordinates must cover all `length` samples.
#[pyfunction]
#[pyo3(signature = (block, spacing, axis, length, block_start, out_start, out_stop, edge_order))]
#[allow(clippy::too_many_arguments)]
fn gradient_block<'py>(
    py: Python<'py>,
    block: &Bound<'py, PyUntypedArray>,
    spacing: &Bound<'py, PyTuple>,
    axis: usize,
    length: usize,
    block_start: usize,
    out_start: usize,
    out_stop: usize,
    edge_order: i64,
) -> PyResult<Py<PyAny>> {
    let Some(kind) = DataKind::of(block) else {
        return Err(PyTypeError::new_err(format!(
            "ndgrad computes blocks of numeric data, not {}",
            block.dtype()
        )));
    };
    let axis_arg = (axis as isize).into_pyobject(py)?.into_any();
    let edge = edge_order.into_pyobject(py)?.into_any();
    let Some((options, edge_order)) = call_options(py, spacing, &axis_arg, &edge)? else {
        return Err(PyTypeError::new_err(
            "this spacing argument is not supported for blocks",
        ));
    };
    let mut shape = block.shape().to_vec();
    if axis >= shape.len() || out_start > out_stop {
        return Err(PyValueError::new_err("axis or output range out of bounds"));
    }
    shape[axis] = length;
    let plan = Plan::with_numpy_edge_order(&shape, &options.threads(1), edge_order)
        .map_err(|e| errors::to_py(py, e))?;
    let mut out_shape = block.shape().to_vec();
    out_shape[axis] = out_stop - out_start;
    macro_rules! run_block {
        ($t:ty) => {{
            let f = block
                .cast::<PyArrayDyn<$t>>()?
                .try_readonly()
                .map_err(|e| PyValueError::new_err(format!("cannot read the block: {e}")))?;
            // SAFETY: `compute_block` writes every element of `out` before it is returned
            // (it covers the block's whole output range), and on an error the array is
            // dropped unread; its element types are plain numbers with no drop glue.
            let out =
                unsafe { PyArrayDyn::<<$t as Element>::Output>::new(py, out_shape.clone(), false) };
            {
                let mut w = out
                    .try_readwrite()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                let view = f.as_array();
                let target = w.as_array_mut();
                py.detach(|| plan.compute_block(0, view, block_start, target, out_start))
                    .map_err(|e| errors::to_py(py, e))?;
            }
            Ok(out.into_any().unbind())
        }};
    }
    with_kind!(kind, T => run_block!(T))
}

/// The data types the engine computes natively (native byte order only).
enum DataKind {
    F64,
    F32,
    F16,
    C128,
    C64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

impl DataKind {
    fn of(array: &Bound<'_, PyUntypedArray>) -> Option<DataKind> {
        let dtype = array.dtype();
        if !dtype.is_native_byteorder().unwrap_or(true) {
            return None;
        }
        Some(match (dtype.kind(), dtype.itemsize()) {
            (b'f', 8) => DataKind::F64,
            (b'f', 4) => DataKind::F32,
            (b'f', 2) => DataKind::F16,
            (b'c', 16) => DataKind::C128,
            (b'c', 8) => DataKind::C64,
            (b'i', 1) => DataKind::I8,
            (b'i', 2) => DataKind::I16,
            (b'i', 4) => DataKind::I32,
            (b'i', 8) => DataKind::I64,
            (b'u', 1) => DataKind::U8,
            (b'u', 2) => DataKind::U16,
            (b'u', 4) => DataKind::U32,
            (b'u', 8) => DataKind::U64,
            _ => return None,
        })
    }
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
            .map(|_| empty_like::<T::Output>(py, array))
            .collect::<PyResult<Vec<_>>>()?
    } else {
        user_outputs::<T::Output>(py, array, out, naxes)?
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
    Ok(match naxes {
        1 => outputs
            .into_iter()
            .next()
            .map(|o| o.into_any().unbind())
            .unwrap_or_else(|| py.None()),
        _ => PyTuple::new(py, outputs)?.into_any().unbind(),
    })
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
/// gradient's dtype (one bare array is accepted when there is one axis).
fn user_outputs<'py, O: numpy::Element>(
    py: Python<'py>,
    array: &Bound<'py, PyUntypedArray>,
    out: &Bound<'py, PyAny>,
    naxes: usize,
) -> PyResult<Vec<Bound<'py, PyArrayDyn<O>>>> {
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
    let want = O::get_dtype(py);
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
            if !o.dtype().is_equiv_to(&want) {
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
            Ok(o.cast::<PyArrayDyn<O>>()?.clone())
        })
        .collect()
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
    m.add_function(wrap_pyfunction!(gradient_block, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
