//! Arrays whose memory an `ndarray` view can address: every stride a whole number of items
//! and the data aligned for the item type. NumPy also makes arrays that are neither (a
//! field of a structured array: `st['a']` with a 10-byte record has stride 10 for 8-byte
//! floats); a view of such an array would read and write the wrong bytes, so inputs are
//! copied into an ordinary array first and such outputs are refused.

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The most dimensions an array view takes (NumPy allows 64).
pub const MAX_NDIM: usize = 32;

/// Refuses an array of more than [`MAX_NDIM`] dimensions, naming it.
pub fn check_ndim(a: &Bound<'_, PyUntypedArray>, name: &str) -> PyResult<()> {
    if a.ndim() <= MAX_NDIM {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{name} has {} dimensions; ndgrad takes at most {MAX_NDIM} (reshape it, merging \
         axes that are not differentiated)",
        a.ndim()
    )))
}

/// Whether `a`'s elements sit at whole multiples of its item size from an aligned start.
pub fn addressable(a: &Bound<'_, PyUntypedArray>) -> bool {
    let item = a.dtype().itemsize() as isize;
    // SAFETY: reading the flags field of a live ndarray object that `a` keeps alive.
    let flags = unsafe { (*a.as_array_ptr()).fields.flags };
    flags & numpy::npyffi::NPY_ARRAY_ALIGNED != 0
        && (item == 0 || a.strides().iter().all(|s| s % item == 0))
}

/// `a` itself, or an ordinary C-ordered copy where a view could not address it (the values
/// are the same, so the gradient is too).
pub fn readable<'py>(a: &Bound<'py, PyUntypedArray>) -> PyResult<Bound<'py, PyUntypedArray>> {
    if addressable(a) {
        return Ok(a.clone());
    }
    Ok(a.call_method1("copy", ("C",))?
        .cast_into::<PyUntypedArray>()?)
}

/// Refuses an output a view could not address, naming it.
pub fn writable(a: &Bound<'_, PyUntypedArray>, name: &str) -> PyResult<()> {
    if addressable(a) {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "{name} is not an array of whole, aligned items (strides {:?} for {}-byte items, as \
         a field of a structured array has); pass an ordinary array and copy it in",
        a.strides(),
        a.dtype().itemsize()
    )))
}
