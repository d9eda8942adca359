//! Zarr outputs: one array, or a group of named arrays, written chunk by chunk into a
//! temporary directory next to the target and renamed into place when complete, so that a
//! failed or interrupted run leaves nothing behind.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use ndgrad::DType;
use rayon::prelude::*;
use tempfile::TempDir;
use zarrs::array::{Array, ArrayBytes, ArrayMetadataOptions, CodecOptions};
use zarrs::filesystem::FilesystemStore;

use super::grid::{Grid, copy_box};
use super::{Template, is_store};
use crate::UsageError;
use crate::array::{AnyArray, with_array};
use crate::codec;

/// Refuses a target that exists and is neither a Zarr store nor an empty directory (which
/// an output would replace).
pub fn check_target(target: &Path) -> Result<()> {
    let empty_dir = || {
        std::fs::read_dir(target)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
    };
    if target.exists() && !(target.is_dir() && (is_store(target) || empty_dir())) {
        return Err(UsageError(format!(
            "{}: exists and is not a Zarr store, which an output would replace; choose \
             another -o path",
            target.display()
        ))
        .into());
    }
    Ok(())
}

/// Output arrays being written.
pub struct Writer {
    target: PathBuf,
    dir: TempDir,
    arrays: Vec<Array<FilesystemStore>>,
    grid: Grid,
    item: usize,
    /// Chunks encoded at once.
    lanes: usize,
    options: CodecOptions,
}

