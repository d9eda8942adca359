//! `ndgrad magnitude`, `laplacian`, `divergence` and `curl`: the same bits as the library's
//! operators with the same options, and their mistakes as clean errors (usage errors exit 2,
//! data errors 1) that name the file or flag and leave no output.

use std::path::Path;

use ndarray::{Array2, Array3, ArrayD};
use ndgrad::{Boundary, Curl, GradientOptions};

mod support;
use support::{fails, npy_bytes, ok, parse_f64, read_f64, s, same_bits, write_f64};

/// Writes a float32 array as `.npy`.
fn write_f32(path: &Path, a: &ArrayD<f32>) {
    let data: Vec<u8> = a.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, npy_bytes("<f4", a.shape(), &data)).unwrap();
}

/// Member `name.npy` of a stored (uncompressed) `.npz`, as float64.
fn npz_f64(path: &Path, name: &str) -> ArrayD<f64> {
    let bytes = std::fs::read(path).unwrap();
    let target = format!("{name}.npy");
    let mut i = 0;
    while i + 30 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
            let method = u16::from_le_bytes([bytes[i + 8], bytes[i + 9]]);
            let n = u16::from_le_bytes([bytes[i + 26], bytes[i + 27]]) as usize;
            let extra = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
            let file_name = std::str::from_utf8(&bytes[i + 30..i + 30 + n]).unwrap_or("");
            let start = i + 30 + n + extra;
            if file_name == target {
                assert_eq!(method, 0, "expected a stored member");
                return parse_f64(&bytes[start..]);
            }
            i = start;
        } else {
            i += 1;
        }
    }
    panic!("{} has no member {name}", path.display());
}

/// A smooth, uneven 2-D field.
fn field2(rows: usize, cols: usize, phase: f64) -> ArrayD<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let (x, y) = (i as f64 * 0.37 + phase, j as f64 * 0.21);
        (x * 1.3).sin() * y.cos() + 0.1 * x * x * y
    })
    .into_dyn()
}

/// A smooth 3-D field.
fn field3(phase: f64) -> ArrayD<f64> {
    Array3::from_shape_fn((5, 6, 7), |(i, j, k)| {
        let (x, y, z) = (i as f64 * 0.3, j as f64 * 0.25 + phase, k as f64 * 0.4);
        (x + 2.0 * y).sin() * (z - phase).cos() + x * y * z
    })
    .into_dyn()
}

#[test]
fn magnitude_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let f = field2(8, 9, 0.0);
    let input = dir.path().join("f.npy");
    write_f64(&input, &f);

    let out = dir.path().join("m.npy");
    ok(&["magnitude", s(&input), "-o", s(&out)]);
    let want = ndgrad::magnitude(f.view(), &GradientOptions::new()).unwrap();
    same_bits(&read_f64(&out), &want);

    let out = dir.path().join("m4.npy");
    ok(&[
        "magnitude",
        s(&input),
        "-o",
        s(&out),
        "--accuracy",
        "4",
        "--spacing",
        "0.5",
    ]);
    let options = GradientOptions::new().accuracy(4).spacing(0.5);
    same_bits(
        &read_f64(&out),
        &ndgrad::magnitude(f.view(), &options).unwrap(),
    );

    // Over one axis: |df/dx1|.
    let out = dir.path().join("m1.npy");
    ok(&["magnitude", s(&input), "-o", s(&out), "--axis", "1"]);
    let options = GradientOptions::new().axes([1]);
    same_bits(
        &read_f64(&out),
        &ndgrad::magnitude(f.view(), &options).unwrap(),
    );
}

#[test]
fn laplacian_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let f = field3(0.2);
    let input = dir.path().join("f.npy");
    write_f64(&input, &f);

    let out = dir.path().join("l.npy");
    ok(&["laplacian", s(&input), "-o", s(&out)]);
    same_bits(
        &read_f64(&out),
        &ndgrad::laplacian(f.view(), &GradientOptions::new()).unwrap(),
    );

    let out = dir.path().join("lp.npy");
    ok(&[
        "laplacian",
        s(&input),
        "-o",
        s(&out),
        "--boundary",
        "periodic",
        "--accuracy",
        "4",
    ]);
    let options = GradientOptions::new()
        .accuracy(4)
        .boundary(Boundary::Periodic { period: None });
    same_bits(
        &read_f64(&out),
        &ndgrad::laplacian(f.view(), &options).unwrap(),
    );
}

