//! datetime64 `.npy` coordinate files given to `--spacing`: the time since the first sample
//! in `--time-unit` units, `(t - t[0]) / np.timedelta64(1, unit)` as NumPy computes it, so
//! the output equals the one for float64 coordinates computed that way, bit for bit.

use std::path::Path;

mod support;
use support::{fails, npy_bytes, ok, s};

/// 2024-01-01T00:00 in nanoseconds since the epoch.
const NEW_YEAR_NS: i64 = 1_704_067_200_000_000_000;
const MINUTE_NS: i64 = 60_000_000_000;
/// NumPy's NaT.
const NAT: i64 = i64::MIN;

/// Writes an `.npy` (format 1.0, C order) holding `data` as given.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
    std::fs::write(path, npy_bytes(descr, shape, data)).unwrap();
}

fn write_f64(path: &Path, shape: &[usize], values: &[f64]) {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_npy(path, "<f8", shape, &data);
}

/// A datetime64 file of `descr` (`<M8[ns]`, `>M8[us]`, ...) holding `ticks`.
fn write_datetimes(path: &Path, descr: &str, ticks: &[i64]) {
    let big = descr.starts_with('>');
    let data: Vec<u8> = ticks
        .iter()
        .flat_map(|t| {
            if big {
                t.to_be_bytes()
            } else {
                t.to_le_bytes()
            }
        })
        .collect();
    write_npy(path, descr, &[ticks.len()], &data);
}

/// The float64 values of an `.npy` output (little-endian, C order).
fn read_f64(path: &Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'descr': '<f8'"), "{header}");
    bytes[10 + len..]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// The bits of two outputs are the same.
fn same_bits(a: &Path, b: &Path) {
    let (a, b) = (read_f64(a), read_f64(b));
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "element {i}: {x} != {y}");
    }
}

/// NUMERICS.md E8: 00:00, 00:10, 00:30, 01:30, 03:30 on 2024-01-01, in ns.
fn e8_ticks() -> Vec<i64> {
    [0, 10, 30, 90, 210]
        .iter()
        .map(|m| NEW_YEAR_NS + m * MINUTE_NS)
        .collect()
}

#[test]
fn e8_per_hour_matches_numpy() {
    let dir = tempfile::tempdir().unwrap();
    let (f, t, out) = (
        dir.path().join("f.npy"),
        dir.path().join("t.npy"),
        dir.path().join("g.npy"),
    );
    write_f64(&f, &[5], &[0.0, 1.0, 3.0, 4.0, 10.0]);
    write_datetimes(&t, "<M8[ns]", &e8_ticks());
    ok(&[
        "grad",
        s(&f),
        "-o",
        s(&out),
        "--spacing",
        s(&t),
        "--time-unit",
        "h",
    ]);
    let expected: [f64; 5] = [6.0, 6.0, 4.75, 1.6666666666666665, 3.0];
    let got = read_f64(&out);
    assert_eq!(
        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "{got:?}"
    );
}

/// Uneven times as ticks of `tick_ns` nanoseconds: steps of 1 to 911 seconds (of ticks,
/// for ticks longer than a second) plus 0 to 2 ticks.
fn uneven_ticks(n: usize, tick_ns: i64) -> Vec<i64> {
    let per_second = (1_000_000_000 / tick_ns).max(1);
    let mut t = NEW_YEAR_NS / tick_ns;
    (0..n as i64)
        .map(|i| {
            t += (1 + (i * 7_919 + 104_729) % 911) * per_second + i % 3;
            t
        })
        .collect()
}

/// `(t - t[0]) / np.timedelta64(1, unit)` for ticks and a unit both whole nanoseconds where
/// the unit is the coarser: NumPy's common unit is the tick, the divisor `unit / tick`.
fn elapsed(ticks: &[i64], tick_ns: i64, unit_ns: i64) -> Vec<f64> {
    let divisor = (unit_ns / tick_ns) as f64;
    ticks
        .iter()
        .map(|t| (t - ticks[0]) as f64 / divisor)
        .collect()
}

