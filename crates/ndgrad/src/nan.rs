//! NaN policies (`NanPolicy`): which samples are missing, and the derivatives of the lanes
//! that hold some.
//!
//! The kernels run as under `propagate`; a NaN-free array costs one scan and nothing more.
//! Lanes holding a NaN are then redone one at a time: the samples the policy keeps become
//! an axis of their own ([`SubAxis`]: positions in steps of `h` on evenly spaced axes, so
//! neighbours across a gap are `gap * h` apart, or the kept coordinates), planned with the
//! call's scheme and boundary ([`Plan::sub_plan`]), differentiated serially and scattered
//! back. So `omit` is `gradient(f[valid], x[valid])` and `split` is `gradient` of each run,
//! by construction, with every scheme and boundary mode the engine has.

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{ArrayView, ArrayView1, ArrayViewMut, ArrayViewMut1, Axis, Dimension, IxDyn, Zip};

use crate::element::Element;
use crate::error::Error;
use crate::exec::{self, for_each_task};
use crate::options::{AxisSpacing, Boundary, Coordinates, NanPolicy, Parallelism, Scalar, Side};
use crate::plan::{Plan, SubAxis};

/// Elements scanned per task: large enough to amortize scheduling, small enough to split.
const SCAN_CHUNK: usize = 1 << 16;

/// Whether `f` holds a NaN (complex: in either part). Integer arrays never do.
pub(crate) fn has_nan<T: Element, D: Dimension>(
    f: &ArrayView<'_, T, D>,
    parallelism: Parallelism,
) -> Result<bool, Error> {
    if !matches!(T::DTYPE.kind(), 'f' | 'c') {
        return Ok(false);
    }
    let Some(all) = f.as_slice_memory_order() else {
        return Ok(f.iter().any(|v| v.is_missing()));
    };
    let chunks: Vec<&[T]> = all.chunks(SCAN_CHUNK).collect();
    let found = AtomicBool::new(false);
    for_each_task(parallelism, &chunks, |chunk| {
        // An OR over the whole chunk (no early exit) vectorizes.
        if chunk.iter().fold(false, |acc, v| acc | v.is_missing()) {
            found.store(true, Ordering::Relaxed);
        }
    })?;
    Ok(found.into_inner())
}

/// The first NaN of `f` in C order, as an index; `None` if there is none.
pub fn find_nan<T: Element, D: Dimension>(f: ArrayView<'_, T, D>) -> Option<Vec<usize>> {
    f.indexed_iter()
        .find(|(_, v)| v.is_missing())
        .map(|(index, _)| index.into_pattern_vec())
}

/// A multi-index as a list, whatever its dimension type.
trait IntoPatternVec {
    fn into_pattern_vec(self) -> Vec<usize>;
}

impl<P: ndarray::IntoDimension> IntoPatternVec for P {
    fn into_pattern_vec(self) -> Vec<usize> {
        self.into_dimension().slice().to_vec()
    }
}

impl Plan {
    /// What the NaN policy asks before the kernels run: `Ok(true)` if lanes will need
    /// redoing afterwards ([`Plan::redo_nan_lanes`]).
    ///
    /// # Errors
    /// [`Error::NanFound`] under [`NanPolicy::Raise`], [`Error::ThreadPool`].
    pub(crate) fn check_nan<T: Element, D: Dimension>(
        &self,
        f: &ArrayView<'_, T, D>,
    ) -> Result<bool, Error> {
        if self.nan_policy == NanPolicy::Propagate || !has_nan(f, self.parallelism)? {
            return Ok(false);
        }
        if self.nan_policy == NanPolicy::Raise {
            return Err(Error::NanFound {
                index: find_nan(f.view()).expect("the scan found a NaN"),
                axis: self.axes.first().map_or(0, |a| a.axis),
            });
        }
        Ok(true)
    }

