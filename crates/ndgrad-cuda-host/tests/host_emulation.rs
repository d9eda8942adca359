//! The CUDA kernel source, compiled for the CPU and run block by block, thread by thread
//! over the very launches `ndgrad-cuda` plans, against NumPy's fixtures and the CPU engine,
//! bit for bit (NaN by position).

#[path = "../../ndgrad/tests/fixture_replay/mod.rs"]
mod fixture_replay;

use fixture_replay::{Engine, Fixture};
use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder, Slice};
use ndgrad::{
    AxisSpacing, Complex, Coordinates, EdgeOrder, Element, GradientOptions, Plan, Scalar, f16,
};
use ndgrad_cuda::{Buffer, GpuPlan};

/// The host emulation as an engine: outputs poisoned, every launch of the plan run.
struct Host {
    seed: u64,
}

/// A value no correct output element keeps by accident.
const POISON: f64 = -7.0e-7;

impl Engine for Host {
    fn gradient<T: Fixture>(
        &self,
        plan: &Plan,
        f: ArrayViewD<'_, T>,
    ) -> Result<Vec<ArrayD<T::Output>>, ndgrad::Error> {
        Ok(emulate(plan, f, self.seed))
    }
}

fn emulate<T: Element>(plan: &Plan, f: ArrayViewD<'_, T>, seed: u64) -> Vec<ArrayD<T::Output>> {
    let gpu = GpuPlan::new(plan, T::DTYPE).expect("a NumPy-formula plan");
    let tables = gpu.tables();
    let poison = <T::Output as Element>::from_f64_cast(POISON);
    let mut outs: Vec<ArrayD<T::Output>> = gpu
        .axes()
        .iter()
        .map(|_| ArrayD::from_elem(f.raw_dim(), poison))
        .collect();
    let bytes = |strides: &[isize], item: usize| -> Vec<isize> {
        strides.iter().map(|&s| s * item as isize).collect()
    };
    let in_strides = bytes(f.strides(), size_of::<T>());
    let out_strides: Vec<Vec<isize>> = outs
        .iter()
        .map(|o| bytes(o.strides(), size_of::<T::Output>()))
        .collect();
    let out_ptrs: Vec<u64> = outs.iter_mut().map(|o| o.as_mut_ptr() as u64).collect();
    let buffers: Vec<Buffer<'_>> = out_ptrs
        .iter()
        .zip(&out_strides)
        .map(|(&ptr, s)| Buffer {
            ptr,
            byte_strides: s,
        })
        .collect();
    let launches = gpu
        .launches(
            Buffer {
                ptr: f.as_ptr() as u64,
                byte_strides: &in_strides,
            },
            &buffers,
            &tables.iter().map(|t| t.as_ptr() as u64).collect::<Vec<_>>(),
        )
        .expect("the buffers fit the plan");
    for launch in &launches {
        // SAFETY: the input view, the outputs and the tables are live host memory laid out as
        // the launch describes, for the whole call.
        unsafe { ndgrad_cuda_host::run(launch, seed) };
    }
    outs
}

#[test]
fn every_numpy_fixture_is_reproduced() {
    fixture_replay::replay(&Host { seed: 1 });
}

#[test]
fn the_parameter_layout_and_constants_match_the_cpp_compilers() {
    use ndgrad_cuda::params::{NdgAxis, NdgDivisor, NdgParams};
    use std::mem::{offset_of, size_of};
    let want = [
        size_of::<NdgParams>(),
        offset_of!(NdgParams, axes),
        size_of::<NdgAxis>(),
        offset_of!(NdgAxis, h2),
        offset_of!(NdgAxis, row_pitch),
        offset_of!(NdgAxis, dim),
        offset_of!(NdgParams, rows),
        size_of::<NdgDivisor>(),
        ndgrad_cuda::params::FAST_AXES,
    ]
    .map(|x| x as u64);
    assert_eq!(ndgrad_cuda_host::layout(), want);
}

