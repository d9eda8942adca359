//! Zarr arrays (format 2 and 3, stores on disk) read and written chunk by chunk with the
//! `zarrs` crate.
//!
//! An input is an array, or an array in a group (`--key NAME`). Chunks are decoded several
//! at a time (on rayon's threads) and copied into slabs of whole rows of the array; a
//! missing chunk reads as the fill value, a chunk that cannot be decoded is an error naming
//! the store and the chunk. Outputs copy the input's format, chunk shape, memory order and
//! compressors ([`Template`]) and are written to a temporary directory next to the target,
//! renamed into place when complete ([`Writer`]).

mod describe;
mod grid;
mod stream;
mod template;
mod writer;

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{ArrayD, IxDyn};
use ndgrad::{DType, Element, GradientOptions, Parallelism, with_dtype};
use rayon::prelude::*;
use serde_json::Value;
use zarrs::array::{Array, ArrayBytes, ArrayError, CodecOptions};
use zarrs::filesystem::FilesystemStore;

use crate::UsageError;
use crate::array::AnyArray;
use crate::codec;
pub use describe::describe;
use grid::{Grid, copy_box};
pub use stream::{sink, source};
pub use template::Template;
pub use writer::{Writer, check_target, write};

/// The metadata files that make a directory a Zarr node.
const METADATA: [&str; 3] = ["zarr.json", ".zarray", ".zgroup"];

/// Whether `path` is a directory holding Zarr metadata (an array or a group).
pub fn is_store(path: &Path) -> bool {
    METADATA.iter().any(|m| path.join(m).is_file())
}

/// Threads worth decoding or encoding chunks on, as the call's `--threads` says.
pub fn threads(options: &GradientOptions) -> usize {
    match options.parallelism {
        Parallelism::Threads(n) => n.get(),
        Parallelism::Serial => 1,
        _ => rayon::current_num_threads(),
    }
}

/// What a Zarr node on disk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Array(u8),
    Group(u8),
}

/// The kind and format of the node at `path`, from its metadata file.
pub fn node(path: &Path) -> Result<Node> {
    let v3 = path.join("zarr.json");
    if v3.is_file() {
        let text = std::fs::read_to_string(&v3)
            .with_context(|| format!("cannot read {}", v3.display()))?;
        let json: Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not valid JSON", v3.display()))?;
        return match json["node_type"].as_str() {
            Some("array") => Ok(Node::Array(3)),
            Some("group") => Ok(Node::Group(3)),
            other => bail!(
                "{}: node_type {} is neither \"array\" nor \"group\"",
                v3.display(),
                other.unwrap_or("(none)")
            ),
        };
    }
    if path.join(".zarray").is_file() {
        return Ok(Node::Array(2));
    }
    if path.join(".zgroup").is_file() {
        return Ok(Node::Group(2));
    }
    if !path.exists() {
        bail!("cannot read {}: no such Zarr store", path.display());
    }
    bail!(
        "{}: not a Zarr array or group (no zarr.json, .zarray or .zgroup in it)",
        path.display()
    )
}

/// The arrays directly inside the group at `path`, sorted.
pub fn members(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| matches!(node(&e.path()), Ok(Node::Array(_))))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// A Zarr array open for reading.
pub struct Reader {
    /// The array as messages name it: the store, and the array's key in a group.
    name: String,
    array: Array<FilesystemStore>,
    pub dtype: DType,
    grid: Grid,
    /// Chunks decoded at once.
    lanes: usize,
    options: CodecOptions,
}

impl Reader {
    /// Opens the array at `path`, or array `key` of the group at `path`.
    pub fn open(path: &Path, key: Option<&str>) -> Result<Reader> {
        let (name, dir) = match (node(path)?, key) {
            (Node::Array(_), None) => (path.display().to_string(), path.to_path_buf()),
            (Node::Array(_), Some(k)) => {
                return Err(UsageError(format!(
                    "--key {k}: {} is a Zarr array, not a group; drop --key",
                    path.display()
                ))
                .into());
            }
            (Node::Group(_), key) => {
                let names = members(path);
                match key {
                    Some(k) if names.iter().any(|n| n == k) => {
                        (format!("{} (array '{k}')", path.display()), path.join(k))
                    }
                    Some(k) => bail!(
                        "{}: no array named '{k}'; the group holds: {}",
                        path.display(),
                        list(&names)
                    ),
                    None => bail!(
                        "{} is a Zarr group holding {} array(s) ({}); choose one with --key NAME",
                        path.display(),
                        names.len(),
                        list(&names)
                    ),
                }
            }
        };
        let array = open_array(&dir).with_context(|| name.clone())?;
        let dtype = dtype_of(&metadata_json(&array)).with_context(|| name.clone())?;
        let grid = Grid {
            shape: array.shape().iter().map(|&n| n as usize).collect(),
            chunks: regular_chunks(&array).with_context(|| name.clone())?,
        };
        Ok(Reader {
            name,
            array,
            dtype,
            grid,
            lanes: rayon::current_num_threads(),
            options: CodecOptions::default().with_concurrent_target(1),
        })
    }

    pub fn shape(&self) -> &[usize] {
        &self.grid.shape
    }

    /// The outputs' metadata, like this array's.
    pub fn template(&self) -> Template {
        Template::like(&self.array)
    }

