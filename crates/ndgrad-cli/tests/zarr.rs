//! Zarr arrays in the command line: stores written by the `zarr` Python package (formats 2
//! and 3, its default codecs and others), differentiated in memory and streamed chunk by
//! chunk, compared with `np.gradient` bit for bit by Python reading the outputs back.
//!
//! The tests need the project's Python environment (`scripts/venv.sh`, with `zarr` from
//! requirements-dev.txt); where it is missing they print why and pass without checking.
//! `NDGRAD_PYTHON` names another interpreter (then it must work: scripts/test.sh sets it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{fails, ndgrad, ok, s};

/// Helpers every script below starts with.
const PRELUDE: &str = r#"
import sys
import numpy as np
import zarr
import numcodecs

def same(got, want, what=""):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(want).tobytes(), what

def outputs(path, axes):
    """The arrays `ndgrad grad` wrote: one array for one axis, a group axis<k> for several."""
    node = zarr.open(store=path, mode="r")
    if len(axes) == 1:
        assert isinstance(node, zarr.Array), path
        return [node]
    assert isinstance(node, zarr.Group), path
    return [node["axis%d" % k] for k in axes]

def check_grad(inp, out, axes=None, spacing=(), **kw):
    """`out` holds np.gradient of the array `inp`, in its Zarr format and chunks."""
    a = zarr.open_array(inp, mode="r")
    axes = list(range(a.ndim)) if axes is None else axes
    want = np.gradient(a[:], *spacing, axis=tuple(axes), **kw)
    want = [want] if len(axes) == 1 else want
    for k, got, w in zip(axes, outputs(out, axes), want):
        same(got[:], w, "%s axis %d" % (out, k))
        assert got.metadata.zarr_format == a.metadata.zarr_format, out
        assert got.chunks == a.chunks, (out, got.chunks, a.chunks)
"#;

/// The project's Python with NumPy and zarr, or `None` (with the reason printed).
fn python() -> Option<PathBuf> {
    let path = std::env::var_os("NDGRAD_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"),
        PathBuf::from,
    );
    let usable = Command::new(&path)
        .args(["-c", "import numpy, zarr"])
        .output()
        .is_ok_and(|o| o.status.success());
    // Where a runner names the interpreter (scripts/test.sh does), it must work: a suite
    // that skips must never look green in CI.
    if !usable && std::env::var_os("NDGRAD_PYTHON").is_some() {
        panic!(
            "NDGRAD_PYTHON={} cannot import numpy and zarr; install requirements-dev.txt",
            path.display()
        );
    }
    if !usable {
        eprintln!(
            "skipped: {} cannot import numpy and zarr; run scripts/venv.sh (zarr is in \
             requirements-dev.txt) or set NDGRAD_PYTHON",
            path.display()
        );
        return None;
    }
    Some(path)
}

