//! Savitzky–Golay derivatives (NUMERICS.md §5), against references that are not the new
//! code: hand-derived weights, the accuracy stencils (which SG(p + 1, p) must equal bit for
//! bit), polynomials (which fits of degree d reproduce), and padded arrays for the boundary
//! modes. SciPy's `savgol_filter` is the reference of the Python tests.

use ndarray::{Array1, ArrayD, IxDyn};
use ndgrad::{AxisSpacing, Boundary, EdgeOrder, Error, GradientOptions, Plan, Scheme, gradient};

mod support;

fn grad1(f: &Array1<f64>, options: &GradientOptions) -> Vec<f64> {
    gradient(f.view(), options).unwrap().remove(0).to_vec()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Weight of sample `j` in the output at point `i`: the output at `i` for a unit impulse at
/// `j` (unit spacing, so no division changes it).
fn weight(n: usize, options: &GradientOptions, i: usize, j: usize) -> f64 {
    let impulse = Array1::from_shape_fn(n, |t| if t == j { 1.0 } else { 0.0 });
    grad1(&impulse, options)[i]
}

#[test]
fn five_point_quadratic_weights_by_hand() {
    // Least-squares parabola through offsets -2..2, a0 + a1 t + a2 t^2, with
    // a1 = (-2, -1, 0, 1, 2) / 10 and a2 = (2, -1, -2, -1, 2) / 14 (normal equations with
    // Σt² = 10, Σt⁴ = 34). Interior: f' = a1. First point (t = -2 of the first window):
    // f' = a1 - 4 a2 = (-54, 13, 40, 27, -26) / 70. Second derivative 2 a2.
    let n = 9;
    let o = GradientOptions::new().savgol(5, 2);
    let interior: Vec<f64> = (2..7).map(|j| weight(n, &o, 4, j)).collect();
    assert_eq!(
        interior,
        [-2.0 / 10.0, -1.0 / 10.0, 0.0, 1.0 / 10.0, 2.0 / 10.0]
    );
    let first: Vec<f64> = (0..5).map(|j| weight(n, &o, 0, j)).collect();
    assert_eq!(
        first,
        [
            -54.0 / 70.0,
            13.0 / 70.0,
            40.0 / 70.0,
            27.0 / 70.0,
            -26.0 / 70.0
        ]
    );
    // The last point mirrors the first, negated (odd derivative).
    let last: Vec<f64> = (4..9).map(|j| weight(n, &o, 8, j)).collect();
    assert_eq!(
        last,
        [
            26.0 / 70.0,
            -27.0 / 70.0,
            -40.0 / 70.0,
            -13.0 / 70.0,
            54.0 / 70.0
        ]
    );
    let o2 = o.clone().deriv(2);
    let second: Vec<f64> = (2..7).map(|j| weight(n, &o2, 4, j)).collect();
    assert_eq!(
        second,
        [2.0 / 7.0, -1.0 / 7.0, -2.0 / 7.0, -1.0 / 7.0, 2.0 / 7.0]
    );
    // Points outside the window weigh nothing.
    assert_eq!(weight(n, &o, 4, 7), 0.0);
    assert_eq!(weight(n, &o, 1, 5), 0.0);
}

#[test]
fn interpolating_window_is_the_accuracy_stencil_bit_for_bit() {
    // NUMERICS.md §5: with k = 1, SG(p + 1, p) equals accuracy-p differences bit for bit on
    // evenly spaced axes, under every boundary mode, in row and lane mode, for f32 too.
    let f = Array1::from_shape_fn(41, |i| (i as f64 * 0.37).sin() * 10.0 + (i as f64).sqrt());
    let f2 = ArrayD::from_shape_fn(IxDyn(&[41, 11]), |i| {
        ((i[0] * 11 + i[1]) as f64 * 0.29).cos() * 3.0
    });
    let f32s = f.mapv(|v| v as f32);
    for p in [2usize, 4, 6, 8] {
        for boundary in [
            Boundary::OneSided,
            Boundary::Periodic { period: None },
            Boundary::Reflect,
            Boundary::Constant(1.5),
        ] {
            let base = GradientOptions::new().spacing(0.3).boundary(boundary);
            let sg = base.clone().savgol(p + 1, p);
            let fd = base.clone().accuracy(p as u8);
            assert_eq!(
                bits(&grad1(&f, &sg)),
                bits(&grad1(&f, &fd)),
                "p={p} {boundary:?}"
            );
            let (a, b) = (
                gradient(f32s.view(), &sg).unwrap(),
                gradient(f32s.view(), &fd).unwrap(),
            );
            assert_eq!(a, b, "f32 p={p} {boundary:?}");
            for axis in [0isize, 1] {
                let (sg, fd) = (sg.clone().axis(axis), fd.clone().axis(axis));
                let a = gradient(f2.view(), &sg).unwrap();
                let b = gradient(f2.view(), &fd).unwrap();
                assert_eq!(a, b, "2-D axis {axis} p={p} {boundary:?}");
            }
        }
    }
    // The three-point quadratic is NumPy's edge_order=2 on coordinates too.
    let x: Vec<f64> = (0..41).map(|i| (i as f64 * 0.2).powf(1.4)).collect();
    let on_x = GradientOptions::new().spacings([AxisSpacing::from(x)]);
    assert_eq!(
        bits(&grad1(&f, &on_x.clone().savgol(3, 2))),
        bits(&grad1(&f, &on_x.edge_order(EdgeOrder::Second)))
    );
}

/// A reproducible pseudo-random stream in [0, 1).
fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

const WINDOWS: [(usize, usize); 5] = [(5, 2), (7, 3), (11, 2), (11, 4), (21, 3)];

/// Max error of derivative `k` of a degree-`d` polynomial fitted by SG(`w`, `d`), relative
/// to the largest exact derivative on the grid.
fn polynomial_error(x: &[f64], uniform: bool, w: usize, d: usize, k: usize) -> f64 {
    let mut next = uniform_stream(7 + (w * 31 + d * 7 + k) as u64);
    let c: Vec<f64> = (0..=d).map(|_| 2.0 * next() - 1.0).collect();
    let centre = 0.5 * (x[0] + x[x.len() - 1]);
    // p(x) = Σ c_q (x - centre)^q and its k-th derivative.
    let value = |v: f64, deriv: usize| -> f64 {
        (deriv..=d)
            .map(|q| {
                let falling: f64 = ((q - deriv + 1)..=q).map(|t| t as f64).product();
                c[q] * falling * (v - centre).powi((q - deriv) as i32)
            })
            .sum()
    };
    let f = Array1::from_shape_fn(x.len(), |i| value(x[i], 0));
    let spacing = if uniform {
        AxisSpacing::from(x[1] - x[0])
    } else {
        AxisSpacing::from(x.to_vec())
    };
    let o = GradientOptions::new()
        .spacings([spacing])
        .savgol(w, d)
        .deriv(k as u8);
    let g = grad1(&f, &o);
    let scale = x.iter().map(|&v| value(v, k).abs()).fold(0.0, f64::max);
    g.iter()
        .zip(x)
        .map(|(g, &v)| (g - value(v, k)).abs())
        .fold(0.0, f64::max)
        / scale
}

#[test]
fn polynomials_up_to_the_fit_degree_are_exact() {
    let n = 60;
    let uniform: Vec<f64> = (0..n).map(|i| -1.5 + i as f64 * 0.05).collect();
    let mut next = uniform_stream(11);
    let mut uneven = vec![-1.5];
    for _ in 1..n {
        let last = uneven[uneven.len() - 1];
        uneven.push(last + 0.02 + 0.06 * next());
    }
    for (w, d) in WINDOWS {
        for k in 1..=d.min(4) {
            for (x, is_uniform) in [(&uniform, true), (&uneven, false)] {
                let e = polynomial_error(x, is_uniform, w, d, k);
                // NUMERICS.md §5: ≤ 1.2e-13 relative for the first derivative (measured
                // 3.3e-15); higher ones divide the same rounding by h more each time
                // (measured 1.4e-12 for the fourth).
                let bound = 1.2e-13 * 10f64.powi(k as i32 - 1);
                assert!(
                    e <= bound,
                    "W={w} d={d} k={k} uniform={is_uniform}: {e:e} > {bound:e}"
                );
            }
        }
    }
}

#[test]
fn boundary_modes_are_the_stencil_on_padded_arrays() {
    // Periodic, reflect and constant ghosts equal the one-sided fit's interior on an array
    // padded like np.pad (wrap, reflect, constant) by W // 2: the same weights and order.
    let n = 30;
    let f = Array1::from_shape_fn(n, |i| (i as f64 * 0.41).sin() + 0.01 * (i * i) as f64);
    for (w, d) in WINDOWS {
        let m = w / 2;
        for k in 1..=d.min(2) {
            let pad = |mode: &str| -> Array1<f64> {
                let mut out = Vec::with_capacity(n + 2 * m);
                for j in (1..=m).rev() {
                    out.push(match mode {
                        "wrap" => f[n - j],
                        "reflect" => f[j],
                        _ => 0.5,
                    });
                }
                out.extend(f.iter());
                for j in 1..=m {
                    out.push(match mode {
                        "wrap" => f[j - 1],
                        "reflect" => f[n - 1 - j],
                        _ => 0.5,
                    });
                }
                Array1::from(out)
            };
            for (mode, boundary) in [
                ("wrap", Boundary::Periodic { period: None }),
                ("reflect", Boundary::Reflect),
                ("constant", Boundary::Constant(0.5)),
            ] {
                let o = GradientOptions::new()
                    .spacing(0.25)
                    .savgol(w, d)
                    .deriv(k as u8);
                let got = grad1(&f, &o.clone().boundary(boundary));
                let padded = grad1(&pad(mode), &o);
                assert_eq!(
                    bits(&got),
                    bits(&padded[m..m + n]),
                    "W={w} d={d} k={k} {mode}"
                );
            }
        }
    }
}

#[test]
fn periodic_coordinates_are_the_fit_on_extended_coordinates() {
    let n = 24;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64;
            t + 0.04 * (2.0 * std::f64::consts::PI * t).sin()
        })
        .collect();
    let f = Array1::from_shape_fn(n, |i| (2.0 * std::f64::consts::PI * x[i]).sin());
    let (w, d) = (7, 3);
    let m = w / 2;
    let o = GradientOptions::new().savgol(w, d);
    let got = grad1(
        &f,
        &o.clone()
            .spacings([AxisSpacing::from(x.clone())])
            .period(1.0),
    );
    let mut xe: Vec<f64> = (1..=m).rev().map(|j| x[n - j] - 1.0).collect();
    xe.extend(&x);
    xe.extend((1..=m).map(|j| x[j - 1] + 1.0));
    let mut fe: Vec<f64> = (1..=m).rev().map(|j| f[n - j]).collect();
    fe.extend(f.iter());
    fe.extend((1..=m).map(|j| f[j - 1]));
    let expected = grad1(&Array1::from(fe), &o.spacings([AxisSpacing::from(xe)]));
    for i in 0..n {
        // Offsets (x[r] - x[i]) + q P against x_ext[j] - x_ext[i]: rounding apart only.
        assert!(
            (got[i] - expected[m + i]).abs() <= 1e-12,
            "{i}: {} vs {}",
            got[i],
            expected[m + i]
        );
        // And a smoothed derivative of the sine (O(h^4) for a cubic fit over 7 points).
        let exact = 2.0 * std::f64::consts::PI * (2.0 * std::f64::consts::PI * x[i]).cos();
        assert!((got[i] - exact).abs() < 0.05, "{i}: {} vs {exact}", got[i]);
    }
}

