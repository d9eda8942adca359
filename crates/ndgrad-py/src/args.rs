//! Python arguments to ndgrad options, with NumPy's meaning for each Python type.
//!
//! Anything this module cannot represent exactly returns `None`, and the Python wrapper
//! hands the whole call to `numpy.gradient` itself, so even rare inputs (integer NumPy
//! scalars as spacing, bool or complex coordinates, odd `edge_order` values) behave exactly
//! as in NumPy.

use ndarray::ArrayD;
use ndgrad::{Axes, AxisSpacing, Coordinates, Scalar, f16};
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyTuple};

/// `axis=`: None, an int (anything with `__index__`), or a tuple/list of ints.
pub fn axes(axis: &Bound<'_, PyAny>) -> Option<Axes> {
    if axis.is_none() {
        return Some(Axes::All);
    }
    if axis.is_instance_of::<PyTuple>() || axis.is_instance_of::<PyList>() {
        let list: Option<Vec<isize>> = axis
            .try_iter()
            .ok()?
            .map(|a| a.ok().and_then(|a| index(&a)))
            .collect();
        return list.map(Axes::List);
    }
    index(axis).map(|a| Axes::List(vec![a]))
}

fn index(v: &Bound<'_, PyAny>) -> Option<isize> {
    if v.is_instance_of::<PyFloat>() {
        return None;
    }
    v.call_method0("__index__").ok()?.extract().ok()
}

/// `edge_order=`: a Python int. NumPy's rule for unusual values (0, negatives, floats) is
/// left to NumPy; values above 2 are validated by the plan at NumPy's point in the sequence.
pub fn edge_order(v: &Bound<'_, PyAny>) -> Option<i64> {
    if !v.is_instance_of::<PyInt>() {
        return None;
    }
    let e: i64 = v.extract().ok()?;
    (e >= 1).then_some(e)
}

/// One element of `*varargs`.
pub fn spacing(py: Python<'_>, v: &Bound<'_, PyAny>) -> Option<AxisSpacing> {
    // Exact Python float / int: "weak" scalars that adopt the data's precision. NumPy's
    // float64 subclasses `float`, so exact type checks come first.
    if v.is_exact_instance_of::<PyFloat>() {
        return Some(AxisSpacing::Uniform(Scalar::Float(v.extract().ok()?)));
    }
    if v.is_exact_instance_of::<PyInt>() {
        let i: i64 = v.extract().ok()?;
        // Exactly representable in f64, so NumPy's int-to-float conversions agree with ours.
        return (i.unsigned_abs() <= 1 << 53)
            .then_some(AxisSpacing::Uniform(Scalar::Float(i as f64)));
    }
    if v.is_instance_of::<PyBool>() {
        return None;
    }
    let np = py.import("numpy").ok()?;
    let generic = np.getattr("generic").ok()?;
    if v.is_instance(&generic).ok()? {
        // NumPy scalars are strong; only the floating ones map onto our precisions.
        return array_spacing(&np.call_method1("asarray", (v,)).ok()?);
    }
    let array = if v.is_instance_of::<PyUntypedArray>() {
        v.clone()
    } else {
        np.call_method1("asanyarray", (v,)).ok()?
    };
    array_spacing(&array)
}

fn array_spacing(array: &Bound<'_, PyAny>) -> Option<AxisSpacing> {
    // Subclasses (masked arrays, matrices) carry their own arithmetic: NumPy's business.
    let untyped = array.cast_exact::<PyUntypedArray>().ok()?;
    let dtype = untyped.dtype();
    if !dtype.is_native_byteorder().unwrap_or(true) {
        return None;
    }
    let kind = dtype.kind();
    let size = dtype.itemsize();
    // NumPy converts integer (and timedelta) coordinates to float64 before `np.diff`;
    // 0-d integer arrays keep integer promotion rules, which are left to NumPy.
    let as_f64 = |a: &Bound<'_, PyAny>| -> Option<ArrayD<f64>> {
        let converted = a.call_method1("astype", ("float64",)).ok()?;
        Some(converted.cast::<PyArrayDyn<f64>>().ok()?.to_owned_array())
    };
    let coordinates = match (kind, size) {
        (b'f', 8) => Coordinates::F64(array.cast::<PyArrayDyn<f64>>().ok()?.to_owned_array()),
        (b'f', 4) => Coordinates::F32(array.cast::<PyArrayDyn<f32>>().ok()?.to_owned_array()),
        (b'f', 2) => Coordinates::F16(array.cast::<PyArrayDyn<f16>>().ok()?.to_owned_array()),
        (b'i' | b'u' | b'm', _) if untyped.ndim() > 0 => Coordinates::F64(as_f64(array)?),
        _ => return None,
    };
    Some(AxisSpacing::Coordinates(coordinates))
}
