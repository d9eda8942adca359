//! `--nan-policy`: the library's bits in memory and streamed (split by halos, whole-lane
//! policies when the axis fits), clean refusals where streaming cannot be exact, and a
//! NaN's index in the file's terms under `raise`.

use ndarray::{Array2, ArrayD};
use ndgrad::{Boundary, GradientOptions, NanPolicy, gradient, magnitude};

mod support;
use support::{fails, ok, read_f64, s, same_bits, write_f64};

/// A smooth field with NaN: isolated samples, a gap of four rows, a whole column.
fn gappy(rows: usize, cols: usize) -> ArrayD<f64> {
    let mut f = Array2::from_shape_fn((rows, cols), |(i, j)| {
        (i as f64 * 0.13).sin() * (j as f64 * 0.29).cos() + 0.01 * (i * j) as f64
    })
    .into_dyn();
    for (i, j) in [(0, 1), (3, 2), (rows / 2, 0), (rows - 1, cols - 1)] {
        f[[i, j]] = f64::NAN;
    }
    for i in 10..14 {
        f[[i, 4]] = f64::NAN;
    }
    for i in 0..rows {
        f[[i, 6]] = f64::NAN;
    }
    f
}

fn library(f: &ArrayD<f64>, options: &GradientOptions) -> Vec<ArrayD<f64>> {
    gradient(f.view(), options).unwrap()
}

#[test]
fn every_policy_equals_the_library_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("f.npy");
    let f = gappy(60, 9);
    write_f64(&input, &f);
    for (policy, flag) in [
        (NanPolicy::Propagate, "propagate"),
        (NanPolicy::Omit, "omit"),
        (NanPolicy::Split, "split"),
    ] {
        for (extra, options) in [
            (vec![], GradientOptions::new()),
            (vec!["--accuracy", "4"], GradientOptions::new().accuracy(4)),
            (
                vec!["--window-length", "7", "--polyorder", "2"],
                GradientOptions::new().savgol(7, 2),
            ),
            (
                vec!["--boundary", "periodic", "--spacing", "0.5"],
                GradientOptions::new()
                    .boundary(Boundary::Periodic { period: None })
                    .spacing(0.5),
            ),
        ] {
            let options = options.nan_policy(policy);
            let want = library(&f, &options.clone().axis(0));
            let out = dir.path().join(format!("g0-{flag}.npy"));
            let mut args = vec!["grad", s(&input), "-o", s(&out), "--axis", "0"];
            args.extend(["--nan-policy", flag]);
            args.extend(extra.iter().copied());
            ok(&args);
            same_bits(&read_f64(&out), &want[0]);
        }
    }
}

#[test]
fn streamed_split_and_whole_lane_policies_equal_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.npy");
    // 50 000 x 64 float64: 26 MB, streamed in slabs under a 20 MB limit.
    let f = gappy(50_000, 64);
    write_f64(&input, &f);
    for (flag, options, axes) in [
        ("split", GradientOptions::new().accuracy(6), vec!["0"]),
        ("split", GradientOptions::new().savgol(9, 3), vec!["0"]),
        ("omit", GradientOptions::new(), vec!["1"]),
        ("split", GradientOptions::new(), vec!["1"]),
    ] {
        let policy = match flag {
            "omit" => NanPolicy::Omit,
            _ => NanPolicy::Split,
        };
        let axis: isize = axes[0].parse().unwrap();
        let want = library(&f, &options.clone().nan_policy(policy).axis(axis));
        let out = dir.path().join(format!("s-{flag}-{axis}.npy"));
        let mut args = vec!["grad", s(&input), "-o", s(&out), "--memory-limit", "20M"];
        args.extend(["--nan-policy", flag, "--axis", axes[0]]);
        match options.scheme {
            ndgrad::Scheme::Accuracy(6) => args.extend(["--accuracy", "6"]),
            ndgrad::Scheme::SavitzkyGolay { .. } => {
                args.extend(["--window-length", "9", "--polyorder", "3"])
            }
            _ => {}
        }
        ok(&args);
        same_bits(&read_f64(&out), &want[0]);
    }
}

#[test]
fn streaming_refuses_whole_lane_policies_on_the_slabbed_axis() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.npy");
    write_f64(&input, &gappy(50_000, 64));
    let out = dir.path().join("out.npy");
    for extra in [
        vec!["--nan-policy", "omit"],
        vec!["--nan-policy", "split", "--boundary", "periodic"],
    ] {
        let mut args = vec!["grad", s(&input), "-o", s(&out), "--axis", "0"];
        args.extend(["--memory-limit", "20M"]);
        args.extend(extra.iter().copied());
        let (code, err) = fails(&args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("--nan-policy")
                && err.contains("--memory-limit")
                && err.contains("whole lane"),
            "{err}"
        );
        assert!(!out.exists(), "no output after a refusal");
    }
}

#[test]
fn raise_names_the_index_in_memory_and_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.npy");
    let mut f = ArrayD::from_elem(vec![50_000, 64], 1.0);
    f[[45_321, 17]] = f64::NAN;
    write_f64(&input, &f);
    let out = dir.path().join("out.npz");
    for limit in [None, Some("20M")] {
        for axis in ["0", "1"] {
            let mut args = vec!["grad", s(&input), "-o", s(&out), "--axis", axis];
            args.extend(["--nan-policy", "raise"]);
            let npy = dir.path().join("out.npy");
            if let Some(l) = limit {
                args[3] = s(&npy);
                args.extend(["--memory-limit", l]);
            }
            let (code, err) = fails(&args);
            assert_eq!(code, 1, "{err}");
            assert!(
                err.contains(&format!("NaN at index (45321, 17) along axis {axis}"))
                    && err.contains("--nan-policy omit or split"),
                "{limit:?} {axis}: {err}"
            );
            assert!(!out.exists() && !npy.exists(), "no half-written output");
        }
    }
}

#[test]
fn operators_take_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("f.npy");
    let f = gappy(40, 9);
    write_f64(&input, &f);
    let out = dir.path().join("m.npy");
    ok(&[
        "magnitude",
        s(&input),
        "-o",
        s(&out),
        "--nan-policy",
        "omit",
    ]);
    let want = magnitude(
        f.view(),
        &GradientOptions::new().nan_policy(NanPolicy::Omit),
    )
    .unwrap();
    same_bits(&read_f64(&out), &want);
}

#[test]
fn a_bad_policy_is_a_usage_error_naming_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("f.npy");
    write_f64(&input, &gappy(20, 9));
    let out = dir.path().join("o.npy");
    let (code, err) = fails(&["grad", s(&input), "-o", s(&out), "--nan-policy", "skip"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--nan-policy") && err.contains("omit") && err.contains("split"),
        "{err}"
    );
}
