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
    write_big_npy(&big, &[3000, 2000]); // 48 MB, three times the limit
    let limit = 16 << 20;
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
            "16M",
            "--quiet",
        ]);
        assert!(ok_run);
        assert!(
            peak <= limit,
            "peak resident memory {} MiB > 16 MiB",
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
    // All axes: one file per axis, each equal to the in-memory result.
    let out = dir.path().join("all.npy");
    ok(&[
        "grad",
        s(&big),
        "-o",
        s(&out),
        "--memory-limit",
        "16M",
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
        "16M",
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

#[test]
fn an_interrupted_stream_leaves_no_output() {
    let dir = tmp();
    let big = dir.path().join("big.npy");
    write_big_npy(&big, &[4000, 2000]);
    let out = dir.path().join("out.npy");
    let child = Command::new(EXE)
        .args([
            "grad",
            s(&big),
            "--axis",
            "0",
            "-o",
            s(&out),
            "--memory-limit",
            "12M",
            "--quiet",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait_with_output().unwrap().status;
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("partial")),
        "left behind: {names:?}"
    );
    if status.success() {
        // It finished before the signal arrived: then the output must be complete.
        assert_eq!(
            std::fs::metadata(&out).unwrap().len(),
            128 + 4000 * 2000 * 8
        );
    } else {
        assert!(!out.exists(), "no output after an interruption");
    }
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
