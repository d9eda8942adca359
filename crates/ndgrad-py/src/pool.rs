//! Recycled output buffers.
//!
//! A fresh output's pages are mapped and zeroed by the kernel on first touch, which costs
//! about as much as the gradient itself. Large outputs are therefore carved from buffers
//! whose previous arrays have died: each array's base object is a [`PooledBuffer`] that
//! hands its memory back to the pool when NumPy deallocates it (that is, when no array or
//! view refers to it any more, so memory still referenced is never handed out). The pool
//! is bounded by bytes (`NDGRAD_POOL_BYTES`, default 1 GiB; 0 switches it off) and by age:
//! a buffer idle for longer than the idle time (default 1 s) is freed by a reaper thread
//! that runs only while the pool holds something.
//!
//! Safety across threads: one mutex, never held while memory is allocated or freed, and
//! only ever tried (`try_lock`): a busy pool is skipped (the call allocates fresh memory or
//! frees directly) rather than waited for. So a child process forked while another thread
//! held the lock cannot deadlock; a child also starts with an empty pool of its own (the
//! pool remembers its process id), since its reaper thread did not survive the fork.

use std::alloc::{Layout, alloc, dealloc};
use std::ptr::NonNull;
use std::sync::{Mutex, TryLockError};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

/// Outputs smaller than this come from NumPy's allocator: their pages are few and the
/// allocator recycles small blocks itself.
pub const MIN_BYTES: usize = 1 << 20;
/// Page alignment, like the allocator's large blocks (and huge-page advice needs it).
const ALIGN: usize = 4096;
/// A buffer is reused for an output needing at least this fraction of it (no large waste).
const MIN_FILL: f64 = 0.75;

/// An aligned block of memory owned by the pool or by one array.
pub struct Buffer {
    ptr: NonNull<u8>,
    bytes: usize,
}

// SAFETY: a `Buffer` is the sole owner of its allocation (like a `Vec<u8>`); moving it to
// another thread moves that ownership.
unsafe impl Send for Buffer {}

impl Buffer {
    /// A fresh block of `bytes` (at least 1), or `None` if the allocator fails.
    fn new(bytes: usize) -> Option<Buffer> {
        let layout = Layout::from_size_align(bytes.max(1), ALIGN).ok()?;
        // SAFETY: the layout has a non-zero size.
        let ptr = NonNull::new(unsafe { alloc(layout) })?;
        // SAFETY: the block was just allocated with at least `bytes` bytes, owned here.
        unsafe { ndgrad::advise_huge_pages(ptr.as_ptr(), bytes) };
        Some(Buffer { ptr, bytes })
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.bytes.max(1), ALIGN).expect("valid at birth");
        // SAFETY: allocated in `Buffer::new` with this very layout, and freed only here.
        unsafe { dealloc(self.ptr.as_ptr(), layout) };
    }
}

