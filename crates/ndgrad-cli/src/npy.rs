//! NumPy's `.npy` and `.npz` formats: every numeric dtype, both byte orders, C and Fortran
//! order on input; little-endian, C order on output.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndgrad::{ByteOrder, DType, Element, UnsupportedDType, with_dtype};

use crate::array::{AnyArray, with_array};
use crate::codec;

const MAGIC: &[u8] = b"\x93NUMPY";

/// The header fields of an `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// NumPy's type string, e.g. `<f8`, `>i4`, `|u1`.
    pub descr: String,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
    /// Byte offset of the data.
    pub data_offset: usize,
}

impl Header {
    pub fn kind(&self) -> &str {
        self.descr.trim_start_matches(['<', '>', '|', '='])
    }
    /// Bytes per element: the type string's count (`<f8` -> 8, `<M8[ns]` -> 8), four
    /// bytes per character for Unicode strings (`<U2` -> 8); 0 if there is none.
    pub fn itemsize(&self) -> usize {
        let kind = self.kind();
        let digits: String = kind
            .chars()
            .skip(1)
            .take_while(char::is_ascii_digit)
            .collect();
        let count: usize = digits.parse().unwrap_or(0);
        if kind.starts_with('U') {
            count.saturating_mul(4)
        } else {
            count
        }
    }
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// The element type and the byte order of the data, if ndgrad computes that type.
    pub fn dtype(&self) -> Result<(DType, ByteOrder), UnsupportedDType> {
        DType::parse_descr(&self.descr)
    }
}

/// Reads the header from the start of `bytes`.
pub fn parse_header(bytes: &[u8]) -> Result<Header> {
    ensure!(
        bytes.len() >= 10 && &bytes[..6] == MAGIC,
        "not a .npy file (no NumPy magic bytes)"
    );
    let major = bytes[6];
    let (len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            ensure!(bytes.len() >= 12, "truncated .npy header");
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => bail!("unsupported .npy format version {v}"),
    };
    ensure!(bytes.len() >= start + len, "truncated .npy header");
    let text =
        std::str::from_utf8(&bytes[start..start + len]).context("the .npy header is not text")?;
    // NumPy's header is a Python dict literal; a cut or garbled one is refused as NumPy does.
    let body = text.trim_end_matches(['\n', ' ', '\0']);
    ensure!(
        body.starts_with('{') && body.ends_with('}'),
        "the .npy header is not a complete dictionary (cut or corrupt)"
    );
    let field = |name: &str| -> Result<&str> {
        let key = format!("'{name}':");
        let at = text
            .find(&key)
            .with_context(|| format!("the .npy header has no '{name}'"))?;
        Ok(text[at + key.len()..].trim_start())
    };
    let descr = field("descr")?;
    ensure!(
        descr.starts_with('\''),
        "this .npy dtype is a structured type, not a number type"
    );
    let descr = descr[1..]
        .split('\'')
        .next()
        .unwrap_or_default()
        .to_string();
    let fortran_order = match field("fortran_order")? {
        t if t.starts_with("True") => true,
        t if t.starts_with("False") => false,
        _ => bail!("the .npy header's fortran_order is neither True nor False"),
    };
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .context("the .npy header's shape is not a tuple")?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .context("the .npy header's shape is not a tuple of integers")?;
    // A corrupt header must not make the sizes computed from it overflow, nor an array
    // type refuse it later: the lengths other than zero, times the largest item size, must
    // fit in an `isize` (ndarray's rule, which holds even for an empty array).
    let elements = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    ensure!(
        elements
            .and_then(|n| n.checked_mul(16))
            .is_some_and(|b| b <= isize::MAX as usize),
        "the .npy header's shape {shape:?} is too large to be real"
    );
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset: start + len,
    })
}

/// Decodes an `.npy` image in memory.
pub fn decode(bytes: &[u8]) -> Result<AnyArray> {
    let header = parse_header(bytes)?;
    let data = &bytes[header.data_offset..];
    let need = header.len() * header.itemsize();
    ensure!(
        data.len() >= need,
        "truncated: the header promises {need} bytes of data but the file holds {}",
        data.len()
    );
    let data = &data[..need];
    let (dtype, order) = header.dtype()?;
    let shape = IxDyn(&header.shape).set_f(header.fortran_order);
    Ok(with_dtype!(dtype, T => {
        AnyArray::from(ArrayD::from_shape_vec(shape, codec::decode::<T>(data, order))?)
    }))
}

/// Reads an `.npy` file.
pub fn read(path: &Path) -> Result<AnyArray> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    decode(&bytes).with_context(|| format!("{}", path.display()))
}

