//! Core errors to the exception classes `numpy.gradient` raises, one arm per kind.

use ndgrad::{Error, NumpyErrorClass};
use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match (e.numpy_class(), &e) {
        (NumpyErrorClass::AxisError, Error::AxisOutOfBounds { axis, ndim }) => {
            // numpy.exceptions.AxisError(axis, ndim) formats NumPy's own message and sets
            // the `axis` and `ndim` attributes callers may read.
            match py
                .import("numpy.exceptions")
                .and_then(|m| m.getattr("AxisError"))
                .and_then(|cls| cls.call1((*axis, *ndim)))
            {
                Ok(exc) => PyErr::from_value(exc),
                Err(import_error) => import_error,
            }
        }
        (NumpyErrorClass::ValueError, _) | (NumpyErrorClass::AxisError, _) => {
            PyValueError::new_err(e.to_string())
        }
        (NumpyErrorClass::TypeError, _) => PyTypeError::new_err(e.to_string()),
        (NumpyErrorClass::IndexError, _) => PyIndexError::new_err(e.to_string()),
        (NumpyErrorClass::Other, Error::ThreadPool { .. }) => {
            PyRuntimeError::new_err(e.to_string())
        }
        (NumpyErrorClass::Other, _) => PyValueError::new_err(e.to_string()),
    }
}
