//! Accuracy orders, derivative orders and boundary modes, against references that are not
//! the new code: NUMERICS.md's worked values, NumPy's path on padded arrays (itself checked
//! against NumPy's bits by the fixtures), polynomials, and convergence rates.

use ndarray::{Array1, Array2, ArrayD, Axis, IxDyn, Slice, array, s};
use ndgrad::{AxisSpacing, Boundary, EdgeOrder, Error, GradientOptions, Plan, Side, gradient};

mod support;

fn grad1(f: &Array1<f64>, options: &GradientOptions) -> Vec<f64> {
    gradient(f.view(), options).unwrap().remove(0).to_vec()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

const E2: [f64; 6] = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];

#[test]
fn worked_values_e2() {
    let f = Array1::from(E2.to_vec());
    let o = GradientOptions::new;
    assert_eq!(grad1(&f, &o()), [1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
    assert_eq!(grad1(&f, &o().accuracy(2)), [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    assert_eq!(
        bits(&grad1(&f, &o().accuracy(4))),
        bits(&[
            0.4999999999999982,
            1.4999999999999996,
            2.5,
            3.4999999999999996,
            4.500000000000002,
            5.5000000000000036
        ])
    );
    assert_eq!(grad1(&f, &o().deriv(2)), [1.0; 6]);
    let periodic = Boundary::Periodic { period: None };
    assert_eq!(
        grad1(&f, &o().boundary(periodic)),
        [-7.0, 1.5, 2.5, 3.5, 4.5, -5.0]
    );
    assert_eq!(
        grad1(&f, &o().boundary(Boundary::Reflect)),
        [0.0, 1.5, 2.5, 3.5, 4.5, 0.0]
    );
    assert_eq!(
        grad1(&f, &o().boundary(Boundary::Constant(0.0))),
        [1.0, 1.5, 2.5, 3.5, 4.5, -5.5]
    );
}

#[test]
fn accuracy_2_is_edge_order_2_bit_for_bit() {
    let f = Array2::from_shape_fn((37, 29), |(i, j)| ((i * 7 + j * 3) as f64).sin() * 1e3);
    let x: Vec<f64> = (0..29).map(|i| (i as f64).powf(1.3)).collect();
    let numpy = GradientOptions::new()
        .spacings([AxisSpacing::from(0.3), AxisSpacing::from(x.clone())])
        .edge_order(EdgeOrder::Second);
    let accurate = GradientOptions::new()
        .spacings([AxisSpacing::from(0.3), AxisSpacing::from(x)])
        .accuracy(2);
    assert_eq!(
        gradient(f.view(), &numpy).unwrap(),
        gradient(f.view(), &accurate).unwrap()
    );
}

/// `np.pad(f, 1, mode)` along axis 0 (NumPy's "wrap", "reflect", "constant").
fn pad(f: &Array2<f64>, left: &str, right: &str, value: f64) -> Array2<f64> {
    let n = f.nrows();
    let row = |mode: &str, ghost_of: usize, mirror_of: usize| -> Array1<f64> {
        match mode {
            "wrap" => f.row(ghost_of).to_owned(),
            "reflect" => f.row(mirror_of).to_owned(),
            _ => Array1::from_elem(f.ncols(), value),
        }
    };
    let mut out = Array2::zeros((n + 2, f.ncols()));
    out.row_mut(0).assign(&row(left, n - 1, 1));
    out.slice_mut(s![1..n + 1, ..]).assign(f);
    out.row_mut(n + 1).assign(&row(right, 0, n - 2));
    out
}

fn side(mode: &str, value: f64) -> Side {
    match mode {
        "reflect" => Side::Reflect,
        _ => Side::Constant(value),
    }
}

#[test]
fn boundary_modes_equal_numpy_on_padded_arrays() {
    let f = Array2::from_shape_fn((23, 11), |(i, j)| ((i * i + 3 * j) as f64 * 0.37).cos());
    let h = 0.25;
    for (mode, boundary) in [
        ("wrap", Boundary::Periodic { period: None }),
        ("reflect", Boundary::Reflect),
        ("constant", Boundary::Constant(2.5)),
    ] {
        let padded = pad(&f, mode, mode, 2.5);
        let expected = gradient(padded.view(), &GradientOptions::new().axis(0).spacing(h))
            .unwrap()
            .remove(0);
        let expected = expected.slice(s![1..padded.nrows() - 1, ..]).to_owned();
        for threads in [1, 3] {
            let o = GradientOptions::new()
                .axis(0)
                .spacing(h)
                .boundary(boundary)
                .threads(threads)
                .task_size(16);
            let got = gradient(f.view(), &o).unwrap().remove(0);
            assert_eq!(got, expected, "{mode}, {threads} threads");
            // The same along the last axis (lane mode) of the transposed array.
            let o = o.axes([1]);
            let got = gradient(f.t(), &o).unwrap().remove(0);
            assert_eq!(got, expected.t(), "{mode} lanes");
        }
    }
    // Mixed sides: ghosts on the ghost side only, NumPy's edge order 2 on the other.
    for (l, r) in [("reflect", "one"), ("one", "constant")] {
        let sides = (
            if l == "one" {
                Side::OneSided
            } else {
                side(l, 2.5)
            },
            if r == "one" {
                Side::OneSided
            } else {
                side(r, 2.5)
            },
        );
        let o = GradientOptions::new()
            .axis(0)
            .boundary(Boundary::Sides(sides.0, sides.1));
        let got = gradient(f.view(), &o).unwrap().remove(0);
        let padded = pad(&f, l, r, 2.5);
        let rows = (if l == "one" { 1 } else { 0 })..(if r == "one" { 24 } else { 25 });
        let part = padded.slice_axis(Axis(0), Slice::from(rows.clone()));
        let e = GradientOptions::new().axis(0).edge_order(EdgeOrder::Second);
        let full = gradient(part, &e).unwrap().remove(0);
        let keep = (if l == "one" { 0 } else { 1 })..(full.nrows() - usize::from(r != "one"));
        assert_eq!(got, full.slice_axis(Axis(0), Slice::from(keep)), "{l} {r}");
    }
}

#[test]
fn periodic_uneven_coordinates_equal_numpy_on_padded_coordinates() {
    let n = 17;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64;
            t + 0.05 * (2.0 * std::f64::consts::PI * t).sin()
        })
        .collect();
    let f = Array1::from_shape_fn(n, |i| (6.0 * x[i]).sin());
    let p = 1.0;
    let got = grad1(
        &f,
        &GradientOptions::new()
            .spacings([AxisSpacing::from(x.clone())])
            .period(p),
    );
    let mut xe = vec![x[n - 1] - p];
    xe.extend(&x);
    xe.push(x[0] + p);
    let mut fe = vec![f[n - 1]];
    fe.extend(f.iter());
    fe.push(f[0]);
    let expected = grad1(
        &Array1::from(fe),
        &GradientOptions::new().spacings([AxisSpacing::from(xe)]),
    );
    assert_eq!(bits(&got), bits(&expected[1..n + 1]));
}

#[test]
fn periodic_decreasing_coordinates_wrap_the_other_way() {
    // Longitudes listed eastward-to-westward: the sample before x[0] = 337.5 is x[n-1] + P,
    // so the seam spacing is -45 like every other step and the axis is evenly spaced.
    let down: Vec<f64> = (0..8).rev().map(|i| 22.5 + 45.0 * i as f64).collect();
    let f = Array1::from_shape_fn(8, |i| down[i].to_radians().sin());
    let by_coordinates = grad1(
        &f,
        &GradientOptions::new()
            .spacings([AxisSpacing::from(down.clone())])
            .period(360.0),
    );
    let by_step = grad1(
        &f,
        &GradientOptions::new()
            .spacings([AxisSpacing::from(-45.0)])
            .period(360.0),
    );
    assert_eq!(bits(&by_coordinates), bits(&by_step));
    // Uneven and downwards: NumPy's gradient of the padded axis, ghosts at x[n-1] + P and
    // x[0] - P.
    let x = [9.0, 7.5, 4.0, 3.0, 1.0, 0.5];
    let f = Array1::from_shape_fn(6, |i| x[i] * x[i]);
    let got = grad1(
        &f,
        &GradientOptions::new()
            .spacings([AxisSpacing::from(x.to_vec())])
            .period(10.0),
    );
    let xe = vec![10.5, 9.0, 7.5, 4.0, 3.0, 1.0, 0.5, -1.0];
    let fe = Array1::from(vec![f[5], f[0], f[1], f[2], f[3], f[4], f[5], f[0]]);
    let expected = grad1(
        &fe,
        &GradientOptions::new().spacings([AxisSpacing::from(xe)]),
    );
    assert_eq!(bits(&got), bits(&expected[1..7]));
    let short = GradientOptions::new()
        .spacings([AxisSpacing::from(x.to_vec())])
        .period(8.5);
    let err = gradient(f.view(), &short).unwrap_err().to_string();
    assert!(err.contains("must exceed x[0] - x[-1] = 8.5"), "{err}");
}

#[test]
fn seam_of_longitudes_is_even() {
    // 22.5 ... 337.5 every 45 degrees, period 360: the seam spacing is 45 (not -315).
    let lon: Vec<f64> = (0..8).map(|i| 22.5 + 45.0 * i as f64).collect();
    let f = Array1::from_shape_fn(8, |i| (lon[i].to_radians()).sin());
    let by_coordinates = grad1(
        &f,
        &GradientOptions::new()
            .spacings([AxisSpacing::from(lon)])
            .period(360.0),
    );
    let by_spacing = grad1(
        &f,
        &GradientOptions::new()
            .spacing(45.0)
            .boundary(Boundary::Periodic { period: None }),
    );
    assert_eq!(bits(&by_coordinates), bits(&by_spacing));
}

/// Max error of derivative `k` of `f` on grid `x` against `df`, and the rounding floor
/// `eps * max_i sum_j |w_ij f_j|` (the weights read off by differentiating unit impulses).
fn errors(
    k: u8,
    p: u8,
    x: &[f64],
    uniform: bool,
    f: fn(f64) -> f64,
    df: fn(f64) -> f64,
) -> (f64, f64) {
    let n = x.len();
    let values = Array1::from_shape_fn(n, |i| f(x[i]));
    let spacing = if uniform {
        AxisSpacing::from(x[1] - x[0])
    } else {
        AxisSpacing::from(x.to_vec())
    };
    let o = GradientOptions::new()
        .spacings([spacing])
        .accuracy(p)
        .deriv(k);
    let g = grad1(&values, &o);
    let error = g
        .iter()
        .zip(x)
        .map(|(g, &x)| (g - df(x)).abs())
        .fold(0.0, f64::max);
    let mut magnitude = vec![0.0; n];
    for j in 0..n {
        let impulse = Array1::from_shape_fn(n, |i| if i == j { values[j].abs() } else { 0.0 });
        for (m, w) in magnitude.iter_mut().zip(grad1(&impulse, &o)) {
            *m += w.abs();
        }
    }
    let floor = f64::EPSILON * magnitude.iter().copied().fold(0.0, f64::max);
    (error, floor)
}

#[test]
fn polynomials_of_degree_k_plus_p_minus_1_are_exact() {
    // Random-ish uneven grid and an even one; coefficients of moderate size.
    let n = 30;
    let uneven: Vec<f64> = (0..n)
        .map(|i| i as f64 * 0.1 + 0.03 * ((i * 7919) % 13) as f64 / 13.0)
        .collect();
    let even: Vec<f64> = (0..n).map(|i| i as f64 * 0.125).collect();
    for k in 1..=4u8 {
        for p in [2u8, 4, 6, 8] {
            let degree = (k + p - 1) as i32;
            if k == 4 && p == 8 {
                continue; // degree 11 polynomials lose the bound to cancellation
            }
            for (x, uniform) in [(&even, true), (&uneven, false)] {
                let values = Array1::from_shape_fn(n, |i| x[i].powi(degree));
                let spacing = if uniform {
                    AxisSpacing::from(x[1] - x[0])
                } else {
                    AxisSpacing::from(x.clone())
                };
                let o = GradientOptions::new()
                    .spacings([spacing])
                    .accuracy(p)
                    .deriv(k);
                let g = grad1(&values, &o);
                let falling: f64 = (0..k as i32).map(|j| (degree - j) as f64).product();
                for (i, &gi) in g.iter().enumerate() {
                    let exact = falling * x[i].powi(degree - k as i32);
                    let scale = falling * x[n - 1].powi(degree - k as i32);
                    assert!(
                        (gi - exact).abs() <= 4e-11 * scale.max(1.0) * 10f64.powi(k as i32),
                        "k={k} p={p} uniform={uniform} i={i}: {gi} vs {exact}"
                    );
                }
            }
        }
    }
}

#[test]
fn convergence_rates_match_the_accuracy() {
    let f = |x: f64| (3.0 * x).sin() + (x / 2.0).exp();
    let derivatives: [fn(f64) -> f64; 3] = [
        |x| 3.0 * (3.0 * x).cos() + 0.5 * (x / 2.0).exp(),
        |x| -9.0 * (3.0 * x).sin() + 0.25 * (x / 2.0).exp(),
        |x| -27.0 * (3.0 * x).cos() + 0.125 * (x / 2.0).exp(),
    ];
    let grid = |n: usize, smooth: bool| -> Vec<f64> {
        (0..=n)
            .map(|i| {
                let xi = i as f64 / n as f64;
                if smooth {
                    2.0 * (xi + 0.08 * (2.0 * std::f64::consts::PI * xi).sin())
                } else {
                    2.0 * xi
                }
            })
            .collect()
    };
    for k in 1..=3u8 {
        for p in [2u8, 4, 6] {
            for smooth in [false, true] {
                let start = if smooth { 64 } else { 32 };
                let mut previous: Option<(f64, f64)> = None;
                let mut n = start;
                while n <= 256 {
                    let x = grid(n, smooth);
                    let h = x.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max);
                    let (e, floor) = errors(k, p, &x, !smooth, f, derivatives[k as usize - 1]);
                    if let Some((e0, h0)) = previous {
                        // Skip pairs whose finer error is within 30x the rounding floor.
                        if e > 30.0 * floor {
                            let rate = (e0 / e).ln() / (h0 / h).ln();
                            assert!(
                                rate >= p as f64 - 0.3,
                                "k={k} p={p} smooth={smooth} n={n}: rate {rate} ({e0} -> {e})"
                            );
                        }
                    }
                    previous = Some((e, h));
                    n *= 2;
                }
            }
        }
    }
}

#[test]
fn periodic_convergence_for_every_accuracy() {
    for k in 1..=2u8 {
        for p in [2u8, 4, 6, 8] {
            let mut previous: Option<f64> = None;
            for n in [16usize, 32, 64] {
                let h = 1.0 / n as f64;
                let f =
                    Array1::from_shape_fn(n, |i| (2.0 * std::f64::consts::PI * i as f64 * h).sin());
                let o = GradientOptions::new()
                    .spacing(h)
                    .accuracy(p)
                    .deriv(k)
                    .boundary(Boundary::Periodic { period: None });
                let g = grad1(&f, &o);
                let w = 2.0 * std::f64::consts::PI;
                let e = g
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let x = w * i as f64 * h;
                        let exact = if k == 1 {
                            w * x.cos()
                        } else {
                            -w * w * x.sin()
                        };
                        (g - exact).abs()
                    })
                    .fold(0.0, f64::max);
                if let Some(e0) = previous
                    && e > 1e-9
                {
                    let rate = (e0 / e).log2();
                    assert!(rate >= p as f64 - 0.3, "k={k} p={p} n={n}: rate {rate}");
                }
                previous = Some(e);
            }
        }
    }
}

