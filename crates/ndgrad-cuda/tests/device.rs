//! Real launches on a GPU, compared bit for bit with the CPU engine (NaN by position).
//! Without a CUDA driver this prints why it skipped and passes: CI machines have no GPU,
//! and the kernel source is tested there through the host emulation
//! (crates/ndgrad-cuda-host). `harness = false`: a plain `main`.

use std::sync::Arc;

use cudarc::driver::{CudaSlice, CudaStream, DevicePtr};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ndgrad::{AxisSpacing, DType, EdgeOrder, Element, GradientOptions, Plan, f16};
use ndgrad_cuda::{Buffer, Error, Gpu, GpuPlan};
use num_complex::Complex;

fn main() {
    let gpu = match Gpu::probe(0) {
        Ok(gpu) => gpu,
        Err(e @ Error::NoDriver { .. }) => {
            println!("SKIP: no CUDA driver ({e})");
            return;
        }
        Err(e) => panic!("a driver is present but the GPU cannot be used: {e}"),
    };
    let stream = gpu.context().default_stream();
    let mut cases = 0;
    for shape in [vec![1000], vec![37, 53], vec![9, 17, 33], vec![3, 4, 5, 6]] {
        for order in [EdgeOrder::First, EdgeOrder::Second] {
            for spacing in [Spacing::Unit, Spacing::Weak, Spacing::Coordinates] {
                for fortran in [false, true] {
                    let c = Case {
                        shape: shape.clone(),
                        order,
                        spacing,
                        fortran,
                    };
                    c.run::<f64>(&gpu, &stream);
                    c.run::<f32>(&gpu, &stream);
                    c.run::<f16>(&gpu, &stream);
                    c.run::<Complex<f64>>(&gpu, &stream);
                    c.run::<Complex<f32>>(&gpu, &stream);
                    c.run::<i32>(&gpu, &stream);
                    c.run::<u8>(&gpu, &stream);
                    c.run::<i64>(&gpu, &stream);
                    cases += 8;
                }
            }
        }
    }
    for (what, options) in extensions() {
        for shape in [vec![40], vec![37, 53], vec![13, 17, 33]] {
            let c = Case {
                shape,
                order: EdgeOrder::First,
                spacing: Spacing::Unit,
                fortran: false,
            };
            c.run_with::<f64>(&gpu, &stream, &options, what);
            c.run_with::<f32>(&gpu, &stream, &options, what);
            c.run_with::<Complex<f32>>(&gpu, &stream, &options, what);
            c.run_with::<i16>(&gpu, &stream, &options, what);
            cases += 4;
        }
    }
    safe_api(&gpu, &stream);
    println!("device: {cases} cases bit for bit against the CPU engine, safe API ok");
}

#[derive(Clone, Copy)]
enum Spacing {
    Unit,
    Weak,
    Coordinates,
}

struct Case {
    shape: Vec<usize>,
    order: EdgeOrder,
    spacing: Spacing,
    fortran: bool,
}

/// Deterministic data with NaN, infinities and subnormals where the type has them.
fn data<T: Element>(n: usize) -> Vec<T> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = match i % 97 {
                13 => f64::NAN,
                29 => f64::INFINITY,
                41 => 1e-310,
                _ => (s % 20_000) as f64 / 100.0 - 100.0,
            };
            T::from_f64_cast(v)
        })
        .collect()
}

