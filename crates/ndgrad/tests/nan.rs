//! NaN policies: the worked values of NUMERICS.md §4, the oracles they are defined by
//! (the gradient of the kept samples as an axis of their own, scattered back), and the same
//! bits on every schedule. NumPy's own oracles run in the Python suite.

use ndarray::{Array1, ArrayD, Axis, IxDyn, Slice, array};
use ndgrad::{
    AxisSpacing, Boundary, Curl, EdgeOrder, Error, GradientOptions, NanPolicy, Plan, curl,
    find_nan, gradient, laplacian, magnitude,
};

const NAN: f64 = f64::NAN;

fn grad1(f: &[f64], options: &GradientOptions) -> Vec<f64> {
    let f = Array1::from(f.to_vec());
    gradient(f.view(), options).unwrap()[0].to_vec()
}

/// Equal bits, NaN included.
fn assert_bits(found: &[f64], expected: &[f64], what: &str) {
    let b = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let canonical = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|&x| if x.is_nan() { f64::NAN } else { x })
            .collect()
    };
    assert_eq!(
        b(&canonical(found)),
        b(&canonical(expected)),
        "{what}: {found:?} != {expected:?}"
    );
}

fn policy(p: NanPolicy) -> GradientOptions {
    GradientOptions::new().nan_policy(p)
}

#[test]
fn worked_values_e3_to_e5() {
    let e3 = [1.0, 2.0, NAN, 4.0, 8.0, 16.0];
    let propagate = grad1(&e3, &GradientOptions::new());
    assert_bits(&propagate, &[1.0, NAN, 1.0, NAN, 6.0, 8.0], "E3 propagate");
    let omit = grad1(&e3, &policy(NanPolicy::Omit));
    assert_bits(
        &omit,
        &[1.0, 1.0, NAN, 2.9999999999999996, 6.0, 8.0],
        "E3 omit",
    );
    let split = grad1(&e3, &policy(NanPolicy::Split));
    assert_bits(&split, &[1.0, 1.0, NAN, 4.0, 6.0, 8.0], "E3 split");
    let split2 = grad1(&e3, &policy(NanPolicy::Split).edge_order(EdgeOrder::Second));
    assert_bits(&split2, &[NAN, NAN, NAN, 2.0, 6.0, 10.0], "E3 split 2");

    let e4 = [0.0, 1.0, NAN, NAN, NAN, 25.0, 36.0, 49.0];
    let omit = grad1(&e4, &policy(NanPolicy::Omit));
    assert_bits(
        &omit,
        &[1.0, 2.0, NAN, NAN, NAN, 10.0, 12.0, 13.0],
        "E4 omit",
    );
    let split = grad1(&e4, &policy(NanPolicy::Split));
    assert_bits(
        &split,
        &[1.0, 1.0, NAN, NAN, NAN, 11.0, 12.0, 13.0],
        "E4 split",
    );

    let e5 = [NAN, NAN, 3.0, NAN, 9.0, 16.0];
    let omit = grad1(&e5, &policy(NanPolicy::Omit));
    assert_bits(
        &omit,
        &[NAN, NAN, 3.0, NAN, 5.666666666666666, 7.0],
        "E5 omit",
    );
    let split = grad1(&e5, &policy(NanPolicy::Split));
    assert_bits(&split, &[NAN, NAN, NAN, NAN, 7.0, 7.0], "E5 split");
}

#[test]
fn raise_names_the_first_nan_and_the_axis() {
    let mut f = ArrayD::<f64>::zeros(IxDyn(&[4, 9]));
    f[[3, 1]] = NAN;
    f[[2, 7]] = NAN;
    let err = gradient(f.view(), &policy(NanPolicy::Raise).axes([1, 0])).unwrap_err();
    assert_eq!(
        err,
        Error::NanFound {
            index: vec![2, 7],
            axis: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "NaN at index (2, 7) along axis 1; use nan_policy='omit' or 'split'"
    );
    assert_eq!(find_nan(f.view()), Some(vec![2, 7]));
    // Without NaN, raise is propagate.
    let g = ArrayD::from_shape_fn(IxDyn(&[4, 9]), |i| (i[0] * i[1]) as f64);
    assert_eq!(
        gradient(g.view(), &policy(NanPolicy::Raise)).unwrap(),
        gradient(g.view(), &GradientOptions::new()).unwrap()
    );
}

/// Option sets that every policy must honour.
fn schemes() -> Vec<GradientOptions> {
    let o = GradientOptions::new;
    vec![
        o(),
        o().edge_order(EdgeOrder::Second),
        o().spacing(0.1),
        o().accuracy(4),
        o().accuracy(6).deriv(2),
        o().deriv(3),
        o().savgol(7, 3),
        o().boundary(Boundary::Reflect).accuracy(4),
        o().boundary(Boundary::Constant(2.5)),
        o().boundary(Boundary::Periodic { period: None })
            .spacing(0.25),
        o().boundary(Boundary::Periodic { period: None })
            .accuracy(4),
    ]
}

fn field() -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[37, 11]), |i| {
        ((i[0] * 11 + i[1]) as f64 * 0.37).sin() + 0.01 * (i[0] * i[0]) as f64
    })
}

