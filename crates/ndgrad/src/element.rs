//! Element types: what an array may hold (storage), what arithmetic runs in (compute), and
//! how the two convert.
//!
//! NumPy separates three types, and bit-exactness needs all three:
//! - the *storage* type of the data (`f32`, `i16`, `Complex<f32>`, ...);
//! - the *coefficient* type the spacing arithmetic runs in (`2. * h`, `-1.5 / h`, the
//!   non-uniform `a, b, c`), which is the spacing's own dtype, or `f64` for a Python float;
//! - the *compute* type of `f[i+1] - f[i-1]` and friends: NumPy's promotion of the data's type
//!   with the spacing's (NEP 50), e.g. `f32` data with `f64` coordinates computes in `f64` and
//!   rounds to `f32` only when the result is stored.

use half::f16;
use num_complex::Complex;
use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::dtype::DType;
use crate::exec::{self, AxisKernel};
use crate::options::Precision;
use crate::plan::AxisStencil;

mod sealed {
    /// Implemented by ndgrad's element, real and compute types only.
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
    impl Sealed for half::f16 {}
    impl Sealed for num_complex::Complex<f32> {}
    impl Sealed for num_complex::Complex<f64> {}
    impl Sealed for i8 {}
    impl Sealed for i16 {}
    impl Sealed for i32 {}
    impl Sealed for i64 {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
}

/// A real floating type in which spacing and coefficient arithmetic runs.
///
/// Sealed: the kernels' exactness depends on every implementation, so only ndgrad's own
/// types implement it. Every `Real` converts to `f64` exactly, so coefficients travel as `f64` between the plan and
/// the kernels and are rounded at most once, into the compute type.
pub trait Real:
    sealed::Sealed
    + Copy
    + Send
    + Sync
    + PartialEq
    + Debug
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + 'static
{
    /// Significant bits (53, 24, 11): exact weights are rounded to this many.
    const BITS: u32;
    /// Round an `f64` to this type (round-to-nearest-even, like a C cast).
    fn from_f64(x: f64) -> Self;
    /// Widen to `f64`; always exact.
    fn to_f64(self) -> f64;
}

impl Real for f64 {
    const BITS: u32 = 53;
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    const BITS: u32 = 24;
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// `f64` to `f16` with one correct rounding (round to nearest, ties to even), as NumPy's
/// `npy_double_to_half`. Going through `f32` naively rounds twice (154.9374967 would become
/// 154.9375 and then 155 instead of 154.875). Rounding to `f32` *to odd* first keeps the
/// information the second rounding needs: `f32` has more than `f16`'s precision + 2 bits.
#[inline]
pub fn f16_from_f64(x: f64) -> f16 {
    let y = x as f32;
    if x.is_nan() || y as f64 == x {
        return f16::from_f32(y);
    }
    // Inexact: truncate toward zero, then set the last bit (the sticky bit).
    let mut bits = y.to_bits();
    if (y as f64).abs() > x.abs() {
        bits -= 1;
    }
    f16::from_f32(f32::from_bits(bits | 1))
}

impl Real for f16 {
    const BITS: u32 = 11;
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        f16_from_f64(x)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self.to_f64()
    }
}

/// Arithmetic of a compute type, in the exact form NumPy's ufunc loops evaluate it.
/// Sealed, like [`Real`].
pub trait Compute: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The real type of coefficients multiplying values of this type.
    type Real: Real;
    /// A divisor prepared once per axis (complex division precomputes a reciprocal).
    type Divisor: Copy + Send + Sync;

    fn divisor(d: Self::Real) -> Self::Divisor;
    fn sub(self, other: Self) -> Self;
    fn add(self, other: Self) -> Self;
    fn div(self, d: Self::Divisor) -> Self;
    /// `a * x` with `a` real: NumPy's `coefficient_array * f`.
    fn scale(a: Self::Real, x: Self) -> Self;
}