/// The header text NumPy writes for a C-ordered little-endian array.
pub fn header_bytes(descr: &str, shape: &[usize]) -> Vec<u8> {
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
    // Pad with spaces so the data starts at a multiple of 64 bytes, ending with a newline.
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Writes an array as `.npy` (little-endian, C order) to `w`.
pub fn write(w: &mut impl Write, a: &AnyArray) -> std::io::Result<()> {
    with_array!(a, a => write_typed(w, a))
}

fn write_typed<T: Element>(w: &mut impl Write, a: &ArrayD<T>) -> std::io::Result<()> {
    w.write_all(&header_bytes(&T::DTYPE.descr(), a.shape()))?;
    match a.as_slice() {
        Some(values) => codec::write_le(w, values),
        // Not in C order (e.g. the gradient of a Fortran-ordered file): element by element.
        None => codec::write_le_iter(w, a.iter()),
    }
}

/// The names of the arrays in an `.npz` archive.
pub fn npz_keys(path: &Path) -> Result<Vec<String>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{}: not a valid .npz (zip) archive", path.display()))?;
    Ok(archive
        .file_names()
        .filter_map(|n| n.strip_suffix(".npy").map(str::to_string))
        .collect())
}

/// Reads array `key` from an `.npz` archive; without a key, the archive must hold one array.
pub fn read_npz(path: &Path, key: Option<&str>) -> Result<(String, AnyArray)> {
    let mut keys = npz_keys(path)?;
    keys.sort();
    let key = match key {
        Some(k) if keys.iter().any(|x| x == k) => k.to_string(),
        Some(k) => bail!(
            "{}: no array named '{k}'; the archive holds: {}",
            path.display(),
            keys.join(", ")
        ),
        None if keys.len() == 1 => keys[0].clone(),
        None => bail!(
            "{} holds {} arrays ({}); choose one with --key NAME",
            path.display(),
            keys.len(),
            keys.join(", ")
        ),
    };
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{}: not a valid .npz (zip) archive", path.display()))?;
    let mut entry = archive.by_name(&format!("{key}.npy")).with_context(|| {
        format!(
            "{}: cannot read '{key}' (ndgrad reads members stored or deflated, as \
             np.savez and np.savez_compressed write them)",
            path.display()
        )
    })?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}: cannot read '{key}'", path.display()))?;
    let array = decode(&bytes).with_context(|| format!("{}: array '{key}'", path.display()))?;
    Ok((key, array))
}

/// Writes named arrays as an `.npz` archive (stored, uncompressed, like `np.savez`).
pub fn write_npz(w: impl Write + std::io::Seek, arrays: &[(String, AnyArray)]) -> Result<()> {
    let mut zip = zip::ZipWriter::new(StopAfterError {
        inner: w,
        failed: None,
    });
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for (name, a) in arrays {
        zip.start_file(format!("{name}.npy"), options)?;
        write(&mut zip, a)?;
    }
    zip.finish()?;
    Ok(())
}

/// A writer that, after its first error, accepts and drops everything (keeping a
/// position, so offsets stay consistent): a `ZipWriter` dropped after a failed write
/// finalizes the archive in its `Drop` and prints that second failure to stderr; the first
/// error has been returned already, and the temporary file is deleted.
struct StopAfterError<W> {
    inner: W,
    /// The position from the first error on.
    failed: Option<u64>,
}

impl<W: Write> Write for StopAfterError<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(pos) = &mut self.failed {
            *pos += buf.len() as u64;
            return Ok(buf.len());
        }
        self.inner.write(buf).inspect_err(|_| self.failed = Some(0))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed.is_some() {
            return Ok(());
        }
        self.inner.flush().inspect_err(|_| self.failed = Some(0))
    }
}

impl<W: std::io::Seek> std::io::Seek for StopAfterError<W> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        if let Some(pos) = &mut self.failed {
            *pos = match to {
                std::io::SeekFrom::Start(p) => p,
                std::io::SeekFrom::Current(d) | std::io::SeekFrom::End(d) => {
                    pos.saturating_add_signed(d)
                }
            };
            return Ok(*pos);
        }
        self.inner.seek(to).inspect_err(|_| self.failed = Some(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 1.0 header around `dict` (padded as NumPy pads it).
    fn with_dict(dict: &str) -> Vec<u8> {
        let mut text = dict.to_string();
        while !(10 + text.len() + 1).is_multiple_of(64) {
            text.push(' ');
        }
        text.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend([1, 0]);
        bytes.extend((text.len() as u16).to_le_bytes());
        bytes.extend(text.as_bytes());
        bytes
    }

    #[test]
    fn headers_numpy_refuses_are_refused() {
        let good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
        let h = parse_header(&with_dict(good)).unwrap();
        assert_eq!((h.shape.as_slice(), h.fortran_order), (&[2, 3][..], false));
        assert_eq!(parse_header(&header_bytes("<f8", &[4])).unwrap().shape, [4]);
        for (dict, why) in [
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), ",
                "dictionary",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 'yes', 'shape': (2, 3), }",
                "True nor False",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 10000000000000000000), }",
                "too large",
            ),
        ] {
            let err = parse_header(&with_dict(dict)).unwrap_err().to_string();
            assert!(err.contains(why), "{dict}: {err}");
        }
    }

    #[test]
    fn item_sizes_count_unicode_characters_and_ignore_time_units() {
        let size = |descr: &str| {
            Header {
                descr: descr.into(),
                fortran_order: false,
                shape: vec![],
                data_offset: 0,
            }
            .itemsize()
        };
        assert_eq!(size("<f8"), 8);
        assert_eq!(size("<U2"), 8);
        assert_eq!(size("|S3"), 3);
        assert_eq!(size("<M8[ns]"), 8);
        assert_eq!(size("|b1"), 1);
    }
}
