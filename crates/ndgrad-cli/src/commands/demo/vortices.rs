//! Demo part 5: the vorticity and divergence of a 2-D velocity field, as images.
//!
//! The field is made of parts whose derivatives are known exactly: two Gaussian vortices of
//! opposite sign (rotation, no divergence), a Gaussian source and sink (divergence, no
//! rotation) and a uniform strain (neither), so each image must show only its own parts.

use std::path::Path;

use anyhow::Result;
use ndarray::{Array2, s};
use ndgrad::{AxisSpacing, Curl, GradientOptions};

use crate::commands::say;
use crate::images::save_diverging;

/// Rows (y) and columns (x) of the grid, and its spacing.
const NY: usize = 200;
const NX: usize = 300;
const DY: f64 = 0.02;
const DX: f64 = 0.02;
/// Rate of the strain `u = a x, v = -a y`.
const STRAIN: f64 = 0.3;

/// A Gaussian bump `strength * exp(-r^2 / (2 width^2))` centred at (x, y): a vortex's
/// stream function or a source's velocity potential.
struct Bump {
    x: f64,
    y: f64,
    width: f64,
    strength: f64,
}

/// Stream functions: a positive bump turns counterclockwise, a negative one clockwise.
const VORTICES: [Bump; 2] = [
    Bump::new(1.9, 2.1, 0.45, 0.5),
    Bump::new(3.9, 1.8, 0.35, -0.3),
];
/// Potentials: the flow runs up a bump's slope (u = grad phi), so a pit is a source.
const SOURCES: [Bump; 2] = [
    Bump::new(3.0, 3.2, 0.3, -0.15),
    Bump::new(4.9, 0.8, 0.3, 0.15),
];

impl Bump {
    const fn new(x: f64, y: f64, width: f64, strength: f64) -> Bump {
        Bump {
            x,
            y,
            width,
            strength,
        }
    }

    /// (d/dx, d/dy, Laplacian) of the bump at (x, y).
    fn derivatives(&self, x: f64, y: f64) -> (f64, f64, f64) {
        let (rx, ry, w2) = (x - self.x, y - self.y, self.width * self.width);
        let g = self.strength * (-(rx * rx + ry * ry) / (2.0 * w2)).exp();
        (
            -rx / w2 * g,
            -ry / w2 * g,
            g * ((rx * rx + ry * ry) / (w2 * w2) - 2.0 / w2),
        )
    }
}

/// The velocity (u, v) on the (y, x) grid, and its exact vorticity and divergence.
/// A vortex with stream function psi moves as `u = dpsi/dy, v = -dpsi/dx` (vorticity
/// `-lap psi`), a source with potential phi as `u = dphi/dx, v = dphi/dy` (divergence
/// `lap phi`).
fn field() -> [Array2<f64>; 4] {
    let mut out = [(); 4].map(|_| Array2::zeros((NY, NX)));
    let (cx, cy) = (NX as f64 * DX / 2.0, NY as f64 * DY / 2.0);
    for i in 0..NY {
        for j in 0..NX {
            let (x, y) = (j as f64 * DX, i as f64 * DY);
            let (mut u, mut v) = (STRAIN * (x - cx), -STRAIN * (y - cy));
            let (mut vorticity, mut divergence) = (0.0, 0.0);
            for b in &VORTICES {
                let (px, py, lap) = b.derivatives(x, y);
                (u, v, vorticity) = (u + py, v - px, vorticity - lap);
            }
            for b in &SOURCES {
                let (px, py, lap) = b.derivatives(x, y);
                (u, v, divergence) = (u + px, v + py, divergence + lap);
            }
            for (a, value) in out.iter_mut().zip([u, v, vorticity, divergence]) {
                a[[i, j]] = value;
            }
        }
    }
    out
}

/// Largest difference from the exact field, relative to the exact field's peak.
fn relative_error(got: &Array2<f64>, exact: &Array2<f64>) -> f64 {
    let peak = exact.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let err = got
        .iter()
        .zip(exact)
        .fold(0.0, |m: f64, (a, b)| m.max((a - b).abs()));
    err / peak
}

pub fn run(dir: &Path) -> Result<()> {
    let [u, v, exact_vorticity, exact_divergence] = field();
    // Component i goes with axis i: u with x (axis 1, spacing dx), v with y (axis 0, dy),
    // which makes the curl dv/dx - du/dy, the vorticity of (y, x) arrays (NUMERICS.md E7).
    let options = GradientOptions::new()
        .axes([1, 0])
        .spacings([AxisSpacing::from(DX), AxisSpacing::from(DY)]);
    let Curl::Scalar(vorticity) = ndgrad::curl(&[u.view(), v.view()], &options)? else {
        unreachable!("two components have a scalar curl")
    };
    let divergence = ndgrad::divergence(&[u.view(), v.view()], &options)?;

    // Rows run up the y axis, so the images are written bottom row first: y points up, as
    // in a map, and a counterclockwise vortex turns counterclockwise on screen.
    let (vorticity_png, divergence_png) = (dir.join("vorticity.png"), dir.join("divergence.png"));
    save_diverging(&vorticity_png, vorticity.slice(s![..;-1, ..]))?;
    save_diverging(&divergence_png, divergence.slice(s![..;-1, ..]))?;
    say(format!(
        "5. Vorticity and divergence of a {NY}x{NX} velocity field (two vortices, a source and \
         a sink, a uniform strain):\n   \
         curl((u, v), dx, dy, axis=(1, 0)) -> {} (red counterclockwise, blue clockwise),\n   \
         divergence((u, v), dx, dy, axis=(1, 0)) -> {} (red source, blue sink);\n   \
         largest error vs the exact fields: {:.2}% and {:.2}% of their peaks",
        vorticity_png.display(),
        divergence_png.display(),
        100.0 * relative_error(&vorticity, &exact_vorticity),
        100.0 * relative_error(&divergence, &exact_divergence),
    ))
}
