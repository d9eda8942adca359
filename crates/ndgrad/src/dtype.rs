//! The one table of element types: for each type ndgrad computes, NumPy's name, type string
//! and item size, the type its gradient is stored in, and the dispatch from a runtime dtype
//! to the Rust type ([`with_dtype!`](crate::with_dtype)).
//!
//! Bindings, file readers and the command line read this table instead of keeping lists of
//! their own, so adding an element type means one row here, one arm in `with_dtype!` (the
//! compiler points at it: the match is exhaustive) and its promotion row in `element.rs`.

use std::fmt;

/// An element type ndgrad differentiates, named as NumPy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    F64,
    F32,
    F16,
    C128,
    C64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

/// One row of the table.
struct Row {
    dtype: DType,
    /// NumPy's name (`np.dtype(...).name`).
    name: &'static str,
    /// NumPy's kind character (`np.dtype(...).kind`).
    kind: u8,
    itemsize: usize,
    /// The dtype of the gradient (`np.gradient` computes integers in float64).
    output: DType,
}

const fn row(dtype: DType, name: &'static str, kind: u8, itemsize: usize, output: DType) -> Row {
    Row {
        dtype,
        name,
        kind,
        itemsize,
        output,
    }
}

/// The table, in [`DType::ALL`] order.
const TABLE: [Row; 13] = [
    row(DType::F64, "float64", b'f', 8, DType::F64),
    row(DType::F32, "float32", b'f', 4, DType::F32),
    row(DType::F16, "float16", b'f', 2, DType::F16),
    row(DType::C128, "complex128", b'c', 16, DType::C128),
    row(DType::C64, "complex64", b'c', 8, DType::C64),
    row(DType::I8, "int8", b'i', 1, DType::F64),
    row(DType::I16, "int16", b'i', 2, DType::F64),
    row(DType::I32, "int32", b'i', 4, DType::F64),
    row(DType::I64, "int64", b'i', 8, DType::F64),
    row(DType::U8, "uint8", b'u', 1, DType::F64),
    row(DType::U16, "uint16", b'u', 2, DType::F64),
    row(DType::U32, "uint32", b'u', 4, DType::F64),
    row(DType::U64, "uint64", b'u', 8, DType::F64),
];

/// Byte order of stored data, as a NumPy type string gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    /// The byte order of this machine (NumPy's `=`).
    pub const NATIVE: ByteOrder = if cfg!(target_endian = "little") {
        ByteOrder::Little
    } else {
        ByteOrder::Big
    };
}

impl DType {
    /// Every element type, in table order.
    pub const ALL: [DType; 13] = [
        DType::F64,
        DType::F32,
        DType::F16,
        DType::C128,
        DType::C64,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
    ];

