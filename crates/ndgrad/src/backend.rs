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
use crate::element::{ComplexDivisor, Compute, Element, Real};
use crate::exec::numpy::{Interior, NumpyCoefficients};
use crate::exec::taps::{TapCoefficients, Weights};
use crate::ghosts::Fill;
use crate::options::{EdgeOrder, NanPolicy};
use crate::plan::{AxisStencil, Plan};

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

/// The interior formula of NumPy's stencil.
#[derive(Debug, Clone, PartialEq)]
pub enum NumpyInterior {
    /// `(f[i+1] - f[i-1]) / h2`.
    Uniform {
        /// `2 h`, computed in the spacing's precision, then prepared in the compute type.
        h2: Divisor,
    },
    /// `(a f[i-1] + b f[i]) + c f[i+1]` with `weights[i - 1] = [a, b, c]`.
    NonUniform {
        /// One row per interior sample of the extended axis, rounded into the compute type.
        weights: Vec<[f64; 3]>,
    },
}

/// What one axis computes, over its extended axis (real samples and ghosts), with every
/// number rounded into the compute type. Indices are extended indices: real sample `i` is
/// `i + ghosts.left`.
#[derive(Debug, Clone, PartialEq)]
pub enum Formula {
    /// NumPy's formulas: the interior, and one-sided ends of `edge_order`.
    Numpy {
        edge_order: EdgeOrder,
        interior: NumpyInterior,
        /// Divisors of the first-order ends, `(f[1] - f[0]) / first` and
        /// `(f[n-1] - f[n-2]) / last`.
        first: Divisor,
        last: Divisor,
        /// Weights of the second-order ends on `f[0], f[1], f[2]` and on `f[n-3], f[n-2],
        /// f[n-1]` (NaN under edge order 1).
        left: [f64; 3],
        right: [f64; 3],
    },
    /// A centred stencil on evenly spaced samples, divided by `h^deriv`. A point `e` with
    /// `half_width <= e < n - half_width` sums symmetric pairs outwards:
    /// `c1 (f[e+1] - f[e-1]) + c2 (f[e+2] - f[e-2]) + ...` (`odd`) or
    /// `c0 f[e] + c1 (f[e+1] + f[e-1]) + ...`; a point nearer an end sums
    /// `w_j f[node_j]` over the `end_width` samples nearest that end, ascending.
    UniformTaps {
        half_width: usize,
        end_width: usize,
        odd: bool,
        /// Weights of offsets `0..=half_width`.
        centre: Vec<f64>,
        /// Rows `0..half_width`, over nodes `0..end_width`.
        left: Vec<Vec<f64>>,
        /// Rows `n - half_width..n`, over nodes `n - end_width..n`.
        right: Vec<Vec<f64>>,
        /// `h^deriv`, prepared in the compute type.
        divisor: Divisor,
    },
    /// A stencil on uneven coordinates: each real point sums `w_j f[node_j]` over ascending
    /// nodes, `2 half_width + 1` centred ones in the interior, else the `end_width` nearest
    /// an end (no division).
    CoordinateTaps {
        half_width: usize,
        end_width: usize,
        /// Per real sample, its weights.
        rows: Vec<Vec<f64>>,
    },
}

/// Where one side's ghost samples come from (`np.pad`'s modes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GhostFill {
    /// The samples of the other end (periodic).
    Wrap,
    /// Mirrored samples, `f[-j] = f[j]` ("reflect").
    Mirror,
    /// A constant ("constant"): the value stored in the data's dtype, as `np.pad` stores
    /// it, then converted like a sample into the type differences are taken in (float64 for
    /// integers), given as `[re, im]`.
    Constant([f64; 2]),
}

/// The ghost samples beyond each end of one axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GhostSamples {
    pub left: usize,
    pub right: usize,
    pub left_fill: GhostFill,
    pub right_fill: GhostFill,
}

/// One differentiated axis as a backend computes it.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendAxis {
    /// The differentiated axis of the array.
    pub axis: usize,
    /// Its number of real samples.
    pub len: usize,
    /// The type the axis's arithmetic runs in.
    pub compute: DType,
    /// Ghost samples beyond its ends (none for one-sided ends).
    pub ghosts: GhostSamples,
    /// The stencil.
    pub formula: Formula,
}

impl BackendAxis {
    /// Samples of the extended axis.
    pub fn extended_len(&self) -> usize {
        self.ghosts.left + self.len + self.ghosts.right
    }
}