#[test]
fn the_shims_f16_conversions_round_like_the_cpu_engine() {
    // Every f16 widens exactly; every double of a dense sweep rounds once, like NumPy (the
    // CPU engine's cast; `half`'s own f64 conversion rounds twice).
    for bits in 0..=u16::MAX {
        let h = f16::from_bits(bits);
        let w = ndgrad_cuda_host::f32_from_f16(bits);
        assert!(w.to_bits() == h.to_f32().to_bits() || (w.is_nan() && h.is_nan()));
    }
    let mut x = 1e-9f64;
    while x < 1e6 {
        for v in [x, -x, x * (1.0 + f64::EPSILON), 154.93749672224274] {
            let want = <f16 as Element>::from_f64_cast(v);
            assert_eq!(ndgrad_cuda_host::f16_from_f64(v), want.to_bits(), "{v:e}");
        }
        x *= 1.0009765625;
    }
}

/// Deterministic values with NaN, infinities, subnormals and signed zeros mixed in.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match i % 53 {
                7 => f64::NAN,
                19 => f64::INFINITY,
                23 => -f64::INFINITY,
                31 => 3e-310,
                37 => -0.0,
                41 => 1e-40,
                _ => (s % 2_000_001) as f64 / 1000.0 - 1000.0,
            }
        })
        .collect()
}

/// Bitwise equality, NaN by position.
fn same<O: Element>(got: &ArrayD<O>, want: &ArrayD<O>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}");
    let size = size_of::<O>();
    let part = if O::DTYPE.kind() == 'c' {
        size / 2
    } else {
        size
    };
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        // SAFETY: element types are plain data; each view covers exactly one element.
        let (g, w) = unsafe {
            (
                std::slice::from_raw_parts((g as *const O).cast::<u8>(), size),
                std::slice::from_raw_parts((w as *const O).cast::<u8>(), size),
            )
        };
        for (gp, wp) in g.chunks(part).zip(w.chunks(part)) {
            let nan = |b: &[u8]| match part {
                8 => f64::from_le_bytes(b.try_into().unwrap()).is_nan(),
                4 => f32::from_le_bytes(b.try_into().unwrap()).is_nan(),
                _ => f16::from_le_bytes(b.try_into().unwrap()).is_nan(),
            };
            assert!(
                gp == wp || (nan(gp) && nan(wp)),
                "{what}: element {i} differs ({gp:?} vs {wp:?})"
            );
        }
    }
}

/// One case in every layout: C, Fortran, strided, reversed, transposed. A constant
/// boundary value the data's type cannot hold is refused by both engines instead.
fn check<T: Element>(shape: &[usize], options: &GradientOptions, what: &str) {
    let plan = Plan::new(shape, options).unwrap();
    if plan.check_constants(T::DTYPE).is_err() {
        assert!(
            matches!(
                GpuPlan::new(&plan, T::DTYPE),
                Err(ndgrad_cuda::Error::Invalid { .. })
            ),
            "{what}: the GPU plan takes a constant {:?} cannot hold",
            T::DTYPE
        );
        return;
    }
    let n: usize = shape.iter().product::<usize>();
    let data: Vec<T> = values(n, shape.len() as u64 + 17)
        .into_iter()
        .map(T::from_f64_cast)
        .collect();
    let big: Vec<usize> = shape.iter().map(|&d| 2 * d).collect();
    let base = ArrayD::from_shape_vec(IxDyn(shape), data[..n].to_vec()).unwrap();
    let fortran = ArrayD::from_shape_vec(IxDyn(shape).f(), data[..n].to_vec()).unwrap();
    let wide = ArrayD::from_shape_vec(
        IxDyn(&big),
        values(big.iter().product(), 3)
            .into_iter()
            .map(T::from_f64_cast)
            .collect(),
    )
    .unwrap();
    let strided = wide.slice_each_axis(|_| Slice::new(0, None, 2));
    let reversed = base.slice_each_axis(|_| Slice::new(0, None, -1));
    let transposed_src = ArrayD::from_shape_vec(
        IxDyn(&shape.iter().rev().copied().collect::<Vec<_>>()),
        data[..n].to_vec(),
    )
    .unwrap();
    let transposed = transposed_src.t();
    for (layout, f) in [
        ("C", base.view()),
        ("F", fortran.view()),
        ("strided", strided),
        ("reversed", reversed),
        ("transposed", transposed),
    ] {
        let plan = Plan::new(f.shape(), options).unwrap();
        let want = plan.gradient(f.view()).unwrap();
        for seed in [1, 99] {
            let got = emulate(&plan, f.view(), seed);
            assert_eq!(got.len(), want.len());
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                same(
                    g,
                    w,
                    &format!("{what} {} {layout} output {k}", T::DTYPE.name()),
                );
            }
        }
    }
}

