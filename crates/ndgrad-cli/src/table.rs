//! CSV/TSV tables with a header: numeric columns, and an x column of numbers or ISO-8601
//! date-times.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::UsageError;
use crate::options::TimeUnit;

/// A table read from a CSV/TSV file.
#[derive(Debug, Clone)]
pub struct Table {
    /// The x column: its name, its cells as written, and its values as coordinates.
    pub x: Option<XColumn>,
    /// Numeric columns other than x, in file order.
    pub columns: Vec<(String, Vec<f64>)>,
}

#[derive(Debug, Clone)]
pub struct XColumn {
    pub name: String,
    pub cells: Vec<String>,
    pub values: Vec<f64>,
    /// The unit of `values` when they came from date-times.
    pub time_unit: Option<TimeUnit>,
}

/// An ISO-8601 date or date-time in nanoseconds since the epoch (UTC for offsets, as
/// written for naive times — like `numpy.datetime64`), and whether it had a UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub ns: i64,
    pub offset: bool,
}

/// Why a cell is not a [`Stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAStamp {
    NotADate,
    /// A date-time beyond nanoseconds in 64 bits (1677-09-21 to 2262-04-11).
    OutOfRange,
}

/// Parses an ISO-8601 date or date-time (see [`Stamp`]).
pub fn parse_datetime(cell: &str) -> Result<Stamp, NotAStamp> {
    let s = cell.trim();
    let ns = |t: Option<i64>, offset| {
        t.map(|ns| Stamp { ns, offset })
            .ok_or(NotAStamp::OutOfRange)
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return ns(t.timestamp_nanos_opt(), true);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return ns(t.and_utc().timestamp_nanos_opt(), false);
        }
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => ns(
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| t.and_utc().timestamp_nanos_opt()),
            false,
        ),
        Err(_) => Err(NotAStamp::NotADate),
    }
}

/// A number as NumPy's `float()` reads it (also `nan`, `inf`).
pub fn parse_number(cell: &str) -> Option<f64> {
    cell.trim().parse::<f64>().ok()
}

/// A cell of a value column: a number, or NaN when empty, which is how loggers and
/// `pandas.DataFrame.to_csv` write a missing reading (`--nan-policy` then decides what it
/// means). Coordinates get no such reading: a missing time or x is an error.
fn parse_value(cell: &str) -> Option<f64> {
    if cell.trim().is_empty() {
        Some(f64::NAN)
    } else {
        parse_number(cell)
    }
}

pub fn delimiter(path: &Path) -> u8 {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("tsv") | Some("tab") => b'\t',
        _ => b',',
    }
}