    /// Redoes every lane of every output whose input lane holds a NaN, by the plan's
    /// policy (`omit` or `split`); `outputs` hold the kernels' results.
    pub(crate) fn redo_nan_lanes<T: Element, D: Dimension>(
        &self,
        f: &ArrayView<'_, T, D>,
        outputs: &mut [ArrayViewMut<'_, T::Output, D>],
    ) -> Result<(), Error> {
        for (k, out) in outputs.iter_mut().enumerate() {
            self.redo_lanes(k, f, 0, out.view_mut(), 0)?;
        }
        Ok(())
    }

    /// The NaN policy of one block ([`Plan::compute_block`]) before its kernels run:
    /// `Ok(true)` if its lanes need redoing ([`Plan::redo_lanes`] on its real part). `block` holds the
    /// block's real samples (no ghosts), `real` their indices along the axis; `out` the
    /// outputs' (real indices).
    ///
    /// # Errors
    /// [`Error::NanFound`] under `raise` (the index is the array's along the axis and the
    /// block's along the others);
    /// [`Error::NanPolicyNeedsWholeAxis`] when the policy needs whole lanes and the block
    /// holds part of the axis; [`Error::BlockMissingHalo`] when a `split` block lacks the
    /// samples within the plan's reach of its outputs.
    pub(crate) fn check_block_nan<T: Element, D: Dimension>(
        &self,
        k: usize,
        block: &ArrayView<'_, T, D>,
        real: Range<usize>,
        out: Range<usize>,
    ) -> Result<bool, Error> {
        if self.nan_policy == NanPolicy::Propagate || !has_nan(block, self.parallelism)? {
            return Ok(false);
        }
        let plan = &self.axes[k];
        if self.nan_policy == NanPolicy::Raise {
            let mut index = find_nan(block.view()).expect("the scan found a NaN");
            index[plan.axis] += real.start;
            return Err(Error::NanFound {
                index,
                axis: plan.axis,
            });
        }
        let n = self.shape[plan.axis];
        if real == (0..n) {
            return Ok(true);
        }
        if !self.split_is_local(k) {
            return Err(Error::NanPolicyNeedsWholeAxis {
                axis: plan.axis,
                given: real,
                len: n,
            });
        }
        let reach = self.reach(k);
        let needed = out.start.saturating_sub(reach)..(out.end + reach).min(n);
        if needed.start < real.start || needed.end > real.end {
            return Err(Error::BlockMissingHalo {
                needed,
                given: real,
            });
        }
        Ok(true)
    }

    /// Whether blocks of output `k` must hold the whole axis under the plan's NaN policy:
    /// under `omit`, and under `split` on coordinate or periodic axes (a run's uniformity
    /// and the seam depend on the whole lane). Otherwise the halo of [`Plan::reach`]
    /// suffices.
    ///
    /// # Panics
    /// If `k` is not below the number of outputs.
    pub fn needs_whole_axis(&self, k: usize) -> bool {
        match self.nan_policy {
            NanPolicy::Omit => true,
            NanPolicy::Split => !self.split_is_local(k),
            NanPolicy::Propagate | NanPolicy::Raise => false,
        }
    }

    /// Whether `split` on output `k` can run on part of the axis: each output then depends
    /// only on the samples within the plan's reach. Not so on periodic axes (runs join
    /// through the seam) nor on coordinate axes (a run's uniformity depends on all of it).
    pub(crate) fn split_is_local(&self, k: usize) -> bool {
        let plan = &self.axes[k];
        let uniform = match &plan.spacing {
            AxisSpacing::Uniform(_) => true,
            AxisSpacing::Coordinates(c) => c.ndim() == 0,
        };
        self.nan_policy == NanPolicy::Split && uniform && plan.boundary.sides().is_some()
    }

    /// Redoes the lanes along output `k`'s axis of `window` (real samples from
    /// `window_start`) that hold a NaN, into `out` (real samples from `out_start`). Lanes
    /// are independent: the array is cut across them (along its longest other axis) into
    /// parts that run on the plan's threads.
    pub(crate) fn redo_lanes<T: Element, D: Dimension>(
        &self,
        k: usize,
        window: &ArrayView<'_, T, D>,
        window_start: usize,
        mut out: ArrayViewMut<'_, T::Output, D>,
        out_start: usize,
    ) -> Result<(), Error> {
        let axis = self.axes[k].axis;
        let across = (0..window.ndim())
            .filter(|&d| d != axis)
            .max_by_key(|&d| window.len_of(Axis(d)));
        let threads = exec::thread_count(self.parallelism);
        let Some(across) = across.filter(|_| threads > 1) else {
            return self.redo_part_lanes(k, window.view(), window_start, out, out_start);
        };
        let width = window.len_of(Axis(across)).div_ceil(4 * threads).max(1);
        let parts: Vec<_> = window
            .axis_chunks_iter(Axis(across), width)
            .zip(out.axis_chunks_iter_mut(Axis(across), width))
            .map(Mutex::new)
            .collect();
        let failure = Mutex::new(Ok(()));
        exec::for_each_task(self.parallelism, &parts, |part| {
            // Each task locks its own part only: never contended.
            let mut guard = part.lock().unwrap_or_else(|p| p.into_inner());
            let (lanes, target) = &mut *guard;
            let result =
                self.redo_part_lanes(k, lanes.view(), window_start, target.view_mut(), out_start);
            if result.is_err() {
                *failure.lock().unwrap_or_else(|p| p.into_inner()) = result;
            }
        })?;
        failure.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// [`Plan::redo_lanes`] on the calling thread.
    fn redo_part_lanes<T: Element, D: Dimension>(
        &self,
        k: usize,
        window: ArrayView<'_, T, D>,
        window_start: usize,
        mut out: ArrayViewMut<'_, T::Output, D>,
        out_start: usize,
    ) -> Result<(), Error> {
        let axis = Axis(self.axes[k].axis);
        let mut first_error = Ok(());
        Zip::from(window.lanes(axis))
            .and(out.lanes_mut(axis))
            .for_each(|lane, out| {
                if first_error.is_ok() {
                    let mut target = Target {
                        out,
                        start: out_start,
                    };
                    first_error = self.redo_lane(k, lane, window_start, &mut target);
                }
            });
        first_error
    }

    /// One lane (or part of one, from real sample `start`) of output `k`: left alone
    /// without NaN, else redone from the samples its policy keeps.
    fn redo_lane<T: Element>(
        &self,
        k: usize,
        lane: ArrayView1<'_, T>,
        start: usize,
        out: &mut Target<'_, T::Output>,
    ) -> Result<(), Error> {
        if !lane.iter().any(|v| v.is_missing()) {
            return Ok(());
        }
        let n = self.shape[self.axes[k].axis];
        // One contiguous copy: the lane is read several times below.
        let values: Vec<T> = lane.iter().copied().collect();
        let mut valid = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            if v.is_missing() {
                out.set(start + i, T::Output::nan());
            } else {
                valid.push(i);
            }
        }
        let part = Part {
            values: &values,
            start,
        };
        let boundary = self.axes[k].boundary;
        match self.nan_policy {
            NanPolicy::Omit => self.redo_part(k, &part, &Kept::Positions(valid), boundary, out),
            NanPolicy::Split => {
                for (run, boundary) in runs(&valid, (start, values.len(), n), boundary) {
                    self.redo_part(k, &part, &run, boundary, out)?;
                }
                Ok(())
            }
            NanPolicy::Propagate | NanPolicy::Raise => Ok(()),
        }
    }

    /// Differentiates the samples of `part` that `kept` names as an axis with `boundary`,
    /// writing their outputs; a selection too short for the scheme is NaN.
    fn redo_part<T: Element>(
        &self,
        k: usize,
        part: &Part<'_, T>,
        kept: &Kept,
        boundary: Boundary,
        out: &mut Target<'_, T::Output>,
    ) -> Result<(), Error> {
        let values: Vec<T> = kept.iter().map(|i| part.values[i]).collect();
        let len = part.values.len();
        // Positions on the lane, counting on past its end through a periodic seam.
        let unwrapped = || -> Vec<usize> { kept.unwrapped(len).map(|p| part.start + p).collect() };
        let even = |h: Scalar| match kept {
            // A run of neighbours: evenly spaced by `h` itself.
            Kept::Runs(_) => SubAxis::Even {
                h,
                len: values.len(),
            },
            Kept::Positions(_) => SubAxis::Steps {
                at: unwrapped(),
                h,
                lane_len: len,
            },
        };
        let sub = match &self.axes[k].spacing {
            AxisSpacing::Uniform(h) => even(*h),
            AxisSpacing::Coordinates(c) if c.ndim() == 0 => even(crate::plan::zero_d_scalar(c)),
            AxisSpacing::Coordinates(c) => {
                let period = match self.axes[k].boundary {
                    Boundary::Periodic { period } => period.unwrap_or(f64::NAN),
                    _ => f64::NAN,
                };
                SubAxis::Coordinates(c.select(&unwrapped(), len, period))
            }
        };
        let result = self
            .sub_plan(k, sub, boundary)
            .and_then(|plan| plan.gradient(ArrayView1::from(&values[..])));
        match result {
            Ok(g) => {
                for (i, &d) in kept.iter().zip(g[0].iter()) {
                    out.set(part.start + i, d);
                }
                Ok(())
            }
            Err(
                Error::ArrayTooSmall { .. }
                | Error::AxisTooShort { .. }
                | Error::AxisShorterThanWindow { .. },
            ) => {
                for i in kept.iter() {
                    out.set(part.start + i, T::Output::nan());
                }
                Ok(())
            }
            Err(other) => Err(other),
        }
    }
}

/// The samples of a lane being redone: real samples `start..start + values.len()`.
struct Part<'a, T> {
    values: &'a [T],
    start: usize,
}

