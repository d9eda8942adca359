//! What a caller may ask for: axes, spacing, edge order or accuracy, derivative order,
//! boundary modes, parallelism.
//!
//! With no extension set, the types mirror `numpy.gradient(f, *varargs, axis=None,
//! edge_order=1)` one to one; see [`crate::for_numpy_users`] for the mapping.

use half::f16;
use ndarray::{Array1, ArrayD, IxDyn};
use std::num::NonZeroUsize;

use crate::element::Real;

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
    /// The distance as `f64` (exact for every precision).
    pub(crate) fn value(self) -> f64 {
        match self {
            Scalar::Float(h) | Scalar::F64(h) => h,
            Scalar::F32(h) => h as f64,
            Scalar::F16(h) => h.to_f64(),
        }
    }

    /// `(h * h) * h ...` (`k` factors), computed in the spacing's own precision.
    pub(crate) fn power(self, k: usize) -> f64 {
        fn power<K: Real>(h: K, k: usize) -> f64 {
            (1..k).fold(h, |acc, _| acc * h).to_f64()
        }
        match self {
            Scalar::Float(h) | Scalar::F64(h) => power(h, k),
            Scalar::F32(h) => power(h, k),
            Scalar::F16(h) => power(h, k),
        }
    }

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
    pub(crate) fn precision(&self) -> Precision {
        match self {
            Coordinates::F64(_) => Precision::F64,
            Coordinates::F32(_) => Precision::F32,
            Coordinates::F16(_) => Precision::F16,
        }
    }

    /// First and last coordinate, and the distance of the samples if they are evenly spaced
    /// (every difference equal in the coordinates' precision, NumPy's test). 1-D, 2+ samples.
    pub(crate) fn span_and_uniformity(&self) -> (f64, f64, Option<Scalar>) {
        fn of<K: Real>(x: &[K]) -> (f64, f64, Option<K>) {
            let h = x[1] - x[0];
            let even = x.windows(2).all(|w| w[1] - w[0] == h);
            (x[0].to_f64(), x[x.len() - 1].to_f64(), even.then_some(h))
        }
        match self {
            Coordinates::F64(a) => {
                let (f, l, h) = of(&a.iter().copied().collect::<Vec<_>>());
                (f, l, h.map(Scalar::F64))
            }
            Coordinates::F32(a) => {
                let (f, l, h) = of(&a.iter().copied().collect::<Vec<_>>());
                (f, l, h.map(Scalar::F32))
            }
            Coordinates::F16(a) => {
                let (f, l, h) = of(&a.iter().copied().collect::<Vec<_>>());
                (f, l, h.map(Scalar::F16))
            }
        }
    }

    /// Whether the periodic seams `x[0] - (x[n-1] - P)` and `(x[0] + P) - x[n-1]` equal the
    /// (even) spacing, in the coordinates' precision.
    pub(crate) fn seam_is_even(&self, period: f64) -> bool {
        fn of<K: Real>(x: &[K], p: K) -> bool {
            let (h, n) = (x[1] - x[0], x.len());
            x[0] - (x[n - 1] - p) == h && (x[0] + p) - x[n - 1] == h
        }
        match self {
            Coordinates::F64(a) => of(&a.iter().copied().collect::<Vec<_>>(), period),
            Coordinates::F32(a) => of(&a.iter().copied().collect::<Vec<_>>(), period as f32),
            Coordinates::F16(a) => of(
                &a.iter().copied().collect::<Vec<_>>(),
                f16::from_f64(period),
            ),
        }
    }

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
        if args.len() == 1
            && args[0].is_scalar()
            && let AxisSpacing::Uniform(s) = args[0]
        {
            return Spacing::Same(s);
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

/// How the derivative is approximated: NumPy's formulas, a chosen order of accuracy, or a
/// Savitzky–Golay fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// NumPy's second-order central differences with one-sided ends of this order. With a
    /// derivative order above 1 or a boundary mode other than one-sided it runs as
    /// `Accuracy(2)`.
    NumPy(EdgeOrder),
    /// Finite differences exact for polynomials of degree `deriv + p - 1`, error `O(h^p)`,
    /// `p` in 2, 4, 6, 8, at every point (the ends use the `deriv + p` nearest samples).
    /// `Accuracy(2)` with `deriv` 1 is NumPy's `edge_order=2`, bit for bit.
    Accuracy(u8),
    /// Savitzky–Golay: the derivative at each point of the least-squares polynomial of
    /// degree `polyorder` through `window_length` samples (centred; near an end the
    /// `window_length` samples nearest that end, SciPy's `mode="interp"`). The window is
    /// odd, longer than the polynomial order and at most 25 samples; the order is at least
    /// `deriv` and at most 12. With `deriv` 1, `SavitzkyGolay { window_length: p + 1,
    /// polyorder: p }` is `Accuracy(p)`, bit for bit, on evenly spaced axes.
    SavitzkyGolay {
        window_length: usize,
        polyorder: usize,
    },
}

