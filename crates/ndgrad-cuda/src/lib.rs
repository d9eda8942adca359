//! # ndgrad-cuda
//!
//! `numpy.gradient` on NVIDIA GPUs: one kernel computes every requested axis from a single
//! read of the input, with NumPy's bits (correctly rounded operations in NumPy's order, no
//! contraction into fused multiply-adds, no flush to zero). The plan comes from the CPU
//! engine ([`ndgrad::Plan`]), so arguments are validated by the same code and errors are
//! NumPy's.
//!
//! Nothing CUDA is needed to build or test this crate: the kernels ship as PTX
//! (`kernels/grad.ptx`, generated from `kernels/grad.cu` by `scripts/gen_ptx.sh`), and the
//! driver (`libcuda.so.1`) is opened on first use ([`Gpu::probe`]). Without one, calls
//! return [`Error::NoDriver`].
//!
//! ```no_run
//! use ndgrad::{DType, GradientOptions, Plan};
//! use ndgrad_cuda::{Gpu, GpuPlan};
//!
//! let gpu = Gpu::probe(0)?;
//! let stream = gpu.context().default_stream();
//! let plan = GpuPlan::new(&Plan::new(&[512, 512], &GradientOptions::new())?, DType::F64)?;
//! let input = stream.clone_htod(&vec![1.0f64; 512 * 512])?;
//! let mut outputs = [stream.alloc_zeros::<f64>(512 * 512)?, stream.alloc_zeros::<f64>(512 * 512)?];
//! gpu.gradient(&stream, &plan, &input, &mut outputs)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod driver;
mod error;
mod launch;
pub mod params;

pub use driver::{Gpu, PTX};
pub use error::Error;
pub use launch::{Buffer, ENTRIES, GpuPlan, Launch, c_byte_strides};