/// The samples of a part that a policy differentiates together, in axis order.
enum Kept {
    /// Any positions (`omit`'s valid samples), ascending.
    Positions(Vec<usize>),
    /// Consecutive runs of positions (one `split` run; two for a run joined through a
    /// periodic seam: the tail of the lane, then its head).
    Runs(Vec<Range<usize>>),
}

impl Kept {
    /// The positions, in order.
    fn iter(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Kept::Positions(at) => Box::new(at.iter().copied()),
            Kept::Runs(runs) => Box::new(runs.iter().flat_map(Range::clone)),
        }
    }

    /// The positions with a joined run's head counted on past the end (`+ len`), so they
    /// ascend.
    fn unwrapped(&self, len: usize) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Kept::Positions(at) => Box::new(at.iter().copied()),
            Kept::Runs(runs) => Box::new(
                runs.iter()
                    .enumerate()
                    .flat_map(move |(j, r)| r.clone().map(move |p| p + j.min(1) * len)),
            ),
        }
    }
}

/// The outputs of a lane: real samples `start..start + out.len()`; others are dropped.
struct Target<'a, O> {
    out: ArrayViewMut1<'a, O>,
    start: usize,
}

impl<O> Target<'_, O> {
    fn set(&mut self, i: usize, value: O) {
        if let Some(slot) = i.checked_sub(self.start).and_then(|j| self.out.get_mut(j)) {
            *slot = value;
        }
    }
}