impl Default for Scheme {
    fn default() -> Self {
        Scheme::NumPy(EdgeOrder::First)
    }
}

/// What one end of a non-periodic axis assumes beyond its last sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Side {
    /// No samples beyond the end: one-sided differences (NumPy's behaviour).
    OneSided,
    /// Mirrored samples, `f[-j] = f[j]` (`np.pad` mode `"reflect"`).
    Reflect,
    /// This value beyond the end (`np.pad` mode `"constant"`).
    Constant(f64),
}

/// What an axis assumes beyond its ends.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Boundary {
    /// One-sided differences at both ends (NumPy's behaviour).
    #[default]
    OneSided,
    /// The samples repeat with this period: `f(x + period) = f(x)`. The period may be left
    /// out on evenly spaced axes (it is then `n * h`); uneven coordinates need it.
    Periodic { period: Option<f64> },
    /// Mirrored samples at both ends (`np.pad` mode `"reflect"`).
    Reflect,
    /// A constant beyond both ends (`np.pad` mode `"constant"`).
    Constant(f64),
    /// A different assumption at each end: (left, right).
    Sides(Side, Side),
}

impl Boundary {
    /// The (left, right) sides of a non-periodic boundary; `None` for periodic.
    pub(crate) fn sides(self) -> Option<(Side, Side)> {
        match self {
            Boundary::OneSided => Some((Side::OneSided, Side::OneSided)),
            Boundary::Periodic { .. } => None,
            Boundary::Reflect => Some((Side::Reflect, Side::Reflect)),
            Boundary::Constant(v) => Some((Side::Constant(v), Side::Constant(v))),
            Boundary::Sides(l, r) => Some((l, r)),
        }
    }

    pub(crate) fn is_one_sided(self) -> bool {
        self.sides() == Some((Side::OneSided, Side::OneSided))
    }
}

/// Boundary modes of the differentiated axes: one for all, or one per axis (in the order of
/// the axes, like spacing).
#[derive(Debug, Clone, PartialEq)]
pub enum Boundaries {
    Same(Boundary),
    PerAxis(Vec<Boundary>),
}

impl Default for Boundaries {
    fn default() -> Self {
        Boundaries::Same(Boundary::OneSided)
    }
}