#[test]
fn divergence_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let (u, v) = (field2(7, 8, 0.0), field2(7, 8, 1.1));
    let (pu, pv) = (dir.path().join("u.npy"), dir.path().join("v.npy"));
    write_f64(&pu, &u);
    write_f64(&pv, &v);

    let out = dir.path().join("d.npy");
    ok(&["divergence", s(&pu), s(&pv), "-o", s(&out)]);
    let want = ndgrad::divergence(&[u.view(), v.view()], &GradientOptions::new()).unwrap();
    same_bits(&read_f64(&out), &want);

    let out = dir.path().join("dr.npy");
    ok(&[
        "divergence",
        s(&pu),
        s(&pv),
        "-o",
        s(&out),
        "--boundary",
        "reflect",
        "--accuracy",
        "4",
        "--axis",
        "1",
        "--axis",
        "0",
    ]);
    let options = GradientOptions::new()
        .accuracy(4)
        .boundary(Boundary::Reflect)
        .axes([1, 0]);
    let want = ndgrad::divergence(&[u.view(), v.view()], &options).unwrap();
    same_bits(&read_f64(&out), &want);

    // Three components of a 3-D field.
    let (a, b, c) = (field3(0.0), field3(0.5), field3(1.0));
    let paths: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.npy")))
        .collect();
    for (p, x) in paths.iter().zip([&a, &b, &c]) {
        write_f64(p, x);
    }
    let out = dir.path().join("d3.npy");
    ok(&[
        "divergence",
        s(&paths[0]),
        s(&paths[1]),
        s(&paths[2]),
        "-o",
        s(&out),
        "--spacing",
        "0.25",
    ]);
    let options = GradientOptions::new().spacing(0.25);
    let want = ndgrad::divergence(&[a.view(), b.view(), c.view()], &options).unwrap();
    same_bits(&read_f64(&out), &want);
}

#[test]
fn curl_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let (u, v) = (field2(6, 9, 0.3), field2(6, 9, 2.0));
    let (pu, pv) = (dir.path().join("u.npy"), dir.path().join("v.npy"));
    write_f64(&pu, &u);
    write_f64(&pv, &v);

    // 2 components: one array, as .npy.
    let out = dir.path().join("w.npy");
    ok(&[
        "curl",
        s(&pu),
        s(&pv),
        "-o",
        s(&out),
        "--axis",
        "1",
        "--axis",
        "0",
        "--accuracy",
        "4",
    ]);
    let options = GradientOptions::new().axes([1, 0]).accuracy(4);
    let Curl::Scalar(want) = ndgrad::curl(&[u.view(), v.view()], &options).unwrap() else {
        panic!("two components have a scalar curl")
    };
    same_bits(&read_f64(&out), &want);

    // 3 components: curl0, curl1, curl2 in an .npz.
    let (a, b, c) = (field3(0.1), field3(0.7), field3(1.3));
    let paths: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.npy")))
        .collect();
    for (p, x) in paths.iter().zip([&a, &b, &c]) {
        write_f64(p, x);
    }
    let out = dir.path().join("curl.npz");
    ok(&[
        "curl",
        s(&paths[0]),
        s(&paths[1]),
        s(&paths[2]),
        "-o",
        s(&out),
        "--boundary",
        "periodic",
    ]);
    let options = GradientOptions::new().boundary(Boundary::Periodic { period: None });
    let Curl::Vector(want) = ndgrad::curl(&[a.view(), b.view(), c.view()], &options).unwrap()
    else {
        panic!("three components have a vector curl")
    };
    for (i, w) in want.iter().enumerate() {
        same_bits(&npz_f64(&out, &format!("curl{i}")), w);
    }
}