macro_rules! real_compute {
    ($t:ty) => {
        impl Compute for $t {
            type Real = $t;
            type Divisor = $t;
            #[inline(always)]
            fn divisor(d: $t) -> $t {
                d
            }
            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                self - other
            }
            #[inline(always)]
            fn add(self, other: Self) -> Self {
                self + other
            }
            #[inline(always)]
            fn div(self, d: $t) -> Self {
                self / d
            }
            #[inline(always)]
            fn scale(a: $t, x: Self) -> Self {
                a * x
            }
        }
    };
}
real_compute!(f64);
real_compute!(f32);
// half's f16 operators compute in f32 and round once to f16; f32 carries more than twice
// f16's precision, so that equals a correctly rounded f16 operation, as NumPy's loops do.
real_compute!(f16);

/// A real divisor promoted to complex, the way NumPy divides `complex / (d + 0j)`.
#[derive(Clone, Copy, Debug)]
pub enum ComplexDivisor<R> {
    /// `d == 0`: NumPy divides each part by `|d|` to produce signed infinities or NaN.
    Zero(R),
    /// Smith's algorithm with a zero imaginary part: `rat = 0/d`, `scl = 1/d`.
    Reciprocal { rat: R, scl: R },
}

macro_rules! complex_compute {
    ($r:ty) => {
        impl Compute for Complex<$r> {
            type Real = $r;
            type Divisor = ComplexDivisor<$r>;
            #[inline(always)]
            fn divisor(d: $r) -> Self::Divisor {
                if d == 0.0 {
                    ComplexDivisor::Zero(d.abs())
                } else {
                    // NumPy: rat = in2i/in2r; scl = 1.0/(in2r + in2i*rat), with in2i = +0.
                    let rat = 0.0 / d;
                    ComplexDivisor::Reciprocal {
                        rat,
                        scl: 1.0 / (d + 0.0 * rat),
                    }
                }
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                Complex::new(self.re - o.re, self.im - o.im)
            }
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                Complex::new(self.re + o.re, self.im + o.im)
            }
            #[inline(always)]
            fn div(self, d: Self::Divisor) -> Self {
                match d {
                    ComplexDivisor::Zero(a) => Complex::new(self.re / a, self.im / a),
                    ComplexDivisor::Reciprocal { rat, scl } => Complex::new(
                        (self.re + self.im * rat) * scl,
                        (self.im - self.re * rat) * scl,
                    ),
                }
            }
            #[inline(always)]
            fn scale(a: $r, x: Self) -> Self {
                // NumPy promotes `a` to `a + 0j` and its complex multiply rounds each part
                // once (`fma(ar, xr, -(0 * xi))`): measured against NumPy 2.4, this decides
                // the sign of underflowing products and the NaNs from infinite parts.
                let zero: $r = 0.0;
                Complex::new(
                    a.mul_add(x.re, -(zero * x.im)),
                    a.mul_add(x.im, zero * x.re),
                )
            }
        }
    };
}
complex_compute!(f32);
complex_compute!(f64);

/// Conversion of stored data into a compute type (NumPy's cast before arithmetic).
pub trait Load<C>: Copy {
    fn load(self) -> C;
}

/// Conversion of a computed value into the stored output type (NumPy's cast on assignment).
pub trait Store<C>: Copy {
    fn store(c: C) -> Self;
}

macro_rules! identity_cast {
    ($($t:ty),*) => {$(
        impl Load<$t> for $t {
            #[inline(always)]
            fn load(self) -> $t { self }
        }
        impl Store<$t> for $t {
            #[inline(always)]
            fn store(c: $t) -> $t { c }
        }
    )*};
}
identity_cast!(f64, f32, f16, Complex<f32>, Complex<f64>);

impl Load<f64> for f32 {
    #[inline(always)]
    fn load(self) -> f64 {
        self as f64
    }
}
impl Store<f64> for f32 {
    #[inline(always)]
    fn store(c: f64) -> f32 {
        c as f32
    }
}
impl Load<f32> for f16 {
    #[inline(always)]
    fn load(self) -> f32 {
        self.to_f32()
    }
}
impl Load<f64> for f16 {
    #[inline(always)]
    fn load(self) -> f64 {
        self.to_f64()
    }
}
impl Store<f32> for f16 {
    #[inline(always)]
    fn store(c: f32) -> f16 {
        f16::from_f32(c)
    }
}
impl Store<f64> for f16 {
    #[inline(always)]
    fn store(c: f64) -> f16 {
        f16_from_f64(c)
    }
}
impl Load<Complex<f64>> for Complex<f32> {
    #[inline(always)]
    fn load(self) -> Complex<f64> {
        Complex::new(self.re as f64, self.im as f64)
    }
}
impl Store<Complex<f64>> for Complex<f32> {
    #[inline(always)]
    fn store(c: Complex<f64>) -> Complex<f32> {
        Complex::new(c.re as f32, c.im as f32)
    }
}