/// Reads a table; `x` names the coordinate column; `time_unit` scales date-times.
pub fn read(path: &Path, x: Option<&str>, time_unit: TimeUnit) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(path))
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header line", path.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    if header.iter().all(|h| h.trim().is_empty()) {
        bail!(
            "{}: no header line; a table starts with a line of column names",
            path.display()
        );
    }
    if let Some(x) = x
        && !header.iter().any(|h| h == x)
    {
        return Err(UsageError(format!(
            "{}: --x '{x}' is not a column; the columns are: {}",
            path.display(),
            header.join(", ")
        ))
        .into());
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), k + 2))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    if rows.is_empty() {
        bail!("{}: the table has a header but no rows", path.display());
    }
    let mut table = Table {
        x: None,
        columns: Vec::new(),
    };
    for (c, name) in header.iter().enumerate() {
        let cells: Vec<&str> = rows
            .iter()
            .map(|r| r.get(c).map_or("", String::as_str))
            .collect();
        if Some(name.as_str()) == x {
            table.x = Some(x_column(path, name, &cells, time_unit)?);
            continue;
        }
        // A column is numeric when its first non-empty cell is a number; then every cell
        // must be a number or empty.
        match cells.iter().find(|c| !c.trim().is_empty()) {
            Some(first) if parse_number(first).is_some() => {}
            _ => continue,
        }
        let values = cells
            .iter()
            .enumerate()
            .map(|(r, cell)| {
                parse_value(cell).with_context(|| {
                    format!(
                        "{}: line {}, column '{name}': '{cell}' is not a number",
                        path.display(),
                        r + 2
                    )
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        table.columns.push((name.clone(), values));
    }
    if table.columns.is_empty() {
        bail!("{}: no numeric column to differentiate", path.display());
    }
    Ok(table)
}

fn x_column(path: &Path, name: &str, cells: &[&str], unit: TimeUnit) -> Result<XColumn> {
    // Said first: otherwise one empty cell among numbers reads as a failed date-time.
    if let Some(r) = cells.iter().position(|c| c.trim().is_empty()) {
        bail!(
            "{}: line {}, column '{name}' is empty; a coordinate cannot be missing (drop the row)",
            path.display(),
            r + 2
        );
    }
    let numbers: Option<Vec<f64>> = cells.iter().map(|c| parse_number(c)).collect();
    if let Some(values) = numbers {
        return Ok(XColumn {
            name: name.to_string(),
            cells: cells.iter().map(|c| c.to_string()).collect(),
            values,
            time_unit: None,
        });
    }
    let mut ns = Vec::with_capacity(cells.len());
    let mut first_offset = None;
    for (r, cell) in cells.iter().enumerate() {
        let at = format!("{}: line {}, column '{name}'", path.display(), r + 2);
        let t = match parse_datetime(cell) {
            Ok(t) => t,
            Err(NotAStamp::OutOfRange) => bail!(
                "{at}: '{cell}' is outside the date-times ndgrad reads, 1677-09-21 to \
                 2262-04-11 (nanoseconds in 64 bits, as datetime64[ns] and pandas)"
            ),
            Err(NotAStamp::NotADate) if parse_number(cell).is_some() => bail!(
                "{at}: '{cell}' is a number in a column of date-times; use one kind throughout"
            ),
            Err(NotAStamp::NotADate) => {
                bail!("{at}: '{cell}' is neither a number nor an ISO-8601 date-time")
            }
        };
        // Times with and without a UTC offset cannot be ordered against each other.
        match first_offset {
            None => first_offset = Some(t.offset),
            Some(o) if o != t.offset => bail!(
                "{at}: '{cell}' {} but line 2 {}; give every time in the same form",
                if t.offset {
                    "has a UTC offset"
                } else {
                    "has no UTC offset"
                },
                if o { "has one" } else { "has none" }
            ),
            Some(_) => {}
        }
        ns.push(t.ns);
    }
    // Elapsed time since the first sample, in the unit: what NumPy gives for
    // `(t - t[0]) / np.timedelta64(1, unit)` on datetime64[ns] values.
    let unit_ns = unit.nanoseconds() as f64;
    let values = ns.iter().map(|&t| (t - ns[0]) as f64 / unit_ns).collect();
    Ok(XColumn {
        name: name.to_string(),
        cells: cells.iter().map(|c| c.to_string()).collect(),
        values,
        time_unit: Some(unit),
    })
}

/// The name of column `name`'s derivative of order `deriv` against `x` (or per row):
/// `da/dt`, `d2a/dt2`, `da`, `d2a`.
pub fn derivative_name(name: &str, x: Option<&str>, deriv: u8) -> String {
    let order = if deriv > 1 {
        deriv.to_string()
    } else {
        String::new()
    };
    match x {
        Some(x) => format!("d{order}{name}/d{x}{order}"),
        None => format!("d{order}{name}"),
    }
}

/// Writes the derivative table: the x column as read (if any) and the derivative of order
/// `deriv` of each column ([`derivative_name`]).
pub fn write(
    w: &mut impl std::io::Write,
    delimiter: u8,
    x: Option<&XColumn>,
    deriv: u8,
    derivatives: &[(String, Vec<f64>)],
) -> Result<()> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(w);
    let mut header: Vec<String> = Vec::new();
    if let Some(x) = x {
        header.push(x.name.clone());
    }
    for (name, _) in derivatives {
        header.push(derivative_name(name, x.map(|x| x.name.as_str()), deriv));
    }
    out.write_record(&header)?;
    let rows = derivatives.first().map_or(0, |d| d.1.len());
    for r in 0..rows {
        let mut record: Vec<String> = Vec::with_capacity(header.len());
        if let Some(x) = x {
            record.push(x.cells[r].clone());
        }
        record.extend(derivatives.iter().map(|(_, v)| format_number(v[r])));
        out.write_record(&record)?;
    }
    out.flush()?;
    Ok(())
}

/// The shortest text that reads back to the same `f64` (like NumPy's `repr`).
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v:?}")
    }
}