fn every_dtype(shape: &[usize], options: &GradientOptions, what: &str) {
    check::<f64>(shape, options, what);
    check::<f32>(shape, options, what);
    check::<f16>(shape, options, what);
    check::<Complex<f64>>(shape, options, what);
    check::<Complex<f32>>(shape, options, what);
    check::<i8>(shape, options, what);
    check::<i16>(shape, options, what);
    check::<i32>(shape, options, what);
    check::<i64>(shape, options, what);
    check::<u8>(shape, options, what);
    check::<u16>(shape, options, what);
    check::<u32>(shape, options, what);
    check::<u64>(shape, options, what);
}

fn coordinates(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| i as f64 * 0.75 + (i * i % 7) as f64 * 0.125)
        .collect()
}

#[test]
fn every_dtype_spacing_and_edge_order_equals_the_cpu_engine() {
    for order in [EdgeOrder::First, EdgeOrder::Second] {
        for shape in [vec![3], vec![40], vec![5, 7], vec![4, 6, 9]] {
            let base = GradientOptions::new().edge_order(order);
            every_dtype(&shape, &base, "unit spacing");
            let weak = base.clone().spacing(0.3);
            every_dtype(&shape, &weak, "Python-float spacing");
            let typed: Vec<AxisSpacing> = shape
                .iter()
                .enumerate()
                .map(|(k, _)| match k % 3 {
                    0 => AxisSpacing::Uniform(Scalar::F32(0.1)),
                    1 => AxisSpacing::Uniform(Scalar::F64(0.7)),
                    _ => AxisSpacing::Uniform(Scalar::F16(f16::from_f64(0.3))),
                })
                .collect();
            every_dtype(
                &shape,
                &base.clone().spacings(typed),
                "typed scalar spacings",
            );
            let coords: Vec<AxisSpacing> = shape
                .iter()
                .enumerate()
                .map(|(k, &n)| match k % 3 {
                    0 => AxisSpacing::from(coordinates(n)),
                    1 => AxisSpacing::Coordinates(Coordinates::F32(
                        ArrayD::from_shape_vec(
                            IxDyn(&[n]),
                            coordinates(n).into_iter().map(|x| x as f32).collect(),
                        )
                        .unwrap(),
                    )),
                    _ => AxisSpacing::from(0.5),
                })
                .collect();
            every_dtype(&shape, &base.clone().spacings(coords), "coordinates");
        }
    }
}

#[test]
fn zero_and_negative_spacings_divide_as_numpy() {
    let zero = GradientOptions::new().spacing(0.0);
    every_dtype(&[6, 5], &zero, "zero spacing");
    let negative = GradientOptions::new()
        .spacing(-0.25)
        .edge_order(EdgeOrder::Second);
    every_dtype(&[6, 5], &negative, "negative spacing");
}

