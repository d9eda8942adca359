//! Python arguments to ndgrad options, with NumPy's meaning for each Python type.
//!
//! Anything this module cannot represent exactly is declined with its [`Decline`] reason, and
//! the Python wrapper hands the whole call to `numpy.gradient` itself, so even rare inputs
//! (integer NumPy scalars as spacing, bool or complex coordinates, odd `edge_order` values)
//! behave exactly as in NumPy.

use ndarray::ArrayD;
use ndgrad::{Axes, AxisSpacing, Coordinates, DType, Scalar, f16};
use numpy::{
    PyArrayDescr, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyTuple};

use crate::decline::Decline;

/// The engine's element type for a NumPy dtype: one of the table's types, in native byte
/// order.
pub fn dtype(descr: &Bound<'_, PyArrayDescr>) -> Result<DType, Decline> {
    let dtype = DType::from_kind(descr.kind() as char, descr.itemsize()).ok_or(Decline::DType)?;
    if !descr.is_native_byteorder().unwrap_or(true) {
        return Err(Decline::ByteOrder);
    }
    Ok(dtype)
}

/// `axis=`: None, an int (anything with `__index__`), or a tuple/list of ints.
pub fn axes(axis: &Bound<'_, PyAny>) -> Result<Axes, Decline> {
    if axis.is_none() {
        return Ok(Axes::All);
    }
    if axis.is_instance_of::<PyTuple>() || axis.is_instance_of::<PyList>() {
        let list = axis
            .try_iter()
            .map_err(|_| Decline::Axis)?
            .map(|a| a.map_err(|_| Decline::Axis).and_then(|a| index(&a)))
            .collect::<Result<Vec<isize>, Decline>>()?;
        return Ok(Axes::List(list));
    }
    index(axis).map(|a| Axes::List(vec![a]))
}

fn index(v: &Bound<'_, PyAny>) -> Result<isize, Decline> {
    if v.is_instance_of::<PyFloat>() {
        return Err(Decline::Axis);
    }
    v.call_method0("__index__")
        .and_then(|i| i.extract())
        .map_err(|_| Decline::Axis)
}

/// `edge_order=`: a Python int. NumPy's rule for unusual values (0, negatives, floats) is
/// left to NumPy; values above 2 are validated by the plan at NumPy's point in the sequence.
pub fn edge_order(v: &Bound<'_, PyAny>) -> Result<i64, Decline> {
    if !v.is_instance_of::<PyInt>() {
        return Err(Decline::EdgeOrder);
    }
    match v.extract::<i64>() {
        Ok(e) if e >= 1 => Ok(e),
        _ => Err(Decline::EdgeOrder),
    }
}

/// One element of `*varargs`.
pub fn spacing(py: Python<'_>, v: &Bound<'_, PyAny>) -> Result<AxisSpacing, Decline> {
    let declined = |_| Decline::Spacing;
    // Exact Python float / int: "weak" scalars that adopt the data's precision. NumPy's
    // float64 subclasses `float`, so exact type checks come first.
    if v.is_exact_instance_of::<PyFloat>() {
        return Ok(AxisSpacing::Uniform(Scalar::Float(
            v.extract().map_err(declined)?,
        )));
    }
    if v.is_exact_instance_of::<PyInt>() {
        let i: i64 = v.extract().map_err(declined)?;
        // Exactly representable in f64, so NumPy's int-to-float conversions agree with ours.
        if i.unsigned_abs() > 1 << 53 {
            return Err(Decline::Spacing);
        }
        return Ok(AxisSpacing::Uniform(Scalar::Float(i as f64)));
    }
    if v.is_instance_of::<PyBool>() {
        return Err(Decline::Spacing);
    }
    let np = py.import("numpy").map_err(declined)?;
    let generic = np.getattr("generic").map_err(declined)?;
    if v.is_instance(&generic).map_err(declined)? {
        // NumPy scalars are strong; only the floating ones map onto our precisions.
        return array_spacing(&np.call_method1("asarray", (v,)).map_err(declined)?);
    }
    let array = if v.is_instance_of::<PyUntypedArray>() {
        v.clone()
    } else {
        np.call_method1("asanyarray", (v,)).map_err(declined)?
    };
    array_spacing(&array)
}

fn array_spacing(array: &Bound<'_, PyAny>) -> Result<AxisSpacing, Decline> {
    let declined = |_| Decline::Spacing;
    // Subclasses (masked arrays, matrices) carry their own arithmetic: NumPy's business.
    let untyped = array
        .cast_exact::<PyUntypedArray>()
        .map_err(|_| Decline::Spacing)?;
    let dtype = untyped.dtype();
    if !dtype.is_native_byteorder().unwrap_or(true) {
        return Err(Decline::Spacing);
    }
    let kind = dtype.kind();
    let size = dtype.itemsize();
    // NumPy converts integer (and timedelta) coordinates to float64 before `np.diff`;
    // 0-d integer arrays keep integer promotion rules, which are left to NumPy.
    let as_f64 = |a: &Bound<'_, PyAny>| -> PyResult<ArrayD<f64>> {
        let converted = a.call_method1("astype", ("float64",))?;
        Ok(converted.cast::<PyArrayDyn<f64>>()?.to_owned_array())
    };
    let coordinates = match (kind, size) {
        (b'f', 8) => Coordinates::F64(
            array
                .cast::<PyArrayDyn<f64>>()
                .map_err(|_| Decline::Spacing)?
                .to_owned_array(),
        ),
        (b'f', 4) => Coordinates::F32(
            array
                .cast::<PyArrayDyn<f32>>()
                .map_err(|_| Decline::Spacing)?
                .to_owned_array(),
        ),
        (b'f', 2) => Coordinates::F16(
            array
                .cast::<PyArrayDyn<f16>>()
                .map_err(|_| Decline::Spacing)?
                .to_owned_array(),
        ),
        (b'i' | b'u' | b'm', _) if untyped.ndim() > 0 => {
            Coordinates::F64(as_f64(array).map_err(declined)?)
        }
        _ => return Err(Decline::Spacing),
    };
    Ok(AxisSpacing::Coordinates(coordinates))
}
