//! Bad or hostile input never costs the user data, a panic or a hang: outputs that would
//! replace or change an input are refused, metadata claiming more than memory holds is an
//! error, and a run that fails or is interrupted leaves no file behind.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{fails, ok, s, write_f64_npy};

const EXE: &str = env!("CARGO_BIN_EXE_ndgrad");

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every file under `dir`, recursively, with its bytes: what a refused call must not change.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                all.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    all.sort();
    all
}

/// A 64 x 48 gray image at `path` (its format from the extension), pixel `i` `(i * k) % m`.
fn gray_image(path: &Path, k: usize, m: usize) {
    let pixels: Vec<u8> = (0..64 * 48).map(|i| ((i * k) % m) as u8).collect();
    image::GrayImage::from_raw(64, 48, pixels)
        .unwrap()
        .save(path)
        .unwrap();
}

fn ramp(path: &Path, rows: usize, cols: usize) {
    let values: Vec<f64> = (0..rows * cols).map(|i| ((i * i) % 97) as f64).collect();
    write_f64_npy(path, &[rows, cols], &values);
}

#[test]
fn outputs_inside_or_around_an_input_store_are_refused() {
    let dir = tmp();
    let x = dir.path().join("x.npy");
    ramp(&x, 10, 20);
    let group = dir.path().join("g.zarr");
    ok(&["grad", s(&x), "-o", s(&group)]);
    let before = snapshot(dir.path());
    let member = group.join("axis0");
    for args in [
        // The array --key picks, replaced by its own gradient.
        vec!["grad", s(&group), "--key", "axis0", "-o", s(&member)],
        vec!["laplacian", s(&group), "--key", "axis0", "-o", s(&member)],
        vec![
            "grad",
            s(&group),
            "--key",
            "axis0",
            "-o",
            s(&member),
            "--memory-limit",
            "64M",
        ],
        // A new array inside the input array's folder, and the group replaced as a whole.
        vec!["grad", s(&member), "-o", s(&member.join("more.zarr"))],
        vec!["grad", s(&member), "-o", s(&group)],
        vec!["grad", s(&group), "--key", "axis0", "-o", s(&group)],
    ] {
        let (code, err) = fails(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("choose another -o path"), "{args:?}: {err}");
        assert_eq!(snapshot(dir.path()), before, "{args:?} changed the files");
    }
    // Beside the input array in its group is another array, not the input.
    ok(&[
        "grad",
        s(&group),
        "--key",
        "axis0",
        "--axis",
        "0",
        "-o",
        s(&group.join("d0.zarr")),
    ]);
}

#[test]
fn per_axis_outputs_never_overwrite_an_input_or_a_spacing_file() {
    let dir = tmp();
    let x = dir.path().join("x.axis1.npy");
    ramp(&x, 300, 20);
    let y = dir.path().join("y.axis0.npy");
    let coords: Vec<f64> = (0..300).map(|i| (i * i) as f64).collect();
    write_f64_npy(&y, &[300], &coords);
    let before = snapshot(dir.path());
    let out_x = dir.path().join("x.npy");
    let out_y = dir.path().join("y.npy");
    for args in [
        vec!["grad", s(&x), "-o", s(&out_x), "--memory-limit", "64M"],
        vec![
            "grad",
            s(&x),
            "--spacing",
            s(&y),
            "--spacing",
            "1",
            "-o",
            s(&out_y),
            "--memory-limit",
            "64M",
        ],
    ] {
        let (code, err) = fails(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("NAME.axis<k>.npy"), "{args:?}: {err}");
        assert_eq!(snapshot(dir.path()), before, "{args:?} changed the files");
    }
}