#[test]
fn axis_subsets_size_one_dims_and_many_dims() {
    let opts = GradientOptions::new().axes([2, 0]);
    every_dtype(&[4, 1, 5, 3], &opts, "axes (2, 0) with a length-1 dim");
    let opts = GradientOptions::new()
        .axis(-1)
        .edge_order(EdgeOrder::Second);
    every_dtype(&[3, 2, 2, 2, 3, 4], &opts, "6-D, last axis");
    check::<f64>(
        &[2, 2, 2, 2, 2, 2, 2, 3],
        &GradientOptions::new(),
        "8-D, every axis",
    );
    // The NumPy-formula kernels hold up to 4 outputs; 5 run the general kernels.
    every_dtype(&[3, 4, 5, 6], &GradientOptions::new(), "4-D, every axis");
    every_dtype(&[2, 3, 2, 3, 4], &GradientOptions::new(), "5-D, every axis");
}

#[test]
fn large_arrays_march_chunks_of_the_outer_dim() {
    // Enough blocks that grid z splits dim 0 into chunks, and rows beyond one grid row.
    let opts = GradientOptions::new().edge_order(EdgeOrder::Second);
    check::<f64>(&[70, 40, 33], &opts, "70x40x33");
    check::<f32>(&[3000, 3], &opts, "3000x3 (narrow inner dim)");
    check::<Complex<f32>>(&[5000], &opts, "5000 samples");
}

#[test]
fn long_marches_equal_the_cpu_engine() {
    // Dim 0 long enough that each thread marches many samples (2-D iterations a warp wide
    // march their outer dim), rows over several middle dims, blocks with origins.
    let second = GradientOptions::new().edge_order(EdgeOrder::Second);
    every_dtype(&[16400, 40], &GradientOptions::new(), "16400x40 march");
    check::<f64>(&[20000, 33], &second, "20000x33 march");
    check::<f32>(
        &[12000, 3, 40],
        &second.clone().spacings([
            AxisSpacing::from(coordinates(12000)),
            AxisSpacing::from(coordinates(3)),
            AxisSpacing::from(0.5),
        ]),
        "12000x3x40 coordinates",
    );
    check::<f64>(&[6000, 4, 3, 40], &GradientOptions::new(), "4-D march");
    let general = GradientOptions::new().accuracy(4).boundaries([
        ndgrad::Boundary::Periodic { period: None },
        ndgrad::Boundary::Reflect,
    ]);
    check::<f64>(&[9000, 40], &general, "periodic/reflect accuracy 4 march");
    check::<Complex<f32>>(
        &[8000, 5, 33],
        &general.clone().axes([1, 2]),
        "general 3-D march",
    );
    // Blocks of a long march, as Dask chunks.
    let shape = [9000usize, 4, 40];
    let f = ArrayD::from_shape_vec(IxDyn(&shape), values(shape.iter().product(), 3)).unwrap();
    for options in [GradientOptions::new(), second] {
        let plan = Plan::new(&shape, &options).unwrap();
        let whole = plan.gradient(f.view()).unwrap();
        for sizes in [[3000, 2, 40], [9000, 3, 17]] {
            let got = emulate_blocks(&plan, f.view(), &sizes);
            for (k, (g, w)) in got.iter().zip(&whole).enumerate() {
                same::<f64>(g, w, &format!("march blocks {sizes:?} output {k}"));
            }
        }
    }
}