/// A field with NaN scattered through it: isolated ones, a gap of 3, a lane start and end.
fn gappy() -> ArrayD<f64> {
    let mut f = field();
    for (i, j) in [
        (0, 2),
        (5, 2),
        (6, 2),
        (7, 2),
        (20, 3),
        (36, 4),
        (9, 9),
        (10, 9),
        (30, 9),
    ] {
        f[[i, j]] = NAN;
    }
    f
}

#[test]
fn nan_free_omit_and_split_are_propagate_bit_for_bit() {
    let f = field();
    for o in schemes() {
        let expected = gradient(f.view(), &o).unwrap();
        for p in [NanPolicy::Omit, NanPolicy::Split, NanPolicy::Raise] {
            let found = gradient(f.view(), &o.clone().nan_policy(p)).unwrap();
            assert_eq!(found, expected, "{p:?} {o:?}");
        }
    }
}

/// Omit along axis 0 of each column is the gradient of the kept samples on positions
/// `valid * h` (exact for h = 0.25), scattered back.
#[test]
fn omit_is_the_gradient_of_the_kept_samples() {
    let f = gappy();
    let o = GradientOptions::new().axis(0).spacing(0.25);
    for scheme in [o.clone(), o.clone().accuracy(4), o.clone().savgol(5, 2)] {
        let found = gradient(f.view(), &scheme.clone().nan_policy(NanPolicy::Omit)).unwrap();
        for j in 0..f.shape()[1] {
            let column = f.index_axis(Axis(1), j);
            let valid: Vec<usize> = (0..column.len()).filter(|&i| !column[i].is_nan()).collect();
            let kept = Array1::from_iter(valid.iter().map(|&i| column[i]));
            let x: Vec<f64> = valid.iter().map(|&i| i as f64 * 0.25).collect();
            let sub = scheme.clone().spacings([AxisSpacing::from(x)]);
            let sub = gradient(kept.view(), &sub.axes([0])).unwrap().remove(0);
            let mut expected = vec![NAN; column.len()];
            for (&i, &d) in valid.iter().zip(sub.iter()) {
                expected[i] = d;
            }
            let got: Vec<f64> = found[0].index_axis(Axis(1), j).iter().copied().collect();
            assert_bits(&got, &expected, &format!("column {j} {scheme:?}"));
        }
    }
}

/// Split is the gradient of each run, with the lane's own boundary at lane ends.
#[test]
fn split_is_the_gradient_of_each_run() {
    let f = Array1::from(vec![
        3.0, 1.0, 4.0, 1.0, 5.0, NAN, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, NAN, 8.0, 9.0, 7.0,
    ]);
    for o in [
        GradientOptions::new(),
        GradientOptions::new().accuracy(4),
        GradientOptions::new()
            .accuracy(2)
            .boundary(Boundary::Reflect),
    ] {
        let found =
            gradient(f.view(), &o.clone().nan_policy(NanPolicy::Split)).unwrap()[0].to_vec();
        let runs = [(0..5, 0), (6..12, 1), (13..16, 2)];
        let mut expected = vec![NAN; 16];
        for (run, which) in runs {
            let sides = match (o.boundary.clone(), which) {
                (ndgrad::Boundaries::Same(Boundary::Reflect), 0) => {
                    Boundary::Sides(ndgrad::Side::Reflect, ndgrad::Side::OneSided)
                }
                (ndgrad::Boundaries::Same(Boundary::Reflect), 2) => {
                    Boundary::Sides(ndgrad::Side::OneSided, ndgrad::Side::Reflect)
                }
                (ndgrad::Boundaries::Same(Boundary::Reflect), _) => Boundary::OneSided,
                (_, _) => Boundary::OneSided,
            };
            let part = f.slice(ndarray::s![run.clone()]).to_owned();
            // A run too short for the scheme stays NaN.
            if let Ok(g) = gradient(part.view(), &o.clone().boundary(sides)) {
                for (i, d) in run.zip(g[0].iter()) {
                    expected[i] = *d;
                }
            }
        }
        assert_bits(&found, &expected, &format!("{o:?}"));
    }
}