#[test]
fn blocks_and_threads_give_the_same_bits() {
    let f = support::field();
    let x: Vec<f64> = (0..61).map(|i| (i as f64 * 0.9).powf(1.1)).collect();
    let period = x[60] - x[0] + 0.8;
    let cases = [
        GradientOptions::new().axis(0).accuracy(4),
        GradientOptions::new().axis(0).accuracy(8).deriv(3),
        GradientOptions::new()
            .axis(0)
            .deriv(2)
            .boundary(Boundary::Reflect),
        GradientOptions::new()
            .axis(0)
            .accuracy(6)
            .spacings([AxisSpacing::from(x.clone())])
            .deriv(2),
        GradientOptions::new()
            .axis(0)
            .accuracy(4)
            .spacings([AxisSpacing::from(x)])
            .period(period),
        GradientOptions::new()
            .axis(0)
            .accuracy(6)
            .boundary(Boundary::Periodic { period: None }),
    ];
    for o in cases {
        support::same_bits_on_every_schedule(&f, &o);
    }
}

#[test]
fn blocks_with_ghosts_filled_by_the_front() {
    // A Dask-like front: the extended array (ghost rows wrapped in), cut into blocks.
    let f = ArrayD::from_shape_fn(IxDyn(&[20, 3]), |i| ((i[0] * 3 + i[1]) as f64).sqrt());
    let o = GradientOptions::new()
        .axis(0)
        .accuracy(4)
        .boundary(Boundary::Periodic { period: None });
    let plan = Plan::new(f.shape(), &o).unwrap();
    let (left, right) = plan.ghosts(0);
    assert_eq!((left, right), (2, 2));
    let n = 20;
    let rows: Vec<usize> = (0..left)
        .map(|j| n - left + j)
        .chain(0..n)
        .chain(0..right)
        .collect();
    let extended = f.select(Axis(0), &rows);
    let mut out = ArrayD::zeros(f.raw_dim());
    for start in (0..n).step_by(6) {
        let r = start..(start + 6).min(n);
        let halo = plan.halo(0, r.clone());
        let block = extended.slice_axis(Axis(0), Slice::from(halo.clone()));
        let target = out.slice_axis_mut(Axis(0), Slice::from(r.clone()));
        plan.compute_block(0, block, halo.start, target, r.start)
            .unwrap();
    }
    assert_eq!(out, gradient(f.view(), &o).unwrap().remove(0));
    // Ghosts on both sides: only the interior stencil's half-width.
    assert_eq!(plan.reach(0), 2);
}

