//! The kernel's parameters, laid out exactly as `struct NdgParams` in `kernels/grad.cu`
//! (`#[repr(C)]`; the host emulation checks size and offsets against the C++ compiler's).

use ndgrad::backend::Divisor;

/// Dimensions a launch can iterate (`NDG_MAX_DIMS`).
pub const MAX_DIMS: usize = 8;
/// Outputs a NumPy-formula launch can compute (`NDG_FAST_AXES`): held in registers, so
/// launches of more run the general kernels.
pub const FAST_AXES: usize = 4;

/// `struct NdgDivisor`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NdgDivisor {
    pub d: f64,
    pub rat: f64,
    pub scl: f64,
    pub kind: i32,
    pub pad: i32,
}

impl From<Divisor> for NdgDivisor {
    fn from(d: Divisor) -> Self {
        match d {
            Divisor::Real(d) => NdgDivisor {
                d,
                ..Default::default()
            },
            Divisor::ComplexZero(d) => NdgDivisor {
                d,
                kind: 1,
                ..Default::default()
            },
            Divisor::ComplexReciprocal { rat, scl } => NdgDivisor {
                rat,
                scl,
                kind: 2,
                ..Default::default()
            },
        }
    }
}

/// `struct NdgAxis`: one differentiated axis and its output.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NdgAxis {
    /// Element strides of the output, in iteration order.
    pub out_strides: [i64; MAX_DIMS],
    /// Output pointer.
    pub out: u64,
    /// Coordinate axes: `[a, b, c]` (f64) per interior sample; 0 on uniform axes.
    pub table: u64,
    pub h2: NdgDivisor,
    pub first: NdgDivisor,
    pub last: NdgDivisor,
    pub left: [f64; 3],
    pub right: [f64; 3],
    /// The axis's index of the launch's first sample (0 for a whole array).
    pub origin: i64,
    /// The axis's whole length.
    pub len: i64,
    /// Middle dims: rows per step along this axis (1 elsewhere).
    pub row_pitch: i64,
    /// Ghost samples before sample 0 and after the last (boundary modes).
    pub ghost_left: i64,
    pub ghost_right: i64,
    /// "constant" ghosts in the data's arithmetic type: left re, im, right re, im.
    pub constant: [f64; 4],
    /// The iteration dim this axis runs along.
    pub dim: i32,
    /// NumPy's formulas: edge order 1 or 2, and whether the interior divides by `h2` (1)
    /// or reads the table (0).
    pub edge_order: i32,
    pub uniform: i32,
    /// [`KIND_NUMPY`], [`KIND_UNIFORM_TAPS`] or [`KIND_COORDINATE_TAPS`].
    pub kind: i32,
    /// Taps: interior half-width and end width; odd derivative (uniform taps).
    pub half_width: i32,
    pub end_width: i32,
    pub odd: i32,
    /// [`FILL_WRAP`], [`FILL_MIRROR`] or [`FILL_CONSTANT`], per side.
    pub fill_left: i32,
    pub fill_right: i32,
    pub pad: i32,
}

/// `NDG_KIND_*`: what an axis computes.
pub const KIND_NUMPY: i32 = 0;
pub const KIND_UNIFORM_TAPS: i32 = 1;
pub const KIND_COORDINATE_TAPS: i32 = 2;
/// `NDG_FILL_*`: where ghost samples come from.
pub const FILL_WRAP: i32 = 0;
pub const FILL_MIRROR: i32 = 1;
pub const FILL_CONSTANT: i32 = 2;

/// `struct NdgParams`: one launch.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NdgParams {
    /// Input pointer.
    pub input: u64,
    /// Iteration dims: decreasing input stride, at least 3 (leading ones of size 1).
    pub shape: [i64; MAX_DIMS],
    /// Input element strides, iteration order.
    pub strides: [i64; MAX_DIMS],
    /// Product of `shape[1..ndim - 1]`.
    pub rows: i64,
    /// Dim-0 samples each block marches.
    pub outer_chunk: i64,
    pub ndim: i32,
    pub naxes: i32,
    pub axes: [NdgAxis; MAX_DIMS],
}

// SAFETY: plain-old-data with the C layout of `NdgParams` in grad.cu (checked by the host
// emulation's layout test); the kernel takes it by value, so cudarc copies its bytes into
// the launch's parameter buffer and nothing in it is a reference.
unsafe impl cudarc::driver::DeviceRepr for NdgParams {}

/// Bytes of the kernel parameter block: CUDA allows 4096 for a launch.
pub const PARAMS_BYTES: usize = std::mem::size_of::<NdgParams>();
const _: () = assert!(PARAMS_BYTES <= 4096);
