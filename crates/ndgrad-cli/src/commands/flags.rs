//! The flags that say how to differentiate, shared by `grad` and the vector-calculus
//! subcommands, and the one step that resolves them into a [`Gradient`]: the checks that
//! need no data, the same for every subcommand.

use std::num::NonZeroUsize;
use std::path::Path;

use anyhow::Result;
use ndgrad::{Axes, Boundaries, Boundary, EdgeOrder, GradientOptions};

use crate::UsageError;
use crate::gradient::Gradient;
use crate::options::{self, TimeUnit};
use crate::spacing;

/// Axes, spacing, accuracy, smoothing, boundaries, NaN policy and threads.
#[derive(clap::Args, Clone)]
pub struct Scheme {
    /// Axis to differentiate (repeatable; negative counts from the end; default: all)
    #[arg(long = "axis", allow_negative_numbers = true)]
    pub axes: Vec<isize>,
    /// Sample spacing: a number or a coordinate file (repeatable, one per axis)
    #[arg(long = "spacing", allow_negative_numbers = true)]
    pub spacing: Vec<String>,
    /// Order of accuracy at every point, ends included: 2, 4, 6 or 8 (replaces
    /// --edge-order)
    #[arg(long, value_name = "P", allow_negative_numbers = true,
          value_parser = options::accuracy)]
    pub accuracy: Option<u8>,
    /// Savitzky-Golay window: W samples (odd, up to 25) fitted by a polynomial of degree
    /// --polyorder (replaces --accuracy and --edge-order)
    #[arg(long, value_name = "W", allow_negative_numbers = true)]
    pub window_length: Option<usize>,
    /// Degree of the Savitzky-Golay polynomial: --deriv to 12, below --window-length
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub polyorder: Option<usize>,
    /// Beyond the ends: one-sided, periodic, reflect, constant:VALUE or LEFT,RIGHT
    /// (repeatable, one per axis)
    #[arg(long, value_name = "MODE", value_parser = options::boundary)]
    pub boundary: Vec<Boundary>,
    /// Period of a periodic axis, in spacing units, or none (repeatable, one per axis)
    #[arg(long, value_name = "P", allow_negative_numbers = true,
          value_parser = options::period)]
    pub period: Vec<Option<f64>>,
    /// What NaN samples mean: propagate (NumPy's), omit (reach across gaps), split (runs
    /// between NaN differentiated on their own) or raise (an error naming the first NaN)
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = options::NanPolicy::Propagate)]
    pub nan_policy: options::NanPolicy,
    /// Worker threads (default: all cores)
    #[arg(long, value_name = "N", value_parser = options::threads)]
    pub threads: Option<NonZeroUsize>,
    /// Unit of date-time coordinates (a table's --x column, datetime64 .npy --spacing files)
    #[arg(long, value_enum, default_value_t = TimeUnit::S)]
    pub time_unit: TimeUnit,
}

/// The derivative's order and NumPy's edge order (not for the Laplacian, whose order is 2).
#[derive(clap::Args, Clone)]
pub struct Derivative {
    /// Accuracy of np.gradient's one-sided differences at the ends: 1 or 2 [default: 1]
    #[arg(long, allow_negative_numbers = true, value_parser = options::edge_order())]
    pub edge_order: Option<EdgeOrder>,
    /// Order of the derivative: 1 to 4
    #[arg(long, value_name = "K", default_value = "1", allow_negative_numbers = true,
          value_parser = options::deriv)]
    pub deriv: u8,
}

impl Derivative {
    /// What a command without `--deriv` and `--edge-order` differentiates with.
    pub const FIRST: Derivative = Derivative {
        edge_order: None,
        deriv: 1,
    };
}

impl Scheme {
    /// The `--spacing` values that are coordinate files (inputs an output must not replace).
    pub fn spacing_files(&self) -> impl Iterator<Item = &Path> {
        self.spacing
            .iter()
            .filter(|v| spacing::is_file(v))
            .map(Path::new)
    }

    /// Checks the flags against each other and reads the coordinate files: the gradient of
    /// `input`, with what remains to check needing its shape ([`Gradient::plan`]).
    pub fn resolve(&self, derivative: &Derivative, input: &Path) -> Result<Gradient> {
        let (boundary, boundary_from) = self.boundaries()?;
        self.check_scheme(derivative, &boundary)?;
        let mut options = GradientOptions::new().deriv(derivative.deriv);
        if let Some(e) = derivative.edge_order {
            options = options.edge_order(e);
        }
        if let Some(p) = self.accuracy {
            options = options.accuracy(p);
        }
        if let (Some(w), Some(d)) = (self.window_length, self.polyorder) {
            options = options.savgol(w, d);
        }
        options.boundary = boundary;
        options = options.nan_policy(self.nan_policy.into());
        if let Some(n) = self.threads {
            options = options.threads(n.get());
        }
        if !self.axes.is_empty() {
            options.axes = Axes::List(self.axes.clone());
        }
        let (spacing, from) = spacing::parse(&self.spacing, self.time_unit)?;
        let mut gradient = Gradient::new(input, options).with_spacing(spacing, from);
        gradient.boundary_from = boundary_from;
        Ok(gradient)
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
    fn check_scheme(&self, derivative: &Derivative, boundary: &Boundaries) -> Result<()> {
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
                if derivative.edge_order.is_some() {
                    return Err(usage(
                        "--edge-order applies to np.gradient's differences; the \
                         Savitzky-Golay fit of --window-length sets the ends too: drop \
                         --edge-order",
                    ));
                }
            }
        }
        let Some(edge_order) = derivative.edge_order else {
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
        if derivative.deriv >= 2 {
            return Err(usage(&format!(
                "--edge-order {e} applies to first derivatives; --deriv {} uses --accuracy \
                 (2 unless given): drop --edge-order",
                derivative.deriv
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
}

/// A `--period` value as written.
fn period_text(period: Option<f64>) -> String {
    period.map_or_else(|| "none".into(), |p| p.to_string())
}

fn usage(message: &str) -> anyhow::Error {
    UsageError(message.to_string()).into()
}
