//! What the CLI's integration-test files share: running the real binary, and writing
//! `.npy` files byte by byte (the format NumPy writes, without going through the CLI's own
//! writer).

#![allow(dead_code)] // each test file uses its own part of this module

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use std::process::{Command, Output};

const EXE: &str = env!("CARGO_BIN_EXE_ndgrad");

/// Runs `ndgrad args...`.
pub fn ndgrad(args: &[&str]) -> Output {
    Command::new(EXE)
        .args(args)
        .output()
        .expect("the ndgrad binary runs")
}

/// Runs a call that must succeed; its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = ndgrad(args);
    assert!(
        out.status.success(),
        "ndgrad {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Runs a call that must fail cleanly: (exit code, stderr).
pub fn fails(args: &[&str]) -> (i32, String) {
    let out = ndgrad(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "ndgrad {args:?} should fail");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().expect("an exit code"), stderr)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A little-endian `.npy` (format 1.0, C order) of dtype `descr`, from raw element bytes.
pub fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
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
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// Writes float64 `values` of `shape` as `.npy`.
pub fn write_f64_npy(path: &Path, shape: &[usize], values: &[f64]) {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, npy_bytes("<f8", shape, &data)).unwrap();
}

/// Writes a float64 array as `.npy`.
pub fn write_f64(path: &Path, a: &ArrayD<f64>) {
    let data: Vec<u8> = a.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, npy_bytes("<f8", a.shape(), &data)).unwrap();
}

/// A float64 `.npy` image (header and data) as an array.
pub fn parse_f64(bytes: &[u8]) -> ArrayD<f64> {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(
        header.contains("'<f8'") && header.contains("'fortran_order': False"),
        "{header}"
    );
    let shape: Vec<usize> = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let count: usize = shape.iter().product();
    let values: Vec<f64> = bytes[10 + len..10 + len + 8 * count]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap()
}

/// A float64 `.npy` file as an array.
pub fn read_f64(path: &Path) -> ArrayD<f64> {
    parse_f64(&std::fs::read(path).unwrap())
}

/// Bit-for-bit equality (NaN included), with the shape.
pub fn same_bits(got: &ArrayD<f64>, want: &ArrayD<f64>) {
    assert_eq!(got.shape(), want.shape());
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        assert_eq!(g.to_bits(), w.to_bits(), "element {i}: {g} != {w}");
    }
}