#[test]
fn zarr_metadata_claiming_more_than_memory_is_an_error() {
    let dir = tmp();
    let x = dir.path().join("x.npy");
    ramp(&x, 10, 20);
    let store = dir.path().join("a.zarr");
    ok(&["grad", s(&x), "--axis", "0", "-o", s(&store)]);
    let meta = ["zarr.json", ".zarray"]
        .iter()
        .map(|m| store.join(m))
        .find(|p| p.exists())
        .expect("Zarr metadata");
    let text = std::fs::read_to_string(&meta).unwrap();
    let compact = text.replace([' ', '\n'], "");
    assert!(compact.contains("\"shape\":[10,20]"), "{text}");
    for shape in ["[1000000000000,1000000000000]", "[1000000,1000000]"] {
        std::fs::write(
            &meta,
            compact.replace("\"shape\":[10,20]", &format!("\"shape\":{shape}")),
        )
        .unwrap();
        let (code, err) = fails(&["grad", s(&store), "-o", s(&dir.path().join("g.npz"))]);
        assert_eq!(code, 1, "{shape}: {err}");
        assert!(err.contains("--memory-limit"), "{shape}: {err}");
        assert!(!dir.path().join("g.npz").exists());
    }
}

/// Runs `ndgrad args` for at most `limit`; the output, or a failure naming the hang.
fn within(limit: Duration, args: &[&str]) -> std::process::Output {
    let mut child = Command::new(EXE)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("ndgrad {args:?} still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn plots_of_values_near_the_largest_float_finish() {
    let dir = tmp();
    let png = dir.path().join("p.png");
    for (name, text) in [
        ("big.csv", "a\n1\n2\n1.7976931348623157e308\n"),
        ("both.csv", "a\n1\n1e308\n-1e308\n"),
        ("x.csv", "t,a\n0,1\n1e308,2\n-1e308,3\n"),
    ] {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let out = within(Duration::from_secs(60), &["plot", s(&csv), "-o", s(&png)]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(png.exists());
        std::fs::remove_file(&png).unwrap();
    }
}

#[test]
fn edges_write_both_images_or_neither() {
    let dir = tmp();
    let img = dir.path().join("g.png");
    gray_image(&img, 7, 251);
    let out = dir.path().join("e.png");
    for direction in ["d.npy", "d.jpg"] {
        let d = dir.path().join(direction);
        let (code, err) = fails(&["edges", s(&img), "-o", s(&out), "--direction", s(&d)]);
        assert_eq!(code, 2, "{direction}: {err}");
        assert!(err.contains(".png or .tif"), "{err}");
        assert!(
            !out.exists(),
            "{direction}: -o written before --direction failed"
        );
    }
    let missing = dir.path().join("nodir").join("d.png");
    let (_, err) = fails(&["edges", s(&img), "-o", s(&out), "--direction", s(&missing)]);
    assert!(err.contains("nodir"), "{err}");
    assert!(!out.exists(), "-o written though --direction could not be");
    let (code, err) = fails(&["edges", s(&img), "-o", s(&out), "--direction", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--direction") && err.contains("names the -o file"),
        "{err}"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "only the image: {names:?}");
    let d = dir.path().join("d.png");
    ok(&["edges", s(&img), "-o", s(&out), "--direction", s(&d)]);
    assert!(out.exists() && d.exists());
}

#[test]
fn thread_counts_are_bounded() {
    let dir = tmp();
    let x = dir.path().join("x.npy");
    ramp(&x, 10, 20);
    let (code, err) = fails(&[
        "grad",
        s(&x),
        "-o",
        s(&dir.path().join("g.npz")),
        "--threads",
        "20000",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--threads") && err.contains("at most 1024"),
        "{err}"
    );
}

#[test]
fn an_interrupted_stream_leaves_no_output() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let dir = tmp();
        let big = dir.path().join("big.npy");
        ramp(&big, 4000, 2000);
        let out = dir.path().join("out.npy");
        let child = Command::new(EXE)
            .args([
                "grad",
                s(&big),
                "-o",
                s(&out),
                "--memory-limit",
                "24M",
                "--quiet",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Signal once a temporary output exists: mid-write.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10)
            && !std::fs::read_dir(dir.path()).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".partial")
            })
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as i32, signal) };
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("too small"),
            "the stream never started: {stderr}"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains("partial")),
            "left behind: {names:?}"
        );
        if output.status.success() {
            // It finished before the signal arrived: then the outputs must be complete.
            for k in 0..2 {
                let axis = dir.path().join(format!("out.axis{k}.npy"));
                assert_eq!(
                    std::fs::metadata(&axis).unwrap().len(),
                    128 + 4000 * 2000 * 8
                );
            }
        } else {
            assert_eq!(output.status.code(), Some(130), "signal {signal}");
            assert!(names.iter().all(|n| !n.starts_with("out")), "{names:?}");
        }
    }
}

