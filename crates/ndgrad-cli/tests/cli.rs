//! Drives the real `ndgrad` executable on temporary files and compares its outputs with
//! NumPy's answers (tests/fixtures, written by scripts/gen_fixtures.py from NumPy itself).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_ndgrad");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn ndgrad(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("the ndgrad binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = ndgrad(args);
    assert!(
        out.status.success(),
        "ndgrad {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs a failing command: returns (exit code, stderr) and checks it is one clean line.
fn fails(args: &[&str]) -> (i32, String) {
    let out = ndgrad(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "ndgrad {args:?} should fail");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    (out.status.code().expect("an exit code"), stderr)
}

struct Npy {
    descr: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// A minimal independent `.npy` parser for checking outputs (little-endian, C order).
fn parse_npy(bytes: &[u8]) -> Npy {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    let descr = header
        .split("'descr': '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    Npy {
        descr,
        shape,
        data: bytes[10 + len..].to_vec(),
    }
}

fn npz_member(path: &Path, name: &str) -> Npy {
    // Stored (uncompressed) zip members: find the local header of `name.npy`.
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
                let rest = &bytes[start..];
                let header_len = u16::from_le_bytes([rest[8], rest[9]]) as usize;
                let head = parse_npy(rest);
                let item = match head.descr.as_str() {
                    "<f8" | "<c8" => 8,
                    "<c16" => 16,
                    "<f4" => 4,
                    "<f2" => 2,
                    d => panic!("unexpected dtype {d}"),
                };
                let count: usize = head.shape.iter().product();
                let data = rest[10 + header_len..10 + header_len + count * item].to_vec();
                return Npy { data, ..head };
            }
            i = start;
        } else {
            i += 1;
        }
    }
    panic!("{} has no member {name}", path.display());
}

/// Asserts that an output member equals NumPy's expected array bit for bit.
fn same_as_numpy(got: &Npy, expected: &Npy) {
    assert_eq!(got.descr, expected.descr, "dtype");
    assert_eq!(got.shape, expected.shape, "shape");
    assert_eq!(got.data, expected.data, "bits");
}

fn expected(name: &str) -> Npy {
    npz_member(&fixture("expected.npz"), name)
}

/// NumPy stacks a tuple of outputs as one array; split it along its first axis.
fn expected_parts(name: &str, parts: usize) -> Vec<Npy> {
    let all = expected(name);
    let size = all.data.len() / parts;
    (0..parts)
        .map(|k| Npy {
            descr: all.descr.clone(),
            shape: all.shape[1..].to_vec(),
            data: all.data[k * size..(k + 1) * size].to_vec(),
        })
        .collect()
}

/// Both outputs (`axis0`, `axis1`) of an `.npz` equal NumPy's tuple `name`.
fn same_axes_as_numpy(npz: &Path, name: &str) {
    for (k, want) in expected_parts(name, 2).iter().enumerate() {
        same_as_numpy(&npz_member(npz, &format!("axis{k}")), want);
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn grad_all_axes_of_npy_to_npz() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    ok(&["grad", s(&fixture("f64.npy")), "-o", s(&out)]);
    same_axes_as_numpy(&out, "f64_all");
}

#[test]
fn grad_one_axis_with_spacing_and_edge_order_to_npy() {
    let dir = tmp();
    let out = dir.path().join("g.npy");
    ok(&[
        "grad",
        s(&fixture("f64.npy")),
        "-o",
        s(&out),
        "--axis",
        "-1",
        "--spacing",
        "0.5",
        "--edge-order",
        "2",
    ]);
    same_as_numpy(
        &parse_npy(&std::fs::read(&out).unwrap()),
        &expected("f64_axis1_h05_e2"),
    );
}

#[test]
fn grad_big_endian_fortran_float32_stays_float32() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    ok(&[
        "grad",
        s(&fixture("f32_big_endian_fortran.npy")),
        "-o",
        s(&out),
        "--spacing",
        "2",
    ]);
    same_axes_as_numpy(&out, "f32_be_f_all");
}

#[test]
fn grad_integers_complex_and_float16() {
    let dir = tmp();
    let out = dir.path().join("i.npz");
    ok(&["grad", s(&fixture("i16.npy")), "-o", s(&out)]);
    same_axes_as_numpy(&out, "i16_all");

    let out = dir.path().join("c.npy");
    ok(&["grad", s(&fixture("c64.npy")), "-o", s(&out), "--axis", "0"]);
    same_as_numpy(
        &parse_npy(&std::fs::read(&out).unwrap()),
        &expected("c64_axis0"),
    );

    for coords in ["coords.npy", "coords.txt"] {
        let out = dir.path().join("h.npy");
        ok(&[
            "grad",
            s(&fixture("f16.npy")),
            "-o",
            s(&out),
            "--spacing",
            s(&fixture(coords)),
        ]);
        same_as_numpy(
            &parse_npy(&std::fs::read(&out).unwrap()),
            &expected("f16_coords"),
        );
    }
}

#[test]
fn grad_mixed_scalar_and_coordinate_spacing() {
    let dir = tmp();
    let out = dir.path().join("u.npz");
    ok(&[
        "grad",
        s(&fixture("u8.npy")),
        "-o",
        s(&out),
        "--spacing",
        "3",
        "--spacing",
        s(&fixture("coords8.npy")),
        "--edge-order",
        "2",
    ]);
    same_axes_as_numpy(&out, "u8_h_coords_e2");
}

#[test]
fn grad_npz_input_needs_a_key_when_several_arrays() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    let (code, err) = fails(&["grad", s(&fixture("pair.npz")), "-o", s(&out)]);
    assert_eq!(code, 1);
    assert!(
        err.contains("first, second") && err.contains("--key"),
        "{err}"
    );
    ok(&[
        "grad",
        s(&fixture("pair.npz")),
        "--key",
        "first",
        "-o",
        s(&out),
    ]);
    same_as_numpy(&npz_member(&out, "axis0"), &expected_parts("f64_all", 2)[0]);
    ok(&["grad", s(&fixture("single.npz")), "-o", s(&out)]);
    same_as_numpy(&npz_member(&out, "axis1"), &expected_parts("f64_all", 2)[1]);
}

#[test]
fn grad_images_as_luminance() {
    let dir = tmp();
    for name in ["gray8", "rgb8", "gray16"] {
        let out = dir.path().join(format!("{name}.npz"));
        ok(&["grad", s(&fixture(&format!("{name}.png"))), "-o", s(&out)]);
        same_axes_as_numpy(&out, name);
    }
}

