//! `ndgrad edges`: gradient magnitude (and direction) of an image.

use std::path::PathBuf;

use anyhow::Result;
use ndarray::{Array2, Zip};
use ndgrad::{GradientOptions, gradient};

use crate::files::{Format, refuse_overwrite};
use crate::{UsageError, images};

/// Edge map of an image: the gradient magnitude hypot(d/dy, d/dx), scaled to the full range.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad edges photo.png -o edges.png
  ndgrad edges scan.tif -o edges.png --depth 16 --direction direction.png

Color images are converted to luminance first. --direction writes the gradient direction as
color: hue = angle of (d/dx, d/dy), brightness = magnitude.")]
pub struct Args {
    /// Input image: .png, .tif or .jpg (8- or 16-bit, gray or color)
    pub image: PathBuf,
    /// Output edge map (.png or .tif)
    #[arg(short, long)]
    pub output: PathBuf,
    /// Also write the gradient direction as a color image
    #[arg(long)]
    pub direction: Option<PathBuf>,
    /// Bits per sample of the edge map: 8 or 16
    #[arg(long, default_value_t = 8)]
    pub depth: u8,
}

pub fn run(args: Args) -> Result<()> {
    if Format::of(&args.image)? != Format::Image {
        return Err(UsageError(format!(
            "{}: edges needs an image (.png, .tif, .jpg)",
            args.image.display()
        ))
        .into());
    }
    if args.depth != 8 && args.depth != 16 {
        return Err(UsageError(format!("--depth {} is not 8 or 16", args.depth)).into());
    }
    refuse_overwrite(&args.output, &[&args.image])?;
    if let Some(d) = &args.direction {
        refuse_overwrite(d, &[&args.image, &args.output])?;
    }
    let f = images::read_luminance(&args.image)?;
    let (gy, gx) = gradients(&f)?;
    let magnitude = Zip::from(&gy).and(&gx).map_collect(|&y, &x| y.hypot(x));
    let max = magnitude
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let unit = magnitude.mapv(|m| {
        if max > 0.0 {
            (m / max).clamp(0.0, 1.0)
        } else {
            0.0
        }
    });
    images::save_gray(&args.output, unit.view(), args.depth)?;
    if let Some(path) = &args.direction {
        let (h, w) = f.dim();
        let mut rgb = Vec::with_capacity(h * w * 3);
        Zip::from(&gy).and(&gx).and(&unit).for_each(|&y, &x, &v| {
            rgb.extend(images::hsv_to_rgb(y.atan2(x).to_degrees(), 1.0, v));
        });
        images::save_rgb(path, w, h, rgb)?;
    }
    Ok(())
}

/// d/dy (rows) and d/dx (columns) of an image with unit spacing, as np.gradient gives them.
pub fn gradients(f: &Array2<f64>) -> Result<(Array2<f64>, Array2<f64>)> {
    if f.nrows() < 2 || f.ncols() < 2 {
        anyhow::bail!(
            "the image is {}x{} pixels; edges need at least 2x2",
            f.ncols(),
            f.nrows()
        );
    }
    let mut g = gradient(f.view(), &GradientOptions::new())?;
    let gx = g.pop().expect("two axes");
    let gy = g.pop().expect("two axes");
    Ok((gy, gx))
}
