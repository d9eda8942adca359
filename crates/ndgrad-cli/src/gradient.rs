//! The gradient a call asks for, resolved from its flags, and the one place where the core's
//! errors are put in the user's words: the flag or the file each one concerns.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use ndgrad::{GradientOptions, Plan, Spacing};

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
}

impl Gradient {
    /// Options for `input`, with spacing still to be given.
    pub fn new(input: &Path, options: GradientOptions) -> Gradient {
        Gradient {
            options,
            input: input.to_path_buf(),
            spacing_from: Vec::new(),
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
    /// in the flags themselves are usage errors (exit code 2); a file whose contents do not
    /// fit (too few samples, coordinates of the wrong length) is a data error (exit code 1).
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
            E::ThreadPool { .. } => anyhow!("--threads: {e}"),
            other => anyhow!("{input}: {other}"),
        }
    }
}