    /// Bytes of one decoded chunk.
    fn chunk_bytes(&self) -> usize {
        self.grid.chunk_len() * self.dtype.itemsize()
    }

    /// Decodes `lanes` chunks at once at most.
    fn set_lanes(&mut self, lanes: usize) {
        self.lanes = lanes.max(1);
    }

    /// Reads rows `first..` of the first axis (as many as `into` holds, every index of the
    /// other axes) into `into`, as this machine's values.
    pub fn read_rows(&self, first: usize, into: &mut [u8]) -> Result<()> {
        let item = self.dtype.itemsize();
        let per_row: usize = self.grid.shape.iter().skip(1).product();
        let rows = if self.grid.shape.is_empty() {
            0
        } else {
            into.len() / (per_row * item).max(1)
        };
        let slab = self.grid.slab_shape(rows);
        let parts = self.grid.parts(first..first + rows);
        for batch in parts.chunks(self.lanes) {
            let decoded: Vec<Result<Cow<'static, [u8]>>> =
                batch.par_iter().map(|p| self.decode(&p.chunk)).collect();
            for (part, chunk) in batch.iter().zip(decoded) {
                copy_box(
                    &chunk?,
                    &self.grid.chunks,
                    &part.in_chunk,
                    into,
                    &slab,
                    &part.in_slab,
                    &part.extent,
                    item,
                );
            }
        }
        Ok(())
    }

    /// One chunk, decoded (the fill value where the store has none).
    fn decode(&self, chunk: &[u64]) -> Result<Cow<'static, [u8]>> {
        let bytes = self
            .array
            .retrieve_chunk_opt::<ArrayBytes<'static>>(chunk, &self.options)
            .map_err(|e| self.chunk_error(chunk, e))?;
        bytes
            .into_fixed()
            .map_err(|_| anyhow!("{}: values of variable length", self.name))
    }

    fn chunk_error(&self, chunk: &[u64], e: ArrayError) -> anyhow::Error {
        let key = self.array.chunk_key(chunk);
        let what = match e {
            ArrayError::StorageError(_) => "cannot be read",
            _ => "cannot be decoded: the chunk is truncated or corrupt",
        };
        anyhow!(
            "{}: chunk {key} (chunk index {chunk:?}) {what} ({e})",
            self.name
        )
    }

    /// The whole array.
    pub fn read_all(&self) -> Result<AnyArray> {
        with_dtype!(self.dtype, T => self.read_all_as::<T>())
    }

    fn read_all_as<T: Element + Default>(&self) -> Result<AnyArray>
    where
        AnyArray: From<ArrayD<T>>,
    {
        let mut values = crate::memory::whole_array(&self.name, &self.grid.shape, T::default())?;
        if !values.is_empty() {
            self.read_rows(0, codec::bytes_mut(&mut values))?;
        }
        Ok(AnyArray::from(ArrayD::from_shape_vec(
            IxDyn(&self.grid.shape),
            values,
        )?))
    }
}

/// Reads a Zarr array (`key`: the array in a group) whole.
pub fn read(path: &Path, key: Option<&str>) -> Result<AnyArray> {
    Reader::open(path, key)?.read_all()
}

fn open_array(dir: &Path) -> Result<Array<FilesystemStore>> {
    let store = FilesystemStore::new(dir).map_err(|e| anyhow!("cannot open the store: {e}"))?;
    Array::open(Arc::new(store), "/").map_err(|e| anyhow!("cannot open the Zarr array: {e}"))
}

/// The array's metadata as JSON (format 2 or 3 fields).
fn metadata_json(array: &Array<FilesystemStore>) -> Value {
    serde_json::to_value(array.metadata()).unwrap_or(Value::Null)
}

/// The element type of an array with metadata `json`, if ndgrad differentiates it.
fn dtype_of(json: &Value) -> Result<DType> {
    let unsupported = |name: &str| {
        anyhow!(
            "dtype {name} is not a number type ndgrad differentiates (integers, float16/32/64, \
             complex64/128)"
        )
    };
    if let Some(descr) = json["dtype"].as_str() {
        return DType::parse_descr(descr)
            .map(|(d, _)| d)
            .map_err(|_| unsupported(descr));
    }
    let name = match &json["data_type"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let alias = match name.as_str() {
        "complex_float32" => "complex64",
        "complex_float64" => "complex128",
        n => n,
    };
    DType::from_name(alias).ok_or_else(|| unsupported(&name))
}

/// The chunk shape of a regular chunk grid.
fn regular_chunks(array: &Array<FilesystemStore>) -> Result<Vec<usize>> {
    let json = metadata_json(array);
    let chunks = match json.get("chunk_grid") {
        Some(grid) if grid["name"] == "regular" => &grid["configuration"]["chunk_shape"],
        Some(grid) => bail!(
            "chunk grid {} is not supported; ndgrad reads regular chunk grids",
            grid["name"]
        ),
        None => &json["chunks"],
    };
    let chunks: Vec<usize> = serde_json::from_value(chunks.clone())
        .map_err(|e| anyhow!("cannot read the chunk shape: {e}"))?;
    if chunks.len() != array.dimensionality() || chunks.contains(&0) {
        bail!("chunk shape {chunks:?} does not fit the array");
    }
    Ok(chunks)
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}
