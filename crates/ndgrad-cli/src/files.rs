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
                return Err(UsageError(format!(
                    "{}: unknown file type '.{ext}'; use .npy, .npz, .zarr, .csv, .tsv, .png, \
                     .tif or .jpg",
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

/// Refuses to write an output over one of the inputs.
pub fn refuse_overwrite(output: &Path, inputs: &[&Path]) -> Result<()> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let out = canon(output);
    for input in inputs {
        if canon(input) == out {
            return Err(UsageError(format!(
                "{}: the output would overwrite the input; choose another -o path",
                output.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// A temporary file next to `path` (same folder, so the final rename is atomic), removed
/// automatically unless [`publish`]ed.
pub fn temporary_for(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".ndgrad-")
        .suffix(".partial")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}

/// Renames a complete temporary file to `path`, with ordinary permissions (temporary files
/// are private, 0600).
pub fn publish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| e.error)
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
        fill(&mut w)?;
        w.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    publish(tmp, path)
}
