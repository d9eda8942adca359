//! `--window-length W --polyorder D` on `ndgrad grad`: Savitzky–Golay derivatives, the same
//! bits as the library with `.savgol(W, D)`, in memory and streamed; flag mistakes are usage
//! errors (exit code 2), an axis shorter than the window a data error (exit code 1).

use std::path::Path;

use ndarray::{Array2, ArrayView1};
use ndgrad::{AxisSpacing, Boundary, GradientOptions};

mod support;
use support::{fails, ndgrad, ok, s, write_f64_npy as write_npy};

/// The float64 values of a C-ordered `.npy` the command wrote.
fn read_npy(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(
        header.contains("'<f8'") && header.contains("'fortran_order': False"),
        "{header}"
    );
    bytes[10 + len..]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn values(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let k = (i * cols + j) as u64;
        ((k.wrapping_mul(2_654_435_761) % 1_000_003) as f64).sqrt() / 7.0
            + (i as f64 * 0.3).sin() * 5.0
    })
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn in_memory_equals_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let a = values(30, 26);
    let input = dir.path().join("a.npy");
    write_npy(&input, &[30, 26], a.as_slice().unwrap());
    let x: Vec<f64> = (0..26)
        .map(|i| i as f64 + 0.3 * (i as f64 * 1.7).sin())
        .collect();
    let xfile = dir.path().join("x.npy");
    write_npy(&xfile, &[26], &x);
    let periodic = Boundary::Periodic { period: None };
    // One axis per call, so the output is one .npy.
    let cases: Vec<(Vec<&str>, GradientOptions)> = vec![
        (
            vec!["--axis", "0", "--window-length", "5", "--polyorder", "2"],
            GradientOptions::new().axis(0).savgol(5, 2),
        ),
        (
            vec!["--axis", "1", "--window-length", "5", "--polyorder", "2"],
            GradientOptions::new().axis(1).savgol(5, 2),
        ),
        (
            vec![
                "--axis",
                "0",
                "--window-length",
                "21",
                "--polyorder",
                "3",
                "--deriv",
                "2",
                "--spacing",
                "0.5",
            ],
            GradientOptions::new()
                .axis(0)
                .savgol(21, 3)
                .deriv(2)
                .spacing(0.5),
        ),
        (
            vec![
                "--axis",
                "1",
                "--window-length",
                "11",
                "--polyorder",
                "4",
                "--boundary",
                "periodic",
            ],
            GradientOptions::new()
                .axis(1)
                .savgol(11, 4)
                .boundary(periodic),
        ),
        (
            vec![
                "--axis",
                "1",
                "--window-length",
                "7",
                "--polyorder",
                "3",
                "--spacing",
                s(&xfile),
                "--boundary",
                "reflect",
            ],
            GradientOptions::new()
                .axis(1)
                .savgol(7, 3)
                .spacings([AxisSpacing::from(x.clone())])
                .boundary(Boundary::Reflect),
        ),
        (
            vec![
                "--axis",
                "-1",
                "--window-length",
                "9",
                "--polyorder",
                "2",
                "--deriv",
                "2",
                "--spacing",
                s(&xfile),
                "--boundary",
                "periodic",
                "--period",
                "27",
            ],
            GradientOptions::new()
                .axis(-1)
                .savgol(9, 2)
                .deriv(2)
                .spacings([AxisSpacing::from(x.clone())])
                .boundary(Boundary::Periodic { period: Some(27.0) }),
        ),
    ];
    for (n, (flags, options)) in cases.into_iter().enumerate() {
        let want = ndgrad::gradient(a.view(), &options).unwrap().remove(0);
        let out = dir.path().join(format!("g{n}.npy"));
        let mut args = vec!["grad", s(&input), "-o", s(&out)];
        args.extend(&flags);
        ok(&args);
        assert_eq!(
            bits(&read_npy(&out)),
            bits(want.as_standard_layout().as_slice().unwrap()),
            "{args:?}"
        );
    }
}

