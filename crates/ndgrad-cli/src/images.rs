//! Images in and out: 8/16-bit gray or color PNG, TIFF and JPEG.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use image::{DynamicImage, ImageBuffer, ImageFormat, Pixel};
use ndarray::{Array2, ArrayView2};

use crate::files::{publish, temporary_for};
use crate::options::Depth;

/// An image as a 2-D float64 array (rows, columns) of its raw sample values; color images
/// become luminance `(0.299 R + 0.587 G) + 0.114 B` (ITU-R BT.601), alpha is ignored.
pub fn read_luminance(path: &Path) -> Result<Array2<f64>> {
    // Read once: the bytes serve both the completeness check and the decoder.
    let bytes = std::fs::read(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes.as_slice()))
        .with_guessed_format()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
        bail!(
            "{}: truncated JPEG (the image data has no end marker); the decoder would fill \
             the missing part with gray",
            path.display()
        );
    }
    let img = reader
        .decode()
        .with_context(|| format!("{}: not a readable image", path.display()))?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let values: Vec<f64> = match &img {
        DynamicImage::ImageLuma8(i) => gray(i),
        DynamicImage::ImageLuma16(i) => gray(i),
        DynamicImage::ImageLumaA8(i) => gray(i),
        DynamicImage::ImageLumaA16(i) => gray(i),
        DynamicImage::ImageRgb8(i) => luminance(i),
        DynamicImage::ImageRgba8(i) => luminance(i),
        DynamicImage::ImageRgb16(i) => luminance(i),
        DynamicImage::ImageRgba16(i) => luminance(i),
        other => bail!(
            "{}: unsupported pixel type {:?}; use 8- or 16-bit images",
            path.display(),
            other.color()
        ),
    };
    Ok(Array2::from_shape_vec((h, w), values)?)
}

/// Whether a JPEG's last scan is followed by its end-of-image marker (`FF D9`). Inside
/// entropy-coded data a `FF` byte is always followed by `00` or a restart marker, so an
/// `FF D9` after the last start-of-scan (`FF DA`) can only be the real end; a file cut short
/// has none (an embedded thumbnail's end marker comes before the main image's scans).
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

/// The first channel of each pixel (gray, ignoring alpha), as raw sample values.
fn gray<P: Pixel>(img: &ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<f64>
where
    P::Subpixel: Into<f64>,
{
    img.pixels().map(|p| p.channels()[0].into()).collect()
}

/// `(0.299 R + 0.587 G) + 0.114 B` of each pixel (ITU-R BT.601), alpha ignored.
fn luminance<P: Pixel>(img: &ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<f64>
where
    P::Subpixel: Into<f64>,
{
    img.pixels()
        .map(|p| {
            let c = p.channels();
            let (r, g, b): (f64, f64, f64) = (c[0].into(), c[1].into(), c[2].into());
            (0.299 * r + 0.587 * g) + 0.114 * b
        })
        .collect()
}

/// The format to encode `path` in, from its extension: checked before any work, so a bad
/// output name fails before anything is written.
pub fn format_of(path: &Path) -> Result<ImageFormat> {
    match ImageFormat::from_path(path) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Tiff)) => Ok(f),
        _ => Err(crate::UsageError(format!(
            "{}: images are written as .png or .tif",
            path.display()
        ))
        .into()),
    }
}

/// Writes every image or none: each is encoded into a temporary file next to its target
/// first, and all are renamed into place only once every one is complete.
pub fn save_all(images: Vec<(&Path, DynamicImage)>) -> Result<()> {
    let mut staged = Vec::with_capacity(images.len());
    for (path, img) in images {
        let format = format_of(path)?;
        let mut tmp = temporary_for(path)?;
        let mut buf = std::io::Cursor::new(Vec::new());
        img.write_to(&mut buf, format)
            .with_context(|| format!("cannot encode {}", path.display()))?;
        tmp.as_file_mut()
            .write_all(buf.get_ref())
            .with_context(|| format!("cannot write {}", path.display()))?;
        staged.push((tmp, path));
    }
    for (tmp, path) in staged {
        publish(tmp, path)?;
    }
    Ok(())
}

/// Values in `0..=1` as an 8- or 16-bit gray image.
pub fn gray_image(unit: ArrayView2<f64>, depth: Depth) -> Result<DynamicImage> {
    let (h, w) = unit.dim();
    Ok(match depth {
        Depth::Eight => DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(
                w as u32,
                h as u32,
                unit.iter().map(|v| (v * 255.0).round() as u8).collect(),
            )
            .context("image buffer size")?,
        ),
        Depth::Sixteen => DynamicImage::ImageLuma16(
            image::ImageBuffer::from_raw(
                w as u32,
                h as u32,
                unit.iter().map(|v| (v * 65535.0).round() as u16).collect(),
            )
            .context("image buffer size")?,
        ),
    })
}

/// A color image from RGB bytes (row-major, 3 per pixel).
pub fn rgb_image(width: usize, height: usize, rgb: Vec<u8>) -> Result<DynamicImage> {
    let img =
        image::RgbImage::from_raw(width as u32, height as u32, rgb).context("image buffer size")?;
    Ok(DynamicImage::ImageRgb8(img))
}

/// Saves a color image from RGB bytes (row-major, 3 per pixel).
pub fn save_rgb(path: &Path, width: usize, height: usize, rgb: Vec<u8>) -> Result<()> {
    save_all(vec![(path, rgb_image(width, height, rgb)?)])
}

/// HSV (hue in degrees, saturation and value in 0..=1) to RGB bytes.
pub fn hsv_to_rgb(hue: f64, saturation: f64, value: f64) -> [u8; 3] {
    let c = value * saturation;
    let h = (hue.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = value - c;
    [r, g, b].map(|v| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8)
}

/// A diverging color for a signed value on the scale `-scale..=scale`: white at 0, shading
/// linearly to blue at `-scale` and red at `+scale` (ColorBrewer RdBu's ends), clamped
/// beyond. Sign and strength read at a glance, equal magnitudes weigh the same and 0 is
/// always white; NaN is mid-gray, so a missing value never passes for a zero.
pub fn diverging_rgb(value: f64, scale: f64) -> [u8; 3] {
    const BLUE: [f64; 3] = [33.0, 102.0, 172.0];
    const RED: [f64; 3] = [178.0, 24.0, 43.0];
    if value.is_nan() {
        return [128; 3];
    }
    let t = if scale > 0.0 {
        (value / scale).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let end = if t < 0.0 { BLUE } else { RED };
    end.map(|c| (255.0 + (c - 255.0) * t.abs()).round() as u8)
}

/// Saves a signed field as a color image (row 0 on top) with [`diverging_rgb`] on a scale
/// symmetric around 0, the largest finite magnitude; returns that scale.
pub fn save_diverging(path: &Path, field: ArrayView2<f64>) -> Result<f64> {
    let scale = field
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0, |m: f64, v| m.max(v.abs()));
    let (h, w) = field.dim();
    let rgb = field
        .iter()
        .flat_map(|&v| diverging_rgb(v, scale))
        .collect();
    save_rgb(path, w, h, rgb)?;
    Ok(scale)
}
