//! What an output array copies from the input: its Zarr format, chunk shape, memory order
//! and compressors. The output's dtype is its own (NumPy's result type), its fill value 0;
//! filters are dropped (they depend on the input's dtype and may be lossy); without a Zarr
//! input, zarr-python's defaults: format 3, zstd (level 0), chunks of about 1 MiB.

use anyhow::{Result, anyhow};
use ndgrad::DType;
use serde_json::{Value, json};
use zarrs::array::{Array, ArrayMetadata};
use zarrs::filesystem::FilesystemStore;

/// Bytes a default chunk holds at most.
const DEFAULT_CHUNK_BYTES: usize = 1 << 20;

/// The metadata outputs are made from.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// The input array's metadata (format 2 or 3), and how many of its (format 3) codecs
    /// act on arrays before the one that makes bytes; none without a Zarr input.
    like: Option<(Value, usize)>,
}

impl Template {
    /// Outputs like `array`.
    pub fn like(array: &Array<FilesystemStore>) -> Template {
        let json = serde_json::to_value(array.metadata()).unwrap_or(Value::Null);
        let filters = array.codecs().array_to_array_codecs().len();
        Template {
            like: Some((json, filters)),
        }
    }

    /// The Zarr format of the outputs.
    pub fn version(&self) -> u8 {
        match &self.like {
            Some((json, _)) if json["zarr_format"] == 2 => 2,
            _ => 3,
        }
    }

    /// The chunk shape of an output of `shape` and `dtype`.
    pub fn chunks(&self, shape: &[usize], dtype: DType) -> Vec<usize> {
        let copied = self.like.as_ref().and_then(|(json, _)| {
            let chunks = json
                .get("chunks")
                .or_else(|| json.pointer("/chunk_grid/configuration/chunk_shape"))?;
            serde_json::from_value::<Vec<usize>>(chunks.clone()).ok()
        });
        match copied {
            Some(c) if c.len() == shape.len() => c,
            _ => default_chunks(shape, dtype.itemsize()),
        }
    }

    /// The metadata of an output array of `shape` and `dtype`.
    pub fn metadata(&self, shape: &[usize], dtype: DType) -> Result<ArrayMetadata> {
        let chunks = self.chunks(shape, dtype);
        let zero = if dtype.kind() == 'c' {
            json!([0.0, 0.0])
        } else {
            json!(0.0)
        };
        let json = match &self.like {
            Some((input, _)) if self.version() == 2 => {
                let mut m = input.clone();
                m["shape"] = json!(shape);
                m["chunks"] = json!(chunks);
                m["dtype"] = json!(dtype.descr());
                m["fill_value"] = zero;
                m["filters"] = Value::Null;
                m["attributes"] = json!({});
                m
            }
            Some((input, filters)) => {
                let mut m = input.clone();
                m["shape"] = json!(shape);
                m["data_type"] = json!(dtype.name());
                m["fill_value"] = zero;
                m["codecs"] = json!(codecs_like(&input["codecs"], *filters, dtype));
                m["attributes"] = json!({});
                m["storage_transformers"] = json!([]);
                m
            }
            None => json!({
                "zarr_format": 3,
                "node_type": "array",
                "shape": shape,
                "data_type": dtype.name(),
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunks}},
                "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                "fill_value": zero,
                "codecs": [
                    {"name": "bytes", "configuration": {"endian": "little"}},
                    {"name": "zstd", "configuration": {"level": 0, "checksum": false}},
                ],
                "attributes": {},
            }),
        };
        serde_json::from_value(json).map_err(|e| anyhow!("cannot make the output's metadata: {e}"))
    }
}

/// The input's format 3 codecs for an output of `dtype`: transposes kept (the memory
/// order), other filters dropped, `bytes` (its byte order, little-endian where none is
/// given) or sharding kept as the codec that makes bytes (others replaced by `bytes`),
/// compressors and checksums kept (Blosc's type size set to the output's).
fn codecs_like(codecs: &Value, filters: usize, dtype: DType) -> Vec<Value> {
    let list = codecs.as_array().cloned().unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for (i, codec) in list.into_iter().enumerate() {
        // A codec is {"name": ..., "configuration": ...}, or its name alone.
        let name = codec
            .as_str()
            .or(codec["name"].as_str())
            .unwrap_or_default()
            .to_string();
        if i < filters {
            if name == "transpose" {
                out.push(codec);
            }
        } else if i == filters {
            out.push(match name.as_str() {
                "sharding_indexed" => codec,
                // One-byte inputs may leave the byte order out; outputs need it.
                _ => {
                    let endian = codec["configuration"]["endian"]
                        .as_str()
                        .unwrap_or("little")
                        .to_string();
                    json!({"name": "bytes", "configuration": {"endian": endian}})
                }
            });
        } else {
            let mut codec = codec;
            if name == "blosc" && codec["configuration"].get("typesize").is_some() {
                codec["configuration"]["typesize"] = json!(dtype.itemsize());
            }
            out.push(codec);
        }
    }
    out
}

/// Chunks of about [`DEFAULT_CHUNK_BYTES`] at most: whole rows of the array where they fit,
/// the outer axes halved first.
fn default_chunks(shape: &[usize], itemsize: usize) -> Vec<usize> {
    let mut chunks: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
    let bytes = |c: &[usize]| c.iter().product::<usize>() * itemsize;
    while bytes(&chunks) > DEFAULT_CHUNK_BYTES {
        match chunks.iter_mut().find(|c| **c > 1) {
            Some(c) => *c = c.div_ceil(2),
            None => break,
        }
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_chunks_cut_rows_first() {
        assert_eq!(default_chunks(&[3000, 2000], 8), [47, 2000]);
        assert_eq!(default_chunks(&[10, 6], 8), [10, 6]);
        assert_eq!(default_chunks(&[1, 1 << 20], 8), [1, 1 << 17]);
        assert_eq!(default_chunks(&[], 8), Vec::<usize>::new());
    }

    #[test]
    fn filters_are_dropped_and_compressors_kept() {
        let codecs = json!([
            {"name": "transpose", "configuration": {"order": [1, 0]}},
            {"name": "bitround", "configuration": {"keepbits": 10}},
            "packbits",
            {"name": "blosc", "configuration": {"typesize": 2, "cname": "lz4"}},
        ]);
        let out = codecs_like(&codecs, 2, DType::F64);
        let names: Vec<&str> = out.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["transpose", "bytes", "blosc"]);
        assert_eq!(out[2]["configuration"]["typesize"], 8);
    }
}
