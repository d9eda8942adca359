//! `ndgrad edges`: gradient magnitude (and direction) of an image.

use std::path::PathBuf;

use anyhow::Result;
use ndarray::{Array2, Zip};
use ndgrad::GradientOptions;

use crate::files::{Format, refuse_overwrite, require, same_place};
use crate::gradient::Gradient;
use crate::images;
use crate::options::Depth;

/// Edge map of an image: the gradient magnitude sqrt(dy*dy + dx*dx), scaled to the full range.
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
    /// Bits per sample of the edge map
    #[arg(long, value_enum, default_value_t = Depth::Eight)]
    pub depth: Depth,
}

/// A validated `edges` call.
struct EdgesJob {
    image: PathBuf,
    output: PathBuf,
    direction: Option<PathBuf>,
    depth: Depth,
    /// Every axis, unit spacing: `np.gradient(image)`.
    gradient: Gradient,
}

impl Args {
    /// Checks the files' types and that no output overwrites an input.
    fn resolve(self) -> Result<EdgesJob> {
        require(
            &self.image,
            |f| f == Format::Image,
            "edges needs an image (.png, .tif, .jpg)",
        )?;
        refuse_overwrite(&self.output, &[&self.image])?;
        images::format_of(&self.output)?;
        if let Some(d) = &self.direction {
            refuse_overwrite(d, &[&self.image])?;
            images::format_of(d)?;
            if same_place(d, &self.output) {
                return Err(crate::UsageError(format!(
                    "--direction {} names the -o file; give the direction image another name",
                    d.display()
                ))
                .into());
            }
        }
        Ok(EdgesJob {
            gradient: Gradient::new(&self.image, GradientOptions::new()),
            image: self.image,
            output: self.output,
            direction: self.direction,
            depth: self.depth,
        })
    }
}

pub fn run(args: Args) -> Result<()> {
    let job = args.resolve()?;
    let f = images::read_luminance(&job.image)?;
    check_size(&f, &job.gradient)?;
    // One pass: sqrt(gy*gy + gx*gx), bit for bit NumPy's formula on the gradients.
    let magnitude = ndgrad::magnitude(f.view(), &job.gradient.options)
        .map_err(|e| job.gradient.explain(e, f.shape()))?;
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
    let mut outputs = vec![(
        job.output.as_path(),
        images::gray_image(unit.view(), job.depth)?,
    )];
    if let Some(path) = &job.direction {
        let (gy, gx) = gradients(&f, &job.gradient)?;
        let (h, w) = f.dim();
        let mut rgb = Vec::with_capacity(h * w * 3);
        Zip::from(&gy).and(&gx).and(&unit).for_each(|&y, &x, &v| {
            rgb.extend(images::hsv_to_rgb(y.atan2(x).to_degrees(), 1.0, v));
        });
        outputs.push((path.as_path(), images::rgb_image(w, h, rgb)?));
    }
    // Both images or neither.
    images::save_all(outputs)
}

/// Edges need 2x2 pixels at least.
fn check_size(f: &Array2<f64>, gradient: &Gradient) -> Result<()> {
    if f.nrows() < 2 || f.ncols() < 2 {
        anyhow::bail!(
            "{}: the image is {}x{} pixels; edges need at least 2x2",
            gradient.input.display(),
            f.ncols(),
            f.nrows()
        );
    }
    Ok(())
}

/// d/dy (rows) and d/dx (columns) of an image, as np.gradient gives them.
fn gradients(f: &Array2<f64>, gradient: &Gradient) -> Result<(Array2<f64>, Array2<f64>)> {
    let mut g = gradient
        .plan(f.shape())?
        .gradient(f.view())
        .map_err(|e| gradient.explain(e, f.shape()))?;
    let gx = g.pop().expect("two axes");
    let gy = g.pop().expect("two axes");
    Ok((gy, gx))
}
