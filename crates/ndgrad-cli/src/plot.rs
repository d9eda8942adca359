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

/// One curve: its legend name and its values (one per x).
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// Draws `series` (top panel) and `derivatives` (bottom panel) against `x` into a PNG.
pub fn two_panels(
    path: &Path,
    x: &[f64],
    x_label: &str,
    derivative_label: &str,
    series: &[Series],
    derivatives: &[Series],
    size: (u32, u32),
) -> Result<()> {
    fonts();
    let (w, h) = size;
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("drawing: {e}"))?;
        let panels = root.split_evenly((2, 1));
        panel(&panels[0], x, x_label, "value", "Series", series)?;
        panel(
            &panels[1],
            x,
            x_label,
            derivative_label,
            "Derivative",
            derivatives,
        )?;
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

fn panel(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    x: &[f64],
    x_label: &str,
    y_label: &str,
    title: &str,
    series: &[Series],
) -> Result<()> {
    let err = |e: DrawingAreaErrorKind<_>| anyhow!("drawing: {e}");
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
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(err)?;
    for (k, s) in series.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        let points: Vec<(f64, f64)> = x
            .iter()
            .copied()
            .zip(s.values.iter().copied())
            .filter(|p| p.1.is_finite())
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(err)?
            .label(s.name.clone())
            .legend(move |(px, py)| {
                PathElement::new(vec![(px, py), (px + 20, py)], color.stroke_width(2))
            });
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(err)?;
    Ok(())
}
