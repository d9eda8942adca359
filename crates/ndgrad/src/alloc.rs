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
    // SAFETY: the range is the buffer just allocated, owned here.
    unsafe {
        advise_huge_pages(
            buffer.as_mut_ptr().cast(),
            std::mem::size_of_val(&buffer[..]),
        )
    };
    buffer
}

/// Advises transparent huge pages for a large block of memory (4 MiB and more; Linux only,
/// a no-op elsewhere): the outputs of the Python front's buffer pool get the same backing as
/// the library's own.
///
/// # Safety
/// `ptr..ptr + bytes` must be memory the caller owns (allocated and not freed). The advice
/// never changes the contents, only how the kernel backs the pages.
#[doc(hidden)]
pub unsafe fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if bytes < HUGE_PAGE_THRESHOLD {
            return;
        }
        let start = ptr as usize;
        let (first, last) = (start.next_multiple_of(HUGE), (start + bytes) / HUGE * HUGE);
        if first < last {
            // SAFETY: the range lies inside memory the caller owns (this function's
            // contract); MADV_HUGEPAGE only changes how the kernel backs it. A failure (THP
            // disabled) is harmless.
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
    let _ = (ptr, bytes, HUGE_PAGE_THRESHOLD);
}