#[test]
fn a_truncated_jpeg_is_refused() {
    let dir = tmp();
    let jpg = dir.path().join("photo.jpg");
    gray_image(&jpg, 13, 256);
    let npz = dir.path().join("g.npz");
    ok(&["grad", s(&jpg), "-o", s(&npz)]);
    let bytes = std::fs::read(&jpg).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    for args in [
        vec!["grad", s(&cut), "-o", s(&dir.path().join("c.npz"))],
        vec!["edges", s(&cut), "-o", s(&dir.path().join("e.png"))],
    ] {
        let (code, err) = fails(&args);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("truncated JPEG"), "{err}");
    }
}

#[test]
fn messages_name_the_real_problem() {
    let dir = tmp();
    let x = dir.path().join("x.npy");
    ramp(&x, 4, 5);
    let out = dir.path().join("g.npz");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A coordinate file of two columns is not silently cut to its first.
    let two = write("c.txt", "0,7\n1,7\n3,7\n6,7\n");
    let (_, err) = fails(&[
        "grad",
        s(&x),
        "--axis",
        "0",
        "--spacing",
        s(&two),
        "-o",
        s(&out),
    ]);
    assert!(err.contains("line 1: more than one column"), "{err}");
    // Dates beyond nanoseconds in 64 bits, numbers among dates, offsets mixed with none.
    let csv_out = dir.path().join("d.csv");
    for (text, says) in [
        (
            "t,a\n1500-01-01,1\n1500-01-02,2\n1500-01-03,4\n",
            "outside the date-times",
        ),
        (
            "t,a\n1,1\n2020-01-01,2\n2020-01-02,4\n",
            "a number in a column of date-times",
        ),
        (
            "t,a\n2020-01-01T00:00:00Z,1\n2020-01-01T01:00:00,2\n2020-01-01T02:00:00Z,4\n",
            "has no UTC offset",
        ),
    ] {
        let table = write("t.csv", text);
        let (_, err) = fails(&["grad", s(&table), "--x", "t", "-o", s(&csv_out)]);
        assert!(err.contains(says), "{text}: {err}");
    }
    // A second derivative's column is named as one.
    let table = write("s.csv", "t,a\n0,0\n1,1\n2,4\n3,9\n4,16\n");
    ok(&[
        "grad",
        s(&table),
        "--x",
        "t",
        "--deriv",
        "2",
        "-o",
        s(&csv_out),
    ]);
    let written = std::fs::read_to_string(&csv_out).unwrap();
    assert!(written.starts_with("t,d2a/dt2\n"), "{written}");
    // Flags that would change nothing.
    let (code, err) = fails(&["grad", s(&x), "--key", "a", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--key a") && err.contains("drop --key"),
        "{err}"
    );
    let (code, err) = fails(&["grad", s(&x), "--stats", "-o", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--stats") && err.contains("--memory-limit"),
        "{err}"
    );
    // A periodic side, an extensionless path, a header-less table.
    let (code, err) = fails(&[
        "grad",
        s(&x),
        "--boundary",
        "reflect,periodic",
        "-o",
        s(&out),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot be one side of a LEFT,RIGHT pair"),
        "{err}"
    );
    let (_, err) = fails(&["grad", s(&x), "-o", s(&dir.path().join("noext"))]);
    assert!(err.contains("no file extension"), "{err}");
    let empty = write("empty.csv", "");
    let (_, err) = fails(&["grad", s(&empty), "-o", s(&csv_out)]);
    assert!(err.contains("no header line"), "{err}");
}