/// Runs `script` (after [`PRELUDE`]) in `dir`; it must succeed.
fn py(python: &Path, dir: &Path, script: &str) {
    let out = Command::new(python)
        .arg("-c")
        .arg(format!("{PRELUDE}\n{script}"))
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn at(dir: &Path, name: &str) -> String {
    s(&dir.join(name)).to_string()
}

/// Runs a streaming call with `--stats`; its peak resident memory in bytes (as the
/// program reads it from /proc).
fn peak_of(args: &[&str]) -> usize {
    let out = ndgrad(&[args, &["--stats", "--quiet"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ndgrad {args:?}: {stderr}");
    stderr
        .split("peak resident memory ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// Entries of `dir` that a failed run must not leave: partial stores and files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".ndgrad-") || n.contains("partial"))
        .collect()
}

#[test]
fn stores_of_both_formats_equal_numpy_in_memory_and_streamed() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
rng = np.random.default_rng(7)
def store(name, data, **kw):
    a = zarr.create_array(name, shape=data.shape, dtype=data.dtype, **kw)
    a[...] = data
store("v3_f8.zarr", rng.standard_normal((37, 23)), chunks=(8, 5), zarr_format=3)
store("v2_i4.zarr", rng.integers(-1000, 1000, (30, 11), dtype="i4"), chunks=(7, 4),
      zarr_format=2)
store("v2_blosc_f4.zarr", rng.standard_normal((25, 19)).astype("f4"), chunks=(6, 19),
      zarr_format=2, compressors=numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.SHUFFLE))
store("v2_fortran_f4.zarr", rng.standard_normal((21, 17)).astype("f4"), chunks=(5, 6),
      zarr_format=2, order="F")
store("v3_transpose.zarr", rng.standard_normal((20, 13)), chunks=(6, 4), zarr_format=3,
      filters=[zarr.codecs.TransposeCodec(order=(1, 0))])
c = rng.standard_normal((9, 8, 7)) + 1j * rng.standard_normal((9, 8, 7))
store("v3_3d_c16.zarr", c, chunks=(4, 3, 5), zarr_format=3)
store("v3_3d_gzip.zarr", rng.standard_normal((6, 7, 8)), chunks=(5, 7, 3), zarr_format=3,
      compressors=zarr.codecs.GzipCodec())
store("v3_1d_f2.zarr", rng.standard_normal(50).astype("f2"), chunks=(7,), zarr_format=3)
"#,
    );
    let stores = [
        "v3_f8",
        "v2_i4",
        "v2_blosc_f4",
        "v2_fortran_f4",
        "v3_transpose",
        "v3_3d_c16",
        "v3_3d_gzip",
        "v3_1d_f2",
    ];
    for name in stores {
        let input = at(d, &format!("{name}.zarr"));
        ok(&["grad", &input, "-o", &at(d, &format!("{name}.mem.zarr"))]);
        ok(&[
            "grad",
            &input,
            "-o",
            &at(d, &format!("{name}.stream.zarr")),
            "--memory-limit",
            "256M",
        ]);
        ok(&[
            "grad",
            &input,
            "-o",
            &at(d, &format!("{name}.axis0.zarr")),
            "--axis",
            "0",
            "--spacing",
            "0.5",
            "--edge-order",
            "2",
            "--memory-limit",
            "256M",
        ]);
    }
    py(
        &python,
        d,
        &format!(
            r#"
for name in {stores:?}:
    check_grad(name + ".zarr", name + ".mem.zarr")
    check_grad(name + ".zarr", name + ".stream.zarr")
    check_grad(name + ".zarr", name + ".axis0.zarr", axes=[0], spacing=(0.5,), edge_order=2)
# Outputs keep the input's memory order and compressor.
assert zarr.open_group("v2_fortran_f4.mem.zarr")["axis0"].order == "F"
assert "lz4" in str(zarr.open_group("v2_blosc_f4.stream.zarr")["axis1"].compressors)
codecs = zarr.open_group("v3_transpose.mem.zarr")["axis0"].metadata.to_dict()["codecs"]
assert [c["name"] for c in codecs] == ["transpose", "bytes", "zstd"], codecs
"#
        ),
    );
}

/// A store three times as large as the memory limit, read and written chunk by chunk: the
/// peak resident memory stays under the limit, and the results are NumPy's.
#[test]
fn streaming_a_store_larger_than_the_memory_limit() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
rng = np.random.default_rng(3)
a = zarr.create_array("big.zarr", shape=(3000, 2000), chunks=(40, 500), dtype="f8",
                      zarr_format=3)
for i in range(0, 3000, 600):
    a[i:i + 600] = rng.standard_normal((600, 2000))
f = zarr.create_array("big_f.zarr", shape=(400, 60, 250), chunks=(10, 20, 50), dtype="f8",
                      zarr_format=2, order="F")
for i in range(0, 400, 100):
    f[i:i + 100] = rng.standard_normal((100, 60, 250))
"#,
    );
    let limit = 24usize << 20;
    let (big, big_f) = (at(d, "big.zarr"), at(d, "big_f.zarr"));
    let (all, d0, f_all) = (at(d, "all.zarr"), at(d, "d0.zarr"), at(d, "f_all.zarr"));
    let edge = ["--axis", "0", "--edge-order", "2"];
    for args in [
        vec!["grad", &big, "-o", &all],
        [&["grad", big.as_str(), "-o", &d0][..], &edge[..]].concat(),
        vec!["grad", &big_f, "-o", &f_all],
    ] {
        let args = [&args[..], &["--memory-limit", "24M"]].concat();
        let peak = peak_of(&args);
        assert!(
            peak <= limit,
            "{args:?}: peak resident memory {} MiB > 24 MiB",
            peak >> 20
        );
    }
    // Wrapped ghost rows along the slabbed axis: streamed equals in memory. 32 MiB (still
    // less than the 48 MB store): a 10-row chunk slab needs 5 MiB beside the program's own
    // resident size, which read 20 MiB on a loaded CI machine.
    let periodic = ["--axis", "0", "--boundary", "periodic", "--accuracy", "4"];
    ok(&[
        &["grad", big_f.as_str(), "-o", &at(d, "p_stream.zarr")],
        &periodic[..],
        &["--memory-limit", "32M"],
    ]
    .concat());
    ok(&[
        &["grad", big_f.as_str(), "-o", &at(d, "p_mem.npy")],
        &periodic[..],
    ]
    .concat());
    py(
        &python,
        d,
        r#"
check_grad("big.zarr", "all.zarr")
check_grad("big.zarr", "d0.zarr", axes=[0], edge_order=2)
check_grad("big_f.zarr", "f_all.zarr")
same(zarr.open_array("p_stream.zarr")[:], np.load("p_mem.npy"), "periodic")
"#,
    );
}

