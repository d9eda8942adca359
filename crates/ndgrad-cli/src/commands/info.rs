//! `ndgrad info`: what a file holds.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::say;
use crate::files::Format;
use crate::options::TimeUnit;
use crate::{images, npy, table, zarr};

/// Describe a file: shape, dtype, byte order, memory order, size (Zarr: chunks, codecs,
/// fill value).
#[derive(clap::Args)]
#[command(after_help = "Examples:
  ndgrad info field.npy
  ndgrad info results.npz
  ndgrad info field.zarr                 a Zarr array, or the arrays of a group
  ndgrad info photo.png")]
pub struct Args {
    /// File to describe: .npy, .npz, .zarr, .csv, .tsv, .png, .tif or .jpg
    pub file: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let path = &args.file;
    if Format::of(path)? == Format::Zarr {
        for line in zarr::describe(path)? {
            say(line)?;
        }
        return Ok(());
    }
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    say(format!("file:         {} ({bytes} bytes)", path.display()))?;
    match Format::of(path)? {
        Format::Npy => {
            let mut head = vec![0u8; 65_536];
            let mut f = std::fs::File::open(path)?;
            let n = f.read(&mut head)?;
            let header =
                npy::parse_header(&head[..n]).with_context(|| format!("{}", path.display()))?;
            describe_npy(&header, bytes)?;
        }
        Format::Npz => {
            let mut keys = npy::npz_keys(path)?;
            keys.sort();
            say(format!("arrays:       {}", keys.len()))?;
            for key in keys {
                let (_, a) = npy::read_npz(path, Some(&key))?;
                say(format!(
                    "  {key}: shape {:?}, dtype {}",
                    a.shape(),
                    a.dtype()
                ))?;
            }
        }
        Format::Image => {
            let (w, h) = image::image_dimensions(path)
                .with_context(|| format!("{}: not a readable image", path.display()))?;
            let color = image::ImageReader::open(path)?
                .with_guessed_format()?
                .decode()?
                .color();
            say(format!("image:        {w} x {h} pixels, {color:?}"))?;
            let f = images::read_luminance(path)?;
            say(format!(
                "as an array:  shape {:?}, dtype float64 (luminance of raw samples)",
                f.shape()
            ))?;
        }
        Format::Zarr => unreachable!("described above"),
        Format::Csv | Format::Tsv => {
            let t = table::read(path, None, TimeUnit::S)?;
            let rows = t.columns.first().map_or(0, |c| c.1.len());
            let names: Vec<&str> = t.columns.iter().map(|(n, _)| n.as_str()).collect();
            say(format!(
                "table:        {rows} rows; numeric columns: {}",
                names.join(", ")
            ))?;
        }
    }
    Ok(())
}

fn describe_npy(h: &npy::Header, file_bytes: u64) -> Result<()> {
    // Types ndgrad does not compute are still described: bool by name, others as written.
    let dtype = match h.dtype() {
        Ok((dtype, _)) => dtype.name(),
        Err(_) if h.kind() == "b1" => "bool",
        Err(_) => h.kind(),
    };
    let order = match h.descr.chars().next() {
        Some('<') => "little-endian",
        Some('>') => "big-endian",
        _ => "not applicable (1-byte items)",
    };
    let data = (h.len() * h.itemsize()) as u64;
    say(format!("shape:        {:?}", h.shape))?;
    say(format!("dtype:        {dtype} ('{}')", h.descr))?;
    say(format!("byte order:   {order}"))?;
    say(format!(
        "memory order: {}",
        if h.fortran_order {
            "Fortran (column-major)"
        } else {
            "C (row-major)"
        }
    ))?;
    say(format!(
        "size:         {} elements, {data} bytes of data",
        h.len()
    ))?;
    if file_bytes < h.data_offset as u64 + data {
        say(format!(
            "warning:      the file is truncated: it lacks {} bytes",
            h.data_offset as u64 + data - file_bytes
        ))?;
    }
    Ok(())
}