#[test]
fn smooths_noise_that_differences_amplify() {
    // NUMERICS.md §5's measurement, in miniature: noise of 1e-3 on sin x over 201 points.
    let n = 201;
    let h = 0.02;
    let mut next = uniform_stream(3);
    let f = Array1::from_shape_fn(n, |i| (i as f64 * h).sin() + 1e-3 * (2.0 * next() - 1.0));
    let rms = |o: GradientOptions| -> f64 {
        let g = grad1(&f, &o.spacing(h));
        let s: f64 = g
            .iter()
            .enumerate()
            .map(|(i, g)| (g - (i as f64 * h).cos()).powi(2))
            .sum();
        (s / n as f64).sqrt()
    };
    let plain = rms(GradientOptions::new());
    let smoothed = rms(GradientOptions::new().savgol(11, 2));
    assert!(smoothed * 4.0 < plain, "{smoothed} vs {plain}");
}

#[test]
fn blocks_threads_and_lanes_give_the_same_bits() {
    let f = support::field();
    let x: Vec<f64> = (0..61).map(|i| (i as f64 * 0.9).powf(1.1)).collect();
    let period = x[60] - x[0] + 0.8;
    let cases = [
        GradientOptions::new().axis(0).savgol(5, 2),
        GradientOptions::new().axis(0).savgol(21, 3).deriv(2),
        GradientOptions::new().axis(0).savgol(25, 12).deriv(4),
        GradientOptions::new()
            .axis(0)
            .savgol(11, 4)
            .deriv(3)
            .boundary(Boundary::Reflect),
        GradientOptions::new()
            .axis(0)
            .savgol(13, 4)
            .spacings([AxisSpacing::from(x.clone())])
            .deriv(2),
        GradientOptions::new()
            .axis(0)
            .savgol(9, 3)
            .spacings([AxisSpacing::from(x)])
            .period(period),
        GradientOptions::new()
            .axis(0)
            .savgol(15, 2)
            .boundary(Boundary::Periodic { period: None }),
    ];
    for o in cases {
        support::same_bits_on_every_schedule(&f, &o);
    }
}