#[test]
fn missing_chunks_read_as_the_fill_value() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
a = zarr.create_array("gaps.zarr", shape=(20, 12), chunks=(5, 4), dtype="f8",
                      fill_value=-1.5, zarr_format=3)
a[0:5, :] = np.arange(60.0).reshape(5, 12) ** 1.5
a[10:15, 4:8] = 7.25
n = zarr.create_array("nan.zarr", shape=(9, 10), chunks=(4, 4), dtype="f4",
                      fill_value=np.nan, zarr_format=2)
n[0:4, 0:4] = np.arange(16.0, dtype="f4").reshape(4, 4)
"#,
    );
    for name in ["gaps", "nan"] {
        let input = at(d, &format!("{name}.zarr"));
        ok(&["grad", &input, "-o", &at(d, &format!("{name}.mem.zarr"))]);
        ok(&[
            "grad",
            &input,
            "-o",
            &at(d, &format!("{name}.stream.zarr")),
            "--memory-limit",
            "256M",
        ]);
    }
    let info = ok(&["info", &at(d, "gaps.zarr")]);
    assert!(info.contains("4 of 12 chunks stored"), "{info}");
    assert!(info.contains("fill value:   -1.5"), "{info}");
    py(
        &python,
        d,
        r#"
for name in ["gaps", "nan"]:
    check_grad(name + ".zarr", name + ".mem.zarr")
    check_grad(name + ".zarr", name + ".stream.zarr")
"#,
    );
}

#[test]
fn a_corrupt_chunk_is_an_error_naming_the_store_and_chunk() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
rng = np.random.default_rng(5)
a = zarr.create_array("bad.zarr", shape=(40, 10), chunks=(10, 10), dtype="f8", zarr_format=3)
a[:] = rng.standard_normal((40, 10))
b = zarr.create_array("bad2.zarr", shape=(40, 10), chunks=(10, 10), dtype="f8", zarr_format=2)
b[:] = rng.standard_normal((40, 10))
"#,
    );
    let (bad, bad2) = (at(d, "bad.zarr"), at(d, "bad2.zarr"));
    // An earlier result, which a failed run must leave as it was.
    let kept = at(d, "kept.zarr");
    ok(&["grad", &bad, "-o", &kept]);
    let before = std::fs::read(d.join("kept.zarr/axis0/c/0/0")).unwrap();
    // Truncated: half the chunk file.
    let chunk = d.join("bad.zarr/c/2/0");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).unwrap();
    // Corrupt: not a zstd frame at all.
    std::fs::write(d.join("bad2.zarr/1.0"), b"not a zstd frame").unwrap();
    for (input, key) in [(&bad, "c/2/0"), (&bad2, "1.0")] {
        for streamed in [false, true] {
            for out in [at(d, "out.zarr"), kept.clone()] {
                let mut args = vec!["grad", input.as_str(), "-o", out.as_str()];
                if streamed {
                    args.extend(["--memory-limit", "64M"]);
                }
                let (code, err) = fails(&args);
                assert_eq!(code, 1, "{err}");
                assert!(
                    err.contains(input.as_str()) && err.contains(&format!("chunk {key}")),
                    "{err}"
                );
                assert_eq!(err.trim().lines().count(), 1, "{err}");
            }
        }
    }
    assert!(!d.join("out.zarr").exists(), "no partial output store");
    assert_eq!(leftovers(d), Vec::<String>::new());
    assert_eq!(
        std::fs::read(d.join("kept.zarr/axis0/c/0/0")).unwrap(),
        before
    );
}

