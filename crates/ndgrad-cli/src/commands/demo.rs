//! `ndgrad demo`: the main jobs on sample data shipped inside the binary.

mod gappy;
mod vortices;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ndarray::{ArrayD, IxDyn};
use ndgrad::{Axes, AxisSpacing, Coordinates, EdgeOrder, GradientOptions, Spacing};
use serde_json::Value;

use super::flags::{Derivative, Scheme};
use super::say;
use crate::options::{Depth, NanPolicy, TimeUnit};

const TUTORIAL: &str = include_str!("../../../../data/tutorial_calls.json");
const IMAGE: &[u8] = include_bytes!("../../../../data/sample.png");
const SENSOR: &str = include_str!("../../../../data/sensor.csv");

/// Run ndgrad on bundled sample data: tutorial calls, an edge map, time-series derivatives,
/// vorticity and divergence.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad demo                 writes into ./ndgrad-demo
  ndgrad demo /tmp/out

Prints NumPy's true outputs for the calls of a widely read np.gradient tutorial (computed by
ndgrad and checked bit for bit against NumPy's, recorded in data/tutorial_calls.json), then
turns a small image into an edge map and an irregularly sampled time series into a
derivative table and a plot, charts a noisy series with gaps differentiated three ways
(np.gradient, --nan-policy omit, Savitzky-Golay) and draws the vorticity and divergence of a
velocity field as images.")]
pub struct Args {
    /// Folder for the demo's files (created if needed)
    #[arg(default_value = "ndgrad-demo")]
    pub dir: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    tutorial()?;
    images(&args.dir)?;
    series(&args.dir)?;
    gappy::run(&args.dir)?;
    vortices::run(&args.dir)?;
    say(format!("\nDone. Files are in {}/", args.dir.display()))
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn bits_to_f64(v: &Value) -> Vec<f64> {
    list(v)
        .iter()
        .filter_map(Value::as_u64)
        .map(f64::from_bits)
        .collect()
}

/// The tutorial calls: computed by ndgrad, compared with NumPy's recorded bits.
fn tutorial() -> Result<()> {
    let doc: Value = serde_json::from_str(TUTORIAL).context("bundled tutorial data")?;
    say(format!(
        "1. The calls of a widely read np.gradient tutorial, with NumPy {}'s true outputs\n   \
         (several outputs printed in that tutorial are wrong):\n",
        doc["numpy_version"].as_str().unwrap_or("2")
    ))?;
    let mut all_equal = true;
    for call in list(&doc["calls"]) {
        let f = &call["f"];
        let shape: Vec<usize> = list(&f["shape"])
            .iter()
            .filter_map(Value::as_u64)
            .map(|d| d as usize)
            .collect();
        let data = ArrayD::from_shape_vec(IxDyn(&shape), bits_to_f64(&f["bits"]))?;
        let spacing: Vec<AxisSpacing> = list(&call["spacing"])
            .iter()
            .map(|s| {
                let x = bits_to_f64(&s["bits"]);
                AxisSpacing::Coordinates(Coordinates::F64(
                    ArrayD::from_shape_vec(IxDyn(&[x.len()]), x).expect("1-D"),
                ))
            })
            .collect();
        let mut options = GradientOptions::new().with_spacing(Spacing::from_varargs(spacing));
        if let Some(axis) = call["axis"].as_i64() {
            options.axes = Axes::List(vec![axis as isize]);
        }
        let plan = ndgrad::Plan::with_numpy_edge_order(
            &shape,
            &options,
            call["edge_order"].as_i64().unwrap_or(1),
        )?;
        let ours = plan.gradient(data.view())?;
        let numpy = list(&call["numpy"]);
        let equal = ours.len() == numpy.len()
            && ours.iter().zip(numpy).all(|(a, b)| {
                let want = bits_to_f64(&b["bits"]);
                a.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
            });
        all_equal &= equal;
        say(format!(">>> {}", call["call"].as_str().unwrap_or("?")))?;
        let reprs: Vec<&str> = numpy
            .iter()
            .map(|r| r["repr"].as_str().unwrap_or("?"))
            .collect();
        let text = if reprs.len() == 1 {
            reprs[0].to_string()
        } else {
            format!("({})", reprs.join(", "))
        };
        say(format!(
            "{text}\n    {}\n",
            if equal {
                "ndgrad = NumPy, bit for bit"
            } else {
                "DIFFERS FROM NUMPY"
            }
        ))?;
    }
    if !all_equal {
        anyhow::bail!("a tutorial result differs from NumPy's");
    }
    Ok(())
}

fn images(dir: &Path) -> Result<()> {
    let input = dir.join("sample.png");
    std::fs::write(&input, IMAGE).with_context(|| format!("cannot write {}", input.display()))?;
    let edges = dir.join("edges.png");
    let direction = dir.join("direction.png");
    super::edges::run(super::edges::Args {
        image: input.clone(),
        output: edges.clone(),
        direction: Some(direction.clone()),
        depth: Depth::Eight,
    })?;
    say(format!(
        "2. Edge map of {}: gradient magnitude -> {}, direction (hue) -> {}",
        input.display(),
        edges.display(),
        direction.display()
    ))
}

fn series(dir: &Path) -> Result<()> {
    let input = dir.join("sensor.csv");
    std::fs::write(&input, SENSOR).with_context(|| format!("cannot write {}", input.display()))?;
    let rates = dir.join("sensor_rates.csv");
    super::grad::run(super::grad::Args {
        input: input.clone(),
        output: rates.clone(),
        scheme: Scheme {
            axes: vec![],
            spacing: vec![],
            accuracy: None,
            window_length: None,
            polyorder: None,
            boundary: vec![],
            period: vec![],
            nan_policy: NanPolicy::Propagate,
            threads: None,
            time_unit: TimeUnit::H,
        },
        derivative: Derivative {
            edge_order: Some(EdgeOrder::Second),
            deriv: 1,
        },
        key: None,
        x: Some("time".into()),
        memory_limit: None,
        quiet: true,
        stats: false,
    })?;
    let plot = dir.join("sensor_plot.png");
    super::plot::run(super::plot::Args {
        table: input.clone(),
        x: Some("time".into()),
        y: vec![],
        output: plot.clone(),
        time_unit: TimeUnit::H,
        edge_order: EdgeOrder::Second,
    })?;
    say(format!(
        "3. Irregularly sampled series {}: d/dtime per hour (edge order 2) -> {}, chart -> {}",
        input.display(),
        rates.display(),
        plot.display()
    ))
}
