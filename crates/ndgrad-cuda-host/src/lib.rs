//! Runs `ndgrad-cuda`'s kernel source on the CPU, to test it where there is no GPU.
//!
//! `build.rs` compiles `kernels/grad.cu` with g++ through a small shim (the CUDA built-ins
//! it uses, with the GPU's rounding), and [`run`] executes a [`Launch`] planned by
//! `ndgrad-cuda` itself: every block (in a seeded shuffled order) and every thread, on host
//! memory. What this cannot test waits for a GPU: the hardware's division and conversions,
//! NaN payloads, and speed.

use std::ffi::CString;

use ndgrad_cuda::Launch;
use ndgrad_cuda::params::NdgParams;

unsafe extern "C" {
    fn ndg_host_launch(
        name: *const std::ffi::c_char,
        params: *const NdgParams,
        grid: *const u32,
        block: *const u32,
        seed: u64,
    ) -> i32;
    fn ndg_host_layout(out: *mut u64);
    fn ndg_host_f16_from_f64(x: f64) -> u16;
    fn ndg_host_f32_from_f16(h: u16) -> f32;
}

/// Runs `launch` on the host, blocks in an order shuffled by `seed`.
///
/// # Safety
/// Every pointer in `launch.params` must address host memory holding the planned arrays
/// and tables (the kernel reads and writes through them).
pub unsafe fn run(launch: &Launch, seed: u64) {
    let name = CString::new(launch.entry).expect("entry names have no NUL");
    // SAFETY: the harness reads the parameter block and the two 3-element arrays during
    // the call only; the caller vouches for the pointers inside the parameters.
    let status = unsafe {
        ndg_host_launch(
            name.as_ptr(),
            &launch.params,
            launch.grid.as_ptr(),
            launch.block.as_ptr(),
            seed | 1,
        )
    };
    assert_eq!(
        status, 0,
        "the host harness has no entry point {}",
        launch.entry
    );
}

/// The C++ compiler's layout of the parameters: size of `NdgParams`, offset of its `axes`,
/// size of `NdgAxis`, offsets of its `h2`, `row_pitch` and `dim`, offset of
/// `NdgParams::rows`, size of `NdgDivisor`; then `NDG_FAST_AXES`.
pub fn layout() -> [u64; 9] {
    let mut out = [0u64; 9];
    // SAFETY: writes exactly 9 values into `out`.
    unsafe { ndg_host_layout(out.as_mut_ptr()) };
    out
}

/// The shim's `cvt.rn.f16.f64` (bits).
pub fn f16_from_f64(x: f64) -> u16 {
    // SAFETY: a pure function of its argument.
    unsafe { ndg_host_f16_from_f64(x) }
}

/// The shim's `cvt.f32.f16`.
pub fn f32_from_f16(h: u16) -> f32 {
    // SAFETY: a pure function of its argument.
    unsafe { ndg_host_f32_from_f16(h) }
}
