//! The memory-traffic floor that benchmarks compare against. Not part of the public API
//! (hidden from the docs): the Python benchmark suite and the Rust examples call it.

use crate::error::Error;
use crate::exec::for_each_task;
use crate::options::Parallelism;

/// Copies `src` into every slice of `dsts` in one parallel pass that reads `src` once and
/// writes each destination once: the least memory traffic a gradient of an array along
/// `dsts.len()` axes can cause. Benchmarks time it in the same run as the gradient.
///
/// # Errors
/// [`Error::ThreadPool`] if the threads cannot be started.
///
/// # Panics
/// If a destination's length differs from `src`'s.
pub fn copy_floor(
    src: &[u8],
    dsts: &mut [&mut [u8]],
    parallelism: Parallelism,
) -> Result<(), Error> {
    assert!(
        dsts.iter().all(|d| d.len() == src.len()),
        "destinations must match the source"
    );
    const CHUNK: usize = 1 << 20;
    let chunks: Vec<usize> = (0..src.len().div_ceil(CHUNK)).collect();
    let targets: Vec<Target> = dsts.iter_mut().map(|d| Target(d.as_mut_ptr())).collect();
    let targets = &targets;
    for_each_task(parallelism, &chunks, |&c| {
        let range = c * CHUNK..((c + 1) * CHUNK).min(src.len());
        for t in targets {
            // SAFETY: each task writes its own chunk of each destination, which is
            // `src.len()` bytes long and exclusively borrowed for the whole call.
            let dst = unsafe { std::slice::from_raw_parts_mut(t.0.add(range.start), range.len()) };
            dst.copy_from_slice(&src[range.clone()]);
        }
    })
}

struct Target(*mut u8);
// SAFETY: see `copy_floor`: tasks write disjoint chunks through these pointers.
unsafe impl Sync for Target {}
unsafe impl Send for Target {}
