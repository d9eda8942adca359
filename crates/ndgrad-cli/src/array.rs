//! Arrays of any dtype NumPy writes and ndgrad differentiates, as one enum.

use half::f16;
use ndarray::ArrayD;
use ndgrad::{Error, GradientOptions};
use num_complex::Complex;

/// A dynamically typed N-dimensional array.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyArray {
    F64(ArrayD<f64>),
    F32(ArrayD<f32>),
    F16(ArrayD<f16>),
    C128(ArrayD<Complex<f64>>),
    C64(ArrayD<Complex<f32>>),
    I8(ArrayD<i8>),
    I16(ArrayD<i16>),
    I32(ArrayD<i32>),
    I64(ArrayD<i64>),
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    U32(ArrayD<u32>),
    U64(ArrayD<u64>),
}

/// Applies `$body` to the inner array whatever its type.
macro_rules! with_array {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            AnyArray::F64($a) => $body,
            AnyArray::F32($a) => $body,
            AnyArray::F16($a) => $body,
            AnyArray::C128($a) => $body,
            AnyArray::C64($a) => $body,
            AnyArray::I8($a) => $body,
            AnyArray::I16($a) => $body,
            AnyArray::I32($a) => $body,
            AnyArray::I64($a) => $body,
            AnyArray::U8($a) => $body,
            AnyArray::U16($a) => $body,
            AnyArray::U32($a) => $body,
            AnyArray::U64($a) => $body,
        }
    };
}

impl AnyArray {
    /// NumPy's name of the dtype (`float64`, `complex64`, `uint8`, ...).
    pub fn dtype(&self) -> &'static str {
        match self {
            AnyArray::F64(_) => "float64",
            AnyArray::F32(_) => "float32",
            AnyArray::F16(_) => "float16",
            AnyArray::C128(_) => "complex128",
            AnyArray::C64(_) => "complex64",
            AnyArray::I8(_) => "int8",
            AnyArray::I16(_) => "int16",
            AnyArray::I32(_) => "int32",
            AnyArray::I64(_) => "int64",
            AnyArray::U8(_) => "uint8",
            AnyArray::U16(_) => "uint16",
            AnyArray::U32(_) => "uint32",
            AnyArray::U64(_) => "uint64",
        }
    }

    pub fn shape(&self) -> &[usize] {
        with_array!(self, a => a.shape())
    }

    /// The gradient along the requested axes, each output of NumPy's result dtype, paired
    /// with the (non-negative) axis it differentiates.
    pub fn gradient(
        &self,
        options: &GradientOptions,
        edge_order: i64,
    ) -> Result<Vec<(usize, AnyArray)>, Error> {
        macro_rules! run {
            ($a:expr, $wrap:path) => {{
                let plan = ndgrad::Plan::with_numpy_edge_order($a.shape(), options, edge_order)?;
                let outputs = plan.gradient($a.view())?.into_iter().map($wrap);
                Ok(plan.axes().into_iter().zip(outputs).collect())
            }};
        }
        match self {
            AnyArray::F64(a) => run!(a, AnyArray::F64),
            AnyArray::F32(a) => run!(a, AnyArray::F32),
            AnyArray::F16(a) => run!(a, AnyArray::F16),
            AnyArray::C128(a) => run!(a, AnyArray::C128),
            AnyArray::C64(a) => run!(a, AnyArray::C64),
            AnyArray::I8(a) => run!(a, AnyArray::F64),
            AnyArray::I16(a) => run!(a, AnyArray::F64),
            AnyArray::I32(a) => run!(a, AnyArray::F64),
            AnyArray::I64(a) => run!(a, AnyArray::F64),
            AnyArray::U8(a) => run!(a, AnyArray::F64),
            AnyArray::U16(a) => run!(a, AnyArray::F64),
            AnyArray::U32(a) => run!(a, AnyArray::F64),
            AnyArray::U64(a) => run!(a, AnyArray::F64),
        }
    }
}
