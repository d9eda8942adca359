//! Property tests: the engine equals a reference written for clarity, for any layout; and
//! serial, parallel and block-by-block (with a halo) runs give identical bits.

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder, Slice};
use ndgrad::{AxisSpacing, EdgeOrder, GradientOptions, Plan, Spacing, gradient};
use proptest::prelude::*;

/// NumPy's formulas on one lane, one sample at a time, straight from DESIGN.md.
fn reference_lane(f: &[f64], x: Option<&[f64]>, h: f64, edge_order: EdgeOrder) -> Vec<f64> {
    let n = f.len();
    let mut out = vec![0.0; n];
    let dx: Option<Vec<f64>> = x.map(|x| x.windows(2).map(|w| w[1] - w[0]).collect());
    // Coordinates with all-equal differences take the uniform path with h = dx[0].
    let (dx, h) = match dx {
        Some(d) if d.iter().all(|&v| v == d[0]) => (None, d[0]),
        other => (other, h),
    };
    match &dx {
        None => {
            for i in 1..n - 1 {
                out[i] = (f[i + 1] - f[i - 1]) / (2.0 * h);
            }
        }
        Some(dx) => {
            for i in 1..n - 1 {
                let (dx1, dx2) = (dx[i - 1], dx[i]);
                let a = -dx2 / (dx1 * (dx1 + dx2));
                let b = (dx2 - dx1) / (dx1 * dx2);
                let c = dx1 / (dx2 * (dx1 + dx2));
                out[i] = (a * f[i - 1] + b * f[i]) + c * f[i + 1];
            }
        }
    }
    match edge_order {
        EdgeOrder::First => {
            let (d0, dn) = dx.as_ref().map_or((h, h), |d| (d[0], d[n - 2]));
            out[0] = (f[1] - f[0]) / d0;
            out[n - 1] = (f[n - 1] - f[n - 2]) / dn;
        }
        EdgeOrder::Second => {
            let (l, r) = match &dx {
                None => ([-1.5 / h, 2.0 / h, -0.5 / h], [0.5 / h, -2.0 / h, 1.5 / h]),
                Some(d) => {
                    let (dx1, dx2) = (d[0], d[1]);
                    let l = [
                        -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2)),
                        (dx1 + dx2) / (dx1 * dx2),
                        -dx1 / (dx2 * (dx1 + dx2)),
                    ];
                    let (dx1, dx2) = (d[n - 3], d[n - 2]);
                    let r = [
                        dx2 / (dx1 * (dx1 + dx2)),
                        -(dx2 + dx1) / (dx1 * dx2),
                        (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2)),
                    ];
                    (l, r)
                }
            };
            out[0] = (l[0] * f[0] + l[1] * f[1]) + l[2] * f[2];
            out[n - 1] = (r[0] * f[n - 3] + r[1] * f[n - 2]) + r[2] * f[n - 1];
        }
    }
    out
}

/// The reference on a whole array: every lane along `axis`.
fn reference(
    f: &ArrayViewD<f64>,
    axis: usize,
    x: Option<&[f64]>,
    h: f64,
    e: EdgeOrder,
) -> ArrayD<f64> {
    let mut out = ArrayD::zeros(f.raw_dim());
    for (lane, mut o) in f
        .lanes(Axis(axis))
        .into_iter()
        .zip(out.lanes_mut(Axis(axis)))
    {
        let v = reference_lane(&lane.to_vec(), x, h, e);
        o.iter_mut().zip(v).for_each(|(o, v)| *o = v);
    }
    out
}

fn same_bits(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[derive(Debug, Clone)]
struct Case {
    shape: Vec<usize>,
    data: Vec<f64>,
    layout: u8,
    axis: usize,
    coordinates: Option<Vec<f64>>,
    h: f64,
    edge_order: EdgeOrder,
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e3f64..1e3,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-0.0),
        1 => -1e300f64..1e300,
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=4, any::<bool>())
        .prop_flat_map(|(ndim, second)| {
            let edge_order = if second {
                EdgeOrder::Second
            } else {
                EdgeOrder::First
            };
            let min = edge_order.min_len();
            (
                proptest::collection::vec(0usize..=6, ndim),
                0..ndim,
                Just(edge_order),
                min..=9usize,
            )
        })
        .prop_flat_map(|(mut shape, axis, edge_order, n)| {
            shape[axis] = n;
            let size: usize = shape.iter().product();
            (
                Just(shape),
                proptest::collection::vec(value(), size),
                0u8..4,
                Just(axis),
                prop_oneof![
                    Just(None),
                    proptest::collection::vec(0.01f64..3.0, n).prop_map(|d| {
                        Some(
                            d.iter()
                                .scan(0.0, |acc, v| {
                                    *acc += v;
                                    Some(*acc)
                                })
                                .collect(),
                        )
                    }),
                    Just(Some((0..n).map(|i| i as f64 * 0.5).collect())),
                ],
                prop_oneof![Just(1.0), Just(0.1), Just(-2.5), 1e-3f64..1e3],
                Just(edge_order),
            )
        })
        .prop_map(
            |(shape, data, layout, axis, coordinates, h, edge_order)| Case {
                shape,
                data,
                layout,
                axis,
                coordinates,
                h,
                edge_order,
            },
        )
}

