//! Criterion benchmarks of the core engine: `cargo bench -p ndgrad`.
//!
//! Each group reports throughput as the bytes a gradient must move at least (the input once
//! and every output once), so criterion's GB/s compare directly with the copy floor that
//! `scripts/bench.sh` measures.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{ArrayD, Dimension, IxDyn};
use ndgrad::{AxisSpacing, EdgeOrder, GradientOptions, gradient, gradient_into};

fn array(shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        i.slice()
            .iter()
            .fold(0.0, |acc, &k| acc * 1.1 + (k as f64).sin())
    })
}

fn bench(c: &mut Criterion) {
    let cases: Vec<(&str, Vec<usize>, GradientOptions)> = vec![
        ("1-D 1e6", vec![1_000_000], GradientOptions::new()),
        ("2-D 1000x1000", vec![1000, 1000], GradientOptions::new()),
        (
            "2-D 1000x1000 serial",
            vec![1000, 1000],
            GradientOptions::new().threads(1),
        ),
        ("3-D 100^3", vec![100, 100, 100], GradientOptions::new()),
        (
            "3-D 100^3 axis=1",
            vec![100, 100, 100],
            GradientOptions::new().axis(1),
        ),
        (
            "2-D 1000x1000 coordinates, edge 2",
            vec![1000, 1000],
            GradientOptions::new()
                .spacings([
                    AxisSpacing::from(1.0),
                    AxisSpacing::from((0..1000).map(|i| (i as f64).powf(1.1)).collect::<Vec<_>>()),
                ])
                .edge_order(EdgeOrder::Second),
        ),
    ];
    let mut group = c.benchmark_group("gradient");
    group.sample_size(20);
    for (name, shape, options) in &cases {
        let f = array(shape);
        let n_out = gradient(f.view(), options).unwrap().len();
        group.throughput(Throughput::Bytes((f.len() * 8 * (1 + n_out)) as u64));
        group.bench_with_input(BenchmarkId::new("fresh", name), &f, |b, f| {
            b.iter(|| gradient(f.view(), options).unwrap())
        });
        let mut outs: Vec<ArrayD<f64>> = (0..n_out).map(|_| ArrayD::zeros(f.raw_dim())).collect();
        group.bench_with_input(BenchmarkId::new("into", name), &f, |b, f| {
            b.iter(|| {
                let mut views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
                gradient_into(f.view(), options, &mut views).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
