//! The arithmetic operators combine gradient values with, in the form NumPy's ufunc loops
//! evaluate it (float16 in float32, rounded once per operation).

use half::f16;
use num_complex::Complex;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
    impl Sealed for half::f16 {}
    impl Sealed for num_complex::Complex<f32> {}
    impl Sealed for num_complex::Complex<f64> {}
}

/// A gradient value (`f64`, `f32`, `f16`, `Complex<f32>`, `Complex<f64>`) as the operators
/// combine it. Sealed: implemented for the gradient's element types only.
pub trait OutputValue: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The real type of the magnitude.
    type Magnitude: Copy + Send + Sync + 'static;
    /// `self + other`.
    fn plus(self, other: Self) -> Self;
    /// `self - other`.
    fn minus(self, other: Self) -> Self;
    /// `v * v`, or `re * re + im * im` for complex values.
    fn square(self) -> Self::Magnitude;
    /// `a + b` of squares.
    fn add_squares(a: Self::Magnitude, b: Self::Magnitude) -> Self::Magnitude;
    /// The square root of a sum of squares.
    fn root(sum: Self::Magnitude) -> Self::Magnitude;
}

macro_rules! real {
    ($t:ty) => {
        impl OutputValue for $t {
            type Magnitude = $t;
            #[inline(always)]
            fn plus(self, other: Self) -> Self {
                self + other
            }
            #[inline(always)]
            fn minus(self, other: Self) -> Self {
                self - other
            }
            #[inline(always)]
            fn square(self) -> $t {
                self * self
            }
            #[inline(always)]
            fn add_squares(a: $t, b: $t) -> $t {
                a + b
            }
            #[inline(always)]
            fn root(sum: $t) -> $t {
                sum.sqrt()
            }
        }
    };
}
real!(f64);
real!(f32);

// half's operators compute in f32 and round once, like NumPy's float16 loops; the square
// root is taken in f32 (24 bits, more than twice f16's 11 + 2) and rounded once.
impl OutputValue for f16 {
    type Magnitude = f16;
    #[inline(always)]
    fn plus(self, other: Self) -> Self {
        self + other
    }
    #[inline(always)]
    fn minus(self, other: Self) -> Self {
        self - other
    }
    #[inline(always)]
    fn square(self) -> f16 {
        self * self
    }
    #[inline(always)]
    fn add_squares(a: f16, b: f16) -> f16 {
        a + b
    }
    #[inline(always)]
    fn root(sum: f16) -> f16 {
        f16::from_f32(sum.to_f32().sqrt())
    }
}

macro_rules! complex {
    ($r:ty) => {
        impl OutputValue for Complex<$r> {
            type Magnitude = $r;
            #[inline(always)]
            fn plus(self, other: Self) -> Self {
                Complex::new(self.re + other.re, self.im + other.im)
            }
            #[inline(always)]
            fn minus(self, other: Self) -> Self {
                Complex::new(self.re - other.re, self.im - other.im)
            }
            #[inline(always)]
            fn square(self) -> $r {
                self.re * self.re + self.im * self.im
            }
            #[inline(always)]
            fn add_squares(a: $r, b: $r) -> $r {
                a + b
            }
            #[inline(always)]
            fn root(sum: $r) -> $r {
                sum.sqrt()
            }
        }
    };
}
complex!(f32);
complex!(f64);
