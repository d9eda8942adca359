//! `ndgrad info` for Zarr stores: an array's shape, dtype, chunks, format, codecs, memory
//! order and fill value, and how many of its chunks are stored; a group's arrays.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::grid::Grid;
use super::{METADATA, Node, members, metadata_json, node, open_array, regular_chunks};

/// Lines describing the Zarr array or group at `path`.
pub fn describe(path: &Path) -> Result<Vec<String>> {
    match node(path)? {
        Node::Group(version) => {
            let names = members(path);
            let mut lines = vec![
                format!(
                    "store:        {} (Zarr format {version} group)",
                    path.display()
                ),
                format!("arrays:       {}", names.len()),
            ];
            for name in names {
                let json = metadata_json(&open_array(&path.join(&name))?);
                lines.push(format!(
                    "  {name}: shape {}, dtype {}, chunks {}",
                    json["shape"],
                    dtype_text(&json),
                    chunk_text(&json)
                ));
            }
            Ok(lines)
        }
        Node::Array(version) => {
            let array = open_array(path).with_context(|| format!("{}", path.display()))?;
            let json = metadata_json(&array);
            let shape: Vec<usize> = array.shape().iter().map(|&n| n as usize).collect();
            let chunks = regular_chunks(&array).with_context(|| format!("{}", path.display()))?;
            let grid = Grid {
                shape: shape.clone(),
                chunks: chunks.clone(),
            };
            let total: usize = grid.counts().iter().product();
            let (stored, bytes) = stored_chunks(path);
            let elements: usize = shape.iter().product();
            let itemsize = array.data_type().fixed_size().unwrap_or(0);
            Ok(vec![
                format!(
                    "store:        {} (Zarr format {version} array; {stored} of {total} chunks \
                     stored, {bytes} bytes)",
                    path.display()
                ),
                format!("shape:        {shape:?}"),
                format!("dtype:        {}", dtype_text(&json)),
                format!(
                    "chunks:       {chunks:?} (a grid of {} chunks)",
                    match grid.counts().as_slice() {
                        [] => "1".to_string(),
                        counts => counts
                            .iter()
                            .map(|c| c.to_string())
                            .collect::<Vec<_>>()
                            .join(" x "),
                    }
                ),
                format!("codecs:       {}", codecs_text(&json)),
                format!("memory order: {}", order_text(&json)),
                format!(
                    "fill value:   {} (missing chunks read as this)",
                    match &json["fill_value"] {
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    }
                ),
                format!(
                    "size:         {elements} elements, {} bytes of data",
                    elements * itemsize
                ),
            ])
        }
    }
}

/// The dtype by its NumPy name, with the store's spelling where it differs.
fn dtype_text(json: &Value) -> String {
    match (&json["dtype"], &json["data_type"]) {
        (Value::String(descr), _) => match ndgrad::DType::parse_descr(descr) {
            Ok((d, _)) => format!("{} ('{descr}')", d.name()),
            Err(_) => format!("'{descr}'"),
        },
        (_, Value::String(name)) => name.clone(),
        (_, other) => other.to_string(),
    }
}

fn chunk_text(json: &Value) -> String {
    json.get("chunks")
        .or_else(|| json.pointer("/chunk_grid/configuration/chunk_shape"))
        .map_or_else(|| "?".into(), Value::to_string)
}

/// A codec as `name(key=value, ...)`.
fn codec_text(name: &str, config: &Value) -> String {
    let settings: Vec<String> = config
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "id" && k.as_str() != "name")
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            v => format!("{k}={v}"),
        })
        .collect();
    if settings.is_empty() {
        return name.to_string();
    }
    format!("{name}({})", settings.join(", "))
}

fn codecs_text(json: &Value) -> String {
    if let Some(codecs) = json["codecs"].as_array() {
        return codecs
            .iter()
            .map(|c| {
                let name = c.as_str().or(c["name"].as_str()).unwrap_or("?");
                codec_text(name, &c["configuration"])
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    // Format 2: filters, then the compressor.
    let mut parts: Vec<String> = json["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| codec_text(f["id"].as_str().unwrap_or("?"), f))
        .collect();
    parts.push(match &json["compressor"] {
        Value::Null => "no compressor".into(),
        c => codec_text(c["id"].as_str().unwrap_or("?"), c),
    });
    parts.join(", ")
}

fn order_text(json: &Value) -> String {
    if json["order"] == "F" {
        return "Fortran (column-major) within each chunk".into();
    }
    let transpose = json["codecs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "transpose");
    match transpose {
        Some(t) => format!(
            "transposed within each chunk (order {})",
            t["configuration"]["order"]
        ),
        None => "C (row-major)".into(),
    }
}

/// Chunk files under an array's directory (not its metadata), and their bytes.
fn stored_chunks(dir: &Path) -> (usize, u64) {
    let mut found = (0, 0);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            let (n, b) = stored_chunks(&path);
            found = (found.0 + n, found.1 + b);
        } else if !METADATA.contains(&name.as_str()) && name != ".zattrs" && name != ".zmetadata" {
            found.0 += 1;
            found.1 += entry.metadata().map_or(0, |m| m.len());
        }
    }
    found
}
