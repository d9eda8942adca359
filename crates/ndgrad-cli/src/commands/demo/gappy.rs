//! Demo part 4: a noisy, gappy, irregularly sampled series differentiated three ways and
//! drawn in one chart: NumPy's semantics, `nan_policy=omit`, and Savitzky–Golay with omit.

use std::path::Path;

use anyhow::{Context, Result};
use ndarray::ArrayView1;
use ndgrad::{AxisSpacing, EdgeOrder, GradientOptions, NanPolicy};
use plotters::chart::SeriesLabelPosition;

use crate::commands::say;
use crate::options::TimeUnit;
use crate::plot::{Panel, Series, Style, two_panels};
use crate::table;

/// Made by scripts/make_demo_data.py: 300 readings 5 to 15 minutes apart over two days,
/// missing ones as empty cells.
const DATA: &str = include_str!("../../../../../data/sensor_gappy.csv");

pub fn run(dir: &Path) -> Result<()> {
    let input = dir.join("sensor_gappy.csv");
    std::fs::write(&input, DATA).with_context(|| format!("cannot write {}", input.display()))?;
    // Read back as `ndgrad grad` reads it: empty cells become NaN, times hours since the
    // first reading.
    let t = table::read(&input, Some("time"), TimeUnit::H)?;
    let time = t.x.context("the bundled table has a time column")?;
    let (name, values) = t.columns.first().context("and a value column")?;
    let n = values.len();
    let missing = values.iter().filter(|v| v.is_nan()).count();

    let hours = GradientOptions::new().spacings([AxisSpacing::from(time.values.clone())]);
    // Away from the gaps np.gradient and omit agree bit for bit, so np.gradient is a wide
    // pale band under omit's line: the band shows alone nowhere, omit's line alone where
    // NaN spread in np.gradient (the samples next to each missing one).
    let ways = [
        (
            "np.gradient (NaN spreads)",
            hours.clone().edge_order(EdgeOrder::Second),
            Style::Band,
        ),
        (
            "nan_policy=omit",
            hours
                .clone()
                .edge_order(EdgeOrder::Second)
                .nan_policy(NanPolicy::Omit),
            Style::Line(2),
        ),
        (
            "Savitzky-Golay 15/3 + omit",
            hours.savgol(15, 3).nan_policy(NanPolicy::Omit),
            Style::Line(3),
        ),
    ];
    let mut rates = Vec::with_capacity(ways.len());
    for (label, options, style) in ways {
        let d = ndgrad::gradient(ArrayView1::from(values), &options)?.remove(0);
        rates.push(Series {
            name: label.into(),
            values: d.to_vec(),
            style,
        });
    }
    let nan_counts: Vec<String> = rates
        .iter()
        .map(|s| s.values.iter().filter(|v| v.is_nan()).count().to_string())
        .collect();
    // Checked, not assumed: omit runs NumPy's formulas on the valid samples, so wherever
    // np.gradient has a value omit has the same bits.
    let (numpy, omit) = (&rates[0].values, &rates[1].values);
    let same = numpy
        .iter()
        .zip(omit)
        .filter(|(a, b)| !a.is_nan() && a.to_bits() == b.to_bits())
        .count();
    let finite = numpy.iter().filter(|v| !v.is_nan()).count();

    let chart = dir.join("sensor_gappy_plot.png");
    let data = [Series {
        name: format!("{name} (°C)"),
        values: values.clone(),
        style: Style::LineAndDots,
    }];
    let title = format!("{name}: {n} readings 5-15 min apart, {missing} missing");
    two_panels(
        &chart,
        &time.values,
        &format!("{} (h since {})", time.name, time.cells[0]),
        [
            Panel {
                title: &title,
                y_label: "°C",
                series: &data,
                legend: SeriesLabelPosition::UpperLeft,
            },
            Panel {
                title: &format!("d{name}/d{}, three ways", time.name),
                y_label: "°C per hour",
                series: &rates,
                legend: SeriesLabelPosition::UpperLeft,
            },
        ],
        (1200, 800),
    )?;
    say(format!(
        "4. Gappy noisy series {} ({n} uneven readings, {missing} missing): d/dtime per hour as \
         np.gradient, nan_policy=omit and Savitzky-Golay 15/3 + omit\n   \
         (NaN rates: {}; omit = np.gradient bit for bit at {same} of np.gradient's {finite}) \
         -> chart {}",
        input.display(),
        nan_counts.join(", "),
        chart.display()
    ))
}
