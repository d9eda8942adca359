//! What a caller may ask for: axes, spacing, edge order, parallelism.
//!
//! The types mirror `numpy.gradient(f, *varargs, axis=None, edge_order=1)` one to one; see
//! [`crate::for_numpy_users`] for the mapping.

use half::f16;
use ndarray::{Array1, ArrayD, IxDyn};
use std::num::NonZeroUsize;

/// Which axes to differentiate (NumPy's `axis=`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Axes {
    /// Every axis, in order (`axis=None`).
    #[default]
    All,
    /// These axes, in this order; negative numbers count from the end (`axis=1`,
    /// `axis=(2, -1)`). The gradients are returned in the same order.
    List(Vec<isize>),
}

/// The precision in which spacing arithmetic runs, and how it promotes with the data.
///
/// NumPy (NEP 50) treats a Python `float` as "weak": it adopts the data's precision, so
/// `float32` data with spacing `0.5` computes in `float32`. A NumPy scalar or array is
/// "strong": `np.float64(0.5)` makes `float32` data compute in `float64` (rounded on store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// A Python `float` or `int`: arithmetic on the spacing itself runs in `f64`, arithmetic
    /// with the data in the data's own precision.
    Weak,
    F16,
    F32,
    F64,
}

/// A uniform sample distance (`h` in `(f[i+1] - f[i-1]) / (2 h)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    /// Like a Python `float` (or `int`): adopts the data's precision. What `f64` converts to.
    Float(f64),
    /// Like `np.float64(h)` or a 0-d `float64` array.
    F64(f64),
    /// Like `np.float32(h)`.
    F32(f32),
    /// Like `np.float16(h)`.
    F16(f16),
}

impl Scalar {
    pub(crate) fn precision(self) -> Precision {
        match self {
            Scalar::Float(_) => Precision::Weak,
            Scalar::F64(_) => Precision::F64,
            Scalar::F32(_) => Precision::F32,
            Scalar::F16(_) => Precision::F16,
        }
    }
}

impl From<f64> for Scalar {
    fn from(h: f64) -> Self {
        Scalar::Float(h)
    }
}

/// Sample coordinates along one axis, in the dtype they were given in.
///
/// Integer coordinates are converted to `f64` first, as NumPy does before `np.diff`, so their
/// differences cannot wrap around. An array of any dimensionality may be stored; the plan
/// rejects anything but 0-d (a strong scalar) and 1-D with NumPy's errors.
#[derive(Debug, Clone, PartialEq)]
pub enum Coordinates {
    F64(ArrayD<f64>),
    F32(ArrayD<f32>),
    F16(ArrayD<f16>),
}

impl Coordinates {
    pub(crate) fn ndim(&self) -> usize {
        match self {
            Coordinates::F64(a) => a.ndim(),
            Coordinates::F32(a) => a.ndim(),
            Coordinates::F16(a) => a.ndim(),
        }
    }
    pub(crate) fn len(&self) -> usize {
        match self {
            Coordinates::F64(a) => a.len(),
            Coordinates::F32(a) => a.len(),
            Coordinates::F16(a) => a.len(),
        }
    }
}

macro_rules! coordinates_from {
    ($variant:ident, $t:ty) => {
        impl From<Vec<$t>> for Coordinates {
            fn from(v: Vec<$t>) -> Self {
                Coordinates::$variant(Array1::from(v).into_dyn())
            }
        }
        impl From<&[$t]> for Coordinates {
            fn from(v: &[$t]) -> Self {
                Coordinates::$variant(Array1::from(v.to_vec()).into_dyn())
            }
        }
        impl From<Array1<$t>> for Coordinates {
            fn from(v: Array1<$t>) -> Self {
                Coordinates::$variant(v.into_dyn())
            }
        }
        impl From<ArrayD<$t>> for Coordinates {
            fn from(v: ArrayD<$t>) -> Self {
                Coordinates::$variant(v)
            }
        }
    };
}
coordinates_from!(F64, f64);
coordinates_from!(F32, f32);
coordinates_from!(F16, f16);

macro_rules! coordinates_from_integers {
    ($($t:ty),*) => {$(
        impl From<Vec<$t>> for Coordinates {
            fn from(v: Vec<$t>) -> Self {
                Coordinates::F64(ArrayD::from_shape_vec(IxDyn(&[v.len()]),
                    v.into_iter().map(|x| x as f64).collect()).expect("1-D shape matches"))
            }
        }
        impl From<&[$t]> for Coordinates {
            fn from(v: &[$t]) -> Self {
                Coordinates::from(v.to_vec())
            }
        }
    )*};
}
coordinates_from_integers!(i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);

/// The spacing of one axis: a uniform distance or the sample coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisSpacing {
    Uniform(Scalar),
    Coordinates(Coordinates),
}

impl AxisSpacing {
    /// NumPy's `np.ndim(varargs[0]) == 0`: a scalar or a 0-d array.
    pub(crate) fn is_scalar(&self) -> bool {
        match self {
            AxisSpacing::Uniform(_) => true,
            AxisSpacing::Coordinates(c) => c.ndim() == 0,
        }
    }
}

impl From<f64> for AxisSpacing {
    fn from(h: f64) -> Self {
        AxisSpacing::Uniform(Scalar::Float(h))
    }
}
impl From<Scalar> for AxisSpacing {
    fn from(h: Scalar) -> Self {
        AxisSpacing::Uniform(h)
    }
}
impl<T> From<Vec<T>> for AxisSpacing
where
    Coordinates: From<Vec<T>>,
{
    fn from(v: Vec<T>) -> Self {
        AxisSpacing::Coordinates(Coordinates::from(v))
    }
}
impl From<Coordinates> for AxisSpacing {
    fn from(c: Coordinates) -> Self {
        AxisSpacing::Coordinates(c)
    }
}