/// Why a plan cannot be described to a backend (which names the option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotNumpyFormulas {
    /// The option, as users spell it: `nan_policy=`.
    pub option: &'static str,
}

impl std::fmt::Display for NotNumpyFormulas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.option)
    }
}

impl std::error::Error for NotNumpyFormulas {}

impl Plan {
    /// Each differentiated axis (in output order) for data of type `data`, every number
    /// rounded into the compute type by the CPU kernels' own code: what a backend other
    /// than the CPU engine evaluates (in the documented order, with the data's differences
    /// in NumPy's formulas taken in its own type) to reproduce its results bit for bit.
    ///
    /// # Errors
    /// A NaN policy other than propagate (`nan_policy=`): it re-plans lanes on the CPU.
    pub fn backend_axes(&self, data: DType) -> Result<Vec<BackendAxis>, NotNumpyFormulas> {
        if self.nan_policy != NanPolicy::Propagate {
            return Err(NotNumpyFormulas {
                option: "nan_policy=",
            });
        }
        Ok(self
            .axes
            .iter()
            .map(|a| {
                let compute = data.compute(a.precision);
                let formula = match compute {
                    DType::F64 => formula::<f64>(&a.stencil),
                    DType::F32 => formula::<f32>(&a.stencil),
                    DType::F16 => formula::<f16>(&a.stencil),
                    DType::C128 => formula::<Complex<f64>>(&a.stencil),
                    DType::C64 => formula::<Complex<f32>>(&a.stencil),
                    other => unreachable!("{} is never a compute type", other.name()),
                };
                let fill = |f: Fill| match f {
                    Fill::Wrap => GhostFill::Wrap,
                    Fill::Mirror => GhostFill::Mirror,
                    Fill::Constant(v) => GhostFill::Constant(crate::with_dtype!(
                        data,
                        T => T::from_f64_cast(v).parts()
                    )),
                };
                BackendAxis {
                    axis: a.axis,
                    len: self.shape[a.axis],
                    compute,
                    ghosts: GhostSamples {
                        left: a.ghosts.left,
                        right: a.ghosts.right,
                        left_fill: fill(a.ghosts.left_fill),
                        right_fill: fill(a.ghosts.right_fill),
                    },
                    formula,
                }
            })
            .collect())
    }
}

/// A stored value in its arithmetic type (integers become `f64`), as `[re, im]`.
trait Parts {
    fn parts(self) -> [f64; 2];
}

macro_rules! real_parts {
    ($($t:ty),*) => {$(
        impl Parts for $t {
            fn parts(self) -> [f64; 2] {
                [self as f64, 0.0]
            }
        }
    )*};
}
real_parts!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64);

impl Parts for f16 {
    fn parts(self) -> [f64; 2] {
        [self.to_f64(), 0.0]
    }
}

impl<R: Real> Parts for Complex<R> {
    fn parts(self) -> [f64; 2] {
        [self.re.to_f64(), self.im.to_f64()]
    }
}

