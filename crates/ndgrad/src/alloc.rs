//! Fresh output buffers.
//!
//! A fresh buffer's pages are mapped on first touch, one fault per 4 KB page: for a large
//! gradient that costs more than the arithmetic. On Linux, large buffers are advised to use
//! transparent huge pages (one fault per 2 MB), as NumPy does for its own allocations; the
//! buffer is then first touched by the threads that compute into it.

use std::mem::MaybeUninit;

/// Buffers below this size are left to the allocator's defaults.
const HUGE_PAGE_THRESHOLD: usize = 4 << 20;

/// An uninitialized buffer of `len` elements.
pub(crate) fn uninit_buffer<T>(len: usize) -> Vec<MaybeUninit<T>> {
    let mut buffer: Vec<MaybeUninit<T>> = Vec::with_capacity(len);
    // SAFETY: `MaybeUninit` elements need no initialization, and the capacity is `len`.
    unsafe { buffer.set_len(len) };
    advise_huge_pages(&mut buffer);
    buffer
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &mut [MaybeUninit<T>]) {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(buffer);
    if bytes < HUGE_PAGE_THRESHOLD {
        return;
    }
    let start = buffer.as_mut_ptr() as usize;
    let (first, last) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
    if first < last {
        // SAFETY: the range lies inside memory this buffer owns; MADV_HUGEPAGE only changes
        // how the kernel backs it, never its contents. A failure (THP disabled) is harmless.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_buffer: &mut [MaybeUninit<T>]) {
    let _ = HUGE_PAGE_THRESHOLD;
}