#[test]
fn periodic_omit_counts_the_gap_across_the_seam() {
    // Samples of sin on a circle of 16, the first two missing: the kept samples are an
    // uneven periodic axis, the same as the one given by coordinates with its period.
    let n = 16;
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let mut f: Vec<f64> = x
        .iter()
        .map(|v| (v * std::f64::consts::TAU / 16.0).sin())
        .collect();
    f[0] = NAN;
    f[1] = NAN;
    let o = GradientOptions::new()
        .boundary(Boundary::Periodic { period: None })
        .nan_policy(NanPolicy::Omit);
    let found = grad1(&f, &o);
    let kept: Vec<f64> = f[2..].to_vec();
    let coords = GradientOptions::new()
        .spacings([AxisSpacing::from(x[2..].to_vec())])
        .period(16.0);
    let expected = grad1(&kept, &coords);
    assert_bits(&found[2..], &expected, "periodic omit");
    assert!(found[0].is_nan() && found[1].is_nan());
    // The derivative of sin stays close to cos across the seam.
    for (i, d) in found.iter().enumerate().skip(2) {
        let exact = (i as f64 * std::f64::consts::TAU / 16.0).cos() * std::f64::consts::TAU / 16.0;
        assert!((d - exact).abs() < 0.05, "{i}: {d} vs {exact}");
    }
}

#[test]
fn periodic_split_joins_the_run_through_the_seam() {
    let f = [1.0, 2.0, 4.0, NAN, 5.0, 3.0, 0.5, 0.25];
    let o = GradientOptions::new().boundary(Boundary::Periodic { period: None });
    let found = grad1(&f, &o.clone().nan_policy(NanPolicy::Split));
    // Runs: [4, 5, 6, 7, 0, 1, 2] joined through the seam, one-sided at the NaN.
    let joined = [5.0, 3.0, 0.5, 0.25, 1.0, 2.0, 4.0];
    let g = grad1(
        &joined,
        &GradientOptions::new().edge_order(EdgeOrder::Second),
    );
    let expected = [g[4], g[5], g[6], NAN, g[0], g[1], g[2], g[3]];
    assert_bits(&found, &expected, "periodic split");
}

#[test]
fn lanes_too_short_for_the_scheme_are_nan() {
    let f = [1.0, NAN, NAN, 4.0, NAN, 6.0, 7.0];
    let omit = grad1(&f, &policy(NanPolicy::Omit).accuracy(4));
    assert!(omit.iter().all(|v| v.is_nan()), "{omit:?}");
    let split = grad1(&f, &policy(NanPolicy::Split));
    assert_bits(&split, &[NAN, NAN, NAN, NAN, NAN, 1.0, 1.0], "split");
}

#[test]
fn complex_and_float32_lanes_follow_the_same_rules() {
    use ndgrad::Complex;
    let f = array![
        Complex::new(1.0, 0.0),
        Complex::new(2.0, 1.0),
        Complex::new(f64::NAN, 0.0),
        Complex::new(4.0, 3.0),
        Complex::new(8.0, 7.0)
    ];
    let g = gradient(f.view(), &policy(NanPolicy::Split))
        .unwrap()
        .remove(0);
    assert_eq!(g[0], Complex::new(1.0, 1.0));
    assert!(g[2].re.is_nan() && g[2].im.is_nan());
    assert_eq!(g[4], Complex::new(4.0, 4.0));
    let f32s = array![1.0f32, 2.0, f32::NAN, 4.0, 8.0, 16.0];
    let g = gradient(f32s.view(), &policy(NanPolicy::Omit))
        .unwrap()
        .remove(0);
    assert_eq!(g[0], 1.0);
    assert!(g[2].is_nan());
    assert_eq!(g[5], 8.0);
}

