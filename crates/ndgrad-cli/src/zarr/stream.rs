//! Zarr arrays as the streaming driver's source and sink: rows read a chunk row at a time,
//! outputs written in whole chunk rows, with as many chunks in flight as the memory limit
//! allows.

use std::path::Path;

use anyhow::Result;

use super::{Reader, Template, Writer};
use crate::UsageError;
use crate::stream::{Input, Output, Request, Sink, Source};

/// Chunks decoded or encoded at once: one per thread, as far as a quarter of the memory
/// limit holds them (`per_chunk` bytes each); at least one.
fn lanes(memory_limit: usize, per_chunk: usize, threads: usize) -> usize {
    (memory_limit / 4 / per_chunk.max(1)).clamp(1, threads.max(1))
}

/// Codec state per chunk in flight (compression contexts, buffers).
const CODEC_BYTES: usize = 256 << 10;

/// A Zarr array as a streamed input.
pub fn source(mut reader: Reader, memory_limit: usize, threads: usize) -> Result<Input> {
    // A chunk in flight: its encoded bytes, its decoded values and the codecs' copies.
    let per_chunk = 4 * reader.chunk_bytes() + CODEC_BYTES;
    let lanes = lanes(memory_limit, per_chunk, threads);
    reader.set_lanes(lanes);
    Ok(Input {
        shape: reader.shape().to_vec(),
        fortran: false,
        dtype: reader.dtype,
        granule: reader.grid.chunks.first().copied().unwrap_or(1),
        overhead: lanes * per_chunk,
        source: Box::new(reader),
    })
}

impl Source for Reader {
    fn read_rows(&mut self, first: usize, into: &mut [u8]) -> Result<()> {
        Reader::read_rows(self, first, into)
    }
}

/// Zarr outputs for a streamed gradient: an array for one axis, a group of arrays
/// `axis<k>` for several; like `template` (the Zarr input's) or zarr-python's defaults.
pub fn sink(
    output: &Path,
    request: &Request<'_>,
    template: Option<&Template>,
    memory_limit: usize,
    threads: usize,
) -> Result<Output> {
    if request.fortran {
        return Err(UsageError(format!(
            "{}: streaming a Fortran-ordered .npy file into a Zarr array is not supported; \
             drop --memory-limit, or write .npy outputs",
            output.display()
        ))
        .into());
    }
    let names: Vec<String> = request.axes.iter().map(|a| format!("axis{a}")).collect();
    let members = (names.len() > 1).then_some(names.as_slice());
    let default = Template::default();
    let template = template.unwrap_or(&default);
    let mut writer = Writer::create(output, members, request.shape, request.dtype, template)?;
    // A chunk in flight: its values, its encoded bytes and the codecs' copies.
    let per_chunk = 4 * writer.chunk_bytes() + CODEC_BYTES;
    let lanes = lanes(memory_limit, per_chunk, threads);
    writer.set_lanes(lanes);
    Ok(Output {
        granule: writer.chunk_rows(),
        overhead: lanes * per_chunk,
        sink: Box::new(writer),
    })
}

impl Sink for Writer {
    fn write_rows(&mut self, k: usize, start: usize, rows: &[u8]) -> Result<()> {
        Writer::write_rows(self, k, start, rows)
    }

    fn finish(self: Box<Self>) -> Result<()> {
        self.publish()
    }
}
