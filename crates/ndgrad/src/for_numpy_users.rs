//! # ndgrad for `np.gradient` users
//!
//! Every call form of `numpy.gradient(f, *varargs, axis=None, edge_order=1)` and its
//! ndgrad equivalent. `f` is an `ndarray` view; the result is a `Vec` with one array per
//! differentiated axis (NumPy returns a bare array when there is one axis).
//!
//! | NumPy | ndgrad |
//! |---|---|
//! | `np.gradient(f)` | `gradient(f.view(), &GradientOptions::new())` |
//! | `np.gradient(f, 0.5)` | `GradientOptions::new().spacing(0.5)` |
//! | `np.gradient(f, np.float32(0.5))` | `.spacing(Scalar::F32(0.5))` |
//! | `np.gradient(f, 0.5, 2.0)` | `.spacings([AxisSpacing::from(0.5), AxisSpacing::from(2.0)])` |
//! | `np.gradient(f, x)` (1-D coordinates) | `.spacings([AxisSpacing::from(x_vec)])` |
//! | `np.gradient(f, x, 2.0)` | `.spacings([AxisSpacing::from(x_vec), AxisSpacing::from(2.0)])` |
//! | `np.gradient(f, *varargs)` (any of the above) | `.with_spacing(Spacing::from_varargs(args))` |
//! | `axis=1` | `.axis(1)` |
//! | `axis=(2, -1)` | `.axes([2, -1])` |
//! | `edge_order=2` | `.edge_order(EdgeOrder::Second)` |
//! | `out=` (ndgrad's Python extension) | [`gradient_into`](crate::gradient_into) |
//! | `workers=` (ndgrad's Python extension) | `.threads(n)` or `.parallelism(Parallelism::Serial)` |
//!
//! ## Types
//! - `float64`, `float32`, `float16`, `complex64`, `complex128` data keep their type.
//! - Integer data (`i8..i64`, `u8..u64`) give `f64` gradients with no wrap-around.
//! - A plain `f64` spacing behaves like a Python float: `f32` data stays in `f32`
//!   arithmetic. [`Scalar::F64`](crate::Scalar::F64) behaves like `np.float64`, and `f64`
//!   coordinates like a `float64` array: `f32` data are then computed in `f64` and rounded
//!   to `f32` on store, exactly as NumPy does.
//! - Integer coordinates are converted to `f64` first, as NumPy does.
//!
//! ## Errors
//! [`Error`](crate::Error) kinds carry NumPy's messages, and
//! [`Error::numpy_class`](crate::Error::numpy_class) names the exception NumPy raises:
//!
//! | NumPy raises | ndgrad returns |
//! |---|---|
//! | `AxisError: axis 2 is out of bounds for array of dimension 2` | `Error::AxisOutOfBounds` |
//! | `ValueError: repeated axis` | `Error::RepeatedAxis` |
//! | `TypeError: invalid number of arguments` | `Error::InvalidNumberOfArguments` |
//! | `ValueError: distances must be either scalars or 1d` | `Error::SpacingNotScalarOr1d` |
//! | `ValueError: when 1d, distances must match ...` | `Error::CoordinatesLengthMismatch` |
//! | `ValueError: 'edge_order' greater than 2 not supported` | `Error::EdgeOrderTooLarge` (from `EdgeOrder::try_from`) |
//! | `ValueError: Shape of array too small ...` | `Error::ArrayTooSmall` |
//!
//! ## Beyond NumPy
//! The Python package's extension keywords and their Rust forms:
//!
//! | `ndgrad.gradient(...)` | ndgrad (Rust) |
//! |---|---|
//! | `accuracy=4` | `.accuracy(4)` |
//! | `deriv=2` | `.deriv(2)` |
//! | `boundary="periodic"` | `.boundary(Boundary::Periodic { period: None })` |
//! | `boundary="periodic", period=360.0` | `.period(360.0)` |
//! | `boundary="reflect"` | `.boundary(Boundary::Reflect)` |
//! | `boundary="constant", constant_values=1.5` | `.boundary(Boundary::Constant(1.5))` |
//! | `boundary=("reflect", "one-sided")` | `.boundary(Boundary::Sides(Side::Reflect, Side::OneSided))` |
//! | `boundary=("periodic", "one-sided")` (per axis) | `.boundaries([Boundary::Periodic { period: None }, Boundary::OneSided])` |
//!
//! - [`Plan`](crate::Plan): validate once, reuse for many arrays of one shape.
//! - [`Plan::compute_block`](crate::Plan::compute_block): compute any slab of an axis from
//!   a block with its halo, bit-identical to the whole-array result (for out-of-core and
//!   distributed work).
//!
//! ```
//! use ndarray::array;
//! use ndgrad::{gradient, AxisSpacing, Boundary, GradientOptions};
//!
//! // ndgrad.gradient([1, 2, 4, 7, 11, 16], boundary="periodic")
//! let f = array![1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
//! let periodic = GradientOptions::new().boundary(Boundary::Periodic { period: None });
//! assert_eq!(gradient(f.view(), &periodic)?[0], array![-7.0, 1.5, 2.5, 3.5, 4.5, -5.0]);
//! // ndgrad.gradient(f, deriv=2): the second derivative of a quadratic
//! assert_eq!(gradient(f.view(), &GradientOptions::new().deriv(2))?[0].to_vec(), vec![1.0; 6]);
//!
//! // np.gradient([1, 4, 9, 16], [0, 1, 3, 6])  ->  [3., 2.8333.., 2.4333.., 2.3333..]
//! let f = array![1.0, 4.0, 9.0, 16.0];
//! let opts = GradientOptions::new().spacings([AxisSpacing::from(vec![0i64, 1, 3, 6])]);
//! let g = gradient(f.view(), &opts)?;
//! assert_eq!(g[0].to_vec(), vec![3.0, 2.8333333333333335, 2.4333333333333336, 2.3333333333333335]);
//! # Ok::<(), ndgrad::Error>(())
//! ```