/// Blocks: `split` on evenly spaced axes needs only the plan's reach around its outputs;
/// `omit` needs whole lanes. Both give the whole-array bits.
#[test]
fn blocks_give_the_whole_array_bits() {
    let f = gappy();
    for o in [
        GradientOptions::new().axis(0),
        GradientOptions::new().axis(0).edge_order(EdgeOrder::Second),
        GradientOptions::new().axis(0).accuracy(6),
        GradientOptions::new().axis(0).savgol(5, 3),
        GradientOptions::new()
            .axis(0)
            .boundary(Boundary::Reflect)
            .accuracy(4),
    ] {
        let o = o.nan_policy(NanPolicy::Split);
        let plan = Plan::new(f.shape(), &o).unwrap();
        let whole = gradient(f.view(), &o).unwrap().remove(0);
        let n = f.shape()[0];
        let reach = plan.reach(0);
        for width in [1, 4, 9] {
            let mut out = ArrayD::zeros(f.raw_dim());
            for start in (0..n).step_by(width) {
                let rows = start..(start + width).min(n);
                let halo = start.saturating_sub(reach)..(rows.end + reach).min(n);
                let (left, _) = plan.ghosts(0);
                let needs_ghosts = plan.halo(0, rows.clone()).start < left
                    || plan.halo(0, rows.clone()).end > left + n;
                // Blocks whose outputs read ghosts take the whole axis (index-mapped ghosts).
                let (block, block_start) = if needs_ghosts {
                    (f.view(), left)
                } else {
                    (
                        f.slice_axis(Axis(0), Slice::from(halo.clone())),
                        halo.start + left,
                    )
                };
                let target = out.slice_axis_mut(Axis(0), Slice::from(rows.clone()));
                plan.compute_block(0, block, block_start, target, rows.start)
                    .unwrap();
            }
            assert_bits(
                out.as_slice().unwrap(),
                whole.as_slice().unwrap(),
                &format!("{o:?} width {width}"),
            );
        }
    }
    // Omit refuses part of an axis, and takes the whole one.
    let o = GradientOptions::new().axis(0).nan_policy(NanPolicy::Omit);
    let plan = Plan::new(f.shape(), &o).unwrap();
    let mut out = ArrayD::zeros(f.raw_dim());
    let part = out.slice_axis_mut(Axis(0), Slice::from(0..10));
    let err = plan
        .compute_block(0, f.slice_axis(Axis(0), Slice::from(0..12)), 0, part, 0)
        .unwrap_err();
    assert!(
        matches!(err, Error::NanPolicyNeedsWholeAxis { axis: 0, .. }),
        "{err:?}"
    );
    let part = out.slice_axis_mut(Axis(0), Slice::from(10..20));
    plan.compute_block(0, f.view(), 0, part, 10).unwrap();
    let whole = gradient(f.view(), &o).unwrap().remove(0);
    assert_bits(
        out.slice_axis(Axis(0), Slice::from(10..20))
            .to_owned()
            .as_slice()
            .unwrap(),
        whole
            .slice_axis(Axis(0), Slice::from(10..20))
            .to_owned()
            .as_slice()
            .unwrap(),
        "omit block",
    );
}

#[test]
fn threads_and_layouts_give_the_same_bits() {
    let f = gappy();
    for p in [NanPolicy::Omit, NanPolicy::Split] {
        let o = GradientOptions::new().accuracy(4).nan_policy(p);
        let serial = gradient(f.view(), &o.clone().threads(1)).unwrap();
        let threaded = gradient(f.view(), &o.clone().threads(3).task_size(8)).unwrap();
        let ft = f.t().as_standard_layout().to_owned();
        let lanes = gradient(ft.view(), &o.clone().axes([1, 0])).unwrap();
        let flat = |a: ndarray::ArrayViewD<f64>| a.iter().copied().collect::<Vec<_>>();
        for k in 0..2 {
            let expected = flat(serial[k].view());
            assert_bits(&flat(threaded[k].view()), &expected, "threads");
            assert_bits(&flat(lanes[k].t()), &expected, "lanes");
        }
    }
}

/// The operators follow the policy: the same formulas over the policy's gradients.
#[test]
fn operators_combine_the_policys_gradients() {
    let f = gappy();
    let flat = |a: &ArrayD<f64>| a.iter().copied().collect::<Vec<_>>();
    for p in [NanPolicy::Omit, NanPolicy::Split] {
        let o = GradientOptions::new().accuracy(4).nan_policy(p);
        let g = gradient(f.view(), &o).unwrap();
        let expected: ArrayD<f64> = ndarray::Zip::from(&g[0])
            .and(&g[1])
            .map_collect(|a, b| (a * a + b * b).sqrt());
        assert_bits(
            &flat(&magnitude(f.view(), &o).unwrap()),
            &flat(&expected),
            "magnitude",
        );
        let d2 = gradient(f.view(), &o.clone().deriv(2)).unwrap();
        assert_bits(
            &flat(&laplacian(f.view(), &o).unwrap()),
            &flat(&(&d2[0] + &d2[1])),
            "laplacian",
        );
        let v = f.mapv(|x| x * 0.5 + 1.0);
        let gv = gradient(v.view(), &o).unwrap();
        let Curl::Scalar(c) = curl(&[f.view(), v.view()], &o).unwrap() else {
            panic!("2-D curl is a scalar")
        };
        assert_bits(&flat(&c), &flat(&(&gv[0] - &g[1])), "curl");
    }
    let err = magnitude(
        f.view(),
        &GradientOptions::new().nan_policy(NanPolicy::Raise),
    )
    .unwrap_err();
    assert!(matches!(err, Error::NanFound { .. }), "{err:?}");
}
