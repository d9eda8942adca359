//! `grad`'s flags, resolved once into the job every path runs: the checks that need no data
//! come first, the same whichever way the file will be read.

use std::path::{Path, PathBuf};

use anyhow::Result;
use ndgrad::{Axes, Boundaries, Boundary, GradientOptions};

use super::Args;
use crate::UsageError;
use crate::files::{Format, refuse_overwrite, require};
use crate::gradient::Gradient;
use crate::options::{self, TimeUnit};
use crate::spacing;

/// A validated `grad` call.
pub struct GradJob {
    pub input: PathBuf,
    pub output: PathBuf,
    /// Axes, spacing (for tables with `--x`: still to come from the table), edge order and
    /// threads.
    pub gradient: Gradient,
    pub mode: Mode,
}

/// How the input is read and the output written.
pub enum Mode {
    /// An .npy, .npz or image file read whole.
    InMemory {
        format: Format,
        key: Option<String>,
        output: ArrayOutput,
    },
    /// Every numeric column of a table, against `--x` or the spacing.
    Table {
        x: Option<String>,
        time_unit: TimeUnit,
    },
    /// `--memory-limit`: an .npy file in slabs, to one .npy per axis.
    Streamed {
        memory_limit: usize,
        progress: bool,
        stats: bool,
    },
}

/// What an array gradient is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayOutput {
    Npy,
    Npz,
}

impl Args {
    /// Checks the flags against each other and the file types, and reads the coordinate
    /// files; what remains to check needs the input's shape ([`Gradient::plan`]).
    pub fn resolve(self) -> Result<GradJob> {
        let in_format = Format::of(&self.input)?;
        let out_format = Format::of(&self.output)?;
        let mut inputs = vec![self.input.as_path()];
        inputs.extend(
            self.spacing
                .iter()
                .filter(|v| spacing::is_file(v))
                .map(Path::new),
        );
        refuse_overwrite(&self.output, &inputs)?;
        let mode = self.mode(in_format, out_format)?;
        let (boundary, boundary_from) = self.boundaries()?;
        self.check_scheme(&boundary)?;
        let mut options = GradientOptions::new().deriv(self.deriv);
        if let Some(e) = self.edge_order {
            options = options.edge_order(e);
        }
        if let Some(p) = self.accuracy {
            options = options.accuracy(p);
        }
        if let (Some(w), Some(d)) = (self.window_length, self.polyorder) {
            options = options.savgol(w, d);
        }
        options.boundary = boundary;
        if let Some(n) = self.threads {
            options = options.threads(n.get());
        }
        if !self.axes.is_empty() {
            options.axes = Axes::List(self.axes.clone());
        }
        let (spacing, from) = spacing::parse(&self.spacing, self.time_unit)?;
        let mut gradient = Gradient::new(&self.input, options).with_spacing(spacing, from);
        gradient.boundary_from = boundary_from;
        Ok(GradJob {
            gradient,
            input: self.input,
            output: self.output,
            mode,
        })
    }

    /// `--boundary` and `--period` as the core's boundaries, and the flag that sets their
    /// count (for a wrong count's message). One `--period` applies to every periodic axis;
    /// several give one per axis, like `--boundary`, and only periodic axes may have one.
    fn boundaries(&self) -> Result<(Boundaries, &'static str)> {
        let (modes, periods) = (&self.boundary, &self.period);
        let mut per_axis: Vec<Boundary> = match modes.as_slice() {
            [] if !periods.is_empty() => {
                return Err(usage(&format!(
                    "--period {} applies to periodic axes; add --boundary periodic",
                    period_text(periods[0])
                )));
            }
            [] => vec![Boundary::OneSided],
            [mode] => vec![*mode; periods.len().max(1)],
            many => many.to_vec(),
        };
        if periods.len() > 1 && modes.len() > 1 && periods.len() != modes.len() {
            return Err(usage(&format!(
                "{} --boundary values but {} --period values; give one --period for every \
                 periodic axis, or one per --boundary (none where an axis has no period)",
                modes.len(),
                periods.len()
            )));
        }
        match periods.as_slice() {
            [] => {}
            [period] => {
                if !per_axis
                    .iter()
                    .any(|b| matches!(b, Boundary::Periodic { .. }))
                {
                    let given: Vec<String> = modes
                        .iter()
                        .map(|b| format!("--boundary {}", options::boundary_text(*b)))
                        .collect();
                    return Err(usage(&format!(
                        "--period {} is given but no axis is periodic ({}); use --boundary \
                         periodic or drop --period",
                        period_text(*period),
                        given.join(" ")
                    )));
                }
                for b in &mut per_axis {
                    if let Boundary::Periodic { period: p } = b {
                        *p = *period;
                    }
                }
            }
            many => {
                for (position, (b, period)) in per_axis.iter_mut().zip(many).enumerate() {
                    match (b, period) {
                        (Boundary::Periodic { period: p }, _) => *p = *period,
                        (_, None) => {}
                        (b, Some(p)) => {
                            return Err(usage(&format!(
                                "--period {p} (value {} of {}) is for an axis whose --boundary \
                                 is {}; only periodic axes have a period: give none there",
                                position + 1,
                                many.len(),
                                options::boundary_text(*b)
                            )));
                        }
                    }
                }
            }
        }
        let from = if modes.len() <= 1 && periods.len() > 1 {
            "--period"
        } else {
            "--boundary"
        };
        Ok(match per_axis.as_slice() {
            [one] => (Boundaries::Same(*one), from),
            _ => (Boundaries::PerAxis(per_axis), from),
        })
    }