/// What a NaN sample means (complex: NaN in either part). Infinities always propagate.
///
/// ```
/// use ndarray::array;
/// use ndgrad::{gradient, GradientOptions, NanPolicy};
///
/// let f = array![0.0, 1.0, f64::NAN, f64::NAN, f64::NAN, 25.0, 36.0, 49.0]; // i²
/// let omit = GradientOptions::new().nan_policy(NanPolicy::Omit);
/// let g = gradient(f.view(), &omit)?.remove(0);
/// // Exact across the gap: 2i at every valid sample but the ends.
/// assert_eq!(g[1], 2.0);
/// assert_eq!(g[5], 10.0);
/// assert!(g[3].is_nan());
/// let split = GradientOptions::new().nan_policy(NanPolicy::Split);
/// assert_eq!(gradient(f.view(), &split)?[0][5], 11.0); // one-sided at the cut
/// # Ok::<(), ndgrad::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanPolicy {
    /// NumPy's behaviour: a NaN spoils the derivatives that read it.
    #[default]
    Propagate,
    /// NaN samples are missing: each lane's valid samples form an axis of their own (spacing
    /// `gap * h` on evenly spaced axes, the valid coordinates otherwise) and are
    /// differentiated on it; NaN slots stay NaN. A lane with fewer valid samples than the
    /// scheme needs is all NaN. Suits short dropouts: the derivative reaches across a gap.
    Omit,
    /// NaN cuts a lane into runs of valid samples, each differentiated on its own with
    /// one-sided ends at the cuts; runs shorter than the scheme needs are NaN. Suits masks
    /// (land in an ocean field): nothing is read across a cut.
    Split,
    /// Any NaN is an error ([`Error::NanFound`](crate::Error::NanFound)) naming its index.
    Raise,
}

/// The most threads the fronts accept for one call (`--threads`, `workers=`): the kernels
/// are bound by memory, so threads beyond the cores only add start-up time (a private pool
/// of 20000 threads takes minutes to start).
pub const MAX_THREADS: usize = 1024;

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
    /// NumPy's formulas with an edge order, an order of accuracy, or a Savitzky–Golay
    /// window; the last setter wins.
    pub scheme: Scheme,
    /// Order of the derivative, 1 to 4.
    pub deriv: u8,
    pub boundary: Boundaries,
    /// What NaN samples mean.
    pub nan_policy: NanPolicy,
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
            scheme: Scheme::default(),
            deriv: 1,
            boundary: Boundaries::default(),
            nan_policy: NanPolicy::Propagate,
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

    /// NumPy's formulas with one-sided ends of this order (replaces an accuracy).
    pub fn edge_order(mut self, edge_order: EdgeOrder) -> Self {
        self.scheme = Scheme::NumPy(edge_order);
        self
    }

    /// Order of accuracy `p`: 2, 4, 6 or 8 (replaces an edge order). The ends use the
    /// `deriv + p` nearest samples, so every point is `O(h^p)`.
    pub fn accuracy(mut self, p: u8) -> Self {
        self.scheme = Scheme::Accuracy(p);
        self
    }

    /// Savitzky–Golay derivatives ([`Scheme::SavitzkyGolay`]): a least-squares polynomial
    /// of degree `polyorder` over `window_length` samples (replaces an edge order or an
    /// accuracy). Smooths noise that plain differences amplify.
    pub fn savgol(mut self, window_length: usize, polyorder: usize) -> Self {
        self.scheme = Scheme::SavitzkyGolay {
            window_length,
            polyorder,
        };
        self
    }

    /// Order of the derivative: 1 (the gradient) to 4, computed directly (not by repeated
    /// differentiation).
    pub fn deriv(mut self, k: u8) -> Self {
        self.deriv = k;
        self
    }

    /// One boundary mode for every differentiated axis.
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = Boundaries::Same(boundary);
        self
    }

    /// One boundary mode per differentiated axis, in the order of the axes.
    pub fn boundaries(mut self, per_axis: impl IntoIterator<Item = Boundary>) -> Self {
        self.boundary = Boundaries::PerAxis(per_axis.into_iter().collect());
        self
    }

    /// Every differentiated axis periodic with this period (in units of the spacing).
    pub fn period(self, period: f64) -> Self {
        self.boundary(Boundary::Periodic {
            period: Some(period),
        })
    }

    /// What NaN samples mean (default [`NanPolicy::Propagate`], NumPy's behaviour).
    pub fn nan_policy(mut self, policy: NanPolicy) -> Self {
        self.nan_policy = policy;
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
