//! Validation and normalization of a call's arguments, once, into a [`Plan`].
//!
//! Checks run in NumPy's order (axes, spacing per axis, then array length per axis) so the
//! first error is the one `numpy.gradient` raises.

use std::ops::Range;

use ndarray::{ArrayD, IxDyn};

use crate::DType;
use crate::element::Real;
use crate::error::Error;
use crate::ghosts::{Fill, Ghosts};
use crate::options::{
    Axes, AxisSpacing, Boundaries, Boundary, Coordinates, EdgeOrder, GradientOptions, NanPolicy,
    Parallelism, Precision, Scalar, Scheme, Side, Spacing,
};
use crate::savgol;
use crate::stencil::{self, Stencil};
use crate::taps::{self, Taps};

/// A validated gradient call for arrays of one shape: which axes, and the stencil of each.
///
/// Build it once and reuse it for many arrays of the same shape, or for the blocks of one
/// large array ([`Plan::compute_block`]): coordinate arrays are examined (differences,
/// uniformity) once, globally.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) shape: Vec<usize>,
    pub(crate) axes: Vec<AxisPlan>,
    pub(crate) scheme: Scheme,
    /// Where the call asked for NumPy's scheme with the first derivative: its edge order,
    /// which every one-sided axis runs (NumPy's own call, axis by axis), whatever the other
    /// axes' boundary modes.
    pub(crate) numpy_edge_order: Option<EdgeOrder>,
    pub(crate) deriv: u8,
    pub(crate) nan_policy: NanPolicy,
    pub(crate) parallelism: Parallelism,
    pub(crate) task_size: usize,
}

/// The plan of one differentiated axis: what is computed, independent of how (a backend
/// reads it without instantiating CPU kernels).
#[derive(Debug, Clone)]
pub(crate) struct AxisPlan {
    pub(crate) axis: usize,
    /// The spacing's precision: with the data's type it decides the compute type.
    pub(crate) precision: Precision,
    pub(crate) stencil: AxisStencil,
    /// Ghost samples beyond the ends (none for one-sided ends).
    pub(crate) ghosts: Ghosts,
    /// The axis's boundary mode, with the period resolved on periodic axes.
    pub(crate) boundary: Boundary,
    /// The validated spacing the stencil came from: a NaN policy re-plans lanes from it.
    pub(crate) spacing: AxisSpacing,
}

/// The stencil family of one axis, over its extended axis (real samples plus ghosts).
#[derive(Debug, Clone)]
pub(crate) enum AxisStencil {
    /// NumPy's formulas (its divided forms, bit for bit), with one-sided ends of this order.
    NumPy {
        stencil: Stencil,
        edge_order: EdgeOrder,
    },
    /// Any accuracy and derivative order.
    Taps(Taps),
}

impl AxisPlan {
    /// Samples of the extended axis.
    pub(crate) fn extended_len(&self) -> usize {
        self.ghosts.extended_len()
    }

    /// The input samples (extended indices) that outputs `out` (extended indices) read.
    pub(crate) fn halo(&self, out: Range<usize>) -> Range<usize> {
        match &self.stencil {
            AxisStencil::NumPy { edge_order, .. } => {
                numpy_halo(out, self.extended_len(), *edge_order)
            }
            AxisStencil::Taps(t) => t.halo(out),
        }
    }

    /// How far beyond a block of outputs its inputs may reach, on either side.
    pub(crate) fn reach(&self) -> usize {
        // End windows reach further than the interior, but only at one-sided ends.
        let one_sided_end = self.ghosts.left == 0 || self.ghosts.right == 0;
        self.reach_with(one_sided_end)
    }

    /// The reach when a NaN may cut the axis anywhere: every cut is a one-sided end.
    pub(crate) fn split_reach(&self) -> usize {
        self.reach_with(true)
    }

    fn reach_with(&self, one_sided_end: bool) -> usize {
        match (&self.stencil, one_sided_end) {
            (AxisStencil::NumPy { edge_order, .. }, true) => edge_order.min_len() - 1,
            (AxisStencil::NumPy { .. }, false) => 1,
            (AxisStencil::Taps(t), true) => t.reach(),
            (AxisStencil::Taps(t), false) => t.half_width,
        }
    }
}

/// NumPy's halo: one neighbour each side, and the `edge_order + 1` samples at an end.
fn numpy_halo(out: Range<usize>, len: usize, edge_order: EdgeOrder) -> Range<usize> {
    if out.is_empty() {
        return out;
    }
    let reach = edge_order.min_len();
    let mut lo = out.start.saturating_sub(1);
    let mut hi = (out.end + 1).min(len);
    if out.start == 0 {
        hi = hi.max(reach.min(len));
    }
    if out.end == len {
        lo = lo.min(len.saturating_sub(reach));
    }
    lo..hi
}