/// Arrays of 2 or 3 dimensions, every axis long enough for the edge order and the outermost
/// long enough to be cut into several slabs.
fn all_axes_case() -> impl Strategy<Value = Case> {
    (2usize..=3, any::<bool>(), 0u8..4)
        .prop_flat_map(|(ndim, second, layout)| {
            let edge_order = if second {
                EdgeOrder::Second
            } else {
                EdgeOrder::First
            };
            let mut dims = vec![edge_order.min_len()..=12usize; ndim];
            dims[0] = 24..=60;
            (dims, Just(edge_order), Just(layout))
        })
        .prop_flat_map(|(shape, edge_order, layout)| {
            let size: usize = shape.iter().product();
            (
                Just(shape),
                proptest::collection::vec(value(), size),
                Just(edge_order),
                Just(layout),
            )
        })
        .prop_map(|(shape, data, edge_order, layout)| Case {
            shape,
            data,
            layout,
            axis: 0,
            coordinates: None,
            h: 1.0,
            edge_order,
        })
}

/// Views of the same logical values in four memory layouts.
fn with_layout<R>(c: &Case, run: impl FnOnce(ArrayViewD<f64>) -> R) -> R {
    let logical = ArrayD::from_shape_vec(IxDyn(&c.shape), c.data.clone()).unwrap();
    match c.layout {
        0 => run(logical.view()),
        1 => {
            let fortran =
                ArrayD::from_shape_vec(IxDyn(&c.shape).f(), logical.t().iter().copied().collect())
                    .unwrap();
            run(fortran.view())
        }
        2 => {
            // Every other element of an array twice as long in each dimension.
            let big_shape: Vec<usize> = c.shape.iter().map(|&d| 2 * d).collect();
            let mut big = ArrayD::from_elem(IxDyn(&big_shape), f64::NAN);
            big.slice_each_axis_mut(|_| Slice::new(0, None, 2))
                .assign(&logical);
            run(big.slice_each_axis(|_| Slice::new(0, None, 2)))
        }
        _ => {
            // Stored reversed, viewed through negative strides.
            let mut rev = ArrayD::zeros(IxDyn(&c.shape));
            rev.slice_each_axis_mut(|_| Slice::new(0, None, -1))
                .assign(&logical);
            run(rev.slice_each_axis(|_| Slice::new(0, None, -1)))
        }
    }
}