#[test]
fn info_describes_zarr_arrays_and_groups() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
a = zarr.create_array("v3.zarr", shape=(10, 6), chunks=(4, 3), dtype="f8", zarr_format=3)
a[:] = 1.0
f = zarr.create_array("v2f.zarr", shape=(10, 6), chunks=(4, 3), dtype=">i2", zarr_format=2,
                      order="F")
f[:] = 3
"#,
    );
    let v3 = ok(&["info", &at(d, "v3.zarr")]);
    for want in [
        "Zarr format 3 array; 6 of 6 chunks stored",
        "shape:        [10, 6]",
        "dtype:        float64",
        "chunks:       [4, 3] (a grid of 3 x 2 chunks)",
        "codecs:       bytes(endian=little), zstd(level=0, checksum=false)",
        "memory order: C (row-major)",
        "fill value:   0.0",
        "size:         60 elements, 480 bytes of data",
    ] {
        assert!(v3.contains(want), "{want}\n{v3}");
    }
    let v2 = ok(&["info", &at(d, "v2f.zarr")]);
    for want in [
        "Zarr format 2 array",
        "dtype:        int16 ('>i2')",
        "codecs:       zstd(level=0)",
        "memory order: Fortran (column-major) within each chunk",
    ] {
        assert!(v2.contains(want), "{want}\n{v2}");
    }
    ok(&["grad", &at(d, "v2f.zarr"), "-o", &at(d, "g.zarr")]);
    let group = ok(&["info", &at(d, "g.zarr")]);
    assert!(group.contains("Zarr format 2 group"), "{group}");
    assert!(
        group.contains("axis1: shape [10,6], dtype float64 ('<f8'), chunks [4,3]"),
        "{group}"
    );
    // A group's array by its path.
    let member = ok(&["info", &at(d, "g.zarr/axis0")]);
    assert!(member.contains("shape:        [10, 6]"), "{member}");
}

#[test]
fn operators_read_and_write_zarr_like_npy() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
rng = np.random.default_rng(11)
for name in ["f", "u", "v"]:
    data = rng.standard_normal((30, 40))
    np.save(name + ".npy", data)
    a = zarr.create_array(name + ".zarr", shape=data.shape, chunks=(7, 9), dtype="f8",
                          zarr_format=2)
    a[:] = data
"#,
    );
    let f = |n: &str| at(d, n);
    for (op, inputs) in [
        ("laplacian", vec!["f"]),
        ("magnitude", vec!["f"]),
        ("divergence", vec!["u", "v"]),
        ("curl", vec!["u", "v"]),
    ] {
        let zarrs: Vec<String> = inputs.iter().map(|i| f(&format!("{i}.zarr"))).collect();
        let npys: Vec<String> = inputs.iter().map(|i| f(&format!("{i}.npy"))).collect();
        let out_z = f(&format!("{op}.zarr"));
        let out_n = f(&format!("{op}.npy"));
        let flags = ["--spacing", "0.25", "--accuracy", "4"];
        let mut a: Vec<&str> = vec![op];
        a.extend(zarrs.iter().map(String::as_str));
        a.extend(["-o", &out_z]);
        a.extend(flags);
        ok(&a);
        let mut b: Vec<&str> = vec![op];
        b.extend(npys.iter().map(String::as_str));
        b.extend(["-o", &out_n]);
        b.extend(flags);
        ok(&b);
    }
    py(
        &python,
        d,
        r#"
for op in ["laplacian", "magnitude", "divergence", "curl"]:
    z = zarr.open_array(op + ".zarr", mode="r")
    same(z[:], np.load(op + ".npy"), op)
    assert z.metadata.zarr_format == 2 and z.chunks == (7, 9), (op, z.chunks)
"#,
    );
}