/// The stencil with its numbers rounded into compute type `C`: NumPy's as its kernels
/// round them (`NumpyCoefficients`), taps through the tap kernels' `TapCoefficients`.
fn formula<C: Compute>(stencil: &AxisStencil) -> Formula
where
    C::Divisor: Export,
{
    let widen = |v: &[C::Real]| v.iter().map(|x| x.to_f64()).collect::<Vec<_>>();
    let three = |w: [C::Real; 3]| w.map(|x| x.to_f64());
    match stencil {
        AxisStencil::NumPy {
            stencil,
            edge_order,
        } => {
            let c = NumpyCoefficients::<C>::new(stencil, *edge_order);
            let interior = match c.interior {
                Interior::Uniform { h2 } => NumpyInterior::Uniform { h2: h2.export() },
                Interior::NonUniform { weights: [a, b, m] } => NumpyInterior::NonUniform {
                    weights: (0..a.len()).map(|i| three([a[i], b[i], m[i]])).collect(),
                },
            };
            Formula::Numpy {
                edge_order: c.edge_order,
                interior,
                first: c.first.export(),
                last: c.last.export(),
                left: three(c.left),
                right: three(c.right),
            }
        }
        AxisStencil::Taps(t) => {
            let c = TapCoefficients::<C>::new(t);
            match c.weights {
                Weights::Uniform {
                    centre,
                    odd,
                    left,
                    right,
                    divisor,
                } => Formula::UniformTaps {
                    half_width: c.half_width,
                    end_width: c.end_width,
                    odd,
                    centre: widen(&centre),
                    left: left.iter().map(|v| widen(v)).collect(),
                    right: right.iter().map(|v| widen(v)).collect(),
                    divisor: divisor.export(),
                },
                Weights::Coordinates { rows, .. } => Formula::CoordinateTaps {
                    half_width: c.half_width,
                    end_width: c.end_width,
                    rows: rows.iter().map(|v| widen(v)).collect(),
                },
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AxisSpacing, Boundary, GradientOptions, Scalar};

    fn numpy(axis: &BackendAxis) -> (&NumpyInterior, Divisor) {
        match &axis.formula {
            Formula::Numpy {
                interior, first, ..
            } => (interior, *first),
            other => panic!("expected NumPy's formulas, got {other:?}"),
        }
    }

    #[test]
    fn float32_data_with_a_weak_spacing_rounds_into_float32() {
        let options = GradientOptions::new().spacings([AxisSpacing::Uniform(Scalar::Float(0.1))]);
        let plan = Plan::new(&[5], &options).unwrap();
        let axes = plan.backend_axes(DType::F32).unwrap();
        assert_eq!(axes[0].compute, DType::F32);
        // 2 * 0.1 in f64 (a Python float), then rounded once into f32.
        let h2 = (2.0f64 * 0.1) as f32 as f64;
        assert_eq!(
            numpy(&axes[0]).0,
            &NumpyInterior::Uniform {
                h2: Divisor::Real(h2)
            }
        );
    }

    #[test]
    fn complex_divisors_are_smiths_reciprocal() {
        let plan = Plan::new(&[4], &GradientOptions::new()).unwrap();
        let axes = plan.backend_axes(DType::C128).unwrap();
        assert_eq!(
            numpy(&axes[0]).1,
            Divisor::ComplexReciprocal { rat: 0.0, scl: 1.0 }
        );
        let zero = GradientOptions::new().spacings([AxisSpacing::Uniform(Scalar::Float(0.0))]);
        let axes = Plan::new(&[4], &zero)
            .unwrap()
            .backend_axes(DType::C64)
            .unwrap();
        assert_eq!(numpy(&axes[0]).1, Divisor::ComplexZero(0.0));
    }

    #[test]
    fn coordinates_give_one_weight_row_per_interior_sample() {
        let options =
            GradientOptions::new().spacings([AxisSpacing::from(vec![0.0, 1.0, 3.0, 6.0])]);
        let axes = Plan::new(&[4], &options)
            .unwrap()
            .backend_axes(DType::I32)
            .unwrap();
        let NumpyInterior::NonUniform { weights } = numpy(&axes[0]).0 else {
            panic!("expected coordinates")
        };
        assert_eq!(weights.len(), 2);
        assert_eq!(weights[0], [-2.0 / 3.0, 0.5, 1.0 / 6.0]);
        assert_eq!(axes[0].compute, DType::F64);
    }

    #[test]
    fn boundary_modes_are_ghosts_and_constants_are_stored_in_the_data_dtype() {
        let constant = GradientOptions::new().boundary(Boundary::Constant(2.75));
        let axes = Plan::new(&[8], &constant)
            .unwrap()
            .backend_axes(DType::I16)
            .unwrap();
        // np.pad stores 2.75 in int16 as 2, which differences then read as 2.0.
        assert_eq!(axes[0].ghosts.left_fill, GhostFill::Constant([2.0, 0.0]));
        assert_eq!(axes[0].ghosts.left, 1);
        assert_eq!(axes[0].extended_len(), 10);
        let periodic = GradientOptions::new()
            .accuracy(4)
            .boundary(Boundary::Periodic { period: None });
        let axes = Plan::new(&[8], &periodic)
            .unwrap()
            .backend_axes(DType::F64)
            .unwrap();
        assert_eq!(axes[0].ghosts.right_fill, GhostFill::Wrap);
        let Formula::UniformTaps {
            half_width, centre, ..
        } = &axes[0].formula
        else {
            panic!("accuracy 4 is taps")
        };
        assert_eq!((*half_width, centre.len()), (2, 3));
        assert_eq!(centre[1], 2.0 / 3.0);
    }

    #[test]
    fn nan_policies_name_their_option() {
        let omit = GradientOptions::new().nan_policy(NanPolicy::Omit);
        let plan = Plan::new(&[8], &omit).unwrap();
        assert_eq!(
            plan.backend_axes(DType::F64).unwrap_err().option,
            "nan_policy="
        );
    }
}