#[test]
fn same_output_as_float_coordinates_computed_numpys_way() {
    let dir = tempfile::tempdir().unwrap();
    let n = 23;
    let f = dir.path().join("f.npy");
    let values: Vec<f64> = (0..n * 3)
        .map(|i| ((i as f64) * 0.37).sin() * 10.0 + (i % 5) as f64)
        .collect();
    write_f64(&f, &[n, 3], &values);
    let cases: [(&str, i64, &str, i64, &[&str]); 6] = [
        ("<M8[ns]", 1, "s", 1_000_000_000, &[]), // the default unit
        ("<M8[ns]", 1, "min", MINUTE_NS, &["--time-unit", "min"]),
        (
            ">M8[us]",
            1_000,
            "h",
            3_600_000_000_000,
            &["--time-unit", "h"],
        ),
        (
            "<M8[ms]",
            1_000_000,
            "ms",
            1_000_000,
            &["--time-unit", "ms", "--accuracy", "4"],
        ),
        (
            "<M8[10s]",
            10_000_000_000,
            "d",
            86_400_000_000_000,
            &["--time-unit", "d", "--edge-order", "2"],
        ),
        (
            "<M8[us]",
            1_000,
            "s",
            1_000_000_000,
            &["--deriv", "2", "--boundary", "reflect"],
        ),
    ];
    for (k, (descr, tick_ns, unit, unit_ns, flags)) in cases.into_iter().enumerate() {
        let (t, x) = (
            dir.path().join(format!("t{k}.npy")),
            dir.path().join(format!("x{k}.npy")),
        );
        let ticks = uneven_ticks(n, tick_ns);
        write_datetimes(&t, descr, &ticks);
        write_f64(&x, &[n], &elapsed(&ticks, tick_ns, unit_ns));
        let (from_t, from_x) = (
            dir.path().join(format!("gt{k}.npy")),
            dir.path().join(format!("gx{k}.npy")),
        );
        let run = |spacing: &Path, out: &Path| {
            let mut args = vec!["grad", s(&f), "-o", s(out), "--axis", "0", "--spacing"];
            args.push(s(spacing));
            args.extend_from_slice(flags);
            ok(&args);
        };
        run(&t, &from_t);
        run(&x, &from_x);
        same_bits(&from_t, &from_x);
        assert!(
            read_f64(&from_t).iter().all(|v| v.is_finite()),
            "{descr} in {unit}"
        );
    }
}

#[test]
fn the_time_unit_scales_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let (f, t) = (dir.path().join("f.npy"), dir.path().join("t.npy"));
    write_f64(&f, &[5], &[0.0, 1.0, 3.0, 4.0, 10.0]);
    write_datetimes(&t, "<M8[ns]", &e8_ticks());
    let per = |unit: &str| {
        let out = dir.path().join(format!("g_{unit}.npy"));
        ok(&[
            "grad",
            s(&f),
            "-o",
            s(&out),
            "--spacing",
            s(&t),
            "--time-unit",
            unit,
        ]);
        read_f64(&out)
    };
    let (hours, minutes, seconds, default) = (per("h"), per("min"), per("s"), {
        let out = dir.path().join("g.npy");
        ok(&["grad", s(&f), "-o", s(&out), "--spacing", s(&t)]);
        read_f64(&out)
    });
    assert_eq!(seconds, default, "seconds by default");
    for i in 0..5 {
        assert!((hours[i] - 60.0 * minutes[i]).abs() <= 1e-12 * hours[i].abs());
        assert!((hours[i] - 3600.0 * seconds[i]).abs() <= 1e-12 * hours[i].abs());
    }
    // Per day, the same samples change 24 times faster than per hour.
    let days = per("d");
    assert!((days[0] - 24.0 * hours[0]).abs() <= 1e-12 * days[0]);
}

