//! What the core's test files share: the schedule-independence check every stencil family
//! must pass (serial = threaded = block by block = lanes, bit for bit).

use ndarray::{ArrayD, Axis, IxDyn, Slice};
use ndgrad::{GradientOptions, Plan, gradient};

/// The test field of the schedule checks: 61 x 13 samples of a smooth signal.
pub fn field() -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[61, 13]), |i| {
        ((i[0] * 13 + i[1]) as f64 * 0.71).sin()
    })
}

/// Output 0 (axis 0) of `options`, computed block by block (`width` rows each) through
/// `Plan::compute_block`: blocks inside the real axis carry their halo; blocks that need
/// ghosts read the whole axis (its ghosts come from the index map).
pub fn block_by_block(f: &ArrayD<f64>, options: &GradientOptions, width: usize) -> ArrayD<f64> {
    let plan = Plan::new(f.shape(), options).unwrap();
    let n = f.shape()[0];
    let (left, _) = plan.ghosts(0);
    let mut out = ArrayD::zeros(f.raw_dim());
    for start in (0..n).step_by(width) {
        let rows = start..(start + width).min(n);
        let halo = plan.halo(0, rows.clone());
        let (block, block_start) = if halo.start >= left && halo.end <= left + n {
            let local = halo.start - left..halo.end - left;
            (f.slice_axis(Axis(0), Slice::from(local)), halo.start)
        } else {
            (f.view(), left)
        };
        let target = out.slice_axis_mut(Axis(0), Slice::from(rows.clone()));
        plan.compute_block(0, block, block_start, target, rows.start)
            .unwrap();
    }
    out
}

/// Serial, threaded, block-by-block (widths 1, 5, 16) and lane-mode runs of `options`
/// (differentiating axis 0 of `f`) give the same bits.
pub fn same_bits_on_every_schedule(f: &ArrayD<f64>, o: &GradientOptions) {
    let whole = gradient(f.view(), &o.clone().threads(1)).unwrap().remove(0);
    let threaded = gradient(f.view(), &o.clone().threads(3).task_size(8))
        .unwrap()
        .remove(0);
    assert_eq!(whole, threaded, "{o:?}");
    for width in [1, 5, 16] {
        assert_eq!(
            whole,
            block_by_block(f, o, width),
            "{o:?} blocks of {width}"
        );
    }
    // Lane mode (the axis innermost) gives the same bits as row mode.
    let ft = f.t().as_standard_layout().to_owned();
    let lanes = gradient(ft.view(), &o.clone().axes([1])).unwrap().remove(0);
    assert_eq!(lanes.t(), whole, "{o:?} lanes");
}
