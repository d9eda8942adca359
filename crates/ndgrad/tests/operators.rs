//! The fused operators equal the combination, in axis order, of `gradient`'s own outputs
//! with the same options (NUMERICS.md §6), bit for bit, for any thread count and slab size.

use ndarray::{Array2, ArrayD, ArrayViewD, Dimension, IxDyn, ShapeBuilder};
use ndgrad::{
    AxisSpacing, Boundary, Complex, Curl, Error, GradientOptions, curl, divergence, f16, gradient,
    laplacian, magnitude,
};

fn field(shape: &[usize], seed: f64) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i: IxDyn| {
        i.slice().iter().enumerate().fold(seed, |acc, (d, &k)| {
            acc * 1.3 + ((k * (d + 2)) as f64 * 0.37 + seed).sin()
        })
    })
}

fn option_sets(shape: &[usize]) -> Vec<GradientOptions> {
    let x: Vec<f64> = (0..shape[0]).map(|i| (i as f64).powf(1.2)).collect();
    let mut spacings = vec![AxisSpacing::from(x)];
    spacings.extend((1..shape.len()).map(|d| AxisSpacing::from(0.5 * d as f64)));
    vec![
        GradientOptions::new(),
        GradientOptions::new().spacings(spacings).accuracy(4),
        GradientOptions::new()
            .boundary(Boundary::Periodic { period: None })
            .spacing(0.25),
        GradientOptions::new().boundary(Boundary::Reflect).deriv(2),
    ]
}

/// The options with several thread counts and slab sizes (task sizes).
fn schedules(o: &GradientOptions) -> Vec<GradientOptions> {
    vec![
        o.clone().threads(1),
        o.clone().threads(3).task_size(7),
        o.clone().threads(2).task_size(64),
    ]
}

#[test]
fn magnitude_is_the_root_of_the_sum_of_squares() {
    for shape in [vec![40], vec![23, 17], vec![9, 8, 7]] {
        let f = field(&shape, 0.3);
        for o in option_sets(&shape) {
            let g = gradient(f.view(), &o).unwrap();
            let expected = g.iter().skip(1).fold(g[0].mapv(|v| v * v), |acc, gk| {
                ndarray::Zip::from(&acc)
                    .and(gk)
                    .map_collect(|&a, &b| a + b * b)
            });
            let expected = expected.mapv(f64::sqrt);
            for s in schedules(&o) {
                assert_eq!(
                    magnitude(f.view(), &s).unwrap(),
                    expected,
                    "{shape:?} {s:?}"
                );
            }
            // A Fortran-ordered copy gives the same values.
            let fortran = ArrayD::from_shape_vec(
                IxDyn(&shape).f(),
                f.t().iter().copied().collect::<Vec<_>>(),
            )
            .unwrap();
            assert_eq!(fortran, f);
            assert_eq!(magnitude(fortran.view(), &o).unwrap(), expected);
        }
    }
}

#[test]
fn magnitude_of_every_element_type() {
    let f = field(&[12, 10], 1.0);
    let o = GradientOptions::new();
    let f32s = f.mapv(|v| v as f32);
    let g = gradient(f32s.view(), &o).unwrap();
    let expected = ndarray::Zip::from(&g[0])
        .and(&g[1])
        .map_collect(|&a, &b| (a * a + b * b).sqrt());
    assert_eq!(magnitude(f32s.view(), &o).unwrap(), expected);
    let halves = f.mapv(f16::from_f64);
    let g = gradient(halves.view(), &o).unwrap();
    let expected = ndarray::Zip::from(&g[0])
        .and(&g[1])
        .map_collect(|&a, &b| f16::from_f32((a * a + b * b).to_f32().sqrt()));
    assert_eq!(magnitude(halves.view(), &o).unwrap(), expected);
    let complex = f.mapv(|v| Complex::new(v, -2.0 * v));
    let g = gradient(complex.view(), &o).unwrap();
    let expected = ndarray::Zip::from(&g[0]).and(&g[1]).map_collect(|a, b| {
        let (sa, sb) = (a.re * a.re + a.im * a.im, b.re * b.re + b.im * b.im);
        (sa + sb).sqrt()
    });
    assert_eq!(magnitude(complex.view(), &o).unwrap(), expected);
    let ints = f.mapv(|v| (v * 100.0) as i16);
    let g = gradient(ints.view(), &o).unwrap();
    let expected = ndarray::Zip::from(&g[0])
        .and(&g[1])
        .map_collect(|&a, &b| (a * a + b * b).sqrt());
    assert_eq!(magnitude(ints.view(), &o).unwrap(), expected);
}