impl Plan {
    /// Validates `options` for arrays of `shape`.
    ///
    /// # Errors
    /// NumPy's errors, in NumPy's order: [`Error::AxisOutOfBounds`], [`Error::RepeatedAxis`],
    /// [`Error::InvalidNumberOfArguments`], [`Error::SpacingNotScalarOr1d`],
    /// [`Error::CoordinatesLengthMismatch`], [`Error::CoordinatesTooShort`],
    /// [`Error::ArrayTooSmall`].
    /// Then the extensions: [`Error::InvalidAccuracy`] or [`Error::InvalidWindow`],
    /// [`Error::InvalidDeriv`], [`Error::PolyorderBelowDeriv`], [`Error::BoundaryCount`],
    /// and per axis [`Error::PeriodRequired`], [`Error::PeriodTooShort`],
    /// [`Error::PeriodMismatch`], [`Error::AxisTooShort`] or
    /// [`Error::AxisShorterThanWindow`].
    pub fn new(shape: &[usize], options: &GradientOptions) -> Result<Plan, Error> {
        Self::build(shape, options, Ok(options.scheme))
    }

    /// Like [`Plan::new`], with NumPy's integer `edge_order` (overriding the options'),
    /// validated where NumPy validates it: after the spacing, before the array lengths.
    ///
    /// # Errors
    /// Those of [`Plan::new`], and [`Error::EdgeOrderTooLarge`] above 2.
    pub fn with_numpy_edge_order(
        shape: &[usize],
        options: &GradientOptions,
        edge_order: i64,
    ) -> Result<Plan, Error> {
        Self::build(
            shape,
            options,
            EdgeOrder::try_from(edge_order).map(Scheme::NumPy),
        )
    }

    fn build(
        shape: &[usize],
        options: &GradientOptions,
        scheme: Result<Scheme, Error>,
    ) -> Result<Plan, Error> {
        let axes = normalize_axes(&options.axes, shape.len())?;
        let spacings = per_axis_spacing(&options.spacing, axes.len())?;
        let spacings = axes
            .iter()
            .zip(spacings)
            .enumerate()
            .map(|(position, (&axis, s))| validate(s, position, axis, shape[axis]))
            .collect::<Result<Vec<_>, _>>()?;
        let scheme = scheme?;
        let boundaries = per_axis_boundary(&options.boundary, axes.len())?;
        let numpy_edge_order = match scheme {
            Scheme::NumPy(e) if options.deriv == 1 => Some(e),
            _ => None,
        };
        if let Some(edge_order) = numpy_edge_order
            && boundaries.iter().all(|b| b.is_one_sided())
        {
            // NumPy's own path: its length check and message (for every axis before any
            // other check), then its stencils.
            for &axis in &axes {
                if shape[axis] < edge_order.min_len() {
                    return Err(Error::ArrayTooSmall {
                        axis,
                        len: shape[axis],
                        required: edge_order.min_len(),
                    });
                }
            }
            let axes = axes
                .iter()
                .zip(spacings)
                .map(|(&axis, spacing)| numpy_axis(axis, shape[axis], spacing, edge_order))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Plan {
                shape: shape.to_vec(),
                axes,
                scheme,
                numpy_edge_order,
                deriv: 1,
                nan_policy: options.nan_policy,
                parallelism: options.parallelism,
                task_size: options.task_size,
            });
        }
        let family = match scheme {
            Scheme::NumPy(_) => Family::Accuracy(2),
            Scheme::Accuracy(p) if matches!(p, 2 | 4 | 6 | 8) => Family::Accuracy(p),
            Scheme::Accuracy(p) => return Err(Error::InvalidAccuracy { accuracy: p }),
            Scheme::SavitzkyGolay {
                window_length,
                polyorder,
            } if savgol::window_is_valid(window_length, polyorder) => Family::SavitzkyGolay {
                window: window_length,
                polyorder,
            },
            Scheme::SavitzkyGolay {
                window_length,
                polyorder,
            } => {
                return Err(Error::InvalidWindow {
                    window_length,
                    polyorder,
                });
            }
        };
        if !(1..=4).contains(&options.deriv) {
            return Err(Error::InvalidDeriv {
                deriv: options.deriv,
            });
        }
        if let Family::SavitzkyGolay { polyorder, .. } = family
            && polyorder < options.deriv as usize
        {
            return Err(Error::PolyorderBelowDeriv {
                polyorder,
                deriv: options.deriv,
            });
        }
        let request = Request {
            deriv: options.deriv,
            family,
        };
        let axes = axes
            .iter()
            .zip(spacings)
            .zip(boundaries)
            .map(|((&axis, spacing), boundary)| match numpy_edge_order {
                // A one-sided axis beside axes with boundary modes: NumPy's call for it.
                Some(e) if boundary.is_one_sided() => numpy_axis(axis, shape[axis], spacing, e),
                _ => request.axis(axis, shape[axis], spacing, None, boundary),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Plan {
            shape: shape.to_vec(),
            axes,
            scheme: match family {
                Family::Accuracy(p) => Scheme::Accuracy(p),
                Family::SavitzkyGolay { .. } => scheme,
            },
            numpy_edge_order,
            deriv: options.deriv,
            nan_policy: options.nan_policy,
            parallelism: options.parallelism,
            task_size: options.task_size,
        })
    }