    /// `--edge-order` chooses NumPy's one-sided ends: it cannot go with `--accuracy` (which
    /// sets the ends too), a higher derivative or another boundary (which run at accuracy 2
    /// or more). `--window-length` and `--polyorder` come together, without `--accuracy`
    /// or `--edge-order`.
    fn check_scheme(&self, boundary: &Boundaries) -> Result<()> {
        match (self.window_length, self.polyorder) {
            (None, None) => {}
            (Some(w), None) => {
                return Err(usage(&format!(
                    "--window-length {w} needs --polyorder D, the degree of the polynomial \
                     fitted over the window"
                )));
            }
            (None, Some(d)) => {
                return Err(usage(&format!(
                    "--polyorder {d} needs --window-length W, the samples the polynomial is \
                     fitted over"
                )));
            }
            (Some(w), Some(_)) => {
                if let Some(p) = self.accuracy {
                    return Err(usage(&format!(
                        "give --accuracy or --window-length/--polyorder, not both: --accuracy \
                         {p} asks for finite differences, --window-length {w} for a \
                         Savitzky-Golay fit"
                    )));
                }
                if self.edge_order.is_some() {
                    return Err(usage(
                        "--edge-order applies to np.gradient's differences; the \
                         Savitzky-Golay fit of --window-length sets the ends too: drop \
                         --edge-order",
                    ));
                }
            }
        }
        let Some(edge_order) = self.edge_order else {
            return Ok(());
        };
        let e = match edge_order {
            ndgrad::EdgeOrder::First => 1,
            ndgrad::EdgeOrder::Second => 2,
        };
        if let Some(p) = self.accuracy {
            return Err(usage(&format!(
                "give --accuracy or --edge-order, not both: --accuracy {p} sets the ends too \
                 (--edge-order 2 is --accuracy 2)"
            )));
        }
        if self.deriv >= 2 {
            return Err(usage(&format!(
                "--edge-order {e} applies to first derivatives; --deriv {} uses --accuracy \
                 (2 unless given): drop --edge-order",
                self.deriv
            )));
        }
        let modes = match boundary {
            Boundaries::Same(b) => std::slice::from_ref(b),
            Boundaries::PerAxis(v) => v.as_slice(),
        };
        if let Some(b) = modes.iter().find(|b| !options::is_one_sided(**b)) {
            return Err(usage(&format!(
                "--edge-order {e} applies to one-sided ends; --boundary {} uses --accuracy \
                 (2 unless given): drop --edge-order",
                options::boundary_text(*b)
            )));
        }
        Ok(())
    }

    fn mode(&self, input: Format, output: Format) -> Result<Mode> {
        let table = input.is_table();
        if self.x.is_some() && !table {
            return Err(usage(
                "--x applies to .csv/.tsv tables; for arrays give --spacing",
            ));
        }
        if let Some(memory_limit) = self.memory_limit {
            if input != Format::Npy || output != Format::Npy {
                return Err(usage(
                    "--memory-limit streams .npy files: give an .npy input and an .npy output",
                ));
            }
            return Ok(Mode::Streamed {
                memory_limit,
                progress: !self.quiet,
                stats: self.stats,
            });
        }
        if table {
            return self.table_mode();
        }
        let output = match require(
            &self.output,
            |f| matches!(f, Format::Npy | Format::Npz),
            "array gradients are written as .npy or .npz",
        )? {
            Format::Npy => ArrayOutput::Npy,
            _ => ArrayOutput::Npz,
        };
        Ok(Mode::InMemory {
            format: input,
            key: self.key.clone(),
            output,
        })
    }

    fn table_mode(&self) -> Result<Mode> {
        require(
            &self.output,
            Format::is_table,
            "a table's derivatives are written as .csv or .tsv",
        )?;
        if self.axes.iter().any(|&a| a != 0 && a != -1) {
            return Err(usage("a table's columns are 1-D: --axis can only be 0"));
        }
        if self.x.is_some() && !self.spacing.is_empty() {
            return Err(usage("give either --x COLUMN or --spacing, not both"));
        }
        Ok(Mode::Table {
            x: self.x.clone(),
            time_unit: self.time_unit,
        })
    }
}

/// A `--period` value as written.
fn period_text(period: Option<f64>) -> String {
    period.map_or_else(|| "none".into(), |p| p.to_string())
}

fn usage(message: &str) -> anyhow::Error {
    UsageError(message.to_string()).into()
}
