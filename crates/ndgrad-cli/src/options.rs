//! Flag values checked by clap while it parses: a bad value is a usage error (exit code 2)
//! that names its flag, given before any file is opened, the same for every subcommand and
//! every path through it.

use std::fmt;
use std::num::NonZeroUsize;

use clap::ValueEnum;
use clap::builder::TypedValueParser;
use ndgrad::{Boundary, EdgeOrder, Side};

/// `--edge-order`: NumPy's `edge_order`. NumPy reads 0 and negative numbers as 2; the command
/// accepts only the two values that mean what they say.
pub fn edge_order() -> impl TypedValueParser<Value = EdgeOrder> {
    clap::value_parser!(i64).range(1..=2).map(|n| match n {
        1 => EdgeOrder::First,
        _ => EdgeOrder::Second,
    })
}

/// `--accuracy`: the order of accuracy, 2, 4, 6 or 8.
pub fn accuracy(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(p @ (2 | 4 | 6 | 8)) => Ok(p),
        _ => Err(format!("{text} is not supported; use 2, 4, 6 or 8")),
    }
}

/// `--deriv`: the order of the derivative, 1 to 4.
pub fn deriv(text: &str) -> Result<u8, String> {
    match text.trim().parse::<u8>() {
        Ok(k @ 1..=4) => Ok(k),
        _ => Err(format!("{text} is not supported; use 1, 2, 3 or 4")),
    }
}

/// The modes `--boundary` accepts, for messages.
const BOUNDARY_MODES: &str = "one-sided, periodic, reflect, constant:VALUE, or LEFT,RIGHT \
                              (two of one-sided, reflect, constant:VALUE)";

/// `--boundary`: `one-sided`, `periodic`, `reflect`, `constant:VALUE` (`constant` alone is
/// 0, like `np.pad`), or `LEFT,RIGHT`: one non-periodic mode per end, such as
/// `reflect,one-sided` or `constant:0,reflect`.
pub fn boundary(text: &str) -> Result<Boundary, String> {
    let t = text.trim();
    if let Some((left, right)) = t.split_once(',') {
        return match (side(left), side(right)) {
            (Ok(l), Ok(r)) => Ok(Boundary::Sides(l, r)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
    }
    match t {
        "periodic" => Ok(Boundary::Periodic { period: None }),
        _ => side(t).map(|s| match s {
            Side::OneSided => Boundary::OneSided,
            Side::Reflect => Boundary::Reflect,
            Side::Constant(v) => Boundary::Constant(v),
        }),
    }
}

/// One end of a `--boundary LEFT,RIGHT` pair (or a whole non-periodic mode).
fn side(text: &str) -> Result<Side, String> {
    let t = text.trim();
    let (name, value) = match t.split_once(':') {
        Some((name, value)) => (name.trim(), Some(value.trim())),
        None => (t, None),
    };
    match (name, value) {
        ("one-sided", None) => Ok(Side::OneSided),
        ("reflect", None) => Ok(Side::Reflect),
        ("constant", None) => Ok(Side::Constant(0.0)),
        ("constant", Some(v)) => v.parse::<f64>().map(Side::Constant).map_err(|_| {
            format!(
                "'{v}' in '{t}' is not a number; write the value like constant:0 or constant:-1.5"
            )
        }),
        ("periodic", None) => Err(
            "'periodic' joins both ends, so it cannot be one side of a LEFT,RIGHT pair; give \
             --boundary periodic alone"
                .to_string(),
        ),
        _ => {
            let hint = match name {
                "wrap" => " (np.pad's 'wrap' is periodic)",
                "mirror" => " (np.pad's 'reflect', which mirrors about the end sample, is reflect)",
                _ => "",
            };
            Err(format!(
                "'{t}' is not a boundary mode{hint}; use {BOUNDARY_MODES}"
            ))
        }
    }
}

/// Whether a boundary keeps NumPy's one-sided differences at both ends.
pub fn is_one_sided(b: Boundary) -> bool {
    matches!(
        b,
        Boundary::OneSided | Boundary::Sides(Side::OneSided, Side::OneSided)
    )
}

/// `--boundary` as written on the command line.
pub fn boundary_text(b: Boundary) -> String {
    fn side(s: Side) -> String {
        match s {
            Side::OneSided => "one-sided".into(),
            Side::Reflect => "reflect".into(),
            Side::Constant(v) => format!("constant:{v}"),
        }
    }
    match b {
        Boundary::OneSided => "one-sided".into(),
        Boundary::Periodic { .. } => "periodic".into(),
        Boundary::Reflect => "reflect".into(),
        Boundary::Constant(v) => format!("constant:{v}"),
        Boundary::Sides(l, r) => format!("{},{}", side(l), side(r)),
    }
}

/// `--period`: the length of one cycle of a periodic axis (a positive number), or `none`
/// for an axis whose period is implied by its spacing, or that is not periodic.
pub fn period(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 => Ok(Some(p)),
        _ => Err(format!(
            "{text} is not a period; give the length of one cycle, a positive number such as \
             360, or none"
        )),
    }
}

/// `--threads`: a count of worker threads, at least 1.
pub fn threads(text: &str) -> Result<NonZeroUsize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| "give a whole number of threads, such as 4".to_string())?;
    if n > ndgrad::MAX_THREADS {
        return Err(format!(
            "at most {} threads; more than the cores only slow the start (this machine has {})",
            ndgrad::MAX_THREADS,
            std::thread::available_parallelism().map_or(1, |c| c.get())
        ));
    }
    NonZeroUsize::new(n).ok_or_else(|| "give at least 1 thread".to_string())
}