    /// The differentiated axes (non-negative), in output order.
    pub fn axes(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.axis).collect()
    }

    /// The array shape this plan was made for.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The scheme the plan runs: NumPy's formulas with an edge order, an accuracy, or a
    /// Savitzky–Golay window.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// How far beyond a block of output `k`'s samples its inputs may reach on either side:
    /// the one halo rule that blocks, Dask chunks and streamed slabs all use. Under
    /// [`NanPolicy::Split`] it is the reach of a one-sided end, since a NaN may cut the axis
    /// anywhere.
    ///
    /// # Panics
    /// If `k` is not below the number of outputs.
    pub fn reach(&self, k: usize) -> usize {
        match self.nan_policy {
            // A cut by NaN is a one-sided end, wherever it falls.
            NanPolicy::Split => self.axes[k].split_reach(),
            _ => self.axes[k].reach(),
        }
    }

    /// Ghost samples before and after output `k`'s axis: the axis is extended by them for a
    /// boundary mode other than one-sided. Blocks ([`Plan::compute_block`]) index samples on
    /// the extended axis, where real sample `i` is `i + ghosts.0`.
    ///
    /// # Panics
    /// If `k` is not below the number of outputs.
    pub fn ghosts(&self, k: usize) -> (usize, usize) {
        let g = &self.axes[k].ghosts;
        (g.left, g.right)
    }

    /// The boundary mode of output `k`'s axis, with the period resolved on periodic axes:
    /// how a front fills the ghosts of its blocks ([`Plan::ghosts`]).
    ///
    /// # Panics
    /// If `k` is not below the number of outputs.
    pub fn boundary(&self, k: usize) -> Boundary {
        self.axes[k].boundary
    }

    /// Checks that data of `dtype` can hold every constant boundary value: the ghost samples
    /// are stored in the data's type (as `np.pad` stores them), so an integer type refuses
    /// NaN, fractions and values beyond its range ([`Error::ConstantNotHeld`]) rather than
    /// wrapping or clamping them. Every executor runs it; fronts that build ghosts
    /// themselves (Dask) call it before building any.
    ///
    /// # Errors
    /// [`Error::ConstantNotHeld`] naming the first such axis.
    pub fn check_constants(&self, dtype: DType) -> Result<(), Error> {
        for a in &self.axes {
            let sides = match a.boundary {
                Boundary::Constant(v) => [Some(v), None],
                Boundary::Sides(l, r) => [l, r].map(|s| match s {
                    Side::Constant(v) => Some(v),
                    _ => None,
                }),
                _ => [None, None],
            };
            if let Some(value) = sides.into_iter().flatten().find(|&v| !dtype.holds(v)) {
                return Err(Error::ConstantNotHeld {
                    axis: a.axis,
                    value,
                    dtype: dtype.name(),
                });
            }
        }
        Ok(())
    }
}

/// What an extended call asks of every axis.
struct Request {
    deriv: u8,
    family: Family,
}

/// The stencil family of an extended call, validated.
#[derive(Debug, Clone, Copy)]
enum Family {
    /// Finite differences of this order of accuracy.
    Accuracy(u8),
    /// Savitzky–Golay: a polynomial of degree `polyorder` fitted over `window` samples.
    SavitzkyGolay { window: usize, polyorder: usize },
}