#[test]
fn several_axes_streaming_and_periodic_times() {
    let dir = tempfile::tempdir().unwrap();
    let (f, t) = (dir.path().join("f.npy"), dir.path().join("t.npy"));
    // 24 hourly samples of a daily cycle along axis 1.
    let values: Vec<f64> = (0..4 * 24)
        .map(|i| (2.0 * std::f64::consts::PI * (i % 24) as f64 / 24.0).sin() + (i / 24) as f64)
        .collect();
    write_f64(&f, &[4, 24], &values);
    let hours: Vec<i64> = (0..24).map(|h| NEW_YEAR_NS + h * 60 * MINUTE_NS).collect();
    write_datetimes(&t, "<M8[ns]", &hours);
    let x = dir.path().join("x.npy");
    write_f64(&x, &[24], &(0..24).map(f64::from).collect::<Vec<_>>());
    let periodic = [
        "--boundary",
        "periodic",
        "--period",
        "24",
        "--time-unit",
        "h",
    ];
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    let mut args = vec![
        "grad",
        s(&f),
        "-o",
        s(&a),
        "--axis",
        "1",
        "--spacing",
        s(&t),
    ];
    args.extend_from_slice(&periodic);
    ok(&args);
    let mut args = vec![
        "grad",
        s(&f),
        "-o",
        s(&b),
        "--axis",
        "1",
        "--spacing",
        s(&x),
    ];
    args.extend_from_slice(&periodic);
    ok(&args);
    same_bits(&a, &b);
    // Streamed in slabs: the same coordinates, the same bits.
    let streamed = dir.path().join("streamed.npy");
    let mut args = vec![
        "grad",
        s(&f),
        "-o",
        s(&streamed),
        "--axis",
        "1",
        "--spacing",
        s(&t),
    ];
    args.extend_from_slice(&periodic);
    args.extend_from_slice(&["--memory-limit", "64M", "--quiet"]);
    ok(&args);
    same_bits(&streamed, &a);
}

#[test]
fn nat_is_a_data_error_naming_file_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let (f, t, out) = (
        dir.path().join("f.npy"),
        dir.path().join("times.npy"),
        dir.path().join("g.npy"),
    );
    write_f64(&f, &[5], &[0.0, 1.0, 3.0, 4.0, 10.0]);
    let mut ticks = e8_ticks();
    ticks[3] = NAT;
    write_datetimes(&t, "<M8[ns]", &ticks);
    let (code, err) = fails(&["grad", s(&f), "-o", s(&out), "--spacing", s(&t)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}: NaT at index 3 of the datetime64 coordinates; drop or fill it",
            t.display()
        )),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!out.exists());
}

#[test]
fn unsupported_datetime_files_are_data_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (f, out) = (dir.path().join("f.npy"), dir.path().join("g.npy"));
    write_f64(&f, &[5], &[0.0, 1.0, 3.0, 4.0, 10.0]);
    let months = dir.path().join("months.npy");
    write_datetimes(&months, "<M8[M]", &[648, 649, 650, 652, 655]);
    let (code, err) = fails(&["grad", s(&f), "-o", s(&out), "--spacing", s(&months)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("months.npy") && err.contains("no fixed length"),
        "{err}"
    );
    // Coordinates must be 1-D, whatever their dtype.
    let grid = dir.path().join("grid.npy");
    let data: Vec<u8> = e8_ticks()
        .iter()
        .chain(&e8_ticks())
        .flat_map(|t| t.to_le_bytes())
        .collect();
    write_npy(&grid, "<M8[ns]", &[2, 5], &data);
    let (code, err) = fails(&["grad", s(&f), "-o", s(&out), "--spacing", s(&grid)]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("coordinates must be 1-D"), "{err}");
    // Too few times for the axis: the usual coordinate error.
    let short = dir.path().join("short.npy");
    write_datetimes(&short, "<M8[s]", &[0, 10, 30]);
    let (code, err) = fails(&["grad", s(&f), "-o", s(&out), "--spacing", s(&short)]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("3 coordinates for axis 0, which has 5 samples"),
        "{err}"
    );
}