#[test]
fn npy_and_zarr_stream_into_each_other() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
rng = np.random.default_rng(2)
data = rng.standard_normal((300, 200))
np.save("m.npy", data)
np.save("m_f.npy", np.asfortranarray(data))
a = zarr.create_array("m.zarr", shape=data.shape, chunks=(32, 64), dtype="f8", zarr_format=3)
a[:] = data
"#,
    );
    ok(&[
        "grad",
        &at(d, "m.npy"),
        "-o",
        &at(d, "from_npy.zarr"),
        "--memory-limit",
        "256M",
    ]);
    ok(&["grad", &at(d, "m.npy"), "-o", &at(d, "from_npy_mem.zarr")]);
    ok(&[
        "grad",
        &at(d, "m.zarr"),
        "-o",
        &at(d, "from_zarr.npy"),
        "--memory-limit",
        "256M",
    ]);
    ok(&["grad", &at(d, "m.zarr"), "-o", &at(d, "from_zarr.npz")]);
    // Slabs of a Fortran-ordered file run along its last axis, not a Zarr array's rows.
    let (code, err) = fails(&[
        "grad",
        &at(d, "m_f.npy"),
        "-o",
        &at(d, "f.zarr"),
        "--memory-limit",
        "256M",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Fortran-ordered"), "{err}");
    assert_eq!(leftovers(d), Vec::<String>::new());
    py(
        &python,
        d,
        r#"
g = np.gradient(np.load("m.npy"))
for name in ["from_npy.zarr", "from_npy_mem.zarr"]:
    grp = zarr.open_group(name, mode="r")
    for k in range(2):
        same(grp["axis%d" % k][:], g[k], name)
    assert grp["axis0"].metadata.zarr_format == 3
for k in range(2):
    same(np.load("from_zarr.axis%d.npy" % k), g[k], "npy %d" % k)
    same(np.load("from_zarr.npz")["axis%d" % k], g[k], "npz %d" % k)
"#,
    );
}

#[test]
fn zarr_usage_errors_name_the_path_or_flag() {
    let Some(python) = python() else { return };
    let dir = tmp();
    let d = dir.path();
    py(
        &python,
        d,
        r#"
a = zarr.create_array("a.zarr", shape=(10, 6), chunks=(4, 3), dtype="f8", zarr_format=3)
a[:] = 2.0
g = zarr.open_group("g.zarr", mode="w", zarr_format=3)
g.create_array("x", shape=(8,), chunks=(3,), dtype="f4")[:] = np.arange(8.0)
b = zarr.create_array("b.zarr", shape=(5,), chunks=(5,), dtype="bool", zarr_format=3)
"#,
    );
    let a = at(d, "a.zarr");
    // An output would replace a file, or a folder that is not a Zarr store.
    std::fs::write(d.join("file.zarr"), b"precious").unwrap();
    std::fs::create_dir(d.join("folder.zarr")).unwrap();
    std::fs::write(d.join("folder.zarr/notes.txt"), b"precious").unwrap();
    for target in ["file.zarr", "folder.zarr"] {
        let (code, err) = fails(&["grad", &a, "-o", &at(d, target)]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is not a Zarr store"), "{err}");
    }
    assert_eq!(std::fs::read(d.join("file.zarr")).unwrap(), b"precious");
    // --key is for groups; a group needs one.
    let (code, err) = fails(&["grad", &a, "--key", "x", "-o", &at(d, "o.zarr")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--key x") && err.contains("not a group"),
        "{err}"
    );
    let (code, err) = fails(&["grad", &at(d, "g.zarr"), "-o", &at(d, "o.zarr")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("choose one with --key NAME") && err.contains("(x)"),
        "{err}"
    );
    ok(&[
        "grad",
        &at(d, "g.zarr"),
        "--key",
        "x",
        "-o",
        &at(d, "x.zarr"),
    ]);
    // Types ndgrad does not differentiate, and stores that are not there.
    let (code, err) = fails(&["grad", &at(d, "b.zarr"), "-o", &at(d, "o.zarr")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("dtype bool"), "{err}");
    let (code, err) = fails(&["grad", &at(d, "none.zarr"), "-o", &at(d, "o.zarr")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("none.zarr"), "{err}");
    // A Zarr output is refused where a table is streamed.
    let (code, err) = fails(&["grad", &a, "-o", &at(d, "o.csv"), "--memory-limit", "64M"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--memory-limit"), "{err}");
    assert_eq!(leftovers(d), Vec::<String>::new());
    py(
        &python,
        d,
        r#"
same(zarr.open_array("x.zarr")[:], np.gradient(np.arange(8.0, dtype="f4")), "group member")
"#,
    );
}