impl Request {
    /// The plan of one axis of `len` samples.
    /// `scale` is set when `spacing` holds sample positions counted in steps of this
    /// distance (a NaN policy's selection of an evenly spaced axis): offsets and differences
    /// are then `steps * scale`, rounded once.
    fn axis(
        &self,
        axis: usize,
        len: usize,
        spacing: AxisSpacing,
        scale: Option<Scalar>,
        boundary: Boundary,
    ) -> Result<AxisPlan, Error> {
        let k = self.deriv as usize;
        // NumPy's formulas serve accuracy 2 of the first derivative (its `edge_order=2`),
        // under every boundary mode, and so the quadratic through 3 samples (which
        // interpolates); other orders use the general stencils.
        let numpy = k == 1
            && match self.family {
                Family::Accuracy(p) => p == 2,
                Family::SavitzkyGolay { window, polyorder } => (window, polyorder) == (3, 2),
            };
        let spacing = match spacing {
            AxisSpacing::Coordinates(c) if c.ndim() == 0 => AxisSpacing::Uniform(zero_d_scalar(&c)),
            other => other,
        };
        let geometry = Geometry::of(axis, len, &spacing, boundary)?;
        let uniform = geometry.h.is_some();
        let m = match self.family {
            Family::Accuracy(p) => taps::widths(k, p as usize, uniform || numpy).0,
            Family::SavitzkyGolay { window, .. } => window / 2,
        };
        let depth = if numpy { 1 } else { m };
        let ghosts = geometry.ghosts(depth);
        let one_sided_end = ghosts.left == 0 || ghosts.right == 0;
        match self.family {
            Family::Accuracy(p) => {
                let required = if numpy {
                    3
                } else {
                    taps::min_len(k, p as usize, uniform, one_sided_end)
                };
                if len < required {
                    return Err(Error::AxisTooShort {
                        axis,
                        len,
                        deriv: self.deriv,
                        accuracy: p,
                        required,
                    });
                }
            }
            // Whole windows everywhere, with or without ghosts.
            Family::SavitzkyGolay { window, .. } if len < window => {
                return Err(Error::AxisShorterThanWindow {
                    axis,
                    len,
                    window_length: window,
                });
            }
            Family::SavitzkyGolay { .. } => {}
        }
        let precision = match (&spacing, scale) {
            (_, Some(h)) => steps_precision(h),
            (AxisSpacing::Uniform(s), None) => s.precision(),
            (AxisSpacing::Coordinates(c), None) => c.precision(),
        };
        let stencil = match (&geometry.h, numpy) {
            (Some(h), true) => AxisStencil::NumPy {
                stencil: uniform_scalar(*h),
                edge_order: EdgeOrder::Second,
            },
            (Some(h), false) => {
                let len = ghosts.extended_len();
                AxisStencil::Taps(match self.family {
                    Family::Accuracy(p) => Taps::uniform(k, p as usize, len, h.power(k)),
                    Family::SavitzkyGolay { window, polyorder } => {
                        Taps::savgol_uniform(window, polyorder, k, len, h.power(k))
                    }
                })
            }
            (None, numpy) => {
                let AxisSpacing::Coordinates(c) = &spacing else {
                    unreachable!("uneven spacing comes from coordinates")
                };
                if numpy {
                    AxisStencil::NumPy {
                        stencil: numpy_coordinates(c, &ghosts, geometry.period, scale),
                        edge_order: EdgeOrder::Second,
                    }
                } else {
                    let scale = scale.map_or(1.0, Scalar::value);
                    AxisStencil::Taps(tap_coordinates(
                        c,
                        k,
                        self.family,
                        (&ghosts, geometry.period, scale),
                    ))
                }
            }
        };
        let boundary = match (boundary, geometry.period) {
            // The period as a length (the geometry's is signed like the coordinates).
            (Boundary::Periodic { .. }, Some(p)) => Boundary::Periodic {
                period: Some(p.abs()),
            },
            (other, _) => other,
        };
        Ok(AxisPlan {
            axis,
            precision,
            stencil,
            ghosts,
            boundary,
            spacing,
        })
    }
}

/// The spacing of one axis as the extended call sees it: evenly spaced (with its scalar)
/// or not, and the fills and period of its ends.
struct Geometry {
    len: usize,
    /// The distance of evenly spaced samples (ghosts included on periodic axes).
    h: Option<Scalar>,
    /// Signed like the axis's direction (negative where the coordinates or the spacing run
    /// downwards), so the ghost and seam formulas hold either way.
    period: Option<f64>,
    fills: (Option<Fill>, Option<Fill>),
}