#[test]
fn streamed_equals_in_memory() {
    // Rows of 1 MiB (input and output): a few tens of MiB hold only some rows, so the file
    // is read in several slabs with the window's halo (and ghost rows for the boundaries).
    let dir = tempfile::tempdir().unwrap();
    let (rows, inner) = (40, 65536);
    let a = values(rows, inner);
    let input = dir.path().join("big.npy");
    write_npy(&input, &[rows, inner], a.as_slice().unwrap());
    for flags in [
        &["--window-length", "11", "--polyorder", "3"][..],
        &[
            "--window-length",
            "9",
            "--polyorder",
            "4",
            "--deriv",
            "2",
            "--boundary",
            "periodic",
        ],
        &[
            "--window-length",
            "7",
            "--polyorder",
            "2",
            "--boundary",
            "reflect,constant:1.5",
        ],
    ] {
        let whole = dir.path().join("whole.npy");
        let mut args = vec!["grad", s(&input), "-o", s(&whole), "--axis", "0"];
        args.extend(flags);
        ok(&args);
        let expected = read_npy(&whole);
        let library = {
            let mut o = GradientOptions::new().axis(0);
            o = match flags[3] {
                "3" => o.savgol(11, 3),
                "4" => o
                    .savgol(9, 4)
                    .deriv(2)
                    .boundary(Boundary::Periodic { period: None }),
                _ => o.savgol(7, 2).boundary(Boundary::Sides(
                    ndgrad::Side::Reflect,
                    ndgrad::Side::Constant(1.5),
                )),
            };
            ndgrad::gradient(a.view(), &o).unwrap().remove(0)
        };
        assert_eq!(
            bits(&expected),
            bits(library.as_slice().unwrap()),
            "{flags:?}"
        );
        let streamed = dir.path().join("streamed.npy");
        let mut args = vec!["grad", s(&input), "-o", s(&streamed), "--axis", "0"];
        args.extend(flags);
        // The smallest of these limits that fits the program and a slab.
        let mut slab = None;
        for limit in ["24M", "32M", "40M", "48M", "64M", "96M"] {
            let out =
                ndgrad(&[&args[..], &["--memory-limit", limit, "--stats", "--quiet"]].concat());
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            if !out.status.success() {
                assert!(stderr.contains("too small"), "{args:?}: {stderr}");
                continue;
            }
            slab = stderr
                .split("slabs of ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .and_then(|n| n.parse::<usize>().ok());
            break;
        }
        let slab = slab.expect("a limit that streams");
        assert!(
            slab < rows,
            "{flags:?}: slabs of {slab} rows cover the file"
        );
        assert_eq!(bits(&read_npy(&streamed)), bits(&expected), "{flags:?}");
    }
}

#[test]
fn flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.npy");
    write_npy(&input, &[6, 9], values(6, 9).as_slice().unwrap());
    let out = dir.path().join("g.npy");
    let base = ["grad", s(&input), "-o", s(&out), "--axis", "1"];
    // Usage errors (exit code 2), in memory and streamed, naming every flag involved.
    for (flags, names) in [
        (
            &["--window-length", "5"][..],
            &["--window-length 5", "--polyorder"][..],
        ),
        (&["--polyorder", "2"], &["--polyorder 2", "--window-length"]),
        (
            &[
                "--window-length",
                "5",
                "--polyorder",
                "2",
                "--accuracy",
                "4",
            ],
            &["--accuracy", "--window-length", "not both"],
        ),
        (
            &[
                "--window-length",
                "5",
                "--polyorder",
                "2",
                "--edge-order",
                "2",
            ],
            &["--edge-order", "--window-length"],
        ),
        (
            &["--window-length", "4", "--polyorder", "2"],
            &["--window-length 4 must be odd and greater than --polyorder 2"],
        ),
        (
            &["--window-length", "27", "--polyorder", "2"],
            &["--window-length 27", "up to 25"],
        ),
        (
            &["--window-length", "5", "--polyorder", "1", "--deriv", "2"],
            &["--polyorder 1 is below --deriv 2"],
        ),
        (
            &["--window-length", "x", "--polyorder", "2"],
            &["--window-length"],
        ),
        (
            &["--window-length", "5", "--polyorder", "-1"],
            &["--polyorder"],
        ),
    ] {
        for streamed in [false, true] {
            let mut args = base.to_vec();
            args.extend(flags);
            if streamed {
                args.extend(["--memory-limit", "1G"]);
            }
            let (code, err) = fails(&args);
            assert_eq!(code, 2, "{args:?}: {err}");
            for name in names {
                assert!(err.contains(name), "{args:?} should say {name}: {err}");
            }
        }
    }
    // Too few samples for the window: a data error naming the file, axis and length.
    for streamed in [false, true] {
        let mut args = vec!["grad", s(&input), "-o", s(&out), "--axis", "0"];
        args.extend(["--window-length", "7", "--polyorder", "2"]);
        if streamed {
            args.extend(["--memory-limit", "1G"]);
        }
        let (code, err) = fails(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(s(&input))
                && err.contains(
                    "axis 0 has 6 sample(s) (shape [6, 9]) but --window-length 7 needs at least 7"
                ),
            "{err}"
        );
    }
    assert!(!out.exists());
    // The library agrees on a line: its slope everywhere.
    let line: Vec<f64> = (0..9).map(|i| 2.0 * i as f64 + 1.0).collect();
    let g = ndgrad::gradient(
        ArrayView1::from(&line),
        &GradientOptions::new().savgol(9, 2),
    )
    .unwrap()
    .remove(0);
    assert!(g.iter().all(|v| (v - 2.0).abs() < 1e-13), "{g:?}");
}
