//! Error kinds. Each `Display` text is NumPy's own message for the same mistake, so the
//! Python package can raise exactly what `numpy.gradient` raises.

use std::fmt;

/// Everything that can go wrong before a gradient is computed.
///
/// Validation happens in NumPy's order (axes, then spacing, then edge order, then array
/// length per axis), so the first error reported is the one NumPy would raise.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An axis is outside `-ndim..ndim` (NumPy: `numpy.exceptions.AxisError`).
    AxisOutOfBounds { axis: isize, ndim: usize },
    /// The same axis was named twice, possibly once negative (NumPy: `ValueError`).
    RepeatedAxis,
    /// Spacing given neither as none, one scalar, nor one value per axis (NumPy: `TypeError`).
    InvalidNumberOfArguments { given: usize, axes: usize },
    /// A coordinate array with two or more dimensions (NumPy: `ValueError`).
    SpacingNotScalarOr1d { position: usize },
    /// A coordinate array whose length differs from its axis (NumPy: `ValueError`).
    CoordinatesLengthMismatch {
        position: usize,
        axis: usize,
        expected: usize,
        found: usize,
    },
    /// Coordinates of length 1 have no difference to look at; NumPy fails with
    /// `IndexError` on `diffx[0]` before it gets to check the array length.
    CoordinatesTooShort { position: usize },
    /// NumPy accepts `edge_order` 1 or 2 only (NumPy: `ValueError`).
    EdgeOrderTooLarge { edge_order: i64 },
    /// The axis has fewer than `edge_order + 1` samples (NumPy: `ValueError`).
    ArrayTooSmall {
        axis: usize,
        len: usize,
        required: usize,
    },
    /// An order of accuracy other than 2, 4, 6 or 8.
    InvalidAccuracy { accuracy: u8 },
    /// A derivative order other than 1 to 4.
    InvalidDeriv { deriv: u8 },
    /// The axis has fewer samples than the stencil of this derivative and accuracy needs.
    AxisTooShort {
        axis: usize,
        len: usize,
        deriv: u8,
        accuracy: u8,
        required: usize,
    },
    /// Boundary modes given neither as one for all axes nor as one per axis.
    BoundaryCount { given: usize, axes: usize },
    /// A Savitzky–Golay window that is even, not longer than the polynomial order, or beyond
    /// the supported sizes (a window of 25 samples, a polynomial of order 12).
    InvalidWindow {
        window_length: usize,
        polyorder: usize,
    },
    /// A Savitzky–Golay polynomial of lower order than the derivative (its derivative is 0).
    PolyorderBelowDeriv { polyorder: usize, deriv: u8 },
    /// The axis has fewer samples than the Savitzky–Golay window.
    AxisShorterThanWindow {
        axis: usize,
        len: usize,
        window_length: usize,
    },
    /// A periodic axis with uneven coordinates needs its period.
    PeriodRequired { axis: usize },
    /// A period not longer than the span of the coordinates (or not a positive number).
    PeriodTooShort { axis: usize, period: f64, span: f64 },
    /// A constant boundary value the data's integer type cannot hold.
    ConstantNotHeld {
        axis: usize,
        value: f64,
        dtype: &'static str,
    },
    /// A period that disagrees with an evenly spaced axis (`n * h`).
    PeriodMismatch {
        axis: usize,
        spacing: f64,
        len: usize,
        period: f64,
    },
    /// A vector-calculus operator got the wrong number of axes or components.
    OperatorAxes {
        operator: &'static str,
        axes: usize,
        /// The components given (0 for the operators of one array).
        components: usize,
        expected: &'static str,
    },
    /// The components of a vector field differ in shape.
    ComponentShape {
        index: usize,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// An output passed to [`gradient_into`](crate::gradient_into) has the wrong shape or count.
    OutputShape {
        index: usize,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// Wrong number of outputs passed to [`gradient_into`](crate::gradient_into).
    OutputCount { expected: usize, found: usize },
    /// A block handed to [`Plan::compute_block`](crate::Plan::compute_block) does not cover the
    /// samples (the halo) its output range needs.
    BlockMissingHalo {
        needed: std::ops::Range<usize>,
        given: std::ops::Range<usize>,
    },
    /// An array handed to a [`Plan`](crate::Plan) does not have the shape it was planned for.
    PlanShape {
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// [`Plan::compute_block`](crate::Plan::compute_block) was asked for an output the plan
    /// does not have.
    NoSuchOutput { index: usize, outputs: usize },
    /// A block or its output has another number of dimensions than the planned array.
    BlockDimensions { expected: usize, found: usize },
    /// A block and its output differ in length along an axis that is not differentiated.
    BlockOutputMismatch {
        axis: usize,
        block: usize,
        output: usize,
    },
    /// A block's output range reaches past the end of the differentiated axis.
    OutputPastEnd {
        range: std::ops::Range<usize>,
        len: usize,
    },
    /// A NaN sample under [`NanPolicy::Raise`](crate::NanPolicy::Raise): its index (the
    /// first in C order) and the first differentiated axis.
    NanFound { index: Vec<usize>, axis: usize },
    /// A block that does not hold the whole axis, under a NaN policy whose results depend
    /// on the whole lane ([`Plan::compute_block`](crate::Plan::compute_block)).
    NanPolicyNeedsWholeAxis {
        axis: usize,
        given: std::ops::Range<usize>,
        len: usize,
    },
    /// A thread pool could not be started for [`Parallelism::Threads`](crate::Parallelism).
    ThreadPool { threads: usize, detail: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AxisOutOfBounds { axis, ndim } => {
                write!(
                    f,
                    "axis {axis} is out of bounds for array of dimension {ndim}"
                )
            }
            Error::RepeatedAxis => f.write_str("repeated axis"),
            Error::InvalidNumberOfArguments { .. } => f.write_str("invalid number of arguments"),
            Error::SpacingNotScalarOr1d { .. } => {
                f.write_str("distances must be either scalars or 1d")
            }
            Error::CoordinatesLengthMismatch { .. } => f.write_str(
                "when 1d, distances must match the length of the corresponding dimension",
            ),
            Error::CoordinatesTooShort { .. } => {
                f.write_str("index 0 is out of bounds for axis 0 with size 0")
            }
            Error::EdgeOrderTooLarge { .. } => {
                f.write_str("'edge_order' greater than 2 not supported")
            }
            Error::ArrayTooSmall { .. } => f.write_str(
                "Shape of array too small to calculate a numerical gradient, \
                 at least (edge_order + 1) elements are required.",
            ),
            Error::InvalidAccuracy { accuracy } => {
                write!(f, "accuracy={accuracy} is not supported; use 2, 4, 6 or 8")
            }
            Error::InvalidDeriv { deriv } => {
                write!(f, "deriv={deriv} is not supported; use 1 to 4")
            }
            Error::AxisTooShort {
                axis,
                len,
                deriv,
                accuracy,
                required,
            } => write!(
                f,
                "axis {axis} has {len} samples; deriv={deriv} with accuracy={accuracy} needs at \
                 least {required}"
            ),
            Error::InvalidWindow {
                window_length,
                polyorder,
            } if window_length % 2 == 0 || window_length <= polyorder => write!(
                f,
                "window_length={window_length} must be odd and greater than \
                 polyorder={polyorder}"
            ),
            Error::InvalidWindow {
                window_length,
                polyorder,
            } => write!(
                f,
                "window_length={window_length} with polyorder={polyorder} is not supported; \
                 use window_length up to {} and polyorder up to {}",
                crate::savgol::MAX_WINDOW,
                crate::savgol::MAX_POLYORDER
            ),
            Error::PolyorderBelowDeriv { polyorder, deriv } => write!(
                f,
                "polyorder={polyorder} is below deriv={deriv}; use a polyorder of at least \
                 {deriv}"
            ),
            Error::AxisShorterThanWindow {
                axis,
                len,
                window_length,
            } => write!(
                f,
                "axis {axis} has {len} samples; window_length={window_length} needs at least \
                 {window_length}"
            ),
            Error::BoundaryCount { given, axes } => write!(
                f,
                "{given} boundary modes for {axes} differentiated axes; give one for all axes \
                 or one per axis"
            ),
            Error::PeriodRequired { axis } => write!(
                f,
                "axis {axis} is periodic with uneven coordinates; pass period="
            ),
            Error::PeriodTooShort { axis, period, span } if *span < 0.0 => write!(
                f,
                "period={period:?} on axis {axis} must exceed x[0] - x[-1] = {:?}",
                -span
            ),
            Error::PeriodTooShort { axis, period, span } => write!(
                f,
                "period={period:?} on axis {axis} must exceed x[-1] - x[0] = {span:?}"
            ),
            Error::ConstantNotHeld { axis, value, dtype } => write!(
                f,
                "constant_values={value:?} on axis {axis} cannot be held by {dtype} data: \
                 the ghost samples are stored in the data's dtype, as np.pad stores them; \
                 give a whole number within {dtype}'s range, or convert f to float first"
            ),
            Error::PeriodMismatch {
                axis,
                spacing,
                len,
                period,
            } => write!(
                f,
                "axis {axis} (spacing {spacing:?}, {len} samples) has period {:?}, not \
                 {period:?}; leave period out or make it n * |spacing|",
                (*len as f64 * spacing).abs()
            ),
            Error::OperatorAxes {
                operator,
                axes,
                components,
                expected,
            } => {
                let given = match components {
                    0 => String::new(),
                    1 => " for 1 component".to_string(),
                    n => format!(" for {n} components"),
                };
                write!(
                    f,
                    "{operator} differentiates {axes} axes here{given} but needs {expected}; \
                     pass as many components as axes (axis= selects them)"
                )
            }
            Error::ComponentShape {
                index,
                expected,
                found,
            } => write!(
                f,
                "component {index} has shape {found:?} but component 0 has {expected:?}; the \
                 components of a field share one shape"
            ),
            Error::OutputShape {
                index,
                expected,
                found,
            } => write!(
                f,
                "output {index} has shape {found:?} but the gradient has shape {expected:?}; \
                 pass outputs shaped like the input"
            ),
            Error::OutputCount { expected, found } => write!(
                f,
                "{found} outputs were given but {expected} axes are differentiated; \
                 pass one output per axis"
            ),
            Error::BlockMissingHalo { needed, given } => write!(
                f,
                "the block covers samples {given:?} along the axis but its output needs \
                 {needed:?}; widen the block by the halo (Plan::halo)"
            ),
            Error::PlanShape { expected, found } => write!(
                f,
                "the array has shape {found:?} but the plan was made for {expected:?}; \
                 make a plan for this shape"
            ),
            Error::NoSuchOutput { index, outputs } => write!(
                f,
                "output {index} does not exist: the plan has {outputs}; pass an index below {outputs}"
            ),
            Error::BlockDimensions { expected, found } => write!(
                f,
                "a block or its output has {found} dimension(s) but the planned array has \
                 {expected}; pass slabs of the planned array"
            ),
            Error::BlockOutputMismatch {
                axis,
                block,
                output,
            } => write!(
                f,
                "block and output differ along axis {axis} ({block} vs {output}); \
                 they must cover the same samples of every axis but the differentiated one"
            ),
            Error::OutputPastEnd { range, len } => write!(
                f,
                "output samples {range:?} reach past the axis length {len}; \
                 shorten the output or start it earlier"
            ),
            Error::NanFound { index, axis } => {
                let index: Vec<String> = index.iter().map(|i| i.to_string()).collect();
                let index = match index.len() {
                    1 => format!("({},)", index[0]),
                    _ => format!("({})", index.join(", ")),
                };
                write!(
                    f,
                    "NaN at index {index} along axis {axis}; use nan_policy='omit' or 'split'"
                )
            }
            Error::NanPolicyNeedsWholeAxis { axis, given, len } => write!(
                f,
                "this NaN policy needs whole lanes: the block holds samples {given:?} of axis \
                 {axis}, which has {len}; give blocks the whole axis"
            ),
            Error::ThreadPool { threads, detail } => write!(
                f,
                "could not start a pool of {threads} threads ({detail}); \
                 ask for fewer threads or run serially"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The exception class NumPy raises for an error, for bindings that must raise the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumpyErrorClass {
    /// `numpy.exceptions.AxisError` (a subclass of both `ValueError` and `IndexError`).
    AxisError,
    ValueError,
    TypeError,
    IndexError,
    /// Errors of ndgrad's own extensions (outputs, blocks, threads): not raised by NumPy.
    Other,
}

impl Error {
    /// The exception class `numpy.gradient` raises for the same mistake.
    pub fn numpy_class(&self) -> NumpyErrorClass {
        match self {
            Error::AxisOutOfBounds { .. } => NumpyErrorClass::AxisError,
            Error::RepeatedAxis
            | Error::SpacingNotScalarOr1d { .. }
            | Error::CoordinatesLengthMismatch { .. }
            | Error::EdgeOrderTooLarge { .. }
            | Error::ArrayTooSmall { .. } => NumpyErrorClass::ValueError,
            Error::InvalidNumberOfArguments { .. } => NumpyErrorClass::TypeError,
            Error::CoordinatesTooShort { .. } => NumpyErrorClass::IndexError,
            Error::InvalidAccuracy { .. }
            | Error::InvalidDeriv { .. }
            | Error::AxisTooShort { .. }
            | Error::BoundaryCount { .. }
            | Error::InvalidWindow { .. }
            | Error::PolyorderBelowDeriv { .. }
            | Error::AxisShorterThanWindow { .. }
            | Error::PeriodRequired { .. }
            | Error::PeriodTooShort { .. }
            | Error::PeriodMismatch { .. }
            | Error::ConstantNotHeld { .. }
            | Error::OperatorAxes { .. }
            | Error::ComponentShape { .. }
            | Error::NanFound { .. } => NumpyErrorClass::ValueError,
            Error::OutputShape { .. }
            | Error::OutputCount { .. }
            | Error::BlockMissingHalo { .. }
            | Error::PlanShape { .. }
            | Error::NoSuchOutput { .. }
            | Error::BlockDimensions { .. }
            | Error::BlockOutputMismatch { .. }
            | Error::OutputPastEnd { .. }
            | Error::NanPolicyNeedsWholeAxis { .. }
            | Error::ThreadPool { .. } => NumpyErrorClass::Other,
        }
    }
}