impl Geometry {
    fn of(
        axis: usize,
        len: usize,
        spacing: &AxisSpacing,
        boundary: Boundary,
    ) -> Result<Geometry, Error> {
        let fill = |side: Side| match side {
            Side::OneSided => None,
            Side::Reflect => Some(Fill::Mirror),
            Side::Constant(v) => Some(Fill::Constant(v)),
        };
        let (fills, period) = match boundary.sides() {
            Some((l, r)) => ((fill(l), fill(r)), None),
            None => {
                let Boundary::Periodic { period } = boundary else {
                    unreachable!("only periodic boundaries have no sides")
                };
                ((Some(Fill::Wrap), Some(Fill::Wrap)), Some(period))
            }
        };
        let periodic = period.is_some();
        let (h, period) = match spacing {
            AxisSpacing::Uniform(s) => {
                let h = s.value();
                // Signed like h (a negative spacing runs the axis downwards); the period
                // a caller gives is a length, compared with its size.
                let natural = len as f64 * h;
                if let Some(Some(p)) = period {
                    // n * h is rounded once; allow that rounding, nothing more.
                    if (p - natural.abs()).abs() > 4.0 * f64::EPSILON * natural.abs() {
                        return Err(Error::PeriodMismatch {
                            axis,
                            spacing: h,
                            len,
                            period: p,
                        });
                    }
                }
                (Some(*s), periodic.then_some(natural))
            }
            AxisSpacing::Coordinates(c) => {
                let (first, last, even) = c.span_and_uniformity();
                let span = last - first;
                // From here on the period is signed like the coordinates' direction: on
                // decreasing coordinates the sample before x[0] sits at x[n-1] + P, so
                // every ghost and seam formula takes -P (an even axis's n * h already is).
                let direction = if span < 0.0 { -1.0 } else { 1.0 };
                let period = match period {
                    None => None,
                    Some(None) if even.is_some() => even.map(|h| len as f64 * h.value()),
                    Some(None) => return Err(Error::PeriodRequired { axis }),
                    // NaN periods fail too: only a finite period beyond the span passes.
                    Some(Some(p))
                        if p.partial_cmp(&span.abs()) != Some(std::cmp::Ordering::Greater)
                            || !p.is_finite() =>
                    {
                        return Err(Error::PeriodTooShort {
                            axis,
                            period: p,
                            span,
                        });
                    }
                    Some(Some(p)) => Some(direction * p),
                };
                // Evenly spaced samples stay evenly spaced with their ghosts unless a
                // periodic seam breaks the rhythm.
                let h = match (even, period) {
                    (Some(h), Some(p)) if periodic => c.seam_is_even(p).then_some(h),
                    (h, _) => h,
                };
                (h, period)
            }
        };
        Ok(Geometry {
            len,
            h,
            period,
            fills,
        })
    }

    fn ghosts(&self, depth: usize) -> Ghosts {
        let (l, r) = self.fills;
        Ghosts {
            left: l.map_or(0, |_| depth),
            right: r.map_or(0, |_| depth),
            left_fill: l.unwrap_or(Fill::Mirror),
            right_fill: r.unwrap_or(Fill::Mirror),
            len: self.len,
        }
    }
}

/// NumPy's stencil over coordinates extended by their ghosts, in their own precision; or,
/// with `scale`, over positions in steps of that distance (differences `steps * h` in `h`'s
/// precision).
fn numpy_coordinates(
    c: &Coordinates,
    ghosts: &Ghosts,
    period: Option<f64>,
    scale: Option<Scalar>,
) -> Stencil {
    fn build<K: Real>(x: &[K], ghosts: &Ghosts, period: Option<f64>) -> Stencil {
        let extended = ghosts.extend(x, period.map(K::from_f64));
        stencil::from_coordinates(&extended, EdgeOrder::Second)
    }
    if let Some(h) = scale {
        let Coordinates::F64(at) = c else {
            unreachable!("step positions are f64")
        };
        let extended = ghosts.extend(&to_vec(at.iter()), period);
        return steps_stencil(&extended, h, EdgeOrder::Second);
    }
    match c {
        Coordinates::F64(x) => build(&to_vec(x.iter()), ghosts, period),
        Coordinates::F32(x) => build(&to_vec(x.iter()), ghosts, period),
        Coordinates::F16(x) => build(&to_vec(x.iter()), ghosts, period),
    }
}

