//! `--spacing` values: numbers behave like Python floats, files like the arrays they hold.

mod datetime;

use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::ArrayD;
use ndgrad::{AxisSpacing, Coordinates, Spacing};

use crate::UsageError;
use crate::array::AnyArray;
use crate::files::Format;
use crate::options::TimeUnit;
use crate::{npy, table};

/// Whether a `--spacing` value names a file rather than a number.
pub fn is_file(value: &str) -> bool {
    value.parse::<f64>().is_err()
}

/// The spacing the values give, as NumPy reads `*varargs`, and the text naming each value
/// in errors; datetime64 coordinate files count `time_unit`s.
pub fn parse(values: &[String], time_unit: TimeUnit) -> Result<(Spacing, Vec<String>)> {
    let args = values
        .iter()
        .map(|v| match v.parse::<f64>() {
            Ok(h) => Ok(AxisSpacing::from(h)),
            Err(_) => coordinates(Path::new(v), time_unit).map(AxisSpacing::Coordinates),
        })
        .collect::<Result<Vec<_>>>()?;
    let from = values.iter().map(|v| format!("--spacing {v}")).collect();
    Ok((Spacing::from_varargs(args), from))
}

/// A coordinate file: `.npy` (float dtypes keep their precision; integers become float64,
/// as NumPy converts them; datetime64 becomes float64 time since the first sample in
/// `time_unit`) or text with one number per line (float64, like np.loadtxt).
fn coordinates(path: &Path, time_unit: TimeUnit) -> Result<Coordinates> {
    if !path.exists() {
        return Err(UsageError(format!(
            "--spacing '{}' is neither a number nor an existing coordinate file",
            path.display()
        ))
        .into());
    }
    if Format::of(path).ok() == Some(Format::Npy) {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let header = npy::parse_header(&bytes).with_context(|| format!("{}", path.display()))?;
        if let Some(ticks) = datetime::ticks(&header.descr) {
            let ticks = ticks.with_context(|| format!("{}", path.display()))?;
            let elapsed = datetime::coordinates(path, &bytes, &header, ticks, time_unit)?;
            return Ok(Coordinates::F64(elapsed));
        }
        let array = npy::decode(&bytes).with_context(|| format!("{}", path.display()))?;
        return Ok(match array {
            AnyArray::F64(a) => Coordinates::F64(a),
            AnyArray::F32(a) => Coordinates::F32(a),
            AnyArray::F16(a) => Coordinates::F16(a),
            other => match other.integers_as_f64() {
                Some(a) => Coordinates::F64(a),
                None => bail!(
                    "{}: coordinates of dtype {} are not supported",
                    path.display(),
                    other.dtype()
                ),
            },
        });
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let values = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(k, l)| {
            let mut cells = l.split([',', '\t']).map(str::trim);
            let cell = cells.next().unwrap_or("");
            if cells.any(|c| !c.is_empty()) {
                bail!(
                    "{}: line {}: more than one column; a coordinate file holds one number \
                     per line (for a table's column, use `ndgrad grad TABLE.csv --x NAME`)",
                    path.display(),
                    k + 1
                );
            }
            table::parse_number(cell).with_context(|| {
                format!(
                    "{}: line {}: '{cell}' is not a number",
                    path.display(),
                    k + 1
                )
            })
        })
        .collect::<Result<Vec<f64>>>()?;
    Ok(Coordinates::F64(ArrayD::from_shape_vec(
        ndarray::IxDyn(&[values.len()]),
        values,
    )?))
}
