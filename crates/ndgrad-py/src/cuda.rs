//! The GPU path's native half: `cuda_plan` validates a call with the CPU path's own code (so
//! errors are NumPy's) and plans it for the kernels of `ndgrad-cuda`; `cuda_launch` enqueues
//! the kernels on the caller's stream. `ndgrad/_cuda.py` does the rest (CuPy and PyTorch
//! objects, outputs, tables); nothing here allocates device memory or synchronizes.

use ndgrad::Plan;
use ndgrad_cuda::{Buffer, Gpu, GpuPlan};
use numpy::{PyArray1, PyArrayDescr};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::decline::Decline;
use crate::{args, call_options, make_plan};

/// A call planned for the GPU (read-only).
#[pyclass(frozen, module = "ndgrad._native")]
pub struct CudaPlan {
    plan: GpuPlan,
    tables: Vec<Py<PyArray1<f64>>>,
}

#[pymethods]
impl CudaPlan {
    /// NumPy's name of every output's dtype.
    #[getter]
    fn out_dtype(&self) -> &'static str {
        self.plan.output_dtype().name()
    }

    /// The differentiated axes, in output order.
    #[getter]
    fn axes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.plan.axes())
    }

    /// Which of `tables` output `k` reads, or None (an evenly spaced axis).
    fn table_index(&self, k: usize) -> Option<usize> {
        self.plan.table_index(k)
    }

    /// Coefficient tables to upload (float64, `[a, b, c]` per interior sample), one per
    /// coordinate axis in output order.
    #[getter]
    fn tables<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.tables.iter().map(|t| t.clone_ref(py)))
    }
}

/// Validates `numpy.gradient(f, *varargs, axis=axis, edge_order=edge_order)` (plus the
/// extension tuple `ext`) for a GPU array of `shape` and `dtype`, raising what NumPy raises,
/// and plans it for the kernels.
#[pyfunction]
#[pyo3(signature = (shape, dtype, varargs, axis, edge_order, ext=None))]
pub fn cuda_plan(
    py: Python<'_>,
    shape: Vec<usize>,
    dtype: &Bound<'_, PyAny>,
    varargs: &Bound<'_, PyTuple>,
    axis: &Bound<'_, PyAny>,
    edge_order: &Bound<'_, PyAny>,
    ext: Option<&Bound<'_, PyAny>>,
) -> PyResult<CudaPlan> {
    let descr = PyArrayDescr::new(py, dtype)?;
    let data = args::dtype(&descr).map_err(|_| {
        PyTypeError::new_err(format!(
            "ndgrad.gradient: GPU arrays of dtype {} are not supported; float16/32/64, \
             complex64/128 and fixed-size integer dtypes are",
            descr.str().map_or_else(|_| "?".into(), |s| s.to_string())
        ))
    })?;
    let (options, edge_order) = match call_options(py, varargs, axis, edge_order) {
        Ok(o) => o,
        Err(reason) => return Err(declined(py, reason, axis, shape.len())),
    };
    let plan: Plan = make_plan(py, &shape, options, edge_order, ext)?;
    // NumPy's exception class for a constant the data cannot hold, as on the CPU.
    plan.check_constants(data)
        .map_err(|e| crate::errors::to_py(py, e))?;
    let plan = GpuPlan::new(&plan, data).map_err(|e| PyTypeError::new_err(e.to_string()))?;
    let tables = plan
        .tables()
        .into_iter()
        .map(|t| PyArray1::from_vec(py, t).unbind())
        .collect();
    Ok(CudaPlan { plan, tables })
}

/// The error for an argument form the engine leaves to NumPy: there is no NumPy to fall back
/// to on the GPU, so NumPy's own error where it has one, else a TypeError naming it.
fn declined(py: Python<'_>, reason: Decline, axis: &Bound<'_, PyAny>, ndim: usize) -> PyErr {
    match reason {
        // NumPy computes `-1.5 / h` in Python, which raises this.
        Decline::ZeroDivision => PyZeroDivisionError::new_err("float division by zero"),
        // NumPy's axis check itself, for its exact exception.
        Decline::Axis => match py
            .import("numpy.lib.array_utils")
            .and_then(|m| m.getattr("normalize_axis_tuple"))
            .and_then(|f| f.call1((axis, ndim)))
        {
            Err(e) => e,
            Ok(_) => PyTypeError::new_err(format!(
                "ndgrad.gradient: for GPU arrays, {}",
                reason.describe()
            )),
        },
        _ => PyTypeError::new_err(format!(
            "ndgrad.gradient: for GPU arrays, {}; pass Python numbers or float arrays",
            reason.describe()
        )),
    }
}