/// A size in bytes as `--memory-limit` takes it: `2G`, `16M`, `1536K`, or bytes.
pub fn size_text(bytes: usize) -> String {
    match bytes {
        0 => "0".into(),
        b if b % (1 << 30) == 0 => format!("{}G", b >> 30),
        b if b % (1 << 20) == 0 => format!("{}M", b >> 20),
        b if b % (1 << 10) == 0 => format!("{}K", b >> 10),
        b => b.to_string(),
    }
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

/// `--nan-policy`: what NaN samples mean (the core's [`ndgrad::NanPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum NanPolicy {
    /// NaN spoils the derivatives that read it (NumPy's behaviour)
    #[default]
    Propagate,
    /// NaN samples are missing: derivatives reach across gaps to the nearest valid samples
    Omit,
    /// NaN cuts lanes into runs, each differentiated on its own (one-sided at the cuts)
    Split,
    /// Any NaN is an error naming its index
    Raise,
}

impl From<NanPolicy> for ndgrad::NanPolicy {
    fn from(p: NanPolicy) -> Self {
        match p {
            NanPolicy::Propagate => ndgrad::NanPolicy::Propagate,
            NanPolicy::Omit => ndgrad::NanPolicy::Omit,
            NanPolicy::Split => ndgrad::NanPolicy::Split,
            NanPolicy::Raise => ndgrad::NanPolicy::Raise,
        }
    }
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
        for text in ["16M", "2G", "1536K", "1000"] {
            assert_eq!(size_text(size(text).unwrap()), text);
        }
    }

    #[test]
    fn accuracy_and_deriv_orders() {
        assert_eq!(accuracy("4"), Ok(4));
        assert!(accuracy("3").unwrap_err().contains("use 2, 4, 6 or 8"));
        assert!(accuracy("10").is_err());
        assert_eq!(deriv("4"), Ok(4));
        assert!(deriv("0").is_err() && deriv("5").is_err());
    }

    #[test]
    fn boundary_modes() {
        assert_eq!(boundary("one-sided"), Ok(Boundary::OneSided));
        assert_eq!(
            boundary("periodic"),
            Ok(Boundary::Periodic { period: None })
        );
        assert_eq!(boundary("reflect"), Ok(Boundary::Reflect));
        assert_eq!(boundary("constant:2.5"), Ok(Boundary::Constant(2.5)));
        assert_eq!(boundary("constant"), Ok(Boundary::Constant(0.0)));
        assert_eq!(
            boundary("reflect,one-sided"),
            Ok(Boundary::Sides(Side::Reflect, Side::OneSided))
        );
        assert_eq!(
            boundary("constant:-1, reflect"),
            Ok(Boundary::Sides(Side::Constant(-1.0), Side::Reflect))
        );
        assert!(boundary("wrap").unwrap_err().contains("periodic"));
        assert!(boundary("periodic,reflect").is_err());
        assert!(boundary("constant:x").is_err());
        assert!(boundary("reflect,").is_err());
        for b in [
            "one-sided",
            "periodic",
            "reflect",
            "constant:2.5",
            "reflect,constant:-1",
        ] {
            assert_eq!(boundary_text(boundary(b).unwrap()), b);
        }
        assert!(is_one_sided(boundary("one-sided,one-sided").unwrap()));
        assert!(!is_one_sided(boundary("one-sided,reflect").unwrap()));
    }

    #[test]
    fn periods_are_positive_or_none() {
        assert_eq!(period("360"), Ok(Some(360.0)));
        assert_eq!(period("none"), Ok(None));
        assert!(period("0").is_err() && period("-1").is_err() && period("inf").is_err());
    }

    #[test]
    fn threads_are_positive_counts() {
        assert_eq!(threads("3").map(NonZeroUsize::get), Ok(3));
        assert!(threads("0").is_err());
        assert!(threads("-1").is_err());
        assert_eq!(threads("1024").map(NonZeroUsize::get), Ok(1024));
        assert!(
            threads("1025")
                .unwrap_err()
                .contains("at most 1024 threads")
        );
    }

    #[test]
    fn time_units_print_as_written() {
        assert_eq!(TimeUnit::Min.to_string(), "min");
        assert_eq!(TimeUnit::from_str("us", false), Ok(TimeUnit::Us));
    }
}
