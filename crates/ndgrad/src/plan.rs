//! Validation and normalization of a call's arguments, once, into a [`Plan`].
//!
//! Checks run in NumPy's order (axes, spacing per axis, then array length per axis) so the
//! first error is the one `numpy.gradient` raises.

use crate::error::Error;
use crate::options::{
    Axes, AxisSpacing, Coordinates, EdgeOrder, GradientOptions, Parallelism, Precision, Scalar,
    Spacing,
};
use crate::stencil::{self, Stencil};

/// A validated gradient call for arrays of one shape: which axes, and the stencil of each.
///
/// Build it once and reuse it for many arrays of the same shape, or for the blocks of one
/// large array ([`Plan::compute_block`]): coordinate arrays are examined (differences,
/// uniformity) once, globally.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) shape: Vec<usize>,
    pub(crate) axes: Vec<AxisPlan>,
    pub(crate) edge_order: EdgeOrder,
    pub(crate) parallelism: Parallelism,
    pub(crate) task_size: usize,
}

/// The plan of one differentiated axis.
#[derive(Debug, Clone)]
pub(crate) struct AxisPlan {
    pub(crate) axis: usize,
    pub(crate) precision: Precision,
    pub(crate) stencil: Stencil,
}

impl Plan {
    /// Validates `options` for arrays of `shape`.
    ///
    /// # Errors
    /// NumPy's errors, in NumPy's order: [`Error::AxisOutOfBounds`], [`Error::RepeatedAxis`],
    /// [`Error::InvalidNumberOfArguments`], [`Error::SpacingNotScalarOr1d`],
    /// [`Error::CoordinatesLengthMismatch`], [`Error::CoordinatesTooShort`],
    /// [`Error::ArrayTooSmall`].
    pub fn new(shape: &[usize], options: &GradientOptions) -> Result<Plan, Error> {
        Self::build(shape, options, Ok(options.edge_order))
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
        Self::build(shape, options, EdgeOrder::try_from(edge_order))
    }

    fn build(
        shape: &[usize],
        options: &GradientOptions,
        edge_order: Result<EdgeOrder, Error>,
    ) -> Result<Plan, Error> {
        let axes = normalize_axes(&options.axes, shape.len())?;
        let spacings = per_axis_spacing(&options.spacing, axes.len())?;
        let spacings = axes
            .iter()
            .zip(spacings)
            .enumerate()
            .map(|(position, (&axis, s))| validate(s, position, axis, shape[axis]))
            .collect::<Result<Vec<_>, _>>()?;
        let edge_order = edge_order?;
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
            .map(|(&axis, spacing)| {
                let (precision, stencil) = resolve(spacing, edge_order);
                AxisPlan {
                    axis,
                    precision,
                    stencil,
                }
            })
            .collect();
        Ok(Plan {
            shape: shape.to_vec(),
            axes,
            edge_order,
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

    pub fn edge_order(&self) -> EdgeOrder {
        self.edge_order
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
    let s = match c {
        Coordinates::F64(a) => Scalar::F64(a.iter().copied().next().unwrap_or(f64::NAN)),
        Coordinates::F32(a) => Scalar::F32(a.iter().copied().next().unwrap_or(f32::NAN)),
        Coordinates::F16(a) => Scalar::F16(a.iter().copied().next().unwrap_or(half::f16::NAN)),
    };
    (s.precision(), uniform_scalar(s))
}