impl Writer {
    /// An array of `shape` and `dtype` at `target` or, with `members`, a group of arrays of
    /// those names, with metadata from `template`.
    pub fn create(
        target: &Path,
        members: Option<&[String]>,
        shape: &[usize],
        dtype: DType,
        template: &Template,
    ) -> Result<Writer> {
        check_target(target)?;
        let parent = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = tempfile::Builder::new()
            .prefix(".ndgrad-")
            .suffix(".partial")
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a folder in {}", parent.display()))?;
        crate::cleanup::register(dir.path());
        let failed = |e: &dyn std::fmt::Display| anyhow!("cannot write {}: {e}", target.display());
        let store = Arc::new(FilesystemStore::new(dir.path()).map_err(|e| failed(&e))?);
        let metadata = template.metadata(shape, dtype)?;
        let paths: Vec<String> = match members {
            None => vec!["/".into()],
            Some(names) => {
                let (file, text) = match template.version() {
                    2 => (".zgroup", r#"{"zarr_format": 2}"#),
                    _ => (
                        "zarr.json",
                        r#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#,
                    ),
                };
                std::fs::write(dir.path().join(file), text).map_err(|e| failed(&e))?;
                names.iter().map(|n| format!("/{n}")).collect()
            }
        };
        let no_signature = ArrayMetadataOptions::default().with_include_zarrs_metadata(false);
        let mut arrays = Vec::with_capacity(paths.len());
        for path in &paths {
            let array = Array::new_with_metadata(store.clone(), path, metadata.clone())
                .map_err(|e| failed(&e))?;
            array
                .store_metadata_opt(&no_signature)
                .map_err(|e| failed(&e))?;
            arrays.push(array);
        }
        Ok(Writer {
            target: target.to_path_buf(),
            dir,
            arrays,
            grid: Grid {
                shape: shape.to_vec(),
                chunks: template.chunks(shape, dtype),
            },
            item: dtype.itemsize(),
            lanes: rayon::current_num_threads(),
            options: CodecOptions::default().with_concurrent_target(1),
        })
    }

    /// Rows of a chunk along the first axis: slabs written are multiples of it.
    pub fn chunk_rows(&self) -> usize {
        self.grid.chunks.first().copied().unwrap_or(1)
    }

    /// Bytes of one chunk.
    pub fn chunk_bytes(&self) -> usize {
        self.grid.chunk_len() * self.item
    }

    /// Encodes `lanes` chunks at once at most.
    pub fn set_lanes(&mut self, lanes: usize) {
        self.lanes = lanes.max(1);
    }

    /// Writes rows `start..` of output `k` (whole chunks along the first axis, this
    /// machine's values as bytes), chunk by chunk. Values beyond the array's end in its last
    /// chunks are 0, the fill value; chunks of the fill value alone are not stored.
    pub fn write_rows(&self, k: usize, start: usize, rows: &[u8]) -> Result<()> {
        let per_row: usize = self.grid.shape.iter().skip(1).product();
        let n = if self.grid.shape.is_empty() {
            0
        } else {
            rows.len() / (per_row * self.item).max(1)
        };
        let slab = self.grid.slab_shape(n);
        let parts = self.grid.parts(start..start + n);
        let array = &self.arrays[k];
        for batch in parts.chunks(self.lanes) {
            batch.par_iter().try_for_each(|p| {
                debug_assert!(p.in_chunk.iter().all(|&i| i == 0), "whole chunks");
                let mut chunk = vec![0u8; self.chunk_bytes()];
                copy_box(
                    rows,
                    &slab,
                    &p.in_slab,
                    &mut chunk,
                    &self.grid.chunks,
                    &p.in_chunk,
                    &p.extent,
                    self.item,
                );
                array
                    .store_chunk_opt(&p.chunk, ArrayBytes::new_flen(chunk), &self.options)
                    .map_err(|e| {
                        anyhow!(
                            "cannot write chunk {} of {}: {e}",
                            array.chunk_key(&p.chunk),
                            self.target.display()
                        )
                    })
            })?;
        }
        Ok(())
    }

    /// Renames the complete store to the target, replacing a store there.
    pub fn publish(self) -> Result<()> {
        let temporary = self.dir.path().to_path_buf();
        let done = self.replace_target();
        // In place, or (on an error) removed with the dropped temporary folder.
        crate::cleanup::forget(&temporary);
        done
    }

    fn replace_target(self) -> Result<()> {
        let Writer {
            target,
            dir,
            arrays,
            ..
        } = self;
        drop(arrays);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755));
        }
        let failed = |e: std::io::Error| anyhow!("cannot write {}: {e}", target.display());
        if !target.exists() {
            return std::fs::rename(dir.path(), &target).map_err(failed);
        }
        // Move the old store aside (onto an empty directory of our own), put the new one in
        // its place, then remove the old one.
        let parent = dir.path().parent().unwrap_or(Path::new(".")).to_path_buf();
        let aside = tempfile::Builder::new()
            .prefix(".ndgrad-old-")
            .tempdir_in(&parent)
            .map_err(failed)?;
        std::fs::rename(&target, aside.path()).map_err(failed)?;
        if let Err(e) = std::fs::rename(dir.path(), &target) {
            // Put the old store back; never remove it while it is not in its place.
            let old = aside.keep();
            let _ = std::fs::rename(&old, &target);
            return Err(failed(e));
        }
        // Dropping `aside` removes the old store; `dir` is gone from its temporary name.
        drop(aside);
        Ok(())
    }
}

/// Writes arrays of one shape and dtype: one as an array at `path`, several as a group of
/// arrays named as given.
pub fn write(path: &Path, arrays: &[(String, AnyArray)], template: &Template) -> Result<()> {
    let Some((_, first)) = arrays.first() else {
        anyhow::bail!(
            "{}: nothing to write: no axis was differentiated (a 0-d array)",
            path.display()
        );
    };
    let names: Vec<String> = arrays.iter().map(|(n, _)| n.clone()).collect();
    let members = (arrays.len() > 1).then_some(names.as_slice());
    let writer = Writer::create(path, members, first.shape(), first.dtype(), template)?;
    for (k, (_, a)) in arrays.iter().enumerate() {
        with_array!(a, a => {
            let values = a.as_standard_layout();
            let values = values.as_slice().expect("standard layout is contiguous");
            writer.write_rows(k, 0, codec::bytes(values))
        })?;
    }
    writer.publish()
}
