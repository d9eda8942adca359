//! What can go wrong on the GPU path, each with a message that says what to do.

use std::fmt;

/// An error of the GPU path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The call asks for something the GPU kernels do not run yet (a NaN policy, a boundary
    /// mode on a block that does not hold its whole axis). Holds the option as users spell
    /// it.
    Unsupported { option: &'static str },
    /// No CUDA driver could be loaded (or it is too old for the shipped PTX).
    NoDriver { detail: String },
    /// A CUDA driver call failed; `result` is the `CUresult` name.
    Cuda { call: &'static str, result: String },
    /// The array has more non-trivial dims than a launch iterates.
    TooManyDims { ndim: usize },
    /// Pointers, strides or buffer counts that do not describe the planned arrays.
    Layout { detail: String },
    /// The plan does not fit the data (a constant boundary value the data's integer type
    /// cannot hold); the core's message.
    Invalid { detail: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unsupported { option } => write!(
                f,
                "{option} is not available for GPU arrays yet; copy the array to the host \
                 (cupy.asnumpy / tensor.cpu().numpy()) and call ndgrad.gradient there"
            ),
            Error::NoDriver { detail } => write!(
                f,
                "ndgrad: no CUDA driver found (libcuda.so.1); GPU arrays need an NVIDIA \
                 driver >= 525 ({detail})"
            ),
            Error::Cuda { call, result } => write!(f, "ndgrad: CUDA {call} failed: {result}"),
            Error::TooManyDims { ndim } => write!(
                f,
                "ndgrad's GPU kernel iterates at most {} dims of length > 1, this array has \
                 {ndim}; reshape it (merge axes that are not differentiated)",
                crate::params::MAX_DIMS
            ),
            Error::Layout { detail } | Error::Invalid { detail } => write!(f, "ndgrad: {detail}"),
        }
    }
}

impl std::error::Error for Error {}
