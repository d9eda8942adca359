//! Where files go: formats by extension, and outputs written whole or not at all.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::UsageError;

/// The file kinds ndgrad reads and writes, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Npy,
    Npz,
    Csv,
    Tsv,
    Image,
    /// A Zarr array or group: a directory (`.zarr`, or holding Zarr metadata).
    Zarr,
}

impl Format {
    pub fn is_table(self) -> bool {
        matches!(self, Format::Csv | Format::Tsv)
    }

    pub fn of(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        Ok(match ext.as_str() {
            "npy" => Format::Npy,
            "npz" => Format::Npz,
            "csv" => Format::Csv,
            "tsv" | "tab" => Format::Tsv,
            "png" | "tif" | "tiff" | "jpg" | "jpeg" => Format::Image,
            "zarr" => Format::Zarr,
            _ if crate::zarr::is_store(path) => Format::Zarr,
            _ => {
                let what = if ext.is_empty() {
                    "no file extension to tell the file type by".to_string()
                } else {
                    format!("unknown file type '.{ext}'")
                };
                return Err(UsageError(format!(
                    "{}: {what}; use .npy, .npz, .zarr, .csv, .tsv, .png, .tif or .jpg",
                    path.display()
                ))
                .into());
            }
        })
    }
}

/// `path`'s format, if `accepts` it; otherwise a usage error `PATH: <why>`.
pub fn require(path: &Path, accepts: impl Fn(Format) -> bool, why: &str) -> Result<Format> {
    let format = Format::of(path)?;
    if !accepts(format) {
        return Err(UsageError(format!("{}: {why}", path.display())).into());
    }
    Ok(format)
}

/// Refuses an output that would replace or change an input: the same file, an output
/// inside an input's directory (a Zarr store), an input inside the output's (a Zarr group
/// that replaces a whole store), or an input named like one of the per-axis files
/// `OUT.axis<k>.npy` that an `.npy` output of several axes becomes.
pub fn refuse_overwrite(output: &Path, inputs: &[&Path]) -> Result<()> {
    let out = resolved(output);
    for input in inputs {
        let input_path = resolved(input);
        let why = if input_path == out {
            "the output would overwrite the input"
        } else if out.starts_with(&input_path) {
            "the output would be written inside the input"
        } else if input_path.starts_with(&out) {
            "the output would replace the folder that holds the input"
        } else if is_axis_file_of(&out, &input_path) {
            "one output per axis (NAME.axis<k>.npy) would overwrite the input"
        } else {
            continue;
        };
        return Err(UsageError(format!(
            "{}: {why} {}; choose another -o path",
            output.display(),
            input.display()
        ))
        .into());
    }
    Ok(())
}

/// Where an input's data lives: the array `key` of a Zarr group is the folder `PATH/key`
/// (outputs beside it in the group are fine, over it or around it are not); any other
/// input is its file.
pub fn input_location(path: &Path, key: Option<&str>) -> PathBuf {
    match key {
        Some(k) if Format::of(path).is_ok_and(|f| f == Format::Zarr) => path.join(k),
        _ => path.to_path_buf(),
    }
}

/// Whether two paths name the same place (existing or not).
pub fn same_place(a: &Path, b: &Path) -> bool {
    resolved(a) == resolved(b)
}

/// `path` made absolute with links resolved, also where it does not exist yet (its nearest
/// existing folder resolved, the rest appended), so two spellings of one place compare equal.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut base = absolute.as_path();
    let mut rest = Vec::new();
    while let Some(parent) = base.parent() {
        if let Some(name) = base.file_name() {
            rest.push(name.to_os_string());
        }
        base = parent;
        if let Ok(found) = std::fs::canonicalize(base) {
            return rest.iter().rev().fold(found, |p, name| p.join(name));
        }
    }
    absolute
}

/// Whether `input` is `OUT.axis<k>.npy` next to the `.npy` output `out`.
fn is_axis_file_of(out: &Path, input: &Path) -> bool {
    let npy = |p: &Path| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if !npy(out) || !npy(input) || out.parent() != input.parent() {
        return false;
    }
    let (Some(stem), Some(name)) = (
        out.file_stem().and_then(|s| s.to_str()),
        input.file_stem().and_then(|s| s.to_str()),
    ) else {
        return false;
    };
    name.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix(".axis"))
        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

/// A temporary file next to `path` (same folder, so the final rename is atomic), removed
/// automatically unless [`publish`]ed.
pub fn temporary_for(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".ndgrad-")
        .suffix(".partial")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    crate::cleanup::register(tmp.path());
    Ok(tmp)
}

/// Renames a complete temporary file to `path`, with ordinary permissions (temporary files
/// are private, 0600).
pub fn publish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    let temporary = tmp.path().to_path_buf();
    let done = tmp.persist(path);
    // Renamed into place, or (on an error) removed with the dropped temporary file.
    crate::cleanup::forget(&temporary);
    done.map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes `path` through a temporary file in the same folder, renamed into place only when
/// `fill` succeeded: readers never see a half-written file, and a failure leaves nothing.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<&mut std::fs::File>) -> Result<()>,
) -> Result<()> {
    let mut tmp = temporary_for(path)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        // Every failure names the file (a full disk, say, is otherwise a bare OS message).
        fill(&mut w)
            .and_then(|()| Ok(w.flush()?))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    publish(tmp, path)
}