/// The runs of consecutive `valid` positions (counted from the part's start) of part
/// `start..start + len` of a lane of `n` samples with `boundary`, each with the boundary it
/// is differentiated with: the lane's own side at a lane end, one-sided at a cut or at the
/// part's edge. On a periodic lane (always whole) the runs touching both ends join through
/// the seam (the tail of the lane, then its head) and every end is a cut.
fn runs(
    valid: &[usize],
    (start, len, n): (usize, usize, usize),
    boundary: Boundary,
) -> Vec<(Kept, Boundary)> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    for &i in valid {
        match runs.last_mut() {
            Some(run) if run.end == i => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let Some((left, right)) = boundary.sides() else {
        let wraps =
            runs.len() > 1 && runs[0].start == 0 && runs.last().is_some_and(|r| r.end == len);
        let mut kept: Vec<Kept> = Vec::with_capacity(runs.len());
        let head = if wraps { Some(runs.remove(0)) } else { None };
        let last = runs.len().saturating_sub(1);
        for (j, run) in runs.into_iter().enumerate() {
            match (&head, j == last) {
                (Some(h), true) => kept.push(Kept::Runs(vec![run, h.clone()])),
                _ => kept.push(Kept::Runs(vec![run])),
            }
        }
        return kept.into_iter().map(|k| (k, Boundary::OneSided)).collect();
    };
    runs.into_iter()
        .map(|run| {
            let l = if start + run.start == 0 {
                left
            } else {
                Side::OneSided
            };
            let r = if start + run.end == n {
                right
            } else {
                Side::OneSided
            };
            (Kept::Runs(vec![run]), Boundary::Sides(l, r))
        })
        .collect()
}

impl Coordinates {
    /// The coordinates at positions `at` of this 1-D axis of `n` samples; positions past the
    /// end wrap around, one `period` (a length) further along the coordinates' direction per
    /// lap (in the coordinates' precision).
    pub(crate) fn select(&self, at: &[usize], n: usize, period: f64) -> Coordinates {
        fn pick<K: crate::element::Real>(
            x: &ndarray::ArrayD<K>,
            at: &[usize],
            n: usize,
            period: f64,
        ) -> ndarray::ArrayD<K> {
            let descending = n > 1 && x[IxDyn(&[n - 1])].to_f64() < x[IxDyn(&[0])].to_f64();
            let p = K::from_f64(if descending { -period } else { period });
            let picked = at
                .iter()
                .map(|&i| {
                    let v = x[IxDyn(&[i % n])];
                    (0..i / n).fold(v, |v, _| v + p)
                })
                .collect();
            ndarray::ArrayD::from_shape_vec(IxDyn(&[at.len()]), picked)
                .expect("one coordinate per position")
        }
        match self {
            Coordinates::F64(x) => Coordinates::F64(pick(x, at, n, period)),
            Coordinates::F32(x) => Coordinates::F32(pick(x, at, n, period)),
            Coordinates::F16(x) => Coordinates::F16(pick(x, at, n, period)),
        }
    }
}