#[test]
fn grad_csv_with_iso_times() {
    let dir = tmp();
    let out = dir.path().join("rates.csv");
    ok(&[
        "grad",
        s(&fixture("sensor.csv")),
        "--x",
        "time",
        "-o",
        s(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time,dtemperature/dtime,dhumidity/dtime")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let check = |column: usize, name: &str| {
        let want = expected(name);
        let values: Vec<f64> = want
            .data
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(rows.len(), values.len());
        for (row, v) in rows.iter().zip(values) {
            assert_eq!(
                row[column].parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{name}"
            );
        }
    };
    check(1, "sensor_temperature");
    check(2, "sensor_humidity");
    assert!(
        rows[0][0].starts_with("2026-"),
        "the x column is copied as written"
    );

    ok(&[
        "grad",
        s(&fixture("sensor.csv")),
        "--x",
        "time",
        "--time-unit",
        "min",
        "--edge-order",
        "2",
        "-o",
        s(&out),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let first: f64 = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let want = expected("sensor_temperature_min_e2");
    assert_eq!(
        first.to_bits(),
        f64::from_le_bytes(want.data[..8].try_into().unwrap()).to_bits()
    );
}

/// Missing readings in a table: empty cells and `nan`/`NaN` are NaN (a value column may
/// start with one), and `--nan-policy` decides what they mean (NUMERICS.md E3, E5).
#[test]
fn grad_csv_with_missing_cells() {
    let dir = tmp();
    let input = dir.path().join("gappy.csv");
    std::fs::write(
        &input,
        "f,g,label\n1,,a\n2,NaN,b\n,3,c\n4,nan,d\n8,9,e\n16,16,f\n",
    )
    .unwrap();
    let out = dir.path().join("rates.csv");
    let columns = |policy: &str| -> Vec<Vec<String>> {
        ok(&["grad", s(&input), "-o", s(&out), "--nan-policy", policy]);
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("df,dg"), "label is not numeric");
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        (0..2)
            .map(|c| rows.iter().map(|r| r[c].clone()).collect())
            .collect()
    };
    let text = |v: &[&str]| -> Vec<String> { v.iter().map(|x| x.to_string()).collect() };
    let omit = columns("omit");
    assert_eq!(
        omit[0],
        text(&["1.0", "1.0", "nan", "2.9999999999999996", "6.0", "8.0"])
    );
    assert_eq!(
        omit[1],
        text(&["nan", "nan", "3.0", "nan", "5.666666666666666", "7.0"])
    );
    let propagate = columns("propagate");
    assert_eq!(
        propagate[0],
        text(&["1.0", "nan", "1.0", "nan", "6.0", "8.0"])
    );

    // A coordinate cannot be missing: an empty x cell is an error naming it.
    std::fs::write(&input, "t,f\n0,1\n,2\n2,3\n").unwrap();
    let (code, err) = fails(&["grad", s(&input), "--x", "t", "-o", s(&out)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("line 3, column 't' is empty"), "{err}");
}

#[test]
fn edges_writes_scaled_maps_and_direction() {
    let dir = tmp();
    let edges = dir.path().join("e.png");
    let direction = dir.path().join("d.png");
    ok(&[
        "edges",
        s(&fixture("gray8.png")),
        "-o",
        s(&edges),
        "--direction",
        s(&direction),
    ]);
    let e = image_bytes(&edges);
    assert_eq!(&e[..8], b"\x89PNG\r\n\x1a\n");
    let e16 = dir.path().join("e16.png");
    ok(&[
        "edges",
        s(&fixture("rgb8.png")),
        "-o",
        s(&e16),
        "--depth",
        "16",
    ]);
    // 16-bit gray PNG: bit depth byte 16, color type 0 in the IHDR chunk.
    let b = image_bytes(&e16);
    assert_eq!((b[24], b[25]), (16, 0));
    let d = image_bytes(&direction);
    assert_eq!((d[24], d[25]), (8, 2), "8-bit RGB");
}

fn image_bytes(path: &Path) -> Vec<u8> {
    let mut v = Vec::new();
    std::fs::File::open(path)
        .unwrap()
        .read_to_end(&mut v)
        .unwrap();
    v
}

#[test]
fn plot_draws_a_png_chart() {
    let dir = tmp();
    let out = dir.path().join("p.png");
    ok(&[
        "plot",
        s(&fixture("sensor.csv")),
        "--x",
        "time",
        "--y",
        "temperature",
        "-o",
        s(&out),
    ]);
    let b = image_bytes(&out);
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
    assert!(b.len() > 10_000, "a real chart, not an empty image");
}

#[test]
fn info_describes_files() {
    let text = ok(&["info", s(&fixture("f32_big_endian_fortran.npy"))]);
    assert!(text.contains("shape:        [5, 4]"), "{text}");
    assert!(
        text.contains("float32") && text.contains("big-endian") && text.contains("Fortran"),
        "{text}"
    );
    let text = ok(&["info", s(&fixture("pair.npz"))]);
    assert!(
        text.contains("first: shape [6, 7], dtype float64"),
        "{text}"
    );
    let text = ok(&["info", s(&fixture("rgb8.png"))]);
    assert!(text.contains("11 x 9 pixels"), "{text}");
    let text = ok(&["info", s(&fixture("truncated.npy"))]);
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn demo_runs_on_bundled_data() {
    let dir = tmp();
    let text = ok(&["demo", s(dir.path())]);
    assert!(
        text.contains("[ 2.,  4.,  6.,  8., 10.]"),
        "edge_order=2 tutorial output"
    );
    assert!(!text.contains("DIFFERS"));
    for f in [
        "edges.png",
        "direction.png",
        "sensor_rates.csv",
        "sensor_plot.png",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    assert!(
        text.contains("4. Gappy noisy series") && text.contains("5. Vorticity and divergence"),
        "{text}"
    );
    // Omit runs NumPy's formulas on the valid samples: where np.gradient has a value, omit
    // has the same bits.
    assert!(
        text.contains("omit = np.gradient bit for bit at 270 of np.gradient's 270"),
        "{text}"
    );
    for (f, size) in [
        ("sensor_gappy_plot.png", (1200, 800)),
        ("vorticity.png", (300, 200)),
        ("divergence.png", (300, 200)),
    ] {
        let img = image::open(dir.path().join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!((img.width(), img.height()), size, "{f}");
        let rgb = img.to_rgb8();
        // Diverging colors: white at 0 (the corners, far from every vortex and source),
        // red and blue both present.
        if f != "sensor_gappy_plot.png" {
            assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255], "{f}");
            assert!(
                rgb.pixels().any(|p| p.0[0] > 150 && p.0[2] < 80),
                "{f}: red"
            );
            assert!(
                rgb.pixels().any(|p| p.0[2] > 150 && p.0[0] < 80),
                "{f}: blue"
            );
        }
    }
}

/// Writes a C-ordered float64 `.npy` of `shape` holding `values`.
fn write_npy(path: &Path, shape: (usize, usize), values: &[f64]) {
    let mut dict = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
        shape.0, shape.1
    );
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// Solid-body rotation u = -y, v = x on a (y, x) grid (NUMERICS.md E7): `curl` with
/// `--axis 1 --axis 0` is the vorticity dv/dx - du/dy = 2 everywhere, ends included, and
/// swapping the pairing flips the sign.
#[test]
fn curl_of_a_rotation_is_twice_its_angular_velocity() {
    let dir = tmp();
    let (ny, nx) = (5, 7);
    let (dy, dx) = (0.5, 0.25);
    let grid = |f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
        (0..ny * nx)
            .map(|k| f((k / nx) as f64 * dy - 1.0, (k % nx) as f64 * dx - 0.75))
            .collect()
    };
    let (pu, pv) = (dir.path().join("u.npy"), dir.path().join("v.npy"));
    write_npy(&pu, (ny, nx), &grid(&|y, _| -y));
    write_npy(&pv, (ny, nx), &grid(&|_, x| x));
    let out = dir.path().join("w.npy");
    let curl = |first: &Path, second: &Path, axes: [&str; 2]| -> Vec<f64> {
        ok(&[
            "curl",
            s(first),
            s(second),
            "-o",
            s(&out),
            "--axis",
            axes[0],
            "--axis",
            axes[1],
            "--spacing",
            if axes[0] == "1" { "0.25" } else { "0.5" },
            "--spacing",
            if axes[0] == "1" { "0.5" } else { "0.25" },
        ]);
        let w = parse_npy(&std::fs::read(&out).unwrap());
        assert_eq!(
            (w.descr.as_str(), w.shape.as_slice()),
            ("<f8", &[ny, nx][..])
        );
        w.data
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    assert!(curl(&pu, &pv, ["1", "0"]).iter().all(|&w| w == 2.0));
    assert!(curl(&pv, &pu, ["0", "1"]).iter().all(|&w| w == -2.0));
}

#[test]
fn usage_errors_exit_2_with_one_clear_line() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    let f = fixture("f64.npy");
    let (npy_out, sensor, csv_out) = (
        dir.path().join("g.npy"),
        fixture("sensor.csv"),
        dir.path().join("r.csv"),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["grad", "x.bmpx", "-o", s(&out)],
            "unknown file type '.bmpx'",
        ),
        (
            vec![
                "grad",
                s(&f),
                "-o",
                s(&out),
                "--spacing",
                "1",
                "--spacing",
                "2",
                "--spacing",
                "3",
            ],
            "3 --spacing values for 2",
        ),
        (
            vec!["grad", s(&f), "-o", s(&out), "--axis", "5"],
            "--axis 5 is out of bounds",
        ),
        (
            vec!["grad", s(&f), "-o", s(&out), "--edge-order", "3"],
            "for '--edge-order",
        ),
        (
            vec!["grad", s(&f), "-o", s(&f)],
            "would overwrite the input",
        ),
        (
            vec!["grad", s(&f), "-o", s(&npy_out)],
            ".npy holds one array",
        ),
        (
            vec!["grad", s(&f), "-o", s(&out), "--spacing", "nope"],
            "neither a number nor an existing coordinate file",
        ),
        (
            vec!["grad", s(&sensor), "--x", "when", "-o", s(&csv_out)],
            "--x 'when' is not a column",
        ),
        (vec!["grad", "--bogus"], "unexpected argument"),
    ];
    for (args, message) in cases {
        let (code, err) = fails(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert!(!out.exists(), "no output after errors");
}

#[test]
fn data_errors_exit_1_and_leave_no_output() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    let coords = fixture("coords.npy");
    let cases: Vec<(Vec<PathBuf>, Vec<&str>, &str)> = vec![
        (vec![fixture("truncated.npy")], vec![], "truncated"),
        (
            vec![fixture("bool.npy")],
            vec![],
            "boolean data has no gradient",
        ),
        (
            vec![fixture("f64.npy")],
            vec!["--spacing", "1", "--spacing", s(&coords)],
            "9 coordinates for axis 1, which has 7 samples",
        ),
        (
            vec![fixture("f16.npy")],
            vec!["--edge-order", "2", "--axis", "0", "--spacing", "1"],
            "",
        ),
        (vec![dir.path().join("missing.npy")], vec![], "cannot read"),
    ];
    for (input, extra, message) in cases {
        let mut args = vec!["grad", s(&input[0]), "-o", s(&out)];
        args.extend(extra);
        let out_status = ndgrad(&args);
        if message.is_empty() {
            assert!(out_status.status.success());
            std::fs::remove_file(&out).unwrap();
            continue;
        }
        let (code, err) = fails(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    let (code, err) = fails(&[
        "grad",
        s(&fixture("bad.csv")),
        "--x",
        "time",
        "-o",
        s(&dir.path().join("r.csv")),
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 6, column 'humidity': 'oops' is not a number"),
        "{err}"
    );
    let one = dir.path().join("one.npy");
    std::fs::write(&one, b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }                 \n\0\0\0\0\0\0\0\0").unwrap();
    let (code, err) = fails(&["grad", s(&one), "-o", s(&out)]);
    assert_eq!(code, 1);
    assert!(err.contains("axis 0 has 1 sample(s)"), "{err}");
    let huge = dir.path().join("huge.npy");
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    std::fs::write(&huge, bytes).unwrap();
    let (code, err) = fails(&["grad", s(&huge), "-o", s(&out)]);
    assert_eq!(code, 1);
    assert!(err.contains("too large to be real"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains("partial")),
        "{leftovers:?}"
    );
    assert!(!out.exists());
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["grad", "edges", "plot", "info", "demo"] {
        let text = ok(&[sub, "--help"]);
        assert!(text.contains("Examples:"), "{sub}");
    }
}

#[test]
fn tiff_and_jpeg_inputs() {
    let dir = tmp();
    let img = image::open(fixture("gray8.png")).unwrap();
    let tif = dir.path().join("gray8.tif");
    let jpg = dir.path().join("gray8.jpg");
    img.save(&tif).unwrap();
    img.to_rgb8().save(&jpg).unwrap();
    // TIFF is lossless: the same pixels give NumPy's gradient of the PNG.
    let out = dir.path().join("t.npz");
    ok(&["grad", s(&tif), "-o", s(&out)]);
    let want = expected_parts("gray8", 2);
    same_as_numpy(&npz_member(&out, "axis0"), &want[0]);
    // JPEG is lossy: check it is read as a 2-D image of the right size.
    let out = dir.path().join("j.npz");
    ok(&["grad", s(&jpg), "-o", s(&out)]);
    assert_eq!(npz_member(&out, "axis1").shape, vec![12, 10]);
}

/// Writes a C-ordered float64 `.npy` of `shape` with deterministic values.
fn write_big_npy(path: &Path, shape: &[usize]) {
    let shape_text = format!(
        "({})",
        shape
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape_text}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    let n: usize = shape.iter().product();
    bytes.reserve(n * 8);
    for i in 0..n as u64 {
        let v = ((i.wrapping_mul(2_654_435_761) % 1_000_003) as f64).sqrt()
            * if i % 3 == 0 { -1.0 } else { 1.0 };
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// Runs a streaming ndgrad with `--stats` and returns (success, its peak resident memory in
/// bytes, read by the program itself from /proc: a parent's rusage would also count the
/// memory of this test process that the child shared until exec).
fn run_measured(args: &[&str]) -> (bool, usize) {
    let out = ndgrad(&[args, &["--stats"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .split("peak resident memory ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    (out.status.success(), peak)
}

#[test]
fn streaming_a_file_larger_than_the_memory_limit() {
    let dir = tmp();
    let big = dir.path().join("big.npy");
    // 48 MB, more than twice the limit. The limit leaves room beside the program's own
    // resident size (10-13 MiB in test builds, more on a loaded machine) and the 4 MiB the
    // slab sizing keeps in reserve.
    write_big_npy(&big, &[3000, 2000]);
    let limit = 20 << 20;
    for (axis, edge) in [("0", "2"), ("1", "1")] {
        let streamed = dir.path().join(format!("s{axis}.npy"));
        let (ok_run, peak) = run_measured(&[
            "grad",
            s(&big),
            "--axis",
            axis,
            "--edge-order",
            edge,
            "-o",
            s(&streamed),
            "--memory-limit",
            "20M",
            "--quiet",
        ]);
        assert!(ok_run);
        assert!(
            peak <= limit,
            "peak resident memory {} MiB > 20 MiB",
            peak >> 20
        );
        let in_memory = dir.path().join(format!("m{axis}.npy"));
        ok(&[
            "grad",
            s(&big),
            "--axis",
            axis,
            "--edge-order",
            edge,
            "-o",
            s(&in_memory),
        ]);
        assert!(
            std::fs::read(&streamed).unwrap() == std::fs::read(&in_memory).unwrap(),
            "axis {axis}"
        );
    }
    // All axes: one file per axis, each equal to the in-memory result. 24 MiB, half the
    // file: two outputs' write buffers on top of the program's own ~10 MiB leave a 16 MiB
    // limit about 1 MiB for slabs, which a busy machine's resident size can tip to none.
    let out = dir.path().join("all.npy");
    ok(&[
        "grad",
        s(&big),
        "-o",
        s(&out),
        "--memory-limit",
        "24M",
        "--spacing",
        "0.5",
    ]);
    let reference = dir.path().join("ref.npz");
    ok(&["grad", s(&big), "-o", s(&reference), "--spacing", "0.5"]);
    for k in 0..2 {
        let streamed =
            parse_npy(&std::fs::read(dir.path().join(format!("all.axis{k}.npy"))).unwrap());
        let want = npz_member(&reference, &format!("axis{k}"));
        same_as_numpy(&streamed, &want);
    }
    // Big-endian, Fortran-ordered float32 (byte-swapped while streaming).
    let be = fixture("f32_big_endian_fortran.npy");
    let streamed = dir.path().join("be.npy");
    ok(&[
        "grad",
        s(&be),
        "-o",
        s(&streamed),
        "--spacing",
        "2",
        "--memory-limit",
        "24M",
    ]);
    let want = expected_parts("f32_be_f_all", 2);
    for (k, want) in want.iter().enumerate() {
        let bytes = std::fs::read(dir.path().join(format!("be.axis{k}.npy"))).unwrap();
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
        assert!(header.contains("'fortran_order': True"), "{header}");
        // Fortran data: compare as the transpose of NumPy's C-ordered bytes.
        let got: Vec<u32> = bytes[10 + len..]
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let exp: Vec<u32> = want
            .data
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let (rows, cols) = (want.shape[0], want.shape[1]);
        for r in 0..rows {
            for c in 0..cols {
                assert_eq!(got[c * rows + r], exp[r * cols + c], "axis {k} [{r}, {c}]");
            }
        }
    }
    let (code, err) = fails(&["grad", s(&big), "-o", s(&out), "--memory-limit", "1M"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--memory-limit") && err.contains("too small"),
        "{err}"
    );
}

/// Runs a call that must be refused as a usage error: exit code 2, and stderr names `flag`.
/// Returns stderr.
fn usage_error(args: &[&str], flag: &str) -> String {
    let (code, err) = fails(args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
    err
}

/// `COMMAND INPUT -o OUTPUT EXTRA...`
fn call<'a>(
    command: &'a str,
    input: &'a Path,
    output: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a str> {
    [&[command, s(input), "-o", s(output)][..], extra].concat()
}

/// The same call with `--memory-limit 1G`: streamed instead of read whole.
fn streamed<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [args, &["--memory-limit", "1G"]].concat()
}

#[test]
fn axis_out_of_bounds_is_a_usage_error_in_memory_and_streaming() {
    let dir = tmp();
    let out = dir.path().join("g.npy");
    for file in ["f64.npy", "f32_big_endian_fortran.npy"] {
        let f = fixture(file);
        for axes in [
            &["--axis", "5"][..],
            &["--axis", "-3"],
            &["--axis", "1", "--axis", "-1"],
        ] {
            let args = call("grad", &f, &out, axes);
            let in_memory = usage_error(&args, "--axis");
            assert_eq!(
                in_memory,
                usage_error(&streamed(&args), "--axis"),
                "{args:?}"
            );
        }
    }
    let f = fixture("f64.npy");
    let err = usage_error(
        &streamed(&call("grad", &f, &out, &["--axis", "5"])),
        "--axis 5 is out of bounds",
    );
    assert!(err.contains("has 2 dimension(s)"), "{err}");
    assert!(!out.exists());
}

#[test]
fn wrong_spacing_count_is_a_usage_error_in_memory_and_streaming() {
    let dir = tmp();
    let out = dir.path().join("g.npy");
    let f = fixture("f64.npy");
    for (extra, message) in [
        (
            &["--spacing", "1", "--spacing", "2", "--spacing", "3"][..],
            "3 --spacing values for 2",
        ),
        (
            &["--axis", "0", "--spacing", "1", "--spacing", "2"],
            "2 --spacing values for 1",
        ),
    ] {
        let args = call("grad", &f, &out, extra);
        let in_memory = usage_error(&args, message);
        assert_eq!(in_memory, usage_error(&streamed(&args), message));
    }
}

#[test]
fn core_data_errors_read_the_same_in_memory_and_streaming() {
    let dir = tmp();
    let out = dir.path().join("g.npy");
    let one = dir.path().join("one.npy");
    std::fs::write(&one, b"\x93NUMPY\x01\x00\x46\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }                 \n\0\0\0\0\0\0\0\0").unwrap();
    let (f, boolean, fortran) = (
        fixture("f64.npy"),
        fixture("bool.npy"),
        fixture("f32_big_endian_fortran.npy"),
    );
    let (coords, coords_txt) = (fixture("coords.npy"), fixture("coords.txt"));
    let cases: Vec<(&Path, Vec<&str>, &str)> = vec![
        (
            &one,
            vec![],
            "axis 0 has 1 sample(s) (shape [1]) but edge order 1 needs at least 2",
        ),
        (
            &f,
            vec!["--spacing", "1", "--spacing", s(&coords)],
            "9 coordinates for axis 1, which has 7 samples",
        ),
        (
            &f,
            vec!["--axis", "0", "--spacing", s(&coords_txt)],
            "9 coordinates for axis 0, which has 6 samples",
        ),
        // A Fortran-ordered file is streamed in memory order; the error names the user's axis.
        (
            &fortran,
            vec!["--axis", "-1", "--spacing", s(&coords)],
            "9 coordinates for axis 1, which has 4 samples",
        ),
        (
            &f,
            vec!["--axis", "0", "--spacing", s(&f)],
            "coordinates must be 1-D",
        ),
        (&boolean, vec![], "boolean data has no gradient"),
    ];
    for (input, extra, message) in cases {
        let args = call("grad", input, &out, &extra);
        let (code, err) = fails(&args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(message) && err.contains(s(input)),
            "{args:?}: {err}"
        );
        assert_eq!((code, err), fails(&streamed(&args)), "streamed");
    }
    assert!(!out.exists());
}

#[test]
fn edge_order_outside_1_and_2_is_a_usage_error() {
    let dir = tmp();
    let (npy_out, png_out) = (dir.path().join("g.npy"), dir.path().join("p.png"));
    let (f, sensor) = (fixture("f64.npy"), fixture("sensor.csv"));
    for order in ["0", "3", "-1"] {
        let edge_order = ["--axis", "0", "--edge-order", order];
        usage_error(&call("grad", &f, &npy_out, &edge_order), "--edge-order");
        usage_error(
            &streamed(&call("grad", &f, &npy_out, &edge_order)),
            "--edge-order",
        );
        usage_error(
            &call("plot", &sensor, &png_out, &edge_order[2..]),
            "--edge-order",
        );
    }
    assert!(!npy_out.exists() && !png_out.exists());
}

#[test]
fn edges_depth_must_be_8_or_16() {
    let dir = tmp();
    let out = dir.path().join("e.png");
    let image = fixture("gray8.png");
    let args = call("edges", &image, &out, &["--depth", "12"]);
    let err = usage_error(&args, "--depth");
    assert!(err.contains("8, 16"), "says what to give: {err}");
    assert!(!out.exists());
}

#[test]
fn time_unit_must_be_a_known_unit() {
    let dir = tmp();
    let sensor = fixture("sensor.csv");
    let (csv_out, png_out) = (dir.path().join("r.csv"), dir.path().join("p.png"));
    let bogus = ["--x", "time", "--time-unit", "fortnight"];
    for args in [
        call("grad", &sensor, &csv_out, &bogus),
        call("plot", &sensor, &png_out, &bogus),
    ] {
        let err = usage_error(&args, "--time-unit");
        assert!(
            err.contains("ns, us, ms, s, min, h, d"),
            "lists the units: {err}"
        );
    }
    for unit in ["ns", "us", "ms", "s", "min", "h", "d"] {
        ok(&call(
            "grad",
            &sensor,
            &csv_out,
            &["--x", "time", "--time-unit", unit],
        ));
    }
}

#[test]
fn memory_limit_must_be_a_size_large_enough() {
    let dir = tmp();
    let out = dir.path().join("g.npy");
    let f = fixture("f64.npy");
    let err = usage_error(
        &call("grad", &f, &out, &["--memory-limit", "lots"]),
        "--memory-limit",
    );
    assert!(err.contains("512M"), "gives an example: {err}");
    let err = usage_error(
        &call("grad", &f, &out, &["--memory-limit", "1k"]),
        "--memory-limit",
    );
    assert!(err.contains("too small"), "{err}");
    assert!(!out.exists());
}

#[test]
fn threads_must_be_at_least_1() {
    let dir = tmp();
    let out = dir.path().join("g.npz");
    let f = fixture("f64.npy");
    usage_error(&call("grad", &f, &out, &["--threads", "0"]), "--threads");
    usage_error(&call("grad", &f, &out, &["--threads", "many"]), "--threads");
    ok(&call("grad", &f, &out, &["--threads", "2"]));
    same_axes_as_numpy(&out, "f64_all");
}

#[test]
fn edges_and_plot_errors_name_the_flag_or_file() {
    let dir = tmp();
    let tiny = dir.path().join("tiny.png");
    image::GrayImage::new(1, 5).save(&tiny).unwrap();
    let edges_out = dir.path().join("e.png");
    let (code, err) = fails(&call("edges", &tiny, &edges_out, &[]));
    assert_eq!(code, 1);
    assert!(
        err.contains(s(&tiny)) && err.contains("1x5 pixels"),
        "{err}"
    );
    let sensor = fixture("sensor.csv");
    usage_error(&call("edges", &sensor, &edges_out, &[]), s(&sensor));

    let png = dir.path().join("p.png");
    let two_rows = dir.path().join("two.csv");
    std::fs::write(&two_rows, "t,v\n0,1\n1,3\n").unwrap();
    let (code, err) = fails(&call(
        "plot",
        &two_rows,
        &png,
        &["--x", "t", "--edge-order", "2"],
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains(s(&two_rows)) && err.contains("edge order 2 needs at least 3"),
        "{err}"
    );
    let one_row = dir.path().join("one.csv");
    std::fs::write(&one_row, "t,v\n0,1\n").unwrap();
    for (command, out) in [("plot", png.clone()), ("grad", dir.path().join("r.csv"))] {
        let (code, err) = fails(&call(command, &one_row, &out, &["--x", "t"]));
        assert_eq!(code, 1);
        assert!(
            err.contains("--x 't'") && err.contains(s(&one_row)),
            "{command}: {err}"
        );
    }
    usage_error(&call("plot", &sensor, &png, &["--x", "when"]), "--x 'when'");
    usage_error(
        &call("plot", &sensor, &png, &["--y", "pressure"]),
        "--y 'pressure'",
    );
    usage_error(
        &call("plot", &sensor, &dir.path().join("p.npy"), &[]),
        "p.npy",
    );
    assert!(!png.exists() && !edges_out.exists());
}

#[test]
fn table_axes_are_checked_like_array_axes() {
    let dir = tmp();
    let out = dir.path().join("r.csv");
    let sensor = fixture("sensor.csv");
    usage_error(&call("grad", &sensor, &out, &["--axis", "1"]), "--axis");
    usage_error(
        &call("grad", &sensor, &out, &["--axis", "0", "--axis", "-1"]),
        "--axis",
    );
    ok(&call("grad", &sensor, &out, &["--axis", "-1"]));
}

/// `--accuracy`, `--deriv`, `--boundary` and `--period`: the command computes what the
/// library computes with the same options, in memory and streamed, bit for bit.
mod schemes {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use ndgrad::{AxisSpacing, Boundary, EdgeOrder, GradientOptions, Plan, Side};

    /// Deterministic, rough values (every bit of every sample matters).
    fn values(shape: &[usize]) -> ArrayD<f64> {
        let n: usize = shape.iter().product();
        let v = (0..n as u64)
            .map(|i| {
                ((i.wrapping_mul(2_654_435_761) % 1_000_003) as f64).sqrt() / 7.0
                    * if i % 3 == 0 { -1.0 } else { 1.0 }
            })
            .collect();
        ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
    }

    /// Writes an `.npy` of `shape` whose data (little-endian values)
    /// is already in memory order.
    fn write_npy(path: &Path, descr: &str, fortran: bool, shape: &[usize], data: &[u8]) {
        let shape_text = match shape {
            [n] => format!("({n},)"),
            _ => format!(
                "({})",
                shape
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let order = if fortran { "True" } else { "False" };
        let mut dict =
            format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape_text}, }}");
        let unpadded = 10 + dict.len() + 1;
        dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
        dict.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.extend_from_slice(data);
        std::fs::write(path, bytes).unwrap();
    }

    /// The dtypes the tests write: their descr, and a value's little-endian bytes.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Dtype {
        F64,
        F32,
        I16,
    }

    impl Dtype {
        fn descr(self) -> &'static str {
            match self {
                Dtype::F64 => "<f8",
                Dtype::F32 => "<f4",
                Dtype::I16 => "<i2",
            }
        }
        /// Bytes per sample of input and gradient together (integers differentiate to f64).
        fn sample_bytes(self) -> usize {
            match self {
                Dtype::F64 => 16,
                Dtype::F32 => 8,
                Dtype::I16 => 10,
            }
        }
    }

    /// Writes `a` as `dtype`, C- or Fortran-ordered.
    fn write_array(path: &Path, a: &ArrayD<f64>, dtype: Dtype, fortran: bool) {
        // Fortran order is the C order of the reversed axes.
        let items: Vec<f64> = if fortran {
            a.t().iter().copied().collect()
        } else {
            a.iter().copied().collect()
        };
        let data: Vec<u8> = items
            .iter()
            .flat_map(|&v| match dtype {
                Dtype::F64 => v.to_le_bytes().to_vec(),
                Dtype::F32 => (v as f32).to_le_bytes().to_vec(),
                Dtype::I16 => ((v * 100.0) as i16).to_le_bytes().to_vec(),
            })
            .collect();
        write_npy(path, dtype.descr(), fortran, a.shape(), &data);
    }

    /// An `.npy` output as (descr, shape, data in C order), whatever its order.
    fn read_c_order(path: &Path) -> (String, Vec<usize>, Vec<u8>) {
        let bytes = std::fs::read(path).unwrap();
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let header = std::str::from_utf8(&bytes[10..10 + len])
            .unwrap()
            .to_string();
        let fortran = header.contains("'fortran_order': True");
        let c_header = header.replace("'fortran_order': True ", "'fortran_order': False");
        let mut c_bytes = bytes[..10].to_vec();
        c_bytes.extend_from_slice(c_header.as_bytes());
        c_bytes.extend_from_slice(&bytes[10 + len..]);
        let npy = parse_npy(&c_bytes);
        if !fortran {
            return (npy.descr, npy.shape, npy.data);
        }
        let count: usize = npy.shape.iter().product::<usize>().max(1);
        let item = npy.data.len() / count;
        let mut data = vec![0u8; npy.data.len()];
        for c in 0..count {
            // C index -> multi-index -> Fortran offset.
            let (mut rest, mut f, mut stride) = (c, 0, 1);
            let mut index = vec![0; npy.shape.len()];
            for d in (0..npy.shape.len()).rev() {
                index[d] = rest % npy.shape[d];
                rest /= npy.shape[d];
            }
            for (i, n) in index.iter().zip(&npy.shape) {
                f += i * stride;
                stride *= n;
            }
            data[c * item..(c + 1) * item].copy_from_slice(&npy.data[f * item..(f + 1) * item]);
        }
        (npy.descr, npy.shape, data)
    }

    /// The library's gradient of `a` (read as `dtype`), as (axis, C-order bytes) pairs.
    fn library(a: &ArrayD<f64>, dtype: Dtype, options: &GradientOptions) -> Vec<(usize, Vec<u8>)> {
        let axes = Plan::new(a.shape(), options).unwrap().axes();
        let bytes: Vec<Vec<u8>> = match dtype {
            Dtype::F64 => ndgrad::gradient(a.view(), options)
                .unwrap()
                .iter()
                .map(|g| g.iter().flat_map(|v| v.to_le_bytes()).collect())
                .collect(),
            Dtype::F32 => ndgrad::gradient(a.mapv(|v| v as f32).view(), options)
                .unwrap()
                .iter()
                .map(|g| g.iter().flat_map(|v| v.to_le_bytes()).collect())
                .collect(),
            Dtype::I16 => ndgrad::gradient(a.mapv(|v| (v * 100.0) as i16).view(), options)
                .unwrap()
                .iter()
                .map(|g| g.iter().flat_map(|v| v.to_le_bytes()).collect())
                .collect(),
        };
        axes.into_iter().zip(bytes).collect()
    }

    /// Uneven coordinates (float64 `.npy`) of `n` samples spanning about `n - 1`.
    fn coordinates(dir: &Path, n: usize) -> (PathBuf, Vec<f64>) {
        let x: Vec<f64> = (0..n)
            .map(|i| i as f64 + 0.3 * (i as f64 * 1.7).sin())
            .collect();
        let path = dir.join(format!("x{n}.npy"));
        let data: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_npy(&path, "<f8", false, &[n], &data);
        (path, x)
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn in_memory_equals_the_library() {
        let dir = tmp();
        let shape = [12, 10];
        let a = values(&shape);
        let (lon, lon_x) = {
            let x = vec![
                5.0, 40.0, 80.0, 110.0, 150.0, 190.0, 230.0, 265.0, 300.0, 330.0,
            ];
            let path = dir.path().join("lon.npy");
            let data: Vec<u8> = x.iter().flat_map(|v: &f64| v.to_le_bytes()).collect();
            write_npy(&path, "<f8", false, &[10], &data);
            (path, x)
        };
        let lon = s(&lon).to_string();
        let periodic = |p: Option<f64>| Boundary::Periodic { period: p };
        let lon_spacing = || AxisSpacing::from(lon_x.clone());
        let new = GradientOptions::new;
        let cases: Vec<(Vec<String>, GradientOptions)> = vec![
            (vec![], new()),
            (
                strings(&["--edge-order", "2"]),
                new().edge_order(EdgeOrder::Second),
            ),
            (strings(&["--accuracy", "4"]), new().accuracy(4)),
            (
                strings(&["--accuracy", "8", "--spacing", "0.5"]),
                new().accuracy(8).spacing(0.5),
            ),
            (strings(&["--deriv", "2"]), new().deriv(2)),
            (
                strings(&["--deriv", "3", "--accuracy", "4", "--axis", "0"]),
                new().axis(0).deriv(3).accuracy(4),
            ),
            (
                strings(&["--deriv", "4", "--accuracy", "2", "--boundary", "periodic"]),
                new().deriv(4).accuracy(2).boundary(periodic(None)),
            ),
            (
                strings(&["--boundary", "periodic"]),
                new().boundary(periodic(None)),
            ),
            (
                strings(&["--boundary", "periodic", "--accuracy", "8"]),
                new().boundary(periodic(None)).accuracy(8),
            ),
            (
                strings(&["--boundary", "reflect", "--accuracy", "6"]),
                new().boundary(Boundary::Reflect).accuracy(6),
            ),
            (
                strings(&["--boundary", "constant:2.5", "--deriv", "2"]),
                new().boundary(Boundary::Constant(2.5)).deriv(2),
            ),
            (
                strings(&["--boundary", "reflect,one-sided", "--accuracy", "4"]),
                new()
                    .boundary(Boundary::Sides(Side::Reflect, Side::OneSided))
                    .accuracy(4),
            ),
            (
                strings(&[
                    "--boundary",
                    "periodic",
                    "--boundary",
                    "constant:-1,reflect",
                    "--spacing",
                    "0.5",
                    "--spacing",
                    "2",
                    "--deriv",
                    "2",
                ]),
                new()
                    .spacings([AxisSpacing::from(0.5), AxisSpacing::from(2.0)])
                    .boundaries([
                        periodic(None),
                        Boundary::Sides(Side::Constant(-1.0), Side::Reflect),
                    ])
                    .deriv(2),
            ),
            // Periodic longitudes: uneven coordinates with their period.
            (
                strings(&[
                    "--axis",
                    "1",
                    "--spacing",
                    &lon,
                    "--boundary",
                    "periodic",
                    "--period",
                    "360",
                ]),
                new()
                    .axis(1)
                    .spacings([lon_spacing()])
                    .boundary(periodic(Some(360.0))),
            ),
            (
                strings(&[
                    "--axis",
                    "-1",
                    "--spacing",
                    &lon,
                    "--boundary",
                    "periodic",
                    "--period",
                    "360",
                    "--accuracy",
                    "4",
                    "--deriv",
                    "2",
                ]),
                new()
                    .axis(-1)
                    .spacings([lon_spacing()])
                    .boundary(periodic(Some(360.0)))
                    .accuracy(4)
                    .deriv(2),
            ),
            // Per-axis modes and periods; `none` for the axis without one.
            (
                strings(&[
                    "--spacing",
                    "0.5",
                    "--spacing",
                    &lon,
                    "--boundary",
                    "reflect",
                    "--boundary",
                    "periodic",
                    "--period",
                    "none",
                    "--period",
                    "360",
                    "--accuracy",
                    "4",
                ]),
                new()
                    .spacings([AxisSpacing::from(0.5), lon_spacing()])
                    .boundaries([Boundary::Reflect, periodic(Some(360.0))])
                    .accuracy(4),
            ),
            // One --period for the periodic axes only.
            (
                strings(&[
                    "--spacing",
                    "1",
                    "--spacing",
                    &lon,
                    "--boundary",
                    "one-sided",
                    "--boundary",
                    "periodic",
                    "--period",
                    "360",
                    "--accuracy",
                    "2",
                ]),
                new()
                    .spacings([AxisSpacing::from(1.0), lon_spacing()])
                    .boundaries([Boundary::OneSided, periodic(Some(360.0))])
                    .accuracy(2),
            ),
            // One --boundary spread over the axes by several --period values.
            (
                strings(&[
                    "--spacing",
                    "0.5",
                    "--spacing",
                    &lon,
                    "--boundary",
                    "periodic",
                    "--period",
                    "none",
                    "--period",
                    "360",
                ]),
                new()
                    .spacings([AxisSpacing::from(0.5), lon_spacing()])
                    .boundaries([periodic(None), periodic(Some(360.0))]),
            ),
        ];
        for dtype in [Dtype::F64, Dtype::F32] {
            for fortran in [false, true] {
                let input = dir.path().join(format!("a_{dtype:?}_{fortran}.npy"));
                write_array(&input, &a, dtype, fortran);
                for (n, (args, options)) in cases.iter().enumerate() {
                    let out = dir.path().join(format!("g{n}_{dtype:?}_{fortran}.npz"));
                    let mut call = vec!["grad", s(&input), "-o", s(&out)];
                    call.extend(args.iter().map(String::as_str));
                    ok(&call);
                    for (axis, want) in library(&a, dtype, options) {
                        let got = npz_member(&out, &format!("axis{axis}"));
                        assert_eq!(got.descr, dtype.descr(), "{call:?}");
                        assert_eq!(got.shape, shape, "{call:?}");
                        assert!(got.data == want, "{call:?}: axis {axis} differs");
                    }
                }
            }
        }
    }

    #[test]
    fn scheme_and_boundary_flags_are_checked() {
        let dir = tmp();
        let out = dir.path().join("g.npz");
        let npy_out = dir.path().join("g.npy");
        let f = fixture("f64.npy"); // 6 x 7
        let (x7, _) = coordinates(dir.path(), 7);
        let x7 = s(&x7);
        // Refused by the flags alone (the same streamed), naming every flag involved.
        let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
            (vec!["--accuracy", "3"], vec!["--accuracy", "2, 4, 6 or 8"]),
            (vec!["--accuracy", "x"], vec!["--accuracy"]),
            (vec!["--deriv", "5"], vec!["--deriv", "1, 2, 3 or 4"]),
            (vec!["--deriv", "0"], vec!["--deriv"]),
            (
                vec!["--accuracy", "4", "--edge-order", "2"],
                vec!["--accuracy", "--edge-order", "not both"],
            ),
            (
                vec!["--edge-order", "1", "--accuracy", "2"],
                vec!["--accuracy", "--edge-order"],
            ),
            (
                vec!["--deriv", "2", "--edge-order", "2"],
                vec!["--edge-order", "--deriv 2"],
            ),
            (
                vec!["--boundary", "reflect,one-sided", "--edge-order", "1"],
                vec!["--edge-order", "--boundary reflect,one-sided"],
            ),
            (
                vec!["--boundary", "wrap"],
                vec!["--boundary", "'wrap' is not a boundary mode", "periodic"],
            ),
            (
                vec!["--boundary", "constant:abc"],
                vec!["--boundary", "constant:-1.5"],
            ),
            (
                vec!["--boundary", "periodic,reflect"],
                vec!["--boundary", "periodic alone"],
            ),
            (
                vec!["--period", "10"],
                vec!["--period 10", "--boundary periodic"],
            ),
            (
                vec!["--boundary", "reflect", "--period", "10"],
                vec!["--period 10", "no axis is periodic"],
            ),
            (
                vec![
                    "--boundary",
                    "periodic",
                    "--boundary",
                    "reflect",
                    "--period",
                    "none",
                    "--period",
                    "10",
                ],
                vec!["--period 10", "reflect", "none"],
            ),
            (
                vec![
                    "--boundary",
                    "periodic",
                    "--boundary",
                    "reflect",
                    "--period",
                    "1",
                    "--period",
                    "2",
                    "--period",
                    "3",
                ],
                vec!["2 --boundary values but 3 --period values"],
            ),
            (vec!["--period", "-1"], vec!["--period"]),
            (vec!["--period", "0"], vec!["--period", "positive"]),
            // Refused once the file's shape and coordinates are known.
            (
                vec![
                    "--boundary",
                    "reflect",
                    "--boundary",
                    "periodic",
                    "--boundary",
                    "reflect",
                ],
                vec!["3 --boundary values for 2 differentiated axes"],
            ),
            (
                vec![
                    "--boundary",
                    "periodic",
                    "--period",
                    "none",
                    "--period",
                    "1",
                    "--period",
                    "2",
                ],
                vec!["3 --period values for 2 differentiated axes"],
            ),
            (
                vec!["--axis", "1", "--spacing", x7, "--boundary", "periodic"],
                vec!["--period", "--boundary periodic", "axis 1", x7],
            ),
            (
                vec![
                    "--axis",
                    "1",
                    "--spacing",
                    x7,
                    "--boundary",
                    "periodic",
                    "--period",
                    "2",
                ],
                vec!["--period 2", "must exceed", "x[-1] - x[0]", x7],
            ),
            (
                vec!["--axis", "0", "--boundary", "periodic", "--period", "5"],
                vec!["--period 5", "axis 0", "repeat every 6"],
            ),
        ];
        for (extra, names) in cases {
            for target in [&out, &npy_out] {
                let mut args = call("grad", &f, target, &["--axis", "0", "--axis", "1"]);
                if extra.contains(&"--axis") {
                    args.truncate(4);
                }
                args.extend(&extra);
                if target == &npy_out {
                    args = streamed(&args);
                }
                let err = usage_error(&args, names[0]);
                for name in &names[1..] {
                    assert!(err.contains(name), "{args:?} should say {name}: {err}");
                }
                assert!(err.trim().lines().count() <= 3, "{err}");
            }
        }
        // Too few samples for the stencil: a data error that names the file, the axis and
        // the length needed, the same in memory and streamed.
        for (extra, message) in [
            (
                &["--accuracy", "8"][..],
                "axis 0 has 6 sample(s) (shape [6, 7]) but --deriv 1 with --accuracy 8 needs at \
                 least 9",
            ),
            (
                &["--axis", "1", "--accuracy", "6", "--deriv", "2"],
                "axis 1 has 7 sample(s) (shape [6, 7]) but --deriv 2 with --accuracy 6 needs at \
                 least 8",
            ),
            (
                &["--axis", "0", "--boundary", "periodic", "--accuracy", "8"],
                "axis 0 has 6 sample(s) (shape [6, 7]) but --deriv 1 with --accuracy 8 needs at \
                 least 9",
            ),
        ] {
            let args = call("grad", &f, &npy_out, extra);
            let (code, err) = fails(&args);
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(
                err.contains(message) && err.contains(s(&f)),
                "{args:?}: {err}"
            );
            assert_eq!((code, err), fails(&streamed(&args)), "streamed");
        }
        assert!(!out.exists() && !npy_out.exists());
    }

    #[test]
    fn tables_take_accuracy_deriv_and_boundary() {
        let dir = tmp();
        let table = dir.path().join("t.csv");
        let (t, u): (Vec<f64>, Vec<f64>) = (0..15)
            .map(|i| {
                let t = i as f64 * 0.25 + 0.01 * (i * i) as f64;
                (t, (t * 1.3).sin() + 0.1 * t * t)
            })
            .unzip();
        let mut text = "t,u\n".to_string();
        for (t, u) in t.iter().zip(&u) {
            text.push_str(&format!("{t:?},{u:?}\n"));
        }
        std::fs::write(&table, text).unwrap();
        let periodic = Boundary::Periodic { period: Some(6.0) };
        let cases: Vec<(Vec<&str>, GradientOptions)> = vec![
            (
                vec!["--accuracy", "4", "--deriv", "2"],
                GradientOptions::new().accuracy(4).deriv(2),
            ),
            (
                vec!["--boundary", "reflect,constant:2.5", "--deriv", "3"],
                GradientOptions::new()
                    .boundary(Boundary::Sides(Side::Reflect, Side::Constant(2.5)))
                    .deriv(3),
            ),
            (
                vec!["--boundary", "periodic", "--period", "6", "--accuracy", "6"],
                GradientOptions::new().boundary(periodic).accuracy(6),
            ),
        ];
        for (n, (extra, options)) in cases.into_iter().enumerate() {
            let out = dir.path().join(format!("r{n}.csv"));
            let mut args = call("grad", &table, &out, &["--x", "t"]);
            args.extend(extra);
            ok(&args);
            let want = ndgrad::gradient(
                ndarray::ArrayView1::from(&u),
                &options.spacings([AxisSpacing::from(t.clone())]),
            )
            .unwrap()
            .remove(0);
            let written = std::fs::read_to_string(&out).unwrap();
            let got: Vec<f64> = written
                .lines()
                .skip(1)
                .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
                .collect();
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "{args:?}: {written}");
            }
        }
        // Uneven x and a periodic boundary need the period.
        let out = dir.path().join("p.csv");
        usage_error(
            &call(
                "grad",
                &table,
                &out,
                &["--x", "t", "--boundary", "periodic"],
            ),
            "--period",
        );
    }

    /// A streamed run with `--stats`: the slab height it used, or its stderr if it failed.
    fn stream_run(args: &[&str], limit: usize) -> Result<usize, String> {
        let limit = limit.to_string();
        let out = ndgrad(&[args, &["--memory-limit", &limit, "--stats", "--quiet"]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if !out.status.success() {
            return Err(stderr);
        }
        Ok(stderr
            .split("slabs of ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no slab height in {stderr}")))
    }

    /// The smallest memory limit (to 4 KiB) at which `args` stream: slabs of one row.
    fn smallest_limit(args: &[&str]) -> usize {
        let (mut lo, mut hi) = (1usize << 20, 256usize << 20);
        assert!(stream_run(args, hi).is_ok(), "{args:?} streams at 256 MiB");
        while hi - lo > 4096 {
            let mid = (lo + hi) / 2;
            match stream_run(args, mid) {
                Ok(_) => hi = mid,
                Err(e) => {
                    assert!(e.contains("too small"), "{args:?}: {e}");
                    lo = mid;
                }
            }
        }
        hi
    }

    /// One streaming case: the file, the flags, and the user axis read in slabs.
    struct Case {
        input: PathBuf,
        args: Vec<String>,
        outputs: usize,
        row_bytes: usize,
        rows: usize,
    }

    /// Streams `case` with slabs of several rows, at most 3 rows and 1 row, then the whole
    /// file in one slab; every output equals the in-memory gradient bit for bit.
    /// `calibrated` is about the smallest limit for one output (see `smallest_limit`).
    fn check_streaming(dir: &Path, name: &str, case: &Case, calibrated: usize) {
        let reference = dir.join(format!("{name}.npz"));
        let mut base = vec!["grad", s(&case.input)];
        base.extend(case.args.iter().map(String::as_str));
        ok(&[&base[..], &["-o", s(&reference)]].concat());
        let streamed = dir.join(format!("{name}.npy"));
        let args = [&base[..], &["-o", s(&streamed)]].concat();
        let row = case.row_bytes;
        // Enough for the widest halo; then lower the limit towards each slab height. The
        // program's own resident memory varies from run to run by a few rows' worth, so
        // the limit is moved by what each run reports.
        let mut limit = calibrated + (case.outputs - 1) * (1 << 20) + 16 * row;
        let mut heights = Vec::new();
        for target in [case.rows - 1, 3, 1] {
            let mut reached = None;
            // Steps shrink, so a search that straddles the threshold by a noisy amount
            // tries limits ever closer to it instead of hopping over it by half a row.
            let mut step = row / 2;
            for _ in 0..60 {
                match stream_run(&args, limit) {
                    Ok(slab) => {
                        compare(case, &streamed, &reference, &args);
                        heights.push(slab);
                        if slab <= target {
                            reached = Some(slab);
                            break;
                        }
                        limit -= (slab - target) * row - step;
                    }
                    Err(e) => {
                        assert!(e.contains("too small"), "{args:?}: {e}");
                        limit += step;
                    }
                }
                step = (step * 3 / 4).max(row / 16);
            }
            assert!(
                reached.is_some(),
                "{args:?}: no slabs of {target} rows: {heights:?}"
            );
        }
        assert_eq!(heights.last(), Some(&1), "{args:?}");
        assert_eq!(stream_run(&args, 1 << 30), Ok(case.rows), "{args:?}");
        compare(case, &streamed, &reference, &args);
    }

    fn compare(case: &Case, streamed: &Path, reference: &Path, args: &[&str]) {
        let axes: Vec<usize> = (0..case.outputs).collect();
        for axis in axes {
            let path = if case.outputs == 1 {
                streamed.to_path_buf()
            } else {
                streamed.with_file_name(format!(
                    "{}.axis{axis}.npy",
                    streamed.file_stem().unwrap().to_string_lossy()
                ))
            };
            let (descr, shape, data) = read_c_order(&path);
            let member = if case.outputs == 1 {
                // One output: the reference .npz names it by its axis.
                npz_members(reference).remove(0)
            } else {
                format!("axis{axis}")
            };
            let want = npz_member(reference, &member);
            assert_eq!((descr, shape), (want.descr, want.shape), "{args:?}");
            assert!(
                data == want.data,
                "{args:?}: {member} differs from in memory"
            );
        }
    }

    /// The member names of an `.npz` (stored members), in order.
    fn npz_members(path: &Path) -> Vec<String> {
        let bytes = std::fs::read(path).unwrap();
        let mut names = Vec::new();
        let mut i = 0;
        while i + 30 <= bytes.len() {
            if bytes[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
                let n = u16::from_le_bytes([bytes[i + 26], bytes[i + 27]]) as usize;
                let name = std::str::from_utf8(&bytes[i + 30..i + 30 + n]).unwrap();
                names.push(name.trim_end_matches(".npy").to_string());
                i += 30 + n;
            } else {
                i += 1;
            }
        }
        names
    }

    #[test]
    fn streaming_equals_in_memory_for_every_mode() {
        let dir = tmp();
        let dir = dir.path();
        let (rows, inner) = (24, 8192);
        let (x24, _) = coordinates(dir, rows);
        let x24 = s(&x24).to_string();
        let flags: Vec<Vec<&str>> = vec![
            vec![],
            vec!["--accuracy", "4"],
            vec!["--accuracy", "8", "--boundary", "periodic"],
            vec!["--deriv", "3", "--accuracy", "4", "--boundary", "reflect"],
            vec!["--deriv", "2", "--boundary", "constant:2.5"],
            vec!["--accuracy", "6", "--boundary", "reflect,one-sided"],
            vec!["--accuracy", "4", "--boundary", "one-sided,constant:-3"],
        ];
        // Per-axis flags: the streamed axis periodic with uneven coordinates and a period,
        // the inner one reflect with spacing 0.5 (in --axis order: streamed first for C
        // files, last for Fortran files).
        let per_axis = |streamed_first: bool| -> Vec<String> {
            let (mut spacing, mut boundary, mut period) = (
                vec![x24.as_str(), "0.5"],
                vec!["periodic", "reflect"],
                vec!["24.5", "none"],
            );
            if !streamed_first {
                spacing.reverse();
                boundary.reverse();
                period.reverse();
            }
            let mut args = strings(&["--accuracy", "4"]);
            for (flag, values) in [
                ("--spacing", spacing),
                ("--boundary", boundary),
                ("--period", period),
            ] {
                for v in values {
                    args.extend(strings(&[flag, v]));
                }
            }
            args
        };
        let probe_file = dir.join("probe.npy");
        write_array(&probe_file, &values(&[rows, inner]), Dtype::F64, false);
        // Slabs of one row for the plainest call: the program's own memory, measured once.
        let calibrated = smallest_limit(&[
            "grad",
            s(&probe_file),
            "--axis",
            "1",
            "-o",
            s(&dir.join("probe_out.npy")),
        ]);
        let calibrated = calibrated - 16 * inner; // one f64 row (input and output)
        for dtype in [Dtype::F64, Dtype::F32] {
            for fortran in [false, true] {
                // Fortran files are streamed along the user's last axis.
                let shape = if fortran {
                    [inner, rows]
                } else {
                    [rows, inner]
                };
                let input = dir.join(format!("in_{dtype:?}_{fortran}.npy"));
                write_array(&input, &values(&shape), dtype, fortran);
                let streamed_axis = if fortran { "1" } else { "0" };
                let mut cases: Vec<(Vec<String>, usize)> = Vec::new();
                for f in &flags {
                    cases.push((strings(f), 2));
                    // The streamed axis alone.
                    cases.push((
                        [strings(f), strings(&["--axis", streamed_axis])].concat(),
                        1,
                    ));
                }
                cases.push((per_axis(!fortran), 2));
                for (n, (args, outputs)) in cases.into_iter().enumerate() {
                    let case = Case {
                        input: input.clone(),
                        args,
                        outputs,
                        row_bytes: inner * dtype.sample_bytes(),
                        rows,
                    };
                    check_streaming(dir, &format!("c{n}_{dtype:?}_{fortran}"), &case, calibrated);
                }
            }
        }
        // Integers: constant ghost rows hold the value in the data's dtype, like np.pad;
        // a value the dtype cannot hold is refused, streamed or not, before any output.
        let input = dir.join("in_i16.npy");
        write_array(&input, &values(&[rows, inner]), Dtype::I16, false);
        let case = Case {
            input: input.clone(),
            args: strings(&[
                "--axis",
                "0",
                "--boundary",
                "constant:-2",
                "--accuracy",
                "4",
            ]),
            outputs: 1,
            row_bytes: inner * Dtype::I16.sample_bytes(),
            rows,
        };
        check_streaming(dir, "i16", &case, calibrated);
        let out = dir.join("i16_refused.npy");
        for limit in [None, Some("64M")] {
            let mut args = vec![
                "grad",
                s(&input),
                "--axis",
                "0",
                "--boundary",
                "constant:2.5",
                "-o",
                s(&out),
            ];
            args.extend(limit.map(|l| ["--memory-limit", l]).into_iter().flatten());
            let (code, err) = fails(&args);
            assert_eq!(code, 1, "{err}");
            assert!(err.contains("cannot be held by int16 data"), "{err}");
            assert!(!out.exists());
        }
        // Three dimensions: the two inner axes are whole in every slab.
        let input = dir.join("in_3d.npy");
        write_array(&input, &values(&[20, 6, 1024]), Dtype::F64, false);
        let case = Case {
            input,
            args: strings(&["--boundary", "periodic", "--accuracy", "4", "--deriv", "2"]),
            outputs: 3,
            row_bytes: 6 * 1024 * Dtype::F64.sample_bytes(),
            rows: 20,
        };
        check_streaming(dir, "3d", &case, calibrated);
    }
}
