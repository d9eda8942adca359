//! Timing shared by the examples that benchmark the core.

use std::time::{Duration, Instant};

/// The median of `repeats` runs of `f`, in seconds, after one warm-up run.
pub fn median_time(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut runs: Vec<Duration> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2].as_secs_f64()
}