#[test]
fn errors_name_the_argument_and_the_fix() {
    let f = array![1.0, 2.0, 3.0, 4.0];
    let e = |o: GradientOptions| gradient(f.view(), &o).unwrap_err();
    assert_eq!(
        e(GradientOptions::new().accuracy(3)),
        Error::InvalidAccuracy { accuracy: 3 }
    );
    assert_eq!(
        e(GradientOptions::new().deriv(5)).to_string(),
        "deriv=5 is not supported; use 1 to 4"
    );
    assert_eq!(
        e(GradientOptions::new().deriv(2).accuracy(4)).to_string(),
        "axis 0 has 4 samples; deriv=2 with accuracy=4 needs at least 6"
    );
    let x = vec![0.0, 1.0, 3.0, 4.0];
    let periodic = |p| {
        GradientOptions::new()
            .spacings([AxisSpacing::from(x.clone())])
            .boundary(Boundary::Periodic { period: p })
    };
    assert_eq!(e(periodic(None)), Error::PeriodRequired { axis: 0 });
    assert_eq!(
        e(periodic(Some(3.0))).to_string(),
        "period=3.0 on axis 0 must exceed x[-1] - x[0] = 4.0"
    );
    assert!(matches!(
        e(GradientOptions::new().spacing(10.0).period(350.0)),
        Error::PeriodMismatch { .. }
    ));
    assert_eq!(
        e(GradientOptions::new().boundaries([Boundary::Reflect, Boundary::Reflect])),
        Error::BoundaryCount { given: 2, axes: 1 }
    );
}

