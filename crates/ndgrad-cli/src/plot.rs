//! Charts of series and their derivatives (two panels) as PNG, drawn with plotters and the
//! DejaVu font embedded in the binary (no system fonts needed).

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

const FONT: &str = "sans-serif";
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; registration cannot fail on it.
        let _ = register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// One curve: its legend name, its values (one per x; NaN is a gap in the line) and how it
/// is drawn.
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    pub style: Style,
}

/// How a curve is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line with a dot on each sample: for a few dozen samples.
    LineAndDots,
    /// A line of this width in pixels: for hundreds of samples, where dots hide each other.
    Line(u32),
    /// A wide pale line, for a curve drawn first that others cover where they coincide: its
    /// edges stay visible around them, and it shows alone where they have gaps.
    Band,
}

impl Style {
    fn stroke(self, color: RGBColor) -> ShapeStyle {
        match self {
            Style::LineAndDots => color.stroke_width(2),
            Style::Line(width) => color.stroke_width(width),
            Style::Band => color.mix(0.45).stroke_width(8),
        }
    }
}

/// One panel of a chart: its title, the label of its y axis, its curves (drawn in order,
/// later ones on top) and where the legend goes.
pub struct Panel<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Series],
    pub legend: SeriesLabelPosition,
}

/// Draws two panels (typically series on top, their derivatives below) against `x` into a
/// PNG of `size` pixels.
pub fn two_panels(
    path: &Path,
    x: &[f64],
    x_label: &str,
    panels: [Panel; 2],
    size: (u32, u32),
) -> Result<()> {
    fonts();
    let (w, h) = size;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("drawing: {e}"))?;
        for (area, p) in root.split_evenly((2, 1)).iter().zip(panels) {
            panel(area, x, x_label, p)?;
        }
        root.present().map_err(|e| anyhow!("drawing: {e}"))?;
    }
    crate::images::save_rgb(path, w as usize, h as usize, rgb)
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
    (lo - pad, hi + pad)
}

/// Values this large are drawn divided by a power of ten: near the largest float, an
/// axis's span (and plotters' tick arithmetic on it) would overflow to infinity.
const LARGEST_DRAWN: f64 = 1e300;

/// The power of ten that brings `values` within [`LARGEST_DRAWN`] (0: drawn as they are).
fn exponent(values: impl Iterator<Item = f64>) -> i32 {
    let largest = values
        .filter(|v| v.is_finite())
        .fold(0.0, |m: f64, v| m.max(v.abs()));
    if largest < LARGEST_DRAWN {
        0
    } else {
        largest.log10().floor() as i32
    }
}

/// `values` divided by `10^e`.
fn scaled(values: &[f64], e: i32) -> Vec<f64> {
    let f = 10f64.powi(e);
    values.iter().map(|v| v / f).collect()
}

/// `label`, saying when its values are drawn divided by `10^e`.
fn scaled_label(label: &str, e: i32) -> String {
    if e == 0 {
        label.to_string()
    } else {
        format!("{label} (x 1e{e})")
    }
}

fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    x: &[f64],
    x_label: &str,
    Panel {
        title,
        y_label,
        series,
        legend,
    }: Panel,
) -> Result<()> {
    let err = |e: DrawingAreaErrorKind<_>| anyhow!("drawing: {e}");
    let ex = exponent(x.iter().copied());
    let (x, x_label) = (scaled(x, ex), scaled_label(x_label, ex));
    let ey = exponent(series.iter().flat_map(|s| s.values.iter().copied()));
    let y_label = scaled_label(y_label, ey);
    let series: Vec<Series> = series
        .iter()
        .map(|s| Series {
            name: s.name.clone(),
            values: scaled(&s.values, ey),
            style: s.style,
        })
        .collect();
    let x = x.as_slice();
    let (x0, x1) = range(x.iter().copied());
    let (y0, y1) = range(series.iter().flat_map(|s| s.values.iter().copied()));
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label.as_str())
        .y_desc(y_label.as_str())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(err)?;
    for (k, s) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let stroke = s.style.stroke(color);
        let runs = finite_runs(x, &s.values);
        // Each run of finite values is its own line, so a missing value shows as a gap
        // instead of a straight line drawn across it; the legend entry comes once.
        for (r, run) in runs.iter().enumerate() {
            let line = chart
                .draw_series(LineSeries::new(run.clone(), stroke))
                .map_err(err)?;
            if r == 0 {
                line.label(s.name.clone()).legend(move |(px, py)| {
                    PathElement::new(vec![(px, py), (px + 20, py)], stroke)
                });
            }
        }
        if s.style == Style::LineAndDots {
            chart
                .draw_series(
                    runs.concat()
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .map_err(err)?;
        }
    }
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// The points `(x, value)` split at every non-finite value into runs of finite ones.
fn finite_runs(x: &[f64], values: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (&x, &v) in x.iter().zip(values) {
        if v.is_finite() && x.is_finite() {
            runs.last_mut().expect("never empty").push((x, v));
        } else if !runs.last().expect("never empty").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

#[cfg(test)]
mod tests {
    use super::finite_runs;

    #[test]
    fn nan_breaks_a_line_into_runs() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let v = [f64::NAN, 1.0, 2.0, f64::NAN, f64::NAN, 5.0, f64::INFINITY];
        assert_eq!(
            finite_runs(&x, &v),
            vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(5.0, 5.0)]]
        );
        assert!(finite_runs(&x, &[f64::NAN; 7]).is_empty());
    }
}