/// The pool's state: idle buffers with the time each became idle, oldest first.
struct Pool {
    pid: u32,
    idle: Vec<(Buffer, Instant)>,
    held: usize,
    limit: usize,
    max_idle: Duration,
    reaper: bool,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

/// The limit from `NDGRAD_POOL_BYTES` (plain bytes), else 1 GiB.
fn limit_from_env() -> usize {
    std::env::var("NDGRAD_POOL_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1 << 30)
}

/// Runs `f` on this process's pool, or returns `None` when the pool is busy.
fn try_with_pool<R>(f: impl FnOnce(&mut Pool) -> R) -> Option<R> {
    let mut guard = match POOL.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return None,
    };
    let pid = std::process::id();
    let pool = guard.get_or_insert_with(|| Pool {
        pid,
        idle: Vec::new(),
        held: 0,
        limit: limit_from_env(),
        max_idle: Duration::from_secs(1),
        reaper: false,
    });
    if pool.pid != pid {
        // A forked child: the parent's idle buffers are this process's copies, free to
        // release; its reaper thread did not come along.
        pool.idle.clear();
        pool.pid = pid;
        pool.held = 0;
        pool.reaper = false;
    }
    Some(f(pool))
}

/// A buffer of at least `bytes`: an idle one that fits, else a fresh one.
pub fn take(bytes: usize) -> Option<Buffer> {
    let reused = try_with_pool(|pool| {
        let fits = |b: &Buffer| b.bytes >= bytes && (bytes as f64) >= MIN_FILL * b.bytes as f64;
        let best = (0..pool.idle.len())
            .filter(|&i| fits(&pool.idle[i].0))
            .min_by_key(|&i| pool.idle[i].0.bytes)?;
        let (buffer, _) = pool.idle.remove(best);
        pool.held -= buffer.bytes;
        Some(buffer)
    })
    .flatten();
    reused.or_else(|| Buffer::new(bytes))
}

/// Returns a buffer whose array died: kept for reuse within the limit, else freed.
pub fn give(buffer: Buffer) {
    let mut evicted = Vec::new();
    let rejected = try_with_pool(|pool| {
        if buffer.bytes > pool.limit {
            return Some(buffer);
        }
        while pool.held + buffer.bytes > pool.limit && !pool.idle.is_empty() {
            let (old, _) = pool.idle.remove(0);
            pool.held -= old.bytes;
            evicted.push(old);
        }
        pool.held += buffer.bytes;
        pool.idle.push((buffer, Instant::now()));
        if !pool.reaper {
            pool.reaper = true;
            start_reaper();
        }
        None
    });
    // Freed outside the lock: unmapping large blocks takes a while.
    drop(evicted);
    drop(rejected);
}

/// A thread that frees buffers idle past the idle time, and ends when the pool is empty.
fn start_reaper() {
    let spawned = std::thread::Builder::new()
        .name("ndgrad-pool".into())
        .spawn(|| {
            loop {
                let wait = try_with_pool(|p| p.max_idle / 4).unwrap_or(Duration::from_millis(250));
                std::thread::sleep(wait.max(Duration::from_millis(10)));
                let mut expired = Vec::new();
                let done = try_with_pool(|pool| {
                    let now = Instant::now();
                    while let Some((_, since)) = pool.idle.first() {
                        if now.duration_since(*since) < pool.max_idle {
                            break;
                        }
                        let (old, _) = pool.idle.remove(0);
                        pool.held -= old.bytes;
                        expired.push(old);
                    }
                    let empty = pool.idle.is_empty();
                    if empty {
                        pool.reaper = false;
                    }
                    empty
                });
                drop(expired);
                if done == Some(true) {
                    break;
                }
            }
        });
    if spawned.is_err() {
        // No thread: idle buffers then wait for the next take or give to be reused or
        // evicted; mark the reaper absent so a later give tries again.
        let _ = try_with_pool(|p| p.reaper = false);
    }
}

/// What the pool holds: `(idle bytes, idle buffers, limit in bytes, idle time in s)`.
pub fn info() -> Option<(usize, usize, usize, f64)> {
    try_with_pool(|p| (p.held, p.idle.len(), p.limit, p.max_idle.as_secs_f64()))
}

/// Sets the limit (0 switches the pool off) and the idle time; frees what no longer fits.
pub fn configure(limit: Option<usize>, max_idle: Option<f64>) -> bool {
    let mut freed = Vec::new();
    let done = try_with_pool(|pool| {
        if let Some(limit) = limit {
            pool.limit = limit;
        }
        if let Some(s) = max_idle {
            pool.max_idle = Duration::from_secs_f64(s);
        }
        while pool.held > pool.limit {
            let (old, _) = pool.idle.remove(0);
            pool.held -= old.bytes;
            freed.push(old);
        }
    });
    drop(freed);
    done.is_some()
}

/// Whether outputs of `bytes` should come from the pool.
pub fn serves(bytes: usize) -> bool {
    bytes >= MIN_BYTES && try_with_pool(|p| p.limit > 0).unwrap_or(true)
}

/// The base object of arrays carved from the pool: their memory, given back on death.
#[pyclass(module = "ndgrad._native", frozen)]
pub struct PooledBuffer {
    buffer: Mutex<Option<Buffer>>,
}

impl PooledBuffer {
    pub fn new(buffer: Buffer) -> PooledBuffer {
        PooledBuffer {
            buffer: Mutex::new(Some(buffer)),
        }
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        let slot = self.buffer.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(buffer) = slot.take() {
            give(buffer);
        }
    }
}
