//! datetime64 coordinate files (`.npy` of dtype `M8[unit]`): the time elapsed since the
//! first sample in `--time-unit`, exactly NumPy's `(t - t[0]) / np.timedelta64(1, unit)`.
//!
//! NumPy computes that expression with both operands as int64 counts of the finer of the
//! two units (the greatest common divisor of their lengths), then divides once in float64;
//! so does this module. The core's dtype table has no datetimes: the header's `M8[...]` is
//! parsed here and the data read as int64 ticks (NaT is `i64::MIN`).

use std::path::Path;

use anyhow::{Result, anyhow, bail, ensure};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndgrad::ByteOrder;

use crate::codec;
use crate::npy::Header;
use crate::options::TimeUnit;

/// NumPy's "not a time".
const NAT: i64 = i64::MIN;

const ATTOSECONDS_PER_SECOND: i128 = 1_000_000_000_000_000_000;

/// The ticks of a datetime64 type string: their length and the data's byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticks {
    /// Attoseconds per tick; None for NumPy's generic unit (`M8`, only ever NaT).
    pub attoseconds: Option<i128>,
    pub order: ByteOrder,
}

/// The ticks of `descr` (`<M8[ns]`, `>M8[10s]`, `<M8`) if it is a datetime64 type string;
/// an error for units without a fixed length (months, years) or unknown ones.
pub fn ticks(descr: &str) -> Option<Result<Ticks>> {
    let (order, rest) = match descr.as_bytes().first() {
        Some(b'<') => (ByteOrder::Little, &descr[1..]),
        Some(b'>') => (ByteOrder::Big, &descr[1..]),
        Some(b'=' | b'|') => (ByteOrder::NATIVE, &descr[1..]),
        _ => (ByteOrder::NATIVE, descr),
    };
    let unit = rest.strip_prefix("M8")?;
    if unit.is_empty() {
        return Some(Ok(Ticks {
            attoseconds: None,
            order,
        }));
    }
    Some(tick_length(unit).map(|attoseconds| Ticks {
        attoseconds: Some(attoseconds),
        order,
    }))
}

/// The length of one tick of a `[unit]` or `[<count><unit>]` suffix, in attoseconds.
fn tick_length(unit: &str) -> Result<i128> {
    let inner = unit
        .strip_prefix('[')
        .and_then(|u| u.strip_suffix(']'))
        .ok_or_else(|| anyhow!("'M8{unit}' is not a datetime64 type string"))?;
    let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
    let (count, name) = inner.split_at(digits);
    let count: i128 = if count.is_empty() {
        1
    } else {
        count
            .parse()
            .map_err(|_| anyhow!("datetime64[{inner}] has an unreadable tick count"))?
    };
    let s = ATTOSECONDS_PER_SECOND;
    let length = match name {
        "W" => 7 * 86_400 * s,
        "D" => 86_400 * s,
        "h" => 3_600 * s,
        "m" => 60 * s,
        "s" => s,
        "ms" => s / 1_000,
        "us" => s / 1_000_000,
        "ns" => s / 1_000_000_000,
        "ps" => 1_000_000,
        "fs" => 1_000,
        "as" => 1,
        "Y" | "M" => bail!(
            "datetime64[{inner}] counts {}, which have no fixed length; save the \
             coordinates as datetime64[D] or finer",
            if name == "Y" { "years" } else { "months" }
        ),
        _ => bail!("datetime64[{inner}] has a unit NumPy does not define"),
    };
    ensure!(count > 0, "datetime64[{inner}] has a tick count of 0");
    Ok(count * length)
}

/// The coordinates of the datetime64 `.npy` image `bytes` (with `header`, whose descr has
/// `ticks`): float64 time since the first sample (in memory order) in `unit`, in the
/// file's shape. Errors name `path` and, for NaT, its index.
pub fn coordinates(
    path: &Path,
    bytes: &[u8],
    header: &Header,
    ticks: Ticks,
    unit: TimeUnit,
) -> Result<ArrayD<f64>> {
    let data = &bytes[header.data_offset..];
    let need = header.len() * 8;
    ensure!(
        data.len() >= need,
        "{}: truncated: the header promises {need} bytes of data but the file holds {}",
        path.display(),
        data.len()
    );
    let values: Vec<i64> = codec::decode(&data[..need], ticks.order);
    let elapsed = elapsed(&values, ticks.attoseconds, unit)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let shape = IxDyn(&header.shape).set_f(header.fortran_order);
    Ok(ArrayD::from_shape_vec(shape, elapsed)?)
}