/// General stencils over uneven coordinates (weights in `f64`).
/// `ends` holds the ghosts, the period of periodic axes and the factor that turns
/// coordinate offsets into distances (1, or `h` for positions in steps of `h`).
fn tap_coordinates(
    c: &Coordinates,
    k: usize,
    family: Family,
    ends: (&Ghosts, Option<f64>, f64),
) -> Taps {
    fn build<K: Real>(x: &[K], k: usize, family: Family, e: (&Ghosts, Option<f64>, f64)) -> Taps {
        match family {
            Family::Accuracy(a) => Taps::coordinates(k, a as usize, x, e),
            Family::SavitzkyGolay { window, polyorder } => {
                Taps::savgol_coordinates(window, polyorder, k, x, e)
            }
        }
    }
    match c {
        Coordinates::F64(x) => build(&to_vec(x.iter()), k, family, ends),
        Coordinates::F32(x) => build(&to_vec(x.iter()), k, family, ends),
        Coordinates::F16(x) => build(&to_vec(x.iter()), k, family, ends),
    }
}

/// The precision of differences `steps * h`: `h`'s own, and `f64` for a Python float (as
/// the coordinate array `valid * h` would be).
fn steps_precision(h: Scalar) -> Precision {
    match h.precision() {
        Precision::Weak => Precision::F64,
        other => other,
    }
}

/// NumPy's stencil over positions `at` (whole numbers) in steps of `h`: differences
/// `(at[i+1] - at[i]) * h`, rounded once in `h`'s precision.
fn steps_stencil(at: &[f64], h: Scalar, edge_order: EdgeOrder) -> Stencil {
    fn build<K: Real>(at: &[f64], h: K, edge_order: EdgeOrder) -> Stencil {
        let dx: Vec<K> = at
            .windows(2)
            .map(|w| K::from_f64(w[1] - w[0]) * h)
            .collect();
        stencil::from_differences(&dx, edge_order)
    }
    match h {
        Scalar::Float(h) | Scalar::F64(h) => build(at, h, edge_order),
        Scalar::F32(h) => build(at, h, edge_order),
        Scalar::F16(h) => build(at, h, edge_order),
    }
}

/// `steps * h` as a spacing of `h`'s kind, rounded once in its precision.
fn scaled(h: Scalar, steps: usize) -> Scalar {
    let n = steps as f64;
    match h {
        Scalar::Float(h) => Scalar::Float(n * h),
        Scalar::F64(h) => Scalar::F64(n * h),
        Scalar::F32(h) => Scalar::F32(n as f32 * h),
        Scalar::F16(h) => Scalar::F16(crate::element::f16_from_f64(n) * h),
    }
}

/// The samples of one lane that a NaN policy keeps, as an axis of their own.
pub(crate) enum SubAxis {
    /// Samples at positions `at` of an evenly spaced lane of `lane_len` samples `h` apart:
    /// neighbours are `gap * h` apart.
    Steps {
        at: Vec<usize>,
        h: Scalar,
        lane_len: usize,
    },
    /// `len` samples `h` apart.
    Even { h: Scalar, len: usize },
    /// Samples at these (1-D) coordinates.
    Coordinates(Coordinates),
}

impl SubAxis {
    fn len(&self) -> usize {
        match self {
            SubAxis::Steps { at, .. } => at.len(),
            SubAxis::Even { len, .. } => *len,
            SubAxis::Coordinates(c) => c.len(),
        }
    }
}