// NumPy converts integer data to float64 before differencing (`f.astype(np.float64)`), so
// differences never wrap around. `as f64` rounds to nearest like that cast.
macro_rules! integer_load {
    ($($t:ty),*) => {$(
        impl Load<f64> for $t {
            #[inline(always)]
            fn load(self) -> f64 { self as f64 }
        }
    )*};
}
integer_load!(i8, i16, i32, i64, u8, u16, u32, u64);

/// An element type `numpy.gradient` accepts, with the type its gradient is stored in.
///
/// Implemented for `f64`, `f32`, [`half::f16`], `Complex<f32>`, `Complex<f64>` (output of the
/// same type) and for the integers `i8..=i64`, `u8..=u64` (output `f64`, as in NumPy).
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The element type of the gradient.
    type Output: Element;
    /// This type's row in the dtype table.
    const DTYPE: DType;

    /// The kernel of one axis, typed by NumPy's promotion of `Self` with the spacing.
    #[doc(hidden)]
    #[allow(private_interfaces)]
    fn prepare(precision: Precision, stencil: &AxisStencil) -> Box<dyn AxisKernel<Self>>;

    /// The type arithmetic runs in for this data with a spacing of `precision`: NumPy's
    /// promotion (NEP 50), read from the same table rows that choose the CPU kernels, so
    /// another backend can follow it without instantiating them.
    fn compute_dtype(precision: Precision) -> DType;

    /// NumPy's cast of a float to this type (`np.asarray(v).astype(dtype)`): the value of
    /// `boundary="constant"` ghosts, which `np.pad` stores in the data's dtype.
    #[doc(hidden)]
    fn from_f64_cast(v: f64) -> Self;

    /// Whether this sample is missing under a NaN policy: NaN, or NaN in either part.
    #[doc(hidden)]
    fn is_missing(&self) -> bool;

    /// The value of a missing sample's output: NaN (in both parts for complex types).
    #[doc(hidden)]
    fn nan() -> Self;
}

/// NaN tests and values; integers have none.
trait Missing: Sized {
    fn is_missing(&self) -> bool;
    fn nan() -> Self;
}

macro_rules! float_missing {
    ($($t:ty),*) => {$(
        impl Missing for $t {
            #[inline(always)]
            fn is_missing(&self) -> bool { self.is_nan() }
            fn nan() -> Self { <$t>::NAN }
        }
        impl Missing for Complex<$t> {
            #[inline(always)]
            fn is_missing(&self) -> bool { self.re.is_nan() | self.im.is_nan() }
            fn nan() -> Self { Complex::new(<$t>::NAN, <$t>::NAN) }
        }
    )*};
}
float_missing!(f64, f32);

impl Missing for f16 {
    #[inline(always)]
    fn is_missing(&self) -> bool {
        // Bit test: vectorizes, unlike a trip through f32.
        self.to_bits() & 0x7fff > 0x7c00
    }
    fn nan() -> Self {
        f16::NAN
    }
}

macro_rules! never_missing {
    ($($t:ty),*) => {$(
        impl Missing for $t {
            #[inline(always)]
            fn is_missing(&self) -> bool { false }
            fn nan() -> Self { unreachable!("integers have no NaN; their outputs are f64") }
        }
    )*};
}
never_missing!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Float-to-element casts as NumPy performs them (truncation toward zero for integers,
/// saturating where NumPy's result is undefined).
trait FromF64Cast {
    fn cast(v: f64) -> Self;
}

macro_rules! as_cast {
    ($($t:ty),*) => {$(
        impl FromF64Cast for $t {
            fn cast(v: f64) -> Self { v as $t }
        }
    )*};
}
as_cast!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64);