#[test]
fn halo_and_ghosts_follow_the_window() {
    let o = GradientOptions::new().savgol(11, 3);
    let plan = Plan::new(&[40], &o).unwrap();
    // One-sided ends: a point reads the whole window nearest its end.
    assert_eq!(plan.reach(0), 10);
    assert_eq!(plan.halo(0, 0..1), 0..11);
    assert_eq!(plan.halo(0, 20..21), 15..26);
    assert_eq!(
        plan.scheme(),
        Scheme::SavitzkyGolay {
            window_length: 11,
            polyorder: 3
        }
    );
    let plan = Plan::new(&[40], &o.boundary(Boundary::Reflect)).unwrap();
    assert_eq!(plan.ghosts(0), (5, 5));
    assert_eq!(plan.reach(0), 5);
}

#[test]
fn the_last_scheme_setter_wins() {
    let f = Array1::from_shape_fn(20, |i| (i as f64 * 0.3).exp());
    let fd = GradientOptions::new().accuracy(4);
    assert_eq!(
        grad1(&f, &GradientOptions::new().savgol(7, 2).accuracy(4)),
        grad1(&f, &fd)
    );
    let sg = GradientOptions::new().savgol(7, 2);
    assert_eq!(grad1(&f, &fd.clone().savgol(7, 2)), grad1(&f, &sg));
    assert_eq!(
        grad1(&f, &sg.clone().edge_order(EdgeOrder::First)),
        grad1(&f, &GradientOptions::new())
    );
}