impl Plan {
    /// A serial plan of output `k`'s scheme for the samples a NaN policy keeps of one lane,
    /// as a 1-D axis with `boundary` (the axis's own, one-sided at cuts; periodic `Steps`
    /// wrap around the lane). An axis too short for the scheme is an error
    /// ([`Error::ArrayTooSmall`], [`Error::AxisTooShort`], [`Error::AxisShorterThanWindow`]).
    pub(crate) fn sub_plan(
        &self,
        k: usize,
        sub: SubAxis,
        boundary: Boundary,
    ) -> Result<Plan, Error> {
        // The scheme output `k` runs: NumPy's on a one-sided axis of a NumPy call.
        let scheme = match self.numpy_edge_order {
            Some(e) if self.axes[k].boundary.is_one_sided() => Scheme::NumPy(e),
            _ => self.scheme,
        };
        let n = sub.len();
        let periodic = boundary.sides().is_none();
        let mut lane = 0;
        let (spacing, scale) = match sub {
            SubAxis::Coordinates(c) => (AxisSpacing::Coordinates(c), None),
            SubAxis::Even { h, .. } => (AxisSpacing::Uniform(h), None),
            SubAxis::Steps { at, h, lane_len } => {
                lane = lane_len;
                let mut gaps: Vec<usize> = at.windows(2).map(|w| w[1] - w[0]).collect();
                if periodic && !at.is_empty() {
                    gaps.push(at[0] + lane_len - at[at.len() - 1]);
                }
                match gaps.first() {
                    Some(&g) if gaps.iter().all(|&d| d == g) => {
                        (AxisSpacing::Uniform(scaled(h, g)), None)
                    }
                    _ => {
                        let at = ArrayD::from_shape_vec(
                            IxDyn(&[n]),
                            at.iter().map(|&i| i as f64).collect(),
                        )
                        .expect("one position per sample");
                        (AxisSpacing::Coordinates(Coordinates::F64(at)), Some(h))
                    }
                }
            }
        };
        let boundary = match (boundary, scale) {
            // Positions are counted in samples: the lane's length is the period.
            (Boundary::Periodic { .. }, Some(_)) => Boundary::Periodic {
                period: Some(lane as f64),
            },
            (b, _) => b,
        };
        let axis = match (scheme, self.deriv, boundary.is_one_sided()) {
            (Scheme::NumPy(edge_order), 1, true) => {
                if n < edge_order.min_len() {
                    return Err(Error::ArrayTooSmall {
                        axis: 0,
                        len: n,
                        required: edge_order.min_len(),
                    });
                }
                let (precision, stencil) = match (&spacing, scale) {
                    (AxisSpacing::Coordinates(Coordinates::F64(at)), Some(h)) => (
                        steps_precision(h),
                        steps_stencil(&to_vec(at.iter()), h, edge_order),
                    ),
                    _ => resolve(spacing.clone(), edge_order),
                };
                AxisPlan {
                    axis: 0,
                    precision,
                    stencil: AxisStencil::NumPy {
                        stencil,
                        edge_order,
                    },
                    ghosts: Ghosts::none(n),
                    boundary,
                    spacing,
                }
            }
            (scheme, deriv, _) => {
                let family = match scheme {
                    Scheme::SavitzkyGolay {
                        window_length,
                        polyorder,
                    } => Family::SavitzkyGolay {
                        window: window_length,
                        polyorder,
                    },
                    Scheme::Accuracy(p) => Family::Accuracy(p),
                    Scheme::NumPy(_) => Family::Accuracy(2),
                };
                if n < 2 {
                    // Too few samples to hold any difference (nor coordinates to check).
                    return Err(Error::ArrayTooSmall {
                        axis: 0,
                        len: n,
                        required: 2,
                    });
                }
                Request { deriv, family }.axis(0, n, spacing, scale, boundary)?
            }
        };
        Ok(Plan {
            shape: vec![n],
            axes: vec![axis],
            scheme,
            numpy_edge_order: self.numpy_edge_order,
            deriv: self.deriv,
            nan_policy: NanPolicy::Propagate,
            parallelism: Parallelism::Serial,
            task_size: self.task_size,
        })
    }
}

/// An axis computed with NumPy's formulas and `edge_order`, exactly as `np.gradient` does;
/// [`Error::ArrayTooSmall`] where the axis is shorter than the edge order needs.
fn numpy_axis(
    axis: usize,
    len: usize,
    spacing: AxisSpacing,
    edge_order: EdgeOrder,
) -> Result<AxisPlan, Error> {
    if len < edge_order.min_len() {
        return Err(Error::ArrayTooSmall {
            axis,
            len,
            required: edge_order.min_len(),
        });
    }
    let (precision, stencil) = resolve(spacing.clone(), edge_order);
    Ok(AxisPlan {
        axis,
        precision,
        stencil: AxisStencil::NumPy {
            stencil,
            edge_order,
        },
        ghosts: Ghosts::none(len),
        boundary: Boundary::OneSided,
        spacing,
    })
}

fn to_vec<'a, K: Real>(x: impl Iterator<Item = &'a K>) -> Vec<K> {
    x.copied().collect()
}

/// Boundary modes per axis, like spacing: one for all, or one per axis.
fn per_axis_boundary(boundary: &Boundaries, n_axes: usize) -> Result<Vec<Boundary>, Error> {
    match boundary {
        Boundaries::Same(b) => Ok(vec![*b; n_axes]),
        Boundaries::PerAxis(list) if list.len() == n_axes => Ok(list.clone()),
        Boundaries::PerAxis(list) if list.len() == 1 => Ok(vec![list[0]; n_axes]),
        Boundaries::PerAxis(list) => Err(Error::BoundaryCount {
            given: list.len(),
            axes: n_axes,
        }),
    }
}

