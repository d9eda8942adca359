//! Interruptions leave nothing behind: temporary outputs (files and Zarr store folders,
//! written next to their targets and renamed into place when complete) are registered
//! here while they exist, and Ctrl-C, SIGTERM or SIGHUP removes them before the program
//! exits with status 130.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporary outputs that exist now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the signal handler (once, at start-up).
pub fn install() {
    // A handler cannot be installed twice in one process; a failure leaves the default
    // behaviour (the process ends; no output appears under its final name either way).
    let _ = ctrlc::set_handler(|| {
        // The handler runs on its own thread: another thread may hold the lock for a
        // moment, never across I/O, so waiting for it is safe.
        let pending = PENDING.lock().map(|p| p.clone()).unwrap_or_default();
        for path in pending {
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
        eprintln!("ndgrad: interrupted; no output was written");
        std::process::exit(130);
    });
}

/// Registers a temporary output, to be removed on an interruption.
pub fn register(path: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.push(path.to_path_buf());
    }
}

/// Forgets a temporary output: renamed into place, or already removed.
pub fn forget(path: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.retain(|q| q != path);
    }
}