/// NumPy's `*varargs`: no spacing, one scalar for every axis, or one spacing per axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Spacing {
    /// No spacing given: 1.0 (a Python float) on every axis.
    #[default]
    Unit,
    /// One scalar for every differentiated axis (a single scalar argument).
    Same(Scalar),
    /// One spacing per differentiated axis, in the order of the axes.
    PerAxis(Vec<AxisSpacing>),
}

impl Spacing {
    /// Interpret a list of spacing arguments exactly as NumPy interprets `*varargs`: none is
    /// [`Spacing::Unit`]; a single scalar (or 0-d array) is used for every axis; anything else
    /// must give one spacing per axis.
    pub fn from_varargs(args: Vec<AxisSpacing>) -> Spacing {
        if args.is_empty() {
            return Spacing::Unit;
        }
        if args.len() == 1 && args[0].is_scalar() {
            if let AxisSpacing::Uniform(s) = args[0] {
                return Spacing::Same(s);
            }
        }
        Spacing::PerAxis(args)
    }
}

/// Accuracy of the one-sided differences at the two ends of each axis (NumPy's `edge_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EdgeOrder {
    /// First-order differences; needs at least 2 samples per axis.
    #[default]
    First,
    /// Second-order differences; needs at least 3 samples per axis.
    Second,
}

impl EdgeOrder {
    /// Samples an axis needs: `edge_order + 1`.
    pub fn min_len(self) -> usize {
        match self {
            EdgeOrder::First => 2,
            EdgeOrder::Second => 3,
        }
    }
}

impl TryFrom<i64> for EdgeOrder {
    type Error = crate::Error;
    /// NumPy's rule: above 2 is an error, 1 is first order, anything else behaves as 2.
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        match v {
            v if v > 2 => Err(crate::Error::EdgeOrderTooLarge { edge_order: v }),
            1 => Ok(EdgeOrder::First),
            _ => Ok(EdgeOrder::Second),
        }
    }
}

/// How many threads may work on one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parallelism {
    /// The rayon pool the caller runs in (the global one unless the caller `install`ed
    /// another). Small arrays stay on the calling thread.
    #[default]
    Auto,
    /// Only the calling thread.
    Serial,
    /// A private pool of this many threads, started once per count and kept for reuse;
    /// the global rayon pool is left alone.
    Threads(NonZeroUsize),
}

/// Options of a gradient call. Built with chained setters, so new options can be added
/// without breaking callers:
///
/// ```
/// use ndgrad::{GradientOptions, EdgeOrder};
/// let opts = GradientOptions::new().axis(-1).spacing(0.5).edge_order(EdgeOrder::Second);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GradientOptions {
    pub axes: Axes,
    pub spacing: Spacing,
    pub edge_order: EdgeOrder,
    pub parallelism: Parallelism,
    /// Smallest number of output elements worth a task of its own (see
    /// [`GradientOptions::task_size`]).
    pub task_size: usize,
}

impl Default for GradientOptions {
    fn default() -> Self {
        GradientOptions {
            axes: Axes::All,
            spacing: Spacing::Unit,
            edge_order: EdgeOrder::First,
            parallelism: Parallelism::Auto,
            task_size: DEFAULT_TASK_SIZE,
        }
    }
}

/// Default [`GradientOptions::task_size`]: 32768 elements (256 KB of `f64` output), far
/// above a thread pool's per-task cost and small enough to balance many cores.
pub const DEFAULT_TASK_SIZE: usize = 1 << 15;

impl GradientOptions {
    /// All axes, unit spacing, first-order edges, automatic parallelism: `np.gradient(f)`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Differentiate along one axis only (`axis=a`); the result holds one array.
    pub fn axis(mut self, axis: isize) -> Self {
        self.axes = Axes::List(vec![axis]);
        self
    }

    /// Differentiate along these axes, in this order (`axis=(..)`).
    pub fn axes(mut self, axes: impl IntoIterator<Item = isize>) -> Self {
        self.axes = Axes::List(axes.into_iter().collect());
        self
    }

    /// One uniform spacing for every axis (`np.gradient(f, h)`), like a Python float.
    pub fn spacing(mut self, h: impl Into<Scalar>) -> Self {
        self.spacing = Spacing::Same(h.into());
        self
    }

    /// One spacing per differentiated axis (`np.gradient(f, hx, y_coords)`).
    pub fn spacings(mut self, per_axis: impl IntoIterator<Item = AxisSpacing>) -> Self {
        self.spacing = Spacing::PerAxis(per_axis.into_iter().collect());
        self
    }

    /// Any [`Spacing`] form.
    pub fn with_spacing(mut self, spacing: Spacing) -> Self {
        self.spacing = spacing;
        self
    }

    pub fn edge_order(mut self, edge_order: EdgeOrder) -> Self {
        self.edge_order = edge_order;
        self
    }

    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// Smallest number of output elements a task may have (default
    /// [`DEFAULT_TASK_SIZE`]).
    /// Arrays with fewer than twice this many elements per axis run on the calling thread.
    /// Results never depend on it; it only trades scheduling overhead for balance.
    pub fn task_size(mut self, elements: usize) -> Self {
        self.task_size = elements.max(1);
        self
    }

    /// Shorthand for [`Parallelism::Threads`] (`0` or `1` means serial).
    pub fn threads(self, n: usize) -> Self {
        match NonZeroUsize::new(n) {
            Some(n) if n.get() > 1 => self.parallelism(Parallelism::Threads(n)),
            _ => self.parallelism(Parallelism::Serial),
        }
    }
}
