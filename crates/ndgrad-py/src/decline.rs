//! Why the engine declines a call: the calls whose exact semantics only `numpy.gradient`
//! itself reproduces.
//!
//! A declined call is not an error. `_native.gradient` returns the reason (a
//! `_native.Declined` value) instead of a result, and the Python wrapper then hands the whole
//! call to `numpy.gradient`; under `ndgrad._strict()` it raises an error naming the reason
//! instead, so tests can tell the engine's answers from NumPy's.

use pyo3::prelude::*;

/// The reason the engine leaves a call to `numpy.gradient`; in Python `ndgrad._native.Declined`
/// (`Declined.SUBCLASS`, `Declined.DTYPE`, ...).
#[pyclass(
    name = "Declined",
    module = "ndgrad._native",
    frozen,
    eq,
    hash,
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decline {
    /// `f` is not exactly a `numpy.ndarray`: a subclass (masked array, matrix) brings its
    /// own arithmetic.
    Subclass,
    /// `f`'s dtype is not one the engine computes (bool, object, datetime, long double, ...).
    #[pyo3(name = "DTYPE")]
    DType,
    /// `f` is a numeric type stored in non-native byte order.
    ByteOrder,
    /// `axis=` is neither None, an integer, nor a tuple or list of integers.
    Axis,
    /// `edge_order=` is not a Python int of at least 1 (NumPy's rule for 0, negative and
    /// non-int values is NumPy's own).
    EdgeOrder,
    /// A spacing argument whose arithmetic the engine does not reproduce: integer NumPy
    /// scalars, 0-d integer arrays, bools, complex or long double values, ndarray subclasses,
    /// byte-swapped arrays, non-numeric data.
    Spacing,
    /// A Python-number spacing of zero with `edge_order` 2: NumPy computes `-1.5 / h` in
    /// Python and raises `ZeroDivisionError` at its own point in the sequence.
    ZeroDivision,
    /// `f` has more dimensions than the engine's array views take (32; NumPy allows 64).
    Dimensions,
}

impl Decline {
    /// What was declined, in words (for error messages).
    pub fn describe(self) -> &'static str {
        match self {
            Decline::Subclass => "f is not exactly a numpy.ndarray (a subclass or another type)",
            Decline::DType => {
                "f's dtype is not float16/32/64, complex64/128 or a fixed-size integer"
            }
            Decline::ByteOrder => "f is stored in non-native byte order",
            Decline::Axis => "axis is not None, an integer or a tuple or list of integers",
            Decline::EdgeOrder => "edge_order is not a Python int of at least 1",
            Decline::Spacing => "a spacing argument has a form only NumPy's arithmetic reproduces",
            Decline::ZeroDivision => {
                "a Python-number spacing of zero with edge_order 2 (NumPy raises \
                 ZeroDivisionError)"
            }
            Decline::Dimensions => "f has more than 32 dimensions",
        }
    }
}

#[pymethods]
impl Decline {
    /// What was declined, in words.
    #[getter]
    fn reason(&self) -> &'static str {
        self.describe()
    }
}