fn bytes<T>(v: &[T]) -> &[u8] {
    // SAFETY: element types are plain data without padding; the view covers `v` exactly.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

/// The engine's options beyond NumPy, which the general kernels run.
fn extensions() -> Vec<(&'static str, GradientOptions)> {
    use ndgrad::Boundary;
    vec![
        ("accuracy 4", GradientOptions::new().accuracy(4)),
        (
            "deriv 2 accuracy 6",
            GradientOptions::new().deriv(2).accuracy(6),
        ),
        (
            "periodic",
            GradientOptions::new().boundary(Boundary::Periodic { period: None }),
        ),
        (
            "reflect accuracy 4",
            GradientOptions::new()
                .accuracy(4)
                .boundary(Boundary::Reflect),
        ),
        (
            // A whole number every dtype holds (integer data refuses fractions; the host
            // emulation covers fractional constants on float data).
            "constant",
            GradientOptions::new().boundary(Boundary::Constant(3.0)),
        ),
        ("Savitzky-Golay 11/3", GradientOptions::new().savgol(11, 3)),
    ]
}

impl Case {
    fn run<T: Element>(&self, gpu: &Gpu, stream: &Arc<CudaStream>) {
        let options = GradientOptions::new()
            .edge_order(self.order)
            .spacings(self.spacings());
        self.run_with::<T>(gpu, stream, &options, "NumPy's formulas");
    }

    fn spacings(&self) -> Vec<AxisSpacing> {
        self.shape
            .iter()
            .map(|&len| match self.spacing {
                Spacing::Unit => AxisSpacing::from(1.0),
                Spacing::Weak => AxisSpacing::from(0.1),
                Spacing::Coordinates => AxisSpacing::from(
                    (0..len)
                        .map(|i| (i * i) as f64 * 0.3 + i as f64)
                        .collect::<Vec<_>>(),
                ),
            })
            .collect()
    }

    fn run_with<T: Element>(
        &self,
        gpu: &Gpu,
        stream: &Arc<CudaStream>,
        options: &GradientOptions,
        what: &str,
    ) {
        let n: usize = self.shape.iter().product();
        let values = data::<T>(n);
        let layout = IxDyn(&self.shape).set_f(self.fortran);
        let f = ArrayD::from_shape_vec(layout, values.clone()).unwrap();
        let expected = ndgrad::gradient(f.view(), options).unwrap();
        let plan = GpuPlan::new(&Plan::new(&self.shape, options).unwrap(), T::DTYPE).unwrap();
        let item = |d: DType| d.itemsize() as isize;
        let strides: Vec<isize> = f.strides().iter().map(|&s| s * item(T::DTYPE)).collect();
        let input: CudaSlice<u8> = stream.clone_htod(bytes(&values)).unwrap();
        let out_bytes = n * plan.output_dtype().itemsize();
        let mut outputs: Vec<CudaSlice<u8>> = (0..plan.axes().len())
            .map(|_| stream.clone_htod(&vec![0xa5u8; out_bytes]).unwrap())
            .collect();
        let tables: Vec<CudaSlice<f64>> = plan
            .tables()
            .iter()
            .map(|t| stream.clone_htod(t).unwrap())
            .collect();
        let out_strides: Vec<isize> = f
            .strides()
            .iter()
            .map(|&s| s * item(plan.output_dtype()))
            .collect();
        {
            let (ip, _g) = input.device_ptr(stream);
            let tp: Vec<_> = tables.iter().map(|t| t.device_ptr(stream)).collect();
            let op: Vec<_> = outputs.iter().map(|o| o.device_ptr(stream)).collect();
            let outs: Vec<Buffer<'_>> = op
                .iter()
                .map(|(p, _)| Buffer {
                    ptr: *p,
                    byte_strides: &out_strides,
                })
                .collect();
            let launches = plan
                .launches(
                    Buffer {
                        ptr: ip,
                        byte_strides: &strides,
                    },
                    &outs,
                    &tp.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
                )
                .unwrap();
            // SAFETY: every pointer is a live buffer of this context sized for the plan.
            unsafe { gpu.launch_raw(&launches, stream.cu_stream()) }.unwrap();
        }
        for (k, (out, want)) in outputs.iter_mut().zip(&expected).enumerate() {
            let got: Vec<u8> = stream.clone_dtoh(out).unwrap();
            // The CPU result in memory order of the same layout.
            let want: Vec<T::Output> = want
                .as_standard_layout()
                .to_owned()
                .into_raw_vec_and_offset()
                .0;
            let want_f: Vec<T::Output> = if self.fortran {
                let w = ArrayD::from_shape_vec(IxDyn(&self.shape), want).unwrap();
                w.t().iter().copied().collect()
            } else {
                want
            };
            assert_same(bytes(&want_f), &got, T::DTYPE, k, &self.shape, what);
        }
    }
}

/// Bitwise equality, except that any NaN matches any NaN (payloads are not NumPy's rule).
fn assert_same(want: &[u8], got: &[u8], dtype: DType, axis: usize, shape: &[usize], what: &str) {
    let out = dtype.output();
    let part = if out.kind() == 'c' {
        out.itemsize() / 2
    } else {
        out.itemsize()
    };
    for (i, (w, g)) in want.chunks(part).zip(got.chunks(part)).enumerate() {
        let nan = |b: &[u8]| match part {
            8 => f64::from_le_bytes(b.try_into().unwrap()).is_nan(),
            4 => f32::from_le_bytes(b.try_into().unwrap()).is_nan(),
            _ => f16::from_le_bytes(b.try_into().unwrap()).is_nan(),
        };
        assert!(
            w == g || (nan(w) && nan(g)),
            "{what}, {} shape {shape:?} axis {axis}: element part {i} differs ({w:?} vs {g:?})",
            dtype.name()
        );
    }
}

fn safe_api(gpu: &Gpu, stream: &Arc<CudaStream>) {
    let shape = [64usize, 48];
    let values = data::<f64>(64 * 48);
    let f = ArrayD::from_shape_vec(IxDyn(&shape), values.clone()).unwrap();
    let options = GradientOptions::new().edge_order(EdgeOrder::Second);
    let expected = ndgrad::gradient(f.view(), &options).unwrap();
    let plan = GpuPlan::new(&Plan::new(&shape, &options).unwrap(), DType::F64).unwrap();
    let input = stream.clone_htod(&values).unwrap();
    let mut outputs = [
        stream.alloc_zeros::<f64>(64 * 48).unwrap(),
        stream.alloc_zeros::<f64>(64 * 48).unwrap(),
    ];
    gpu.gradient(stream, &plan, &input, &mut outputs).unwrap();
    for (out, want) in outputs.iter().zip(&expected) {
        let got = stream.clone_dtoh(out).unwrap();
        assert_same(
            bytes(want.as_slice().unwrap()),
            bytes(&got),
            DType::F64,
            0,
            &shape,
            "safe API",
        );
    }
}