fn options(c: &Case) -> GradientOptions {
    let spacing = match &c.coordinates {
        Some(x) => AxisSpacing::from(x.clone()),
        None => AxisSpacing::from(c.h),
    };
    GradientOptions::new()
        .axis(c.axis as isize)
        .with_spacing(Spacing::PerAxis(vec![spacing]))
        .edge_order(c.edge_order)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn equals_the_reference_in_every_layout(c in case()) {
        let expected = {
            let logical = ArrayD::from_shape_vec(IxDyn(&c.shape), c.data.clone()).unwrap();
            reference(&logical.view(), c.axis, c.coordinates.as_deref(), c.h, c.edge_order)
        };
        let got = with_layout(&c, |f| gradient(f, &options(&c)).unwrap().remove(0));
        prop_assert!(same_bits(&got, &expected), "got {got:?}\nexpected {expected:?}");
    }

    #[test]
    fn serial_parallel_and_blocks_agree(c in case(), cuts in proptest::collection::vec(0usize..10, 0..4)) {
        with_layout(&c, |f| {
            let serial = gradient(f.view(), &options(&c).threads(1)).unwrap().remove(0);
            // A task size of 1 forces the work to be split even for tiny arrays.
            let parallel = gradient(f.view(), &options(&c).threads(3).task_size(1)).unwrap().remove(0);
            prop_assert!(same_bits(&serial, &parallel));

            // Block by block: split the output range at `cuts`, give each block its halo.
            let plan = Plan::new(f.shape(), &options(&c)).unwrap();
            let n = c.shape[c.axis];
            let mut bounds: Vec<usize> = cuts.iter().map(|&k| k % (n + 1)).collect();
            bounds.extend([0, n]);
            bounds.sort_unstable();
            bounds.dedup();
            let mut blocked = ArrayD::from_elem(f.raw_dim(), f64::NAN);
            for w in bounds.windows(2) {
                let halo = plan.halo(0, w[0]..w[1]);
                let block = f.slice_axis(Axis(c.axis), Slice::from(halo.clone()));
                let out = blocked.slice_axis_mut(Axis(c.axis), Slice::from(w[0]..w[1]));
                plan.compute_block(0, block, halo.start, out, w[0]).unwrap();
            }
            prop_assert!(same_bits(&serial, &blocked));
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// All axes at once takes the fused slab schedule when the array is cut into enough
    /// slabs (forced here by a tiny task size); it must equal one pass per axis.
    #[test]
    fn fused_all_axes_equals_one_pass_per_axis(c in all_axes_case(), threads in 1usize..4) {
        with_layout(&c, |f| {
            let opts = GradientOptions::new().edge_order(c.edge_order);
            let fused = gradient(f.view(), &opts.clone().threads(threads).task_size(1)).unwrap();
            for (k, g) in fused.iter().enumerate() {
                let single = gradient(f.view(), &opts.clone().axis(k as isize).threads(1)).unwrap();
                prop_assert!(same_bits(g, &single[0]), "axis {}", k);
            }
            Ok(())
        })?;
    }
}

#[test]
fn a_block_without_its_halo_is_refused() {
    let f = ArrayD::from_shape_vec(IxDyn(&[10]), (0..10).map(f64::from).collect()).unwrap();
    let plan = Plan::new(f.shape(), &GradientOptions::new()).unwrap();
    let mut out = ArrayD::zeros(IxDyn(&[3]));
    let block = f.slice_axis(Axis(0), Slice::from(4..7));
    let err = plan
        .compute_block(0, block, 4, out.view_mut(), 4)
        .unwrap_err();
    assert_eq!(
        err,
        ndgrad::Error::BlockMissingHalo {
            needed: 3..8,
            given: 4..7
        }
    );
}

#[test]
fn large_arrays_split_over_threads_match_serial() {
    // 600 x 700 uses many tasks on every thread count.
    let f = ArrayD::from_shape_fn(IxDyn(&[600, 700]), |i| {
        ((i[0] * 31 + i[1] * 17) % 97) as f64 * 0.37
    });
    let serial = gradient(f.view(), &GradientOptions::new().threads(1)).unwrap();
    for threads in [2, 3, 8] {
        let par = gradient(f.view(), &GradientOptions::new().threads(threads)).unwrap();
        assert!(
            serial.iter().zip(&par).all(|(a, b)| same_bits(a, b)),
            "threads={threads}"
        );
    }
    let auto = gradient(f.view(), &GradientOptions::new()).unwrap();
    assert!(serial.iter().zip(&auto).all(|(a, b)| same_bits(a, b)));
}

#[test]
fn gradient_into_fills_caller_outputs_of_any_layout() {
    let f = ArrayD::from_shape_fn(IxDyn(&[5, 6]), |i| (i[0] * i[0] + 3 * i[1]) as f64);
    let expected = gradient(f.view(), &GradientOptions::new()).unwrap();
    let mut a = ArrayD::zeros(IxDyn(&[5, 6]).f());
    let mut big = ArrayD::zeros(IxDyn(&[10, 12]));
    {
        let b = big.slice_each_axis_mut(|_| Slice::new(0, None, 2));
        let mut outs = vec![a.view_mut(), b];
        ndgrad::gradient_into(f.view(), &GradientOptions::new(), &mut outs).unwrap();
    }
    assert_eq!(a, expected[0]);
    assert_eq!(big.slice_each_axis(|_| Slice::new(0, None, 2)), expected[1]);
    // The odd elements of the strided output were not touched.
    assert!(
        big.slice_each_axis(|_| Slice::new(1, None, 2))
            .iter()
            .all(|&v| v == 0.0)
    );

    let mut wrong = [ArrayD::zeros(IxDyn(&[5, 5]))];
    let mut views: Vec<_> = wrong.iter_mut().map(|a| a.view_mut()).collect();
    let err =
        ndgrad::gradient_into(f.view(), &GradientOptions::new().axis(0), &mut views).unwrap_err();
    assert!(
        matches!(err, ndgrad::Error::OutputShape { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn outputs_follow_the_input_memory_order() {
    let f = ArrayD::<f64>::zeros(IxDyn(&[4, 5, 6]).f());
    let g = gradient(f.view(), &GradientOptions::new()).unwrap();
    assert!(g.iter().all(|o| o.t().is_standard_layout()));
}
