//! # ndgrad
//!
//! NumPy-exact numerical gradients of N-dimensional [`ndarray`] arrays, by finite
//! differences: what `numpy.gradient` computes, bit for bit, on one core or many.
//!
//! Interior points use second-order central differences; the two ends of each axis use
//! first- or second-order one-sided differences ([`EdgeOrder`]). Samples may be evenly
//! spaced (a scalar distance per axis) or sit at arbitrary coordinates.
//!
//! ```
//! use ndarray::array;
//! use ndgrad::{gradient, AxisSpacing, EdgeOrder, GradientOptions};
//!
//! // np.gradient([1, 4, 9, 16, 25], edge_order=2)
//! let f = array![1, 4, 9, 16, 25];
//! let g = gradient(f.view(), &GradientOptions::new().edge_order(EdgeOrder::Second))?;
//! assert_eq!(g[0], array![2.0, 4.0, 6.0, 8.0, 10.0]);
//!
//! // np.gradient(f2d, axis=1) with coordinates: x = [0.5, 1, 2]
//! let f2 = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! let opts = GradientOptions::new()
//!     .axis(1)
//!     .spacings([AxisSpacing::from(vec![0.5, 1.0, 2.0])]);
//! let g = gradient(f2.view(), &opts)?;
//! assert_eq!(g[0].row(0).to_vec(), vec![2.0, 1.6666666666666667, 1.0]);
//! # Ok::<(), ndgrad::Error>(())
//! ```
//!
//! What is exact. The coefficient formulas, their evaluation order (no fused multiply-add),
//! NumPy's type promotion between the data and the spacing (see [`Precision`]), the
//! detection of evenly spaced coordinates, and the error kinds and messages ([`Error`]) all
//! follow NumPy 2.x. Results are identical for any thread count and any blocking
//! ([`Plan::compute_block`]).
//!
//! Coming from NumPy? [`for_numpy_users`] maps every `np.gradient` call form.

mod alloc;
pub mod backend;
#[doc(hidden)]
pub mod bench;
mod chunk;
mod dtype;
mod element;
mod error;
mod exec;
pub mod for_numpy_users;
mod fused;
mod ghosts;
mod gradient;
mod kernels;
mod nan;
mod operators;
mod options;
mod plan;
mod savgol;
mod stencil;
mod taps;
mod weights;

#[doc(hidden)]
pub use alloc::advise_huge_pages;
pub use dtype::{ByteOrder, DType, UnsupportedDType};
pub use element::Element;
pub use error::{Error, NumpyErrorClass};
pub use gradient::{gradient, gradient_into};
pub use nan::find_nan;
pub use operators::{
    Curl, MagnitudeOf, OutputValue, curl, curl_into, divergence, divergence_into, laplacian,
    laplacian_into, magnitude, magnitude_into,
};
pub use options::{
    Axes, AxisSpacing, Boundaries, Boundary, Coordinates, DEFAULT_TASK_SIZE, EdgeOrder,
    GradientOptions, MAX_THREADS, NanPolicy, Parallelism, Precision, Scalar, Scheme, Side, Spacing,
};
pub use plan::Plan;

pub use half::f16;
pub use num_complex::Complex;
