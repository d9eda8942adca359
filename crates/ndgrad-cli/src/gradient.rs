//! The gradient a call asks for, resolved from its flags, and the one place where the core's
//! errors are put in the user's words: the flag or the file each one concerns.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use ndgrad::{Axes, GradientOptions, Plan, Spacing};

use crate::UsageError;

/// Validated options, and what is needed to explain the core's verdict on them.
#[derive(Debug, Clone)]
pub struct Gradient {
    pub options: GradientOptions,
    /// The file differentiated.
    pub input: PathBuf,
    /// Where each spacing value came from, by position: `--spacing y.npy`, `--x 'time' in
    /// log.csv`, ...
    pub spacing_from: Vec<String>,
    /// The flag that gave one boundary mode per axis: `--boundary`, or `--period` when
    /// several periods spread one `--boundary` over the axes.
    pub boundary_from: &'static str,
}

impl Gradient {
    /// Options for `input`, with spacing still to be given.
    pub fn new(input: &Path, options: GradientOptions) -> Gradient {
        Gradient {
            options,
            input: input.to_path_buf(),
            spacing_from: Vec::new(),
            boundary_from: "--boundary",
        }
    }

    /// The same with `spacing`, whose values came from `from` (one text per value).
    pub fn with_spacing(mut self, spacing: Spacing, from: Vec<String>) -> Gradient {
        self.options.spacing = spacing;
        self.spacing_from = from;
        self
    }

    /// The plan for an array of `shape`, as the user sees it (not a file's memory order), so
    /// that errors name the user's axes.
    pub fn plan(&self, shape: &[usize]) -> anyhow::Result<Plan> {
        Plan::new(shape, &self.options).map_err(|e| self.explain(e, shape))
    }