fn component_derivative(c: &ArrayD<f64>, o: &GradientOptions, k: usize) -> ArrayD<f64> {
    gradient(c.view(), o).unwrap().swap_remove(k)
}

#[test]
fn divergence_and_laplacian_are_sums_in_axis_order() {
    for shape in [vec![30], vec![21, 19], vec![8, 9, 10]] {
        let components: Vec<ArrayD<f64>> =
            (0..shape.len()).map(|c| field(&shape, c as f64)).collect();
        let views: Vec<ArrayViewD<f64>> = components.iter().map(|c| c.view()).collect();
        for o in option_sets(&shape) {
            let parts: Vec<ArrayD<f64>> = (0..shape.len())
                .map(|i| component_derivative(&components[i], &o, i))
                .collect();
            let expected = parts[1..].iter().fold(parts[0].clone(), |acc, p| acc + p);
            for s in schedules(&o) {
                assert_eq!(divergence(&views, &s).unwrap(), expected, "{shape:?} {s:?}");
            }
            let second = o.clone().deriv(2);
            let g = gradient(components[0].view(), &second).unwrap();
            let expected = g[1..].iter().fold(g[0].clone(), |acc, p| acc + p);
            for s in schedules(&o) {
                assert_eq!(laplacian(views[0].clone(), &s).unwrap(), expected, "{s:?}");
            }
        }
    }
}

#[test]
fn curl_is_right_handed_in_axis_order() {
    for shape in [vec![11, 12], vec![7, 8, 9]] {
        let n = shape.len();
        let components: Vec<ArrayD<f64>> = (0..n).map(|c| field(&shape, c as f64)).collect();
        let views: Vec<ArrayViewD<f64>> = components.iter().map(|c| c.view()).collect();
        for o in option_sets(&shape) {
            let d = |a: usize, b: usize| component_derivative(&components[a], &o, b);
            for s in schedules(&o) {
                match curl(&views, &s).unwrap() {
                    Curl::Scalar(w) => {
                        assert_eq!(n, 2);
                        assert_eq!(w, d(1, 0) - d(0, 1));
                    }
                    Curl::Vector([a, b, c]) => {
                        assert_eq!(n, 3);
                        assert_eq!(a, d(2, 1) - d(1, 2));
                        assert_eq!(b, d(0, 2) - d(2, 0));
                        assert_eq!(c, d(1, 0) - d(0, 1));
                    }
                }
            }
        }
    }
}

#[test]
fn worked_values() {
    // E7: u = -y, v = x on a (y, x) grid.
    let y = Array2::from_shape_fn((5, 5), |(i, _)| i as f64 - 2.0);
    let x = Array2::from_shape_fn((5, 5), |(_, j)| j as f64 - 2.0);
    let u = y.mapv(|v| -v);
    let opts = GradientOptions::new();
    let vorticity = |a: &Array2<f64>, b: &Array2<f64>, axes: [isize; 2]| match curl(
        &[a.view(), b.view()],
        &opts.clone().axes(axes),
    )
    .unwrap()
    {
        Curl::Scalar(w) => w,
        Curl::Vector(_) => unreachable!(),
    };
    assert!(vorticity(&u, &x, [1, 0]).iter().all(|&w| w == 2.0));
    assert!(vorticity(&x, &u, [0, 1]).iter().all(|&w| w == -2.0));
}

#[test]
fn errors_name_the_mistake() {
    let f = field(&[6, 7], 0.0);
    let g = field(&[6, 8], 1.0);
    let o = GradientOptions::new();
    assert!(matches!(
        divergence(&[f.view()], &o),
        Err(Error::OperatorAxes {
            operator: "divergence",
            axes: 2,
            ..
        })
    ));
    assert!(matches!(
        curl(&[f.view(), g.view()], &o),
        Err(Error::ComponentShape { index: 1, .. })
    ));
    let e = curl(&[f.view()], &o.clone().axis(0)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "curl differentiates 1 axes here for 1 component but needs 2 or 3, one per component; \
         pass as many components as axes (axis= selects them)"
    );
    assert!(matches!(
        laplacian(f.view(), &o.clone().axis(0).accuracy(8)),
        Err(Error::AxisTooShort { .. })
    ));
}
