//! Prints NumPy's true outputs for the calls of a widely read `np.gradient` tutorial,
//! computed by ndgrad (several outputs printed in that tutorial are wrong).
//!
//! Run: `cargo run --release -p ndgrad --example tutorial`

use ndarray::{ArrayD, IxDyn, array};
use ndgrad::{AxisSpacing, EdgeOrder, Error, GradientOptions, gradient};

fn show(call: &str, f: ArrayD<f64>, opts: GradientOptions) -> Result<(), Error> {
    let g = gradient(f.view(), &opts)?;
    println!("{call}");
    for (k, a) in g.iter().enumerate() {
        let text = format!("{a:?}");
        let text = text.split(", shape=").next().unwrap_or(&text);
        let label = if g.len() > 1 {
            format!("  [{k}] ")
        } else {
            "  ".to_string()
        };
        println!(
            "{label}{}",
            text.replace('\n', &format!("\n{}", " ".repeat(label.len())))
        );
    }
    println!();
    Ok(())
}

fn main() -> Result<(), Error> {
    let d = |a: ndarray::ArrayD<f64>| a;
    let o = GradientOptions::new;
    show(
        "np.gradient([1, 3, 6, 10, 15])",
        d(array![1., 3., 6., 10., 15.].into_dyn()),
        o(),
    )?;
    show(
        "np.gradient([[1, 2, 3], [4, 5, 6]])",
        d(array![[1., 2., 3.], [4., 5., 6.]].into_dyn()),
        o(),
    )?;
    show(
        "np.gradient([1, 4, 9, 16], [0, 1, 3, 6])",
        d(array![1., 4., 9., 16.].into_dyn()),
        o().spacings([AxisSpacing::from(vec![0i64, 1, 3, 6])]),
    )?;
    show(
        "np.gradient([[1, 2, 3], [4, 5, 6]], [1, 2], [0.5, 1, 2])",
        d(array![[1., 2., 3.], [4., 5., 6.]].into_dyn()),
        o().spacings([
            AxisSpacing::from(vec![1i64, 2]),
            AxisSpacing::from(vec![0.5, 1.0, 2.0]),
        ]),
    )?;
    let cube = ArrayD::from_shape_vec(IxDyn(&[2, 2, 2]), (1..=8).map(f64::from).collect())
        .expect("8 values for a 2x2x2 cube");
    show(
        "np.gradient([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])",
        cube.clone(),
        o(),
    )?;
    show(
        "np.gradient([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], axis=2)",
        cube,
        o().axis(2),
    )?;
    show(
        "np.gradient([1, 4, 9, 16, 25], edge_order=2)   (not [4, 4, 5, 7, 9])",
        d(array![1., 4., 9., 16., 25.].into_dyn()),
        o().edge_order(EdgeOrder::Second),
    )?;
    show(
        "np.gradient([1, 2, nan, 4, 5])",
        d(array![1., 2., f64::NAN, 4., 5.].into_dyn()),
        o(),
    )?;
    let x: Vec<f64> = (0..5).map(|i| i as f64 / 4.0).collect();
    let x2 =
        ArrayD::from_shape_vec(IxDyn(&[5]), x.iter().map(|v| v * v).collect()).expect("5 values");
    show(
        "x = np.linspace(0, 1, 5); np.gradient(x**2, x)",
        x2,
        o().spacings([AxisSpacing::from(x)]),
    )?;
    show(
        "np.gradient([[0, 0, 0], [0, 1, 0], [0, 0, 0]])   (image edges)",
        d(array![[0., 0., 0.], [0., 1., 0.], [0., 0., 0.]].into_dyn()),
        o(),
    )?;
    show(
        "np.gradient([4, 3, 2.5, 2.1, 2])   (loss curve)",
        d(array![4., 3., 2.5, 2.1, 2.].into_dyn()),
        o(),
    )?;
    show(
        "np.gradient([20, 22, 25, 24, 23])   (daily temperatures)",
        d(array![20., 22., 25., 24., 23.].into_dyn()),
        o(),
    )?;
    let first = gradient(array![1., 4., 9., 16., 25.].view(), &o())?.remove(0);
    show(
        "np.gradient(np.gradient([1, 4, 9, 16, 25]))",
        first.into_dyn(),
        o(),
    )?;
    Ok(())
}