/// Every output of `plan` on `f`, computed block by block (a grid of blocks of `sizes`
/// along every dim, as Dask chunks): each block's launch reads the whole array around it.
fn emulate_blocks<T: Element>(
    plan: &Plan,
    f: ArrayViewD<'_, T>,
    sizes: &[usize],
) -> Vec<ArrayD<T::Output>> {
    let gpu = GpuPlan::new(plan, T::DTYPE).unwrap();
    let tables = gpu.tables();
    let table_of: Vec<u64> = (0..gpu.axes().len())
        .map(|k| gpu.table_index(k).map_or(0, |t| tables[t].as_ptr() as u64))
        .collect();
    let poison = <T::Output as Element>::from_f64_cast(POISON);
    let shape = f.shape().to_vec();
    let mut outs: Vec<ArrayD<T::Output>> = gpu
        .axes()
        .iter()
        .map(|_| ArrayD::from_elem(f.raw_dim(), poison))
        .collect();
    let starts: Vec<Vec<usize>> = shape
        .iter()
        .zip(sizes)
        .map(|(&n, &s)| (0..n).step_by(s).collect())
        .collect();
    let mut index = vec![0usize; shape.len()];
    'blocks: loop {
        let origin: Vec<usize> = index
            .iter()
            .enumerate()
            .map(|(d, &i)| starts[d][i])
            .collect();
        let block: Vec<usize> = origin
            .iter()
            .enumerate()
            .map(|(d, &o)| sizes[d].min(shape[d] - o))
            .collect();
        let at: Vec<usize> = origin.clone();
        let input = &f[IxDyn(&at)] as *const T as u64;
        let in_strides: Vec<isize> = f
            .strides()
            .iter()
            .map(|&s| s * size_of::<T>() as isize)
            .collect();
        for (k, out) in outs.iter_mut().enumerate() {
            let out_strides: Vec<isize> = out
                .strides()
                .iter()
                .map(|&s| s * size_of::<T::Output>() as isize)
                .collect();
            let out_ptr = &mut out[IxDyn(&at)] as *mut T::Output as u64;
            let axis = gpu.axes()[k];
            let launches = gpu
                .block_launches(
                    k,
                    origin[axis],
                    &block,
                    Buffer {
                        ptr: input,
                        byte_strides: &in_strides,
                    },
                    Buffer {
                        ptr: out_ptr,
                        byte_strides: &out_strides,
                    },
                    table_of[k],
                )
                .unwrap();
            for launch in &launches {
                // SAFETY: the block and the samples around it lie inside `f` and `out`.
                unsafe { ndgrad_cuda_host::run(launch, 7) };
            }
        }
        for d in (0..shape.len()).rev() {
            index[d] += 1;
            if index[d] < starts[d].len() {
                continue 'blocks;
            }
            index[d] = 0;
        }
        break;
    }
    outs
}

#[test]
fn blocks_of_any_size_equal_the_whole_array() {
    let shape = [11usize, 7, 9];
    let data: Vec<f64> = values(shape.iter().product(), 5);
    let f = ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap();
    let coords = |n: usize| AxisSpacing::from(coordinates(n));
    for order in [EdgeOrder::First, EdgeOrder::Second] {
        for options in [
            GradientOptions::new().edge_order(order),
            GradientOptions::new().edge_order(order).spacings([
                coords(11),
                AxisSpacing::from(0.2),
                coords(9),
            ]),
            GradientOptions::new().edge_order(order).axes([2, 0]),
        ] {
            let plan = Plan::new(&shape, &options).unwrap();
            let whole = plan.gradient(f.view()).unwrap();
            for sizes in [[1, 1, 1], [2, 3, 4], [3, 7, 2], [5, 2, 9], [11, 7, 9]] {
                let got = emulate_blocks(&plan, f.view(), &sizes);
                for (k, (g, w)) in got.iter().zip(&whole).enumerate() {
                    same(g, w, &format!("{order:?} blocks {sizes:?} output {k}"));
                }
            }
        }
    }
    // Other dtypes and a Fortran-ordered input, in uneven blocks.
    let fortran = ArrayD::from_shape_vec(
        IxDyn(&shape).f(),
        values(shape.iter().product(), 9)
            .into_iter()
            .map(|v| v as f32)
            .collect(),
    )
    .unwrap();
    let options = GradientOptions::new().spacings([
        AxisSpacing::from(coordinates(11)),
        AxisSpacing::from(0.5),
        AxisSpacing::Uniform(Scalar::F64(0.25)),
    ]);
    let plan = Plan::new(&shape, &options).unwrap();
    let whole = plan.gradient(fortran.view()).unwrap();
    let got = emulate_blocks(&plan, fortran.view(), &[4, 3, 2]);
    for (k, (g, w)) in got.iter().zip(&whole).enumerate() {
        same(g, w, &format!("f32 Fortran blocks output {k}"));
    }
}

