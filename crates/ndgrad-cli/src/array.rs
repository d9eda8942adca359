//! Arrays of any dtype NumPy writes and ndgrad differentiates, as one enum.

use ndarray::ArrayD;
use ndgrad::{Complex, DType, Element, Error, Plan, f16};

use crate::codec;

/// Declares [`AnyArray`], its conversions from typed arrays and `with_array!` from one list
/// of element types: the only one in the command. `$d` is a literal `$`, which the inner
/// macro's own variables need.
macro_rules! any_array {
    ($d:tt $($variant:ident($t:ty)),* $(,)?) => {
        /// A dynamically typed N-dimensional array.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyArray {
            $($variant(ArrayD<$t>),)*
        }

        $(impl From<ArrayD<$t>> for AnyArray {
            fn from(a: ArrayD<$t>) -> Self {
                AnyArray::$variant(a)
            }
        })*

        /// Applies `$body` to the inner array (bound to `$a`) whatever its element type.
        macro_rules! with_array {
            ($d value:expr, $d a:ident => $d body:expr) => {
                match $d value {
                    $($crate::array::AnyArray::$variant($d a) => $d body,)*
                }
            };
        }
        // Lets other modules `use crate::array::with_array`.
        pub(crate) use with_array;
    };
}

any_array!($
    F64(f64),
    F32(f32),
    F16(f16),
    C128(Complex<f64>),
    C64(Complex<f32>),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
);

/// The dtype of an array's elements (what a match arm's array cannot name by itself).
fn dtype_of<T: Element>(_: &ArrayD<T>) -> DType {
    T::DTYPE
}

impl AnyArray {
    pub fn dtype(&self) -> DType {
        with_array!(self, a => dtype_of(a))
    }

    pub fn shape(&self) -> &[usize] {
        with_array!(self, a => a.shape())
    }

    /// Integer arrays as float64, as NumPy converts integer coordinates; `None` for
    /// floating and complex arrays.
    pub fn integers_as_f64(&self) -> Option<ArrayD<f64>> {
        if !matches!(self.dtype().kind(), 'i' | 'u') {
            return None;
        }
        with_array!(self, a => Some(a.mapv(|v| {
            codec::integer_as_f64(v).expect("integer dtypes convert")
        })))
    }

    /// The gradient along the plan's axes, each output of NumPy's result dtype, paired with
    /// the (non-negative) axis it differentiates.
    pub fn gradient(&self, plan: &Plan) -> Result<Vec<(usize, AnyArray)>, Error> {
        with_array!(self, a => {
            let outputs = plan.gradient(a.view())?.into_iter().map(AnyArray::from);
            Ok(plan.axes().into_iter().zip(outputs).collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndgrad::with_dtype;

    #[test]
    fn every_core_dtype_has_a_variant() {
        for dtype in DType::ALL {
            let empty = with_dtype!(dtype, T => AnyArray::from(ArrayD::<T>::from_shape_vec(
                ndarray::IxDyn(&[0]),
                Vec::new(),
            )
            .expect("empty 1-D")));
            assert_eq!(empty.dtype(), dtype);
        }
    }
}
