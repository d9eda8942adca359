//! The CUDA driver side: the shipped PTX loaded once per device (the driver JIT-compiles and
//! caches it), and launches on the caller's stream. The driver library is opened only here,
//! on first use; nothing else in the crate needs it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use cudarc::driver::{
    CudaContext, CudaFunction, CudaSlice, CudaStream, DevicePtr, DevicePtrMut, DriverError,
    LaunchConfig, PushKernelArg, sys,
};
use cudarc::nvrtc::Ptx;

use crate::error::Error;
use crate::launch::{Buffer, ENTRIES, GpuPlan, Launch, c_byte_strides};

/// The kernels, compiled ahead of time by `scripts/gen_ptx.sh` (NVRTC 12.0, PTX ISA 8.0:
/// loadable by drivers from r525 on).
pub const PTX: &str = include_str!("../kernels/grad.ptx");

/// One GPU with ndgrad's kernels loaded in its primary context (the one CuPy and PyTorch
/// use).
pub struct Gpu {
    ctx: Arc<CudaContext>,
    functions: HashMap<&'static str, CudaFunction>,
}

fn cuda(call: &'static str) -> impl Fn(DriverError) -> Error {
    move |e| Error::Cuda {
        call,
        result: format!("{:?}", e.0),
    }
}

impl Gpu {
    /// The GPU `ordinal`, its kernels loaded on first use and kept for the process.
    ///
    /// # Errors
    /// [`Error::NoDriver`] without `libcuda.so.1`, or with a driver too old for the PTX
    /// (`CUDA_ERROR_UNSUPPORTED_PTX_VERSION`); [`Error::Cuda`] for other failures.
    pub fn probe(ordinal: usize) -> Result<Arc<Gpu>, Error> {
        static GPUS: OnceLock<Mutex<HashMap<usize, Arc<Gpu>>>> = OnceLock::new();
        // SAFETY: only asks the dynamic loader whether the library opens; cudarc would
        // panic on first use without it, so this comes before any other driver call.
        if !unsafe { sys::is_culib_present() } {
            return Err(Error::NoDriver {
                detail: "libcuda.so.1 not found".into(),
            });
        }
        let mut gpus = GPUS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(gpu) = gpus.get(&ordinal) {
            return Ok(gpu.clone());
        }
        let ctx = CudaContext::new(ordinal).map_err(cuda("cuDevicePrimaryCtxRetain"))?;
        let module = ctx.load_module(Ptx::from_src(PTX)).map_err(|e| {
            if e.0 == sys::CUresult::CUDA_ERROR_UNSUPPORTED_PTX_VERSION {
                Error::NoDriver {
                    detail: "the driver is older than the kernels' PTX ISA 8.0".into(),
                }
            } else {
                cuda("cuModuleLoadData")(e)
            }
        })?;
        let functions = ENTRIES
            .iter()
            .map(|&name| Ok((name, module.load_function(name)?)))
            .collect::<Result<_, DriverError>>()
            .map_err(cuda("cuModuleGetFunction"))?;
        let gpu = Arc::new(Gpu { ctx, functions });
        gpus.insert(ordinal, gpu.clone());
        Ok(gpu)
    }

    /// The cudarc context (the device's primary context).
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.ctx
    }

    /// Enqueues `launches` on a stream owned by someone else (CuPy, PyTorch) and returns
    /// without waiting.
    ///
    /// # Safety
    /// `stream` must be a valid stream of this device's primary context (0 is the legacy
    /// default stream), and every pointer in the launches must address device memory of this
    /// context that holds the planned arrays and tables until the kernels have run, ordered
    /// on `stream` after the writes that produce the inputs.
    pub unsafe fn launch_raw(
        &self,
        launches: &[Launch],
        stream: sys::CUstream,
    ) -> Result<(), Error> {
        // SAFETY: the caller guarantees the stream belongs to this context and outlives the
        // call; the wrapper does not destroy it.
        let stream = unsafe { self.ctx.wrap_borrowed_stream(stream) };
        for l in launches {
            let config = LaunchConfig {
                grid_dim: (l.grid[0], l.grid[1], l.grid[2]),
                block_dim: (l.block[0], l.block[1], l.block[2]),
                shared_mem_bytes: 0,
            };
            let function = &self.functions[l.entry];
            // SAFETY: the parameter block matches the entry's `NdgParams` argument, and the
            // caller guarantees its pointers; each thread writes only its own elements.
            unsafe {
                stream
                    .launch_builder(function)
                    .arg(&l.params)
                    .launch(config)
            }
            .map_err(cuda("cuLaunchKernel"))?;
        }
        Ok(())
    }

    /// The gradient of a C-contiguous array held by cudarc, into C-contiguous outputs, on
    /// `stream`: the safe entry for Rust callers. `T` is the data's element type, `O` the
    /// output's (`plan.output_dtype()`); coefficient tables are uploaded on the stream.
    ///
    /// # Errors
    /// [`Error::Layout`] when a buffer's length or element type does not fit the plan;
    /// driver errors.
    pub fn gradient<T, O>(
        &self,
        stream: &Arc<CudaStream>,
        plan: &GpuPlan,
        input: &CudaSlice<T>,
        outputs: &mut [CudaSlice<O>],
    ) -> Result<(), Error>
    where
        T: ndgrad::Element<Output = O>,
        O: ndgrad::Element,
    {
        let layout = |detail: String| Error::Layout { detail };
        if T::DTYPE != plan.data_dtype() {
            return Err(layout(format!(
                "the plan is for {} data, the buffer holds {}",
                plan.data_dtype().name(),
                T::DTYPE.name()
            )));
        }
        let n: usize = plan.shape().iter().product();
        if input.len() != n || outputs.iter().any(|o| o.len() != n) {
            return Err(layout(format!(
                "every buffer must hold {n} elements (shape {:?})",
                plan.shape()
            )));
        }
        let in_strides = c_byte_strides(plan.shape(), size_of::<T>());
        let out_strides = c_byte_strides(plan.shape(), size_of::<O>());
        let tables = plan
            .tables()
            .iter()
            .map(|t| stream.clone_htod(t))
            .collect::<Result<Vec<CudaSlice<f64>>, _>>()
            .map_err(cuda("cuMemcpyHtoDAsync"))?;
        let (input_ptr, _read) = input.device_ptr(stream);
        let table_ptrs: Vec<_> = tables.iter().map(|t| t.device_ptr(stream)).collect();
        let outs: Vec<_> = outputs
            .iter_mut()
            .map(|o| o.device_ptr_mut(stream))
            .collect();
        let buffers: Vec<Buffer<'_>> = outs
            .iter()
            .map(|(ptr, _)| Buffer {
                ptr: *ptr,
                byte_strides: &out_strides,
            })
            .collect();
        let launches = plan.launches(
            Buffer {
                ptr: input_ptr,
                byte_strides: &in_strides,
            },
            &buffers,
            &table_ptrs.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        )?;
        // SAFETY: every pointer comes from a live cudarc buffer of the checked length on this
        // stream's context; the guards held above order the launch after their writers and
        // keep them alive, and the tables are freed only after the stream reaches the kernel.
        unsafe { self.launch_raw(&launches, stream.cu_stream()) }
    }
}