#[test]
fn errors_name_both_arguments() {
    let f = Array1::from_shape_fn(9, |i| i as f64);
    let e = |o: GradientOptions| gradient(f.view(), &o).unwrap_err();
    let sg = |w, d| GradientOptions::new().savgol(w, d);
    assert_eq!(
        e(sg(4, 4)).to_string(),
        "window_length=4 must be odd and greater than polyorder=4"
    );
    assert_eq!(
        e(sg(5, 5)),
        Error::InvalidWindow {
            window_length: 5,
            polyorder: 5
        }
    );
    assert_eq!(
        e(sg(27, 3)).to_string(),
        "window_length=27 with polyorder=3 is not supported; use window_length up to 25 and \
         polyorder up to 12"
    );
    assert_eq!(
        e(sg(25, 13)).to_string(),
        "window_length=25 with polyorder=13 is not supported; use window_length up to 25 and \
         polyorder up to 12"
    );
    assert_eq!(
        e(sg(5, 1).deriv(2)).to_string(),
        "polyorder=1 is below deriv=2; use a polyorder of at least 2"
    );
    assert_eq!(e(sg(5, 4).deriv(5)), Error::InvalidDeriv { deriv: 5 });
    assert_eq!(
        e(sg(11, 2)).to_string(),
        "axis 0 has 9 samples; window_length=11 needs at least 11"
    );
    assert_eq!(
        e(sg(11, 2).boundary(Boundary::Periodic { period: None })),
        Error::AxisShorterThanWindow {
            axis: 0,
            len: 9,
            window_length: 11
        }
    );
    // The window fits exactly: fine, at either kind of end.
    assert!(gradient(f.view(), &sg(9, 2)).is_ok());
    assert!(gradient(f.view(), &sg(9, 2).boundary(Boundary::Reflect)).is_ok());
    assert!(gradient(f.view(), &sg(3, 2)).is_ok());
    // A line is differentiated exactly by every window.
    let g = grad1(&f, &sg(9, 2));
    assert!(g.iter().all(|&v| (v - 1.0).abs() < 1e-14), "{g:?}");
}