#[test]
fn accuracies_and_derivative_orders_equal_the_cpu_engine() {
    for p in [2u8, 4, 6, 8] {
        for k in 1..=4u8 {
            let opts = GradientOptions::new().accuracy(p).deriv(k);
            check::<f64>(&[13, 14], &opts, &format!("accuracy {p} deriv {k}"));
        }
        let opts = GradientOptions::new().accuracy(p);
        every_dtype(&[12, 10], &opts, &format!("accuracy {p}"));
        let coords = GradientOptions::new()
            .accuracy(p)
            .deriv(2)
            .spacings([AxisSpacing::from(coordinates(12)), AxisSpacing::from(0.3)]);
        every_dtype(
            &[12, 10],
            &coords,
            &format!("accuracy {p} deriv 2, coordinates"),
        );
    }
}

#[test]
fn boundary_modes_equal_the_cpu_engine() {
    use ndgrad::{Boundary, Side};
    let modes = [
        Boundary::Periodic { period: None },
        Boundary::Reflect,
        Boundary::Constant(2.75),
        Boundary::Constant(-1e300),
        // Whole numbers every integer type holds: integer data with constant ghosts.
        Boundary::Constant(3.0),
        Boundary::Sides(Side::Constant(-2.0), Side::Reflect),
        Boundary::Sides(Side::OneSided, Side::Reflect),
        Boundary::Sides(Side::Constant(-3.5), Side::Reflect),
    ];
    for mode in modes {
        for p in [2u8, 4] {
            let opts = GradientOptions::new().accuracy(p).boundary(mode);
            every_dtype(&[9, 8], &opts, &format!("{mode:?} accuracy {p}"));
        }
        let opts = GradientOptions::new().deriv(3).accuracy(6).boundary(mode);
        check::<f32>(&[16, 15], &opts, &format!("{mode:?} deriv 3"));
    }
    // One launch mixing NumPy's formulas without ghosts, with ghosts, and taps (the
    // general kernels run all three).
    let mixed = GradientOptions::new().boundaries([Boundary::OneSided, Boundary::Reflect]);
    every_dtype(&[9, 8], &mixed, "one-sided and reflect axes");
    let mixed = GradientOptions::new()
        .spacings([AxisSpacing::from(coordinates(9)), AxisSpacing::from(0.5)])
        .boundaries([Boundary::OneSided, Boundary::Constant(1.5)]);
    every_dtype(&[9, 8], &mixed, "coordinates one-sided, constant");
    // Uneven coordinates on a periodic axis (the period given), taps and NumPy's formulas.
    for p in [2u8, 4] {
        let opts = GradientOptions::new()
            .accuracy(p)
            .spacings([AxisSpacing::from(coordinates(10)), AxisSpacing::from(0.5)])
            .boundaries([
                Boundary::Periodic { period: Some(9.0) },
                Boundary::Periodic { period: None },
            ]);
        every_dtype(
            &[10, 9],
            &opts,
            &format!("periodic coordinates accuracy {p}"),
        );
    }
}

#[test]
fn savitzky_golay_windows_equal_the_cpu_engine() {
    for (window, polyorder, deriv) in [(5, 2, 1), (11, 3, 1), (11, 4, 2), (25, 12, 3), (7, 3, 3)] {
        let opts = GradientOptions::new()
            .savgol(window, polyorder)
            .deriv(deriv);
        every_dtype(
            &[30, 27],
            &opts,
            &format!("SG {window}/{polyorder} deriv {deriv}"),
        );
        let coords = opts
            .clone()
            .spacings([AxisSpacing::from(coordinates(30)), AxisSpacing::from(0.1)]);
        check::<f64>(
            &[30, 27],
            &coords,
            &format!("SG {window}/{polyorder} coordinates"),
        );
        let wrapped = opts.boundary(ndgrad::Boundary::Periodic { period: None });
        check::<f32>(
            &[30, 27],
            &wrapped,
            &format!("SG {window}/{polyorder} periodic"),
        );
    }
}