    /// A core error about an array of `shape`, naming the flag or file it concerns. Mistakes
    /// in the flags themselves are usage errors (exit code 2), and so is a `--period` or
    /// `--boundary` that does not fit the axis (the fix is the flag); a file whose contents
    /// do not fit (too few samples, coordinates of the wrong length) is a data error (exit
    /// code 1).
    pub fn explain(&self, e: ndgrad::Error, shape: &[usize]) -> anyhow::Error {
        use ndgrad::Error as E;
        let input = self.input.display();
        let from = |position: usize| {
            self.spacing_from
                .get(position)
                .map_or("the spacing", String::as_str)
        };
        match e {
            E::AxisOutOfBounds { axis, ndim } => UsageError(format!(
                "--axis {axis} is out of bounds: {input} has {ndim} dimension(s)"
            ))
            .into(),
            E::RepeatedAxis => UsageError("--axis lists the same axis twice".into()).into(),
            E::InvalidNumberOfArguments { given, axes } => UsageError(format!(
                "{given} --spacing values for {axes} differentiated axes; \
                 give none, one, or one per axis"
            ))
            .into(),
            E::EdgeOrderTooLarge { edge_order } => {
                UsageError(format!("--edge-order {edge_order} is not 1 or 2")).into()
            }
            E::SpacingNotScalarOr1d { position } => {
                anyhow!("{}: coordinates must be 1-D", from(position))
            }
            E::CoordinatesLengthMismatch {
                position,
                axis,
                expected,
                found,
            } => anyhow!(
                "{}: {found} coordinates for axis {axis}, which has {expected} samples in {input}",
                from(position)
            ),
            E::CoordinatesTooShort { position } => {
                anyhow!("{}: at least 2 coordinates are needed", from(position))
            }
            E::ArrayTooSmall {
                axis,
                len,
                required,
            } => anyhow!(
                "{input}: axis {axis} has {len} sample(s) (shape {shape:?}) but edge order {} \
                 needs at least {required}",
                required - 1
            ),
            E::InvalidAccuracy { accuracy } => UsageError(format!(
                "--accuracy {accuracy} is not supported; use 2, 4, 6 or 8"
            ))
            .into(),
            E::InvalidDeriv { deriv } => UsageError(format!(
                "--deriv {deriv} is not supported; use 1, 2, 3 or 4"
            ))
            .into(),
            E::AxisTooShort {
                axis,
                len,
                deriv,
                accuracy,
                required,
            } => anyhow!(
                "{input}: axis {axis} has {len} sample(s) (shape {shape:?}) but --deriv {deriv} \
                 with --accuracy {accuracy} needs at least {required}; lower --accuracy or \
                 --deriv, or give a longer axis"
            ),
            E::InvalidWindow {
                window_length,
                polyorder,
            } if window_length % 2 == 0 || window_length <= polyorder => UsageError(format!(
                "--window-length {window_length} must be odd and greater than --polyorder \
                 {polyorder}"
            ))
            .into(),
            E::InvalidWindow {
                window_length,
                polyorder,
            } => UsageError(format!(
                "--window-length {window_length} with --polyorder {polyorder} is not supported; \
                 use --window-length up to 25 and --polyorder up to 12"
            ))
            .into(),
            E::PolyorderBelowDeriv { polyorder, deriv } => UsageError(format!(
                "--polyorder {polyorder} is below --deriv {deriv}: the fitted polynomial's \
                 derivative would be 0; give a --polyorder of at least {deriv}"
            ))
            .into(),
            E::AxisShorterThanWindow {
                axis,
                len,
                window_length,
            } => anyhow!(
                "{input}: axis {axis} has {len} sample(s) (shape {shape:?}) but \
                 --window-length {window_length} needs at least {window_length}; give a \
                 shorter --window-length or a longer axis"
            ),
            E::BoundaryCount { given, axes } => UsageError(format!(
                "{given} {} values for {axes} differentiated axes; give one for all axes or \
                 one per axis, in --axis order",
                self.boundary_from
            ))
            .into(),
            E::PeriodRequired { axis } => UsageError(format!(
                "--boundary periodic on axis {axis} of {input}: its coordinates ({}) are \
                 unevenly spaced, so the period is not implied; pass --period P, the length \
                 of one cycle in coordinate units",
                from(self.position(axis, shape.len()))
            ))
            .into(),
            E::PeriodTooShort { axis, period, span } => UsageError(format!(
                "--period {period} on axis {axis} of {input} must exceed the span of its \
                 coordinates ({}), x[-1] - x[0] = {span}; give the length of a full cycle",
                from(self.position(axis, shape.len()))
            ))
            .into(),
            E::PeriodMismatch {
                axis,
                spacing,
                len,
                period,
            } => UsageError(format!(
                "--period {period} does not fit axis {axis} of {input}: {len} samples {spacing} \
                 apart repeat every {}; leave --period out (or none) for this axis, or give that",
                len as f64 * spacing
            ))
            .into(),
            E::NanFound { index, axis } => anyhow!(
                "{input}: NaN at index {} along axis {axis} (--nan-policy raise); use \
                 --nan-policy omit or split to differentiate around missing samples",
                index_text(&index)
            ),
            E::ThreadPool { .. } => anyhow!("--threads: {e}"),
            other => anyhow!("{input}: {other}"),
        }
    }

    /// The `--nan-policy` value, as written on the command line.
    pub fn nan_policy_name(&self) -> &'static str {
        match self.options.nan_policy {
            ndgrad::NanPolicy::Propagate => "propagate",
            ndgrad::NanPolicy::Omit => "omit",
            ndgrad::NanPolicy::Split => "split",
            ndgrad::NanPolicy::Raise => "raise",
        }
    }

    /// The position among the differentiated axes (and so among the spacing values) of
    /// `axis` of an array of `ndim` dimensions.
    fn position(&self, axis: usize, ndim: usize) -> usize {
        match &self.options.axes {
            Axes::All => axis,
            Axes::List(list) => list
                .iter()
                .position(|&a| a.rem_euclid(ndim.max(1) as isize) as usize == axis)
                .unwrap_or(axis),
        }
    }
}

/// An index as NumPy prints it: `(2, 7)`, `(3,)`.
pub fn index_text(index: &[usize]) -> String {
    match index {
        [i] => format!("({i},)"),
        _ => {
            let parts: Vec<String> = index.iter().map(|i| i.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}