/// Enqueues the planned kernels on `stream` (a `CUstream` handle; 0 is the legacy default
/// stream) of device `device` and returns without waiting. Pointers are device addresses;
/// strides are in bytes; `table_ptrs` hold the uploaded `plan.tables`, in order.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn cuda_launch(
    plan: &CudaPlan,
    device: usize,
    stream: usize,
    data_ptr: u64,
    byte_strides: Vec<isize>,
    out_ptrs: Vec<u64>,
    out_byte_strides: Vec<Vec<isize>>,
    table_ptrs: Vec<u64>,
) -> PyResult<()> {
    if out_ptrs.len() != out_byte_strides.len() {
        return Err(PyValueError::new_err(format!(
            "cuda_launch: {} output pointers but {} stride tuples",
            out_ptrs.len(),
            out_byte_strides.len()
        )));
    }
    let outputs: Vec<Buffer<'_>> = out_ptrs
        .iter()
        .zip(&out_byte_strides)
        .map(|(&ptr, s)| Buffer {
            ptr,
            byte_strides: s,
        })
        .collect();
    let input = Buffer {
        ptr: data_ptr,
        byte_strides: &byte_strides,
    };
    let launches = plan.plan.launches(input, &outputs, &table_ptrs);
    // SAFETY: `ndgrad._cuda` passes the stream of `device` that CuPy or PyTorch reports as
    // current, the addresses of live arrays of that device laid out as described (checked
    // against the plan by `launches`), and tables it keeps alive until the launch is
    // enqueued; the frameworks' stream-ordered allocators reuse that memory only for later
    // work.
    unsafe { enqueue(launches, device, stream) }
}

/// Enqueues planned launches (none for empty arrays) on `stream` of `device`.
///
/// # Safety
/// As [`Gpu::launch_raw`]: the stream belongs to the device's primary context and every
/// pointer in the launches addresses live device memory laid out as planned.
unsafe fn enqueue(
    launches: Result<Vec<ndgrad_cuda::Launch>, ndgrad_cuda::Error>,
    device: usize,
    stream: usize,
) -> PyResult<()> {
    let launches = launches.map_err(|e| PyValueError::new_err(e.to_string()))?;
    if launches.is_empty() {
        return Ok(());
    }
    let gpu = Gpu::probe(device).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    // SAFETY: the caller's guarantees, passed on.
    unsafe { gpu.launch_raw(&launches, stream as _) }
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Enqueues output `k` of one block (a Dask chunk) on `stream`: `block_shape` is the
/// chunk's shape, `origin` its first index along output `k`'s axis, `data_ptr` the address
/// of its first sample in an array that also holds the samples the stencil reads before
/// and after it along that axis (strides `byte_strides`), `table_ptr` output `k`'s uploaded
/// table (0 on an evenly spaced axis). The result is the whole array's, bit for bit.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn cuda_launch_block(
    plan: &CudaPlan,
    k: usize,
    origin: usize,
    block_shape: Vec<usize>,
    device: usize,
    stream: usize,
    data_ptr: u64,
    byte_strides: Vec<isize>,
    out_ptr: u64,
    out_byte_strides: Vec<isize>,
    table_ptr: u64,
) -> PyResult<()> {
    let launches = plan.plan.block_launches(
        k,
        origin,
        &block_shape,
        Buffer {
            ptr: data_ptr,
            byte_strides: &byte_strides,
        },
        Buffer {
            ptr: out_ptr,
            byte_strides: &out_byte_strides,
        },
        table_ptr,
    );
    // SAFETY: as for `cuda_launch`; `ndgrad.dask` passes a joined array holding the chunk and
    // the samples the plan's reach needs on each side of it, alive until the launch is
    // enqueued on the stream that then uses it.
    unsafe { enqueue(launches, device, stream) }
}