    fn row(self) -> &'static Row {
        let row = &TABLE[self as usize];
        debug_assert_eq!(row.dtype, self, "TABLE is in DType::ALL order");
        row
    }

    /// NumPy's name: `float64`, `complex64`, `uint8`, ...
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// NumPy's kind character: `f`, `c`, `i` or `u`.
    pub fn kind(self) -> char {
        self.row().kind as char
    }

    /// Whether `v` is a value of this type exactly: any number for floating and complex
    /// types (rounded as NumPy rounds), a whole number in range for integers. A constant
    /// boundary's ghost samples are stored in the data's type, as `np.pad` stores them,
    /// and an integer type cannot hold NaN, fractions or values beyond its range.
    pub fn holds(self, v: f64) -> bool {
        let bits = 8 * self.itemsize() as i32;
        let (lo, hi) = match self.kind() {
            'i' => (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1)),
            'u' => (0.0, 2f64.powi(bits)),
            _ => return true,
        };
        // `hi` itself is one past the largest value (2^63 has no i64).
        v.fract() == 0.0 && v >= lo && v < hi
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        self.row().itemsize
    }

    /// The dtype of the gradient: the same for floating and complex types, `float64` for
    /// integers (NumPy converts them before differencing).
    pub fn output(self) -> DType {
        self.row().output
    }

    /// The type arithmetic runs in for data of this type with a spacing of `precision`
    /// (NumPy's promotion, NEP 50): e.g. `float32` data with a Python-float spacing compute
    /// in `float32`, with `float64` coordinates in `float64`; integers always in `float64`.
    pub fn compute(self, precision: crate::Precision) -> DType {
        crate::with_dtype!(self, T => <T as crate::Element>::compute_dtype(precision))
    }

    /// The dtype with NumPy's `kind` character and `itemsize`, if ndgrad computes it.
    pub fn from_kind(kind: char, itemsize: usize) -> Option<DType> {
        TABLE
            .iter()
            .find(|r| r.kind as char == kind && r.itemsize == itemsize)
            .map(|r| r.dtype)
    }

    /// The dtype with NumPy's name (`float64`, `int8`, ...).
    pub fn from_name(name: &str) -> Option<DType> {
        TABLE.iter().find(|r| r.name == name).map(|r| r.dtype)
    }

    /// Parses a NumPy type string such as `<f8`, `>i4`, `|u1` or `=c16` (as `.npy` headers
    /// and `dtype.str` write them) into a dtype and its byte order.
    ///
    /// # Errors
    /// [`UnsupportedDType`] naming the type string when it is not one of the table's.
    pub fn parse_descr(descr: &str) -> Result<(DType, ByteOrder), UnsupportedDType> {
        let unsupported = || UnsupportedDType(descr.to_string());
        let (order, code) = match descr.as_bytes().first() {
            Some(b'<') => (ByteOrder::Little, &descr[1..]),
            Some(b'>') => (ByteOrder::Big, &descr[1..]),
            Some(b'|' | b'=') => (ByteOrder::NATIVE, &descr[1..]),
            _ => (ByteOrder::NATIVE, descr),
        };
        let mut chars = code.chars();
        let kind = chars.next().ok_or_else(unsupported)?;
        let itemsize: usize = chars.as_str().parse().map_err(|_| unsupported())?;
        let dtype = DType::from_kind(kind, itemsize).ok_or_else(unsupported)?;
        Ok((dtype, order))
    }

    /// NumPy's little-endian type string, as written in `.npy` headers: `<f8`, `|u1`, ...
    pub fn descr(self) -> String {
        let order = if self.itemsize() == 1 { '|' } else { '<' };
        format!("{order}{}{}", self.kind(), self.itemsize())
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A NumPy type string ndgrad does not compute (bool, strings, datetimes, structured types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedDType(pub String);

impl fmt::Display for UnsupportedDType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self
            .0
            .trim_start_matches(['<', '>', '|', '='])
            .chars()
            .next()
        {
            Some('b') => "boolean data has no gradient (NumPy raises TypeError)",
            Some('M' | 'm') => "date-time data is differentiated by NumPy itself, not ndgrad",
            _ => "not a numeric type ndgrad differentiates",
        };
        write!(
            f,
            "dtype '{}': {what}; ndgrad reads float16/32/64, complex64/128 and integer data",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedDType {}

/// Runs `$body` with the type alias `$t` bound to the Rust element type of `dtype`
/// (a [`DType`]): the dispatch from a runtime dtype to compiled code, written once.
///
/// ```
/// use ndgrad::{DType, Element, with_dtype};
///
/// let size = with_dtype!(DType::C64, T => std::mem::size_of::<T>());
/// assert_eq!(size, 8);
/// let out = with_dtype!(DType::U16, T => <T as Element>::Output::DTYPE);
/// assert_eq!(out, DType::F64);
/// ```
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::DType::F64 => {
                type $t = f64;
                $body
            }
            $crate::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::DType::F16 => {
                type $t = $crate::f16;
                $body
            }
            $crate::DType::C128 => {
                type $t = $crate::Complex<f64>;
                $body
            }
            $crate::DType::C64 => {
                type $t = $crate::Complex<f32>;
                $body
            }
            $crate::DType::I8 => {
                type $t = i8;
                $body
            }
            $crate::DType::I16 => {
                type $t = i16;
                $body
            }
            $crate::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::DType::U8 => {
                type $t = u8;
                $body
            }
            $crate::DType::U16 => {
                type $t = u16;
                $body
            }
            $crate::DType::U32 => {
                type $t = u32;
                $body
            }
            $crate::DType::U64 => {
                type $t = u64;
                $body
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Element;

    #[test]
    fn dispatch_agrees_with_the_table() {
        for dtype in DType::ALL {
            let (own, output, size) = with_dtype!(dtype, T => (
                <T as Element>::DTYPE,
                <<T as Element>::Output as Element>::DTYPE,
                std::mem::size_of::<T>(),
            ));
            assert_eq!(own, dtype);
            assert_eq!(output, dtype.output());
            assert_eq!(size, dtype.itemsize());
            assert_eq!(DType::from_name(dtype.name()), Some(dtype));
            assert_eq!(
                DType::parse_descr(&dtype.descr()),
                Ok((
                    dtype,
                    if dtype.itemsize() == 1 {
                        ByteOrder::NATIVE
                    } else {
                        ByteOrder::Little
                    }
                ))
            );
        }
    }

    #[test]
    fn promotion_follows_nep_50() {
        use crate::Precision::{F16, F32, F64, Weak};
        assert_eq!(DType::F32.compute(Weak), DType::F32);
        assert_eq!(DType::F32.compute(F64), DType::F64);
        assert_eq!(DType::F16.compute(F32), DType::F32);
        assert_eq!(DType::F16.compute(F16), DType::F16);
        assert_eq!(DType::C64.compute(F64), DType::C128);
        assert_eq!(DType::C64.compute(Weak), DType::C64);
        assert_eq!(DType::U8.compute(F16), DType::F64);
        for dtype in DType::ALL {
            // Arithmetic never runs in a narrower type than the gradient is stored in.
            for p in [Weak, F16, F32, F64] {
                assert!(dtype.compute(p).itemsize() >= dtype.output().itemsize());
            }
        }
    }

    #[test]
    fn type_strings() {
        assert_eq!(DType::parse_descr(">i4"), Ok((DType::I32, ByteOrder::Big)));
        assert_eq!(
            DType::parse_descr("<c16"),
            Ok((DType::C128, ByteOrder::Little))
        );
        assert_eq!(DType::F16.descr(), "<f2");
        assert_eq!(DType::I8.descr(), "|i1");
        for bad in ["|b1", "<M8[ns]", "<U3", "", "<f", "<f3", "|V8"] {
            assert!(DType::parse_descr(bad).is_err(), "{bad}");
        }
        let e = DType::parse_descr("|b1").unwrap_err().to_string();
        assert!(e.contains("boolean"), "{e}");
    }
}