/// `(t - t[0]) / np.timedelta64(1, unit)` for ticks of `tick` attoseconds, as NumPy
/// computes it; an error for NaT (naming its index) or where NumPy's int64 arithmetic would
/// overflow.
pub fn elapsed(t: &[i64], tick: Option<i128>, unit: TimeUnit) -> Result<Vec<f64>> {
    if let Some(i) = t.iter().position(|&v| v == NAT) {
        bail!("NaT at index {i} of the datetime64 coordinates; drop or fill it");
    }
    let Some(&first) = t.first() else {
        return Ok(Vec::new());
    };
    let tick = tick.ok_or_else(|| anyhow!("datetime64 values without a unit"))?;
    let unit_length = i128::from(unit.nanoseconds()) * 1_000_000_000;
    // Both operands in the common (finer) unit: NumPy's metadata GCD.
    let common = gcd(tick, unit_length);
    let overflow = || anyhow!("the times overflow NumPy's int64 arithmetic in {unit} units");
    let scale = i64::try_from(tick / common).map_err(|_| overflow())?;
    let divisor = i64::try_from(unit_length / common).map_err(|_| overflow())? as f64;
    t.iter()
        .map(|&v| {
            let d = v
                .checked_sub(first)
                .and_then(|d| d.checked_mul(scale))
                .ok_or_else(overflow)?;
            Ok(d as f64 / divisor)
        })
        .collect()
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(descr: &str) -> i128 {
        ticks(descr).unwrap().unwrap().attoseconds.unwrap()
    }

    #[test]
    fn type_strings() {
        assert_eq!(tick("<M8[ns]"), 1_000_000_000);
        assert_eq!(tick(">M8[10s]"), 10 * ATTOSECONDS_PER_SECOND);
        assert_eq!(tick("<M8[250ms]"), ATTOSECONDS_PER_SECOND / 4);
        assert_eq!(tick("<M8[D]"), 86_400 * ATTOSECONDS_PER_SECOND);
        assert_eq!(ticks(">M8[us]").unwrap().unwrap().order, ByteOrder::Big);
        assert_eq!(ticks("<M8").unwrap().unwrap().attoseconds, None);
        assert!(ticks("<f8").is_none() && ticks("<m8[s]").is_none());
        for bad in ["<M8[M]", "<M8[Y]", "<M8[fortnight]", "<M8[0s]", "<M8[s"] {
            assert!(ticks(bad).unwrap().is_err(), "{bad}");
        }
    }

    #[test]
    fn numpys_expression() {
        // NUMERICS.md E8: 00:00, 00:10, 00:30, 01:30, 03:30 in ns, per hour.
        let minute = 60_000_000_000i64;
        let t = [0, 10, 30, 90, 210].map(|m| 1_704_067_200_000_000_000 + m * minute);
        let ns = Some(1_000_000_000);
        let hours = elapsed(&t, ns, TimeUnit::H).unwrap();
        assert_eq!(hours, [0.0, 1.0 / 6.0, 0.5, 1.5, 3.5]);
        // Seconds as ticks, minutes as the unit: the finer unit is the second.
        let s = Some(ATTOSECONDS_PER_SECOND);
        assert_eq!(
            elapsed(&[100, 130, 190], s, TimeUnit::Min).unwrap(),
            [0.0, 0.5, 1.5]
        );
        // Days as ticks, seconds as the unit: days are scaled to seconds in int64 first.
        let d = Some(86_400 * ATTOSECONDS_PER_SECOND);
        assert_eq!(
            elapsed(&[3, 4, 6], d, TimeUnit::S).unwrap(),
            [0.0, 86_400.0, 259_200.0]
        );
        // [10s] ticks in hours: common unit 10 s, divisor 360.
        let ten = Some(10 * ATTOSECONDS_PER_SECOND);
        assert_eq!(
            elapsed(&[0, 7, 360], ten, TimeUnit::H).unwrap(),
            [0.0, 7.0 / 360.0, 1.0]
        );
    }

    #[test]
    fn nat_and_overflow_are_errors() {
        let err = elapsed(&[0, 1, 2, NAT], Some(1), TimeUnit::S).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NaT at index 3 of the datetime64 coordinates; drop or fill it"
        );
        assert!(elapsed(&[NAT], None, TimeUnit::S).is_err());
        assert!(elapsed(&[], None, TimeUnit::S).unwrap().is_empty());
        let days = Some(86_400 * ATTOSECONDS_PER_SECOND);
        let err = elapsed(&[0, i64::MAX / 1000], days, TimeUnit::Ns).unwrap_err();
        assert!(err.to_string().contains("overflow"), "{err}");
    }
}
