//! What the CLI's integration-test files share: running the real binary, and writing
//! `.npy` files byte by byte (the format NumPy writes, without going through the CLI's own
//! writer).

#![allow(dead_code)] // each test file uses its own part of this module

use std::path::Path;
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