#[test]
fn one_sided_axes_keep_numpys_call_beside_boundary_modes() {
    // Each axis is computed as its own boundary mode says: the one-sided axis of a call
    // with a periodic one is np.gradient's (edge order 1 unless asked), bit for bit.
    let f = ndarray::Array2::from_shape_fn((6, 7), |(i, j)| ((i * 7 + j) as f64).powi(2).sin());
    for edge in [EdgeOrder::First, EdgeOrder::Second] {
        let mixed = GradientOptions::new()
            .edge_order(edge)
            .boundaries([Boundary::Periodic { period: None }, Boundary::OneSided]);
        let got = gradient(f.view(), &mixed).unwrap();
        let numpy = gradient(f.view(), &GradientOptions::new().axis(1).edge_order(edge)).unwrap();
        assert_eq!(got[1], numpy[0], "{edge:?}");
        let periodic = GradientOptions::new()
            .axis(0)
            .boundary(Boundary::Periodic { period: None });
        assert_eq!(got[0], gradient(f.view(), &periodic).unwrap()[0]);
    }
    // The same with NaN under `split`: the one-sided axis's runs keep NumPy's call too.
    let mut g = f.clone();
    g[[2, 3]] = f64::NAN;
    let mixed = GradientOptions::new()
        .nan_policy(ndgrad::NanPolicy::Split)
        .boundaries([Boundary::Periodic { period: None }, Boundary::OneSided]);
    let alone = GradientOptions::new()
        .nan_policy(ndgrad::NanPolicy::Split)
        .axis(1);
    let got = gradient(g.view(), &mixed).unwrap();
    let want = gradient(g.view(), &alone).unwrap();
    assert_eq!(
        got[1].mapv(f64::to_bits),
        want[0].mapv(f64::to_bits),
        "split on the one-sided axis"
    );
}
