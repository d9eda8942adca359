//! The backend seam: what another executor (the CUDA kernels of `ndgrad-cuda`) reads of a
//! [`Plan`] to compute exactly what the CPU engine computes, without instantiating its
//! kernels.
//!
//! A plan describes each axis in the spacing's precision; the numbers a kernel needs are
//! those coefficients rounded once into the call's *compute* type (NumPy's promotion of the
//! data with the spacing), and divisors prepared the way NumPy divides (a complex value by a
//! real one goes through Smith's reciprocal). Both roundings are done here by the very code
//! the CPU kernels use (`Real::from_f64`, `Compute::divisor`), so the rule lives in one
//! place and a backend only has to evaluate the formulas in NumPy's order.

use half::f16;
use num_complex::Complex;

use crate::dtype::DType;
use crate::element::{ComplexDivisor, Compute, Real};
use crate::options::{Boundary, EdgeOrder, NanPolicy};
use crate::plan::{AxisStencil, Plan};
use crate::stencil::Stencil;

/// A divisor of NumPy's divided forms, prepared in the compute type (values widened to
/// `f64`, exactly).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Divisor {
    /// A real compute type divides by `d` itself.
    Real(f64),
    /// A complex compute type dividing by zero: each part is divided by `|d|` (signed
    /// infinities or NaN, as NumPy).
    ComplexZero(f64),
    /// A complex compute type dividing by `d != 0`:
    /// `((re + im * rat) * scl, (im - re * rat) * scl)`.
    ComplexReciprocal {
        /// `0 / d`.
        rat: f64,
        /// `1 / (d + 0 * rat)`.
        scl: f64,
    },
}

/// The interior formula of one axis.
#[derive(Debug, Clone, PartialEq)]
pub enum NumpyInterior {
    /// `(f[i+1] - f[i-1]) / h2`.
    Uniform {
        /// `2 h`, computed in the spacing's precision, then prepared in the compute type.
        h2: Divisor,
    },
    /// `(a f[i-1] + b f[i]) + c f[i+1]` with `weights[i - 1] = [a, b, c]`.
    NonUniform {
        /// One row per interior sample (`len - 2` rows), rounded into the compute type.
        weights: Vec<[f64; 3]>,
    },
}

/// NumPy's formulas for one differentiated axis, with every number in the compute type.
#[derive(Debug, Clone, PartialEq)]
pub struct NumpyAxis {
    /// The differentiated axis of the array.
    pub axis: usize,
    /// Its number of samples.
    pub len: usize,
    /// The order of the one-sided ends.
    pub edge_order: EdgeOrder,
    /// The interior formula.
    pub interior: NumpyInterior,
    /// Divisors of the first-order ends, `(f[1] - f[0]) / first` and
    /// `(f[n-1] - f[n-2]) / last`.
    pub first: Divisor,
    /// See `first`.
    pub last: Divisor,
    /// Weights of the second-order ends on `f[0], f[1], f[2]` (NaN under edge order 1).
    pub left: [f64; 3],
    /// Weights on `f[n-3], f[n-2], f[n-1]` (NaN under edge order 1).
    pub right: [f64; 3],
    /// The type the axis's arithmetic runs in.
    pub compute: DType,
}

/// Why a plan cannot be described as NumPy's formulas (a backend that only runs those
/// names the option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotNumpyFormulas {
    /// The option, as users spell it: `accuracy=`, `boundary=`, ...
    pub option: &'static str,
}

impl std::fmt::Display for NotNumpyFormulas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.option)
    }
}

impl std::error::Error for NotNumpyFormulas {}

impl Plan {
    /// Each differentiated axis (in output order) as NumPy's formulas for data of type
    /// `data`, coefficients rounded into the compute type: what a backend other than the
    /// CPU engine evaluates (in NumPy's order, with the data's differences taken in its own
    /// type and divisions in the compute type) to reproduce its results bit for bit.
    ///
    /// # Errors
    /// The option that makes the call more than NumPy's formulas: an accuracy, derivative
    /// order or Savitzky–Golay window (`accuracy=`), a boundary mode (`boundary=`), or a
    /// NaN policy (`nan_policy=`).
    pub fn numpy_axes(&self, data: DType) -> Result<Vec<NumpyAxis>, NotNumpyFormulas> {
        if self.nan_policy != NanPolicy::Propagate {
            return Err(NotNumpyFormulas {
                option: "nan_policy=",
            });
        }
        self.axes
            .iter()
            .map(|a| {
                let AxisStencil::NumPy {
                    stencil,
                    edge_order,
                } = &a.stencil
                else {
                    let option = if self.deriv != 1 {
                        "deriv="
                    } else {
                        "accuracy="
                    };
                    return Err(NotNumpyFormulas { option });
                };
                if a.boundary != Boundary::OneSided {
                    return Err(NotNumpyFormulas {
                        option: "boundary=",
                    });
                }
                let compute = data.compute(a.precision);
                let rounded = match compute {
                    DType::F64 => rounded::<f64>(stencil),
                    DType::F32 => rounded::<f32>(stencil),
                    DType::F16 => rounded::<f16>(stencil),
                    DType::C128 => rounded::<Complex<f64>>(stencil),
                    DType::C64 => rounded::<Complex<f32>>(stencil),
                    other => unreachable!("{} is never a compute type", other.name()),
                };
                Ok(NumpyAxis {
                    axis: a.axis,
                    len: self.shape[a.axis],
                    edge_order: *edge_order,
                    compute,
                    ..rounded
                })
            })
            .collect()
    }
}

