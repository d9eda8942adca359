//! Flag values checked by clap while it parses: a bad value is a usage error (exit code 2)
//! that names its flag, given before any file is opened, the same for every subcommand and
//! every path through it.

use std::fmt;
use std::num::NonZeroUsize;

use clap::ValueEnum;
use clap::builder::TypedValueParser;
use ndgrad::EdgeOrder;

/// `--edge-order`: NumPy's `edge_order`. NumPy reads 0 and negative numbers as 2; the command
/// accepts only the two values that mean what they say.
pub fn edge_order() -> impl TypedValueParser<Value = EdgeOrder> {
    clap::value_parser!(i64).range(1..=2).map(|n| match n {
        1 => EdgeOrder::First,
        _ => EdgeOrder::Second,
    })
}

/// `--threads`: a count of worker threads, at least 1.
pub fn threads(text: &str) -> Result<NonZeroUsize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| "give a whole number of threads, such as 4".to_string())?;
    NonZeroUsize::new(n).ok_or_else(|| "give at least 1 thread".to_string())
}

/// `--memory-limit`: a size such as `512M`, `2G`, `1GiB` or `1048576`, in bytes (powers of
/// 1024).
pub fn size(text: &str) -> Result<usize, String> {
    let hint = || "use a size like 512M or 2G".to_string();
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024f64.powi(2),
        "g" | "gb" | "gib" => 1024f64.powi(3),
        "t" | "tb" | "tib" => 1024f64.powi(4),
        _ => return Err(hint()),
    };
    let value: f64 = number.parse().map_err(|_| hint())?;
    Ok((value * scale) as usize)
}

/// `--time-unit`: the unit date-time coordinates are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeUnit {
    Ns,
    Us,
    Ms,
    S,
    Min,
    H,
    D,
}

impl TimeUnit {
    /// Nanoseconds in one unit (`np.timedelta64(1, unit)` in `ns`).
    pub fn nanoseconds(self) -> i64 {
        match self {
            TimeUnit::Ns => 1,
            TimeUnit::Us => 1_000,
            TimeUnit::Ms => 1_000_000,
            TimeUnit::S => 1_000_000_000,
            TimeUnit::Min => 60_000_000_000,
            TimeUnit::H => 3_600_000_000_000,
            TimeUnit::D => 86_400_000_000_000,
        }
    }
}

impl fmt::Display for TimeUnit {
    /// The unit as written on the command line (`s`, `min`, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no unit is hidden");
        f.write_str(value.get_name())
    }
}

/// `--depth`: bits per sample of an image written by `edges`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Depth {
    #[value(name = "8")]
    Eight,
    #[value(name = "16")]
    Sixteen,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size("1048576"), Ok(1 << 20));
        assert_eq!(size("512M"), Ok(512 << 20));
        assert_eq!(size("2 GiB"), Ok(2 << 30));
        assert_eq!(size("1.5k"), Ok(1536));
        assert!(size("lots").is_err());
        assert!(size("12 parsecs").is_err());
    }

    #[test]
    fn threads_are_positive_counts() {
        assert_eq!(threads("3").map(NonZeroUsize::get), Ok(3));
        assert!(threads("0").is_err());
        assert!(threads("-1").is_err());
    }

    #[test]
    fn time_units_print_as_written() {
        assert_eq!(TimeUnit::Min.to_string(), "min");
        assert_eq!(TimeUnit::from_str("us", false), Ok(TimeUnit::Us));
    }
}