impl FromF64Cast for f16 {
    fn cast(v: f64) -> Self {
        f16_from_f64(v)
    }
}
impl FromF64Cast for Complex<f32> {
    fn cast(v: f64) -> Self {
        Complex::new(v as f32, 0.0)
    }
}
impl FromF64Cast for Complex<f64> {
    fn cast(v: f64) -> Self {
        Complex::new(v, 0.0)
    }
}

// `$dtype: $t => $out, $s` names the dtype-table row, the stored type, the output type and the type differences of the
// data are taken in; `$precision => $compute` lists NumPy's promotion of the data with a
// spacing of each precision (every precision must be covered).
macro_rules! element {
    ($dtype:ident: $t:ty => $out:ty, $s:ty { $($p:pat => $c:ty),+ $(,)? }) => {
        impl Element for $t {
            type Output = $out;
            const DTYPE: DType = DType::$dtype;
            fn from_f64_cast(v: f64) -> Self {
                <Self as FromF64Cast>::cast(v)
            }
            #[inline(always)]
            fn is_missing(&self) -> bool {
                <Self as Missing>::is_missing(self)
            }
            fn nan() -> Self {
                <Self as Missing>::nan()
            }
            fn compute_dtype(precision: Precision) -> DType {
                match precision {
                    $($p => <$c as Element>::DTYPE,)+
                }
            }
            #[allow(private_interfaces)]
            fn prepare(precision: Precision, stencil: &AxisStencil) -> Box<dyn AxisKernel<Self>> {
                match precision {
                    $($p => exec::prepare::<$t, $s, $c>(stencil),)+
                }
            }
        }
    };
}

element!(F64: f64 => f64, f64 { _ => f64 });
element!(F32: f32 => f32, f32 {
    Precision::F64 => f64,
    Precision::Weak | Precision::F32 | Precision::F16 => f32,
});
element!(F16: f16 => f16, f16 {
    Precision::F64 => f64,
    Precision::F32 => f32,
    Precision::Weak | Precision::F16 => f16,
});
element!(C128: Complex<f64> => Complex<f64>, Complex<f64> { _ => Complex<f64> });
element!(C64: Complex<f32> => Complex<f32>, Complex<f32> {
    Precision::F64 => Complex<f64>,
    Precision::Weak | Precision::F32 | Precision::F16 => Complex<f32>,
});
element!(I8: i8 => f64, f64 { _ => f64 });
element!(I16: i16 => f64, f64 { _ => f64 });
element!(I32: i32 => f64, f64 { _ => f64 });
element!(I64: i64 => f64, f64 { _ => f64 });
element!(U8: u8 => f64, f64 { _ => f64 });
element!(U16: u16 => f64, f64 { _ => f64 });
element!(U32: u32 => f64, f64 { _ => f64 });
element!(U64: u64 => f64, f64 { _ => f64 });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f64_to_f16_rounds_once() {
        // Just below the midpoint of 154.875 and 155.0: rounds down, unlike a trip via f32.
        assert_eq!(f16_from_f64(154.93749672224274), f16::from_f32(154.875));
        assert_eq!(f16_from_f64(154.9375), f16::from_f32(155.0));
        assert_eq!(f16_from_f64(-154.93749672224274), f16::from_f32(-154.875));
        assert_eq!(f16_from_f64(1e10), f16::INFINITY);
        assert_eq!(f16_from_f64(65519.99), f16::MAX);
        assert_eq!(f16_from_f64(65520.0), f16::INFINITY);
        assert_eq!(f16_from_f64(1e-30).to_bits(), 0);
        assert_eq!(f16_from_f64(-1e-30).to_bits(), 0x8000);
        assert!(f16_from_f64(f64::NAN).is_nan());
        // Every f32 converts like half's own f32 conversion.
        for bits in (0..u32::MAX).step_by(65_537) {
            let x = f32::from_bits(bits);
            if !x.is_nan() {
                assert_eq!(
                    f16_from_f64(x as f64).to_bits(),
                    f16::from_f32(x).to_bits(),
                    "{x}"
                );
            }
        }
    }
}