/// A prepared divisor of compute type `C`, widened.
trait Export {
    fn export(self) -> Divisor;
}

impl<R: Real> Export for R {
    fn export(self) -> Divisor {
        Divisor::Real(self.to_f64())
    }
}

impl<R: Real> Export for ComplexDivisor<R> {
    fn export(self) -> Divisor {
        match self {
            ComplexDivisor::Zero(a) => Divisor::ComplexZero(a.to_f64()),
            ComplexDivisor::Reciprocal { rat, scl } => Divisor::ComplexReciprocal {
                rat: rat.to_f64(),
                scl: scl.to_f64(),
            },
        }
    }
}

/// The stencil's numbers rounded into compute type `C` (the same roundings as the CPU
/// kernels' `NumpyCoefficients`); `axis`, `len`, `edge_order` and `compute` are filled in
/// by the caller.
fn rounded<C: Compute>(stencil: &Stencil) -> NumpyAxis
where
    C::Divisor: Export,
{
    let r = |x: f64| <C::Real as Real>::from_f64(x).to_f64();
    let d = |x: f64| C::divisor(<C::Real as Real>::from_f64(x)).export();
    let w = |t: &[f64; 3]| t.map(r);
    let (interior, first, last, left, right) = match stencil {
        Stencil::Uniform { h, h2, left, right } => (
            NumpyInterior::Uniform { h2: d(*h2) },
            d(*h),
            d(*h),
            w(left),
            w(right),
        ),
        Stencil::NonUniform {
            interior,
            first,
            last,
            left,
            right,
        } => (
            NumpyInterior::NonUniform {
                weights: interior.iter().map(w).collect(),
            },
            d(*first),
            d(*last),
            w(left),
            w(right),
        ),
    };
    NumpyAxis {
        axis: 0,
        len: 0,
        edge_order: EdgeOrder::First,
        interior,
        first,
        last,
        left,
        right,
        compute: DType::F64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AxisSpacing, GradientOptions, Scalar};

    #[test]
    fn float32_data_with_a_weak_spacing_rounds_into_float32() {
        let options = GradientOptions::new().spacings([AxisSpacing::Uniform(Scalar::Float(0.1))]);
        let plan = Plan::new(&[5], &options).unwrap();
        let axes = plan.numpy_axes(DType::F32).unwrap();
        assert_eq!(axes[0].compute, DType::F32);
        // 2 * 0.1 in f64 (a Python float), then rounded once into f32.
        let h2 = (2.0f64 * 0.1) as f32 as f64;
        assert_eq!(
            axes[0].interior,
            NumpyInterior::Uniform {
                h2: Divisor::Real(h2)
            }
        );
    }

    #[test]
    fn complex_divisors_are_smiths_reciprocal() {
        let plan = Plan::new(&[4], &GradientOptions::new()).unwrap();
        let axes = plan.numpy_axes(DType::C128).unwrap();
        assert_eq!(
            axes[0].first,
            Divisor::ComplexReciprocal { rat: 0.0, scl: 1.0 }
        );
        let zero = GradientOptions::new().spacings([AxisSpacing::Uniform(Scalar::Float(0.0))]);
        let axes = Plan::new(&[4], &zero)
            .unwrap()
            .numpy_axes(DType::C64)
            .unwrap();
        assert_eq!(axes[0].first, Divisor::ComplexZero(0.0));
    }

    #[test]
    fn coordinates_give_one_weight_row_per_interior_sample() {
        let options =
            GradientOptions::new().spacings([AxisSpacing::from(vec![0.0, 1.0, 3.0, 6.0])]);
        let axes = Plan::new(&[4], &options)
            .unwrap()
            .numpy_axes(DType::I32)
            .unwrap();
        let NumpyInterior::NonUniform { weights } = &axes[0].interior else {
            panic!("expected coordinates")
        };
        assert_eq!(weights.len(), 2);
        assert_eq!(weights[0], [-2.0 / 3.0, 0.5, 1.0 / 6.0]);
        assert_eq!(axes[0].compute, DType::F64);
    }

    #[test]
    fn extensions_name_their_option() {
        let periodic = GradientOptions::new().boundary(Boundary::Periodic { period: None });
        let plan = Plan::new(&[8], &periodic).unwrap();
        assert_eq!(plan.numpy_axes(DType::F64).unwrap_err().option, "boundary=");
        let accurate = GradientOptions::new().accuracy(4);
        let plan = Plan::new(&[8], &accurate).unwrap();
        assert_eq!(plan.numpy_axes(DType::F64).unwrap_err().option, "accuracy=");
    }
}
