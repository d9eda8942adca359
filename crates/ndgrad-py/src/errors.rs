//! Core errors to Python exceptions: NumPy's class for the mistakes `numpy.gradient` also
//! catches, `ValueError` for bad arguments to ndgrad's own extensions (outputs, blocks) and
//! `RuntimeError` for a failure of the machine (a thread pool that cannot start).

use ndgrad::{Error, NumpyErrorClass};
use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    // Every variant is named, so a new one is a decision made here, not a silent default.
    match &e {
        Error::AxisOutOfBounds { axis, ndim } => axis_error(py, *axis, *ndim),
        Error::RepeatedAxis
        | Error::InvalidNumberOfArguments { .. }
        | Error::SpacingNotScalarOr1d { .. }
        | Error::CoordinatesLengthMismatch { .. }
        | Error::CoordinatesTooShort { .. }
        | Error::EdgeOrderTooLarge { .. }
        | Error::ArrayTooSmall { .. } => numpy_class(e),
        Error::OutputShape { .. }
        | Error::OutputCount { .. }
        | Error::BlockMissingHalo { .. }
        | Error::PlanShape { .. }
        | Error::NoSuchOutput { .. }
        | Error::BlockDimensions { .. }
        | Error::BlockOutputMismatch { .. }
        | Error::OutputPastEnd { .. } => PyValueError::new_err(e.to_string()),
        Error::ThreadPool { .. } => PyRuntimeError::new_err(e.to_string()),
        // `Error` is non-exhaustive: a variant added to the core later is raised in NumPy's
        // class for it, if it has one, until it gets its own arm.
        _ => numpy_class(e),
    }
}

/// `numpy.exceptions.AxisError(axis, ndim)`: NumPy's own message and the `axis` and `ndim`
/// attributes callers may read.
fn axis_error(py: Python<'_>, axis: isize, ndim: usize) -> PyErr {
    match py
        .import("numpy.exceptions")
        .and_then(|m| m.getattr("AxisError"))
        .and_then(|cls| cls.call1((axis, ndim)))
    {
        Ok(exc) => PyErr::from_value(exc),
        Err(import_error) => import_error,
    }
}

/// The exception of the class NumPy raises for `e` (`ValueError` where NumPy has none).
fn numpy_class(e: Error) -> PyErr {
    match e.numpy_class() {
        NumpyErrorClass::ValueError | NumpyErrorClass::AxisError | NumpyErrorClass::Other => {
            PyValueError::new_err(e.to_string())
        }
        NumpyErrorClass::TypeError => PyTypeError::new_err(e.to_string()),
        NumpyErrorClass::IndexError => PyIndexError::new_err(e.to_string()),
    }
}
