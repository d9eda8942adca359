//! Times the Rust core on one float64 array (all axes) and prints JSON: fresh outputs on
//! all threads and on one, preallocated outputs, and the copy floor (read the input once,
//! write every output once). `scripts/bench.sh` is the full suite, against NumPy.
//!
//! Usage: `cargo run --release -p ndgrad --example bench_core -- 4000 4000`

mod common;

use ndarray::{ArrayD, Dimension, IxDyn, Zip};
use ndgrad::{GradientOptions, gradient, gradient_into};

fn main() {
    let shape: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("dimensions are positive integers"))
        .collect();
    let shape = if shape.is_empty() {
        vec![4000, 4000]
    } else {
        shape
    };
    let f = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
        i.slice()
            .iter()
            .fold(0.0, |acc, &k| acc * 1.1 + (k as f64).sin())
    });
    let naxes = shape.len();
    let repeats = 7;
    let auto = GradientOptions::new();
    let serial = GradientOptions::new().threads(1);
    let mut outs: Vec<ArrayD<f64>> = (0..naxes).map(|_| ArrayD::zeros(f.raw_dim())).collect();

    let fresh = common::median_time(repeats, || {
        std::hint::black_box(gradient(f.view(), &auto).unwrap());
    });
    let fresh_serial = common::median_time(repeats, || {
        std::hint::black_box(gradient(f.view(), &serial).unwrap());
    });
    let into = common::median_time(repeats, || {
        let mut views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
        gradient_into(f.view(), &auto, &mut views).unwrap();
    });
    // The floor: read the input once and write every output once, on all threads.
    let copy = common::median_time(repeats, || match outs.as_mut_slice() {
        [a] => Zip::from(a).and(&f).par_for_each(|a, &x| *a = x),
        [a, b] => Zip::from(a).and(b).and(&f).par_for_each(|a, b, &x| {
            *a = x;
            *b = x;
        }),
        [a, b, c] => Zip::from(a)
            .and(b)
            .and(c)
            .and(&f)
            .par_for_each(|a, b, c, &x| {
                *a = x;
                *b = x;
                *c = x;
            }),
        _ => panic!("the benchmark takes 1 to 3 dimensions"),
    });
    let bytes = (f.len() * 8 * (1 + naxes)) as f64;
    println!(
        "{{\"shape\": {shape:?}, \"threads\": {}, \"fresh\": {fresh}, \"fresh_serial\": {fresh_serial}, \
         \"into\": {into}, \"copy\": {copy}, \"bytes\": {bytes}}}",
        rayon::current_num_threads()
    );
}