#[test]
fn component_mismatches_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (pu, pv) = (dir.path().join("u.npy"), dir.path().join("v.npy"));
    write_f64(&pu, &field2(6, 7, 0.0));
    write_f64(&pv, &field2(6, 8, 0.0));
    let out = dir.path().join("d.npy");
    for command in ["divergence", "curl"] {
        let (code, err) = fails(&[command, s(&pu), s(&pv), "-o", s(&out)]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("v.npy") && err.contains("shape"), "{err}");
        assert!(!out.exists());
    }

    let pw = dir.path().join("w32.npy");
    write_f32(&pw, &field2(6, 7, 0.0).mapv(|v| v as f32));
    let (code, err) = fails(&["divergence", s(&pu), s(&pw), "-o", s(&out)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("w32.npy") && err.contains("dtype"), "{err}");
    assert!(!out.exists());
}

#[test]
fn usage_errors_exit_2_and_name_the_flag_or_file() {
    let dir = tempfile::tempdir().unwrap();
    let (pu, pv, pw) = (
        dir.path().join("u.npy"),
        dir.path().join("v.npy"),
        dir.path().join("w.npy"),
    );
    for p in [&pu, &pv, &pw] {
        write_f64(p, &field2(6, 7, 0.0));
    }
    let out = dir.path().join("o.npy");

    // Curl of one component.
    let (code, err) = fails(&["curl", s(&pu), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2 or 3") && err.contains("u.npy"), "{err}");

    // Three components' curl is three arrays: not .npy.
    let (code, err) = fails(&["curl", s(&pu), s(&pv), s(&pw), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("o.npy") && err.contains(".npz"), "{err}");

    // Three components of a 2-D field: the axes do not match.
    let (code, err) = fails(&["divergence", s(&pu), s(&pv), s(&pw), "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--axis"), "{err}");

    // No streaming.
    for command in ["magnitude", "laplacian"] {
        let (code, err) = fails(&[command, s(&pu), "-o", s(&out), "--memory-limit", "1G"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--memory-limit"), "{err}");
    }
    let (code, err) = fails(&[
        "curl",
        s(&pu),
        s(&pv),
        "-o",
        s(&out),
        "--memory-limit",
        "1G",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--memory-limit"), "{err}");

    // The Laplacian's order is 2: no --deriv, no --edge-order.
    for flag in ["--deriv", "--edge-order"] {
        let (code, err) = fails(&["laplacian", s(&pu), "-o", s(&out), flag, "2"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(flag), "{err}");
    }

    // grad's flag checks, from the shared resolve step.
    let (code, err) = fails(&[
        "magnitude",
        s(&pu),
        "-o",
        s(&out),
        "--accuracy",
        "4",
        "--edge-order",
        "2",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--edge-order"), "{err}");

    // The Laplacian speaks of its own order, not of a --deriv it does not have.
    let (code, err) = fails(&[
        "laplacian",
        s(&pu),
        "-o",
        s(&out),
        "--window-length",
        "5",
        "--polyorder",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--polyorder 1") && !err.contains("--deriv"),
        "{err}"
    );

    // Outputs never replace inputs.
    let (code, err) = fails(&["magnitude", s(&pu), "-o", s(&pu)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overwrite"), "{err}");
    assert!(!out.exists());
}

#[test]
fn an_axis_too_short_for_the_laplacian_is_a_data_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("short.npy");
    write_f64(&input, &field2(3, 7, 0.0));
    let out = dir.path().join("l.npy");
    let (code, err) = fails(&["laplacian", s(&input), "-o", s(&out)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("short.npy") && err.contains("axis 0"), "{err}");
    assert!(!err.contains("--deriv"), "{err}");
    assert!(!out.exists());
    // Without that axis it works.
    ok(&["laplacian", s(&input), "-o", s(&out), "--axis", "1"]);
    let f = field2(3, 7, 0.0);
    let want = ndgrad::laplacian(f.view(), &GradientOptions::new().axes([1])).unwrap();
    same_bits(&read_f64(&out), &want);
}

#[test]
fn every_operator_has_help_with_examples() {
    for sub in ["magnitude", "laplacian", "divergence", "curl"] {
        let text = ok(&[sub, "--help"]);
        assert!(text.contains("Examples:"), "{sub}");
        assert!(text.contains(&format!("ndgrad {sub} ")), "{sub}");
        assert!(!text.contains("--memory-limit <"), "{sub}");
    }
    let laplacian = ok(&["laplacian", "--help"]);
    assert!(!laplacian.contains("--deriv <") && !laplacian.contains("--edge-order <"));
}