/// NumPy's `normalize_axis_tuple`: bounds first (each axis in order), then repeats.
fn normalize_axes(axes: &Axes, ndim: usize) -> Result<Vec<usize>, Error> {
    let list = match axes {
        Axes::All => return Ok((0..ndim).collect()),
        Axes::List(list) => list,
    };
    let n = ndim as isize;
    let mut out = Vec::with_capacity(list.len());
    for &axis in list {
        if axis < -n || axis >= n {
            return Err(Error::AxisOutOfBounds { axis, ndim });
        }
        out.push(if axis < 0 { axis + n } else { axis } as usize);
    }
    for (k, a) in out.iter().enumerate() {
        if out[..k].contains(a) {
            return Err(Error::RepeatedAxis);
        }
    }
    Ok(out)
}

/// One spacing per axis, by NumPy's `*varargs` rule.
fn per_axis_spacing(spacing: &Spacing, n_axes: usize) -> Result<Vec<AxisSpacing>, Error> {
    let one = |s: Scalar| vec![AxisSpacing::Uniform(s); n_axes];
    match spacing {
        Spacing::Unit => Ok(one(Scalar::Float(1.0))),
        Spacing::Same(s) => Ok(one(*s)),
        Spacing::PerAxis(args) if args.is_empty() => Ok(one(Scalar::Float(1.0))),
        Spacing::PerAxis(args) if args.len() == 1 && args[0].is_scalar() => {
            Ok(vec![args[0].clone(); n_axes])
        }
        Spacing::PerAxis(args) if args.len() == n_axes => Ok(args.clone()),
        Spacing::PerAxis(args) => Err(Error::InvalidNumberOfArguments {
            given: args.len(),
            axes: n_axes,
        }),
    }
}

/// NumPy's checks on one spacing argument: a scalar, or 1-D coordinates of the axis's length
/// (at least 2, or NumPy fails on `diffx[0]`).
fn validate(
    spacing: AxisSpacing,
    position: usize,
    axis: usize,
    len: usize,
) -> Result<AxisSpacing, Error> {
    let AxisSpacing::Coordinates(coordinates) = &spacing else {
        return Ok(spacing);
    };
    match coordinates.ndim() {
        0 => return Ok(spacing),
        1 => {}
        _ => return Err(Error::SpacingNotScalarOr1d { position }),
    }
    if coordinates.len() != len {
        return Err(Error::CoordinatesLengthMismatch {
            position,
            axis,
            expected: len,
            found: coordinates.len(),
        });
    }
    if len < 2 {
        return Err(Error::CoordinatesTooShort { position });
    }
    Ok(spacing)
}

/// Turns one validated spacing into its precision and stencil.
fn resolve(spacing: AxisSpacing, edge_order: EdgeOrder) -> (Precision, Stencil) {
    let coordinates = match spacing {
        AxisSpacing::Uniform(s) => return (s.precision(), uniform_scalar(s)),
        AxisSpacing::Coordinates(c) => c,
    };
    if coordinates.ndim() == 0 {
        return zero_d(&coordinates);
    }
    match &coordinates {
        Coordinates::F64(x) => (Precision::F64, from_coords(x.iter(), edge_order)),
        Coordinates::F32(x) => (Precision::F32, from_coords(x.iter(), edge_order)),
        Coordinates::F16(x) => (Precision::F16, from_coords(x.iter(), edge_order)),
    }
}

fn from_coords<'a, K: crate::element::Real>(
    x: impl Iterator<Item = &'a K>,
    edge_order: EdgeOrder,
) -> Stencil {
    let x: Vec<K> = x.copied().collect();
    stencil::from_coordinates(&x, edge_order)
}

fn uniform_scalar(s: Scalar) -> Stencil {
    match s {
        // A Python float: `2. * h` and `-1.5 / h` are Python (f64) arithmetic.
        Scalar::Float(h) | Scalar::F64(h) => stencil::uniform(h),
        Scalar::F32(h) => stencil::uniform(h),
        Scalar::F16(h) => stencil::uniform(h),
    }
}

/// A 0-d coordinate array is a scalar with its array's (strong) dtype.
fn zero_d(c: &Coordinates) -> (Precision, Stencil) {
    let s = zero_d_scalar(c);
    (s.precision(), uniform_scalar(s))
}

pub(crate) fn zero_d_scalar(c: &Coordinates) -> Scalar {
    match c {
        Coordinates::F64(a) => Scalar::F64(a.iter().copied().next().unwrap_or(f64::NAN)),
        Coordinates::F32(a) => Scalar::F32(a.iter().copied().next().unwrap_or(f32::NAN)),
        Coordinates::F16(a) => Scalar::F16(a.iter().copied().next().unwrap_or(half::f16::NAN)),
    }
}
