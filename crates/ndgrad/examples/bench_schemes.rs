//! Times the schemes beyond NumPy against ndgrad's own NumPy path on one float64 array, in
//! one run, into preallocated outputs, and prints one line per case with the ratio.
//! `scripts/bench.sh` compares the same cases with NumPy and findiff from Python.
//!
//! Usage: `cargo run --release -p ndgrad --example bench_schemes -- 2000 2000`

mod common;

use ndarray::{ArrayD, Dimension, IxDyn};
use ndgrad::{AxisSpacing, Boundary, EdgeOrder, GradientOptions, gradient_into};

fn main() {
    let shape: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("dimensions are positive integers"))
        .collect();
    let shape = if shape.is_empty() {
        vec![2000, 2000]
    } else {
        shape
    };
    let f = ArrayD::from_shape_fn(IxDyn(&shape), |i: IxDyn| {
        i.slice()
            .iter()
            .fold(0.0, |acc, &k| acc * 1.1 + (k as f64).sin())
    });
    let last = shape.len() - 1;
    let x: Vec<f64> = (0..shape[last])
        .map(|i| i as f64 + 0.3 * (i as f64).sin())
        .collect();
    let coordinates = |o: GradientOptions| {
        o.axis(last as isize)
            .spacings([AxisSpacing::from(x.clone())])
    };
    let o = GradientOptions::new;
    let cases: Vec<(&str, GradientOptions, GradientOptions)> = vec![
        ("accuracy 4, all axes", o().accuracy(4), o()),
        ("accuracy 8, all axes", o().accuracy(8), o()),
        (
            "accuracy 8, axis 0 (rows)",
            o().axis(0).accuracy(8),
            o().axis(0),
        ),
        (
            "accuracy 8, last axis (lanes)",
            o().axis(last as isize).accuracy(8),
            o().axis(last as isize),
        ),
        ("deriv 2, all axes", o().deriv(2), o()),
        (
            "periodic, all axes",
            o().boundary(Boundary::Periodic { period: None }),
            o().edge_order(EdgeOrder::Second),
        ),
        (
            "coordinates accuracy 4, last axis",
            coordinates(o().accuracy(4)),
            coordinates(o()),
        ),
    ];
    let mut outs: Vec<ArrayD<f64>> = (0..shape.len())
        .map(|_| ArrayD::zeros(f.raw_dim()))
        .collect();
    let mut run = |options: &GradientOptions| {
        let n = ndgrad::Plan::new(f.shape(), options).unwrap().axes().len();
        common::median_time(9, || {
            let mut views: Vec<_> = outs[..n].iter_mut().map(|o| o.view_mut()).collect();
            gradient_into(f.view(), options, &mut views).unwrap();
        })
    };
    println!("| case ({shape:?} f64) | NumPy path | scheme | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, scheme, baseline) in &cases {
        let (b, s) = (run(baseline), run(scheme));
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.2}x |",
            b * 1e3,
            s * 1e3,
            s / b
        );
    }
}
