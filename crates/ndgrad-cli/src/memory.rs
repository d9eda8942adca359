//! Memory for whole arrays: sizes checked before anything is allocated, so an array whose
//! metadata claims more than the machine holds is an error that names it, not an abort.

use anyhow::{Result, bail};

/// This machine's physical memory in bytes (Linux, from /proc/meminfo; None elsewhere).
fn physical_bytes() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// A buffer of `shape`'s element count, filled with `fill`, for the array `name`: refused
/// where the count overflows, where it needs more bytes than the machine has, or where
/// the allocation fails, with the way out (streaming) in the message.
pub fn whole_array<T: Clone>(name: &str, shape: &[usize], fill: T) -> Result<Vec<T>> {
    let item = std::mem::size_of::<T>().max(1);
    let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let bytes = count.and_then(|n| n.checked_mul(item));
    let too_big = |why: String| -> Result<Vec<T>> {
        bail!(
            "{name}: the array's shape {shape:?} {why}; to differentiate it in slabs, give \
             --memory-limit (e.g. --memory-limit 2G) with an .npy or .zarr output"
        )
    };
    let (Some(count), Some(bytes)) = (count, bytes) else {
        return too_big("holds more values than this machine can address".into());
    };
    if let Some(total) = physical_bytes().filter(|&total| bytes > total) {
        return too_big(format!(
            "needs {bytes} bytes in memory, more than this machine's {total}"
        ));
    }
    let mut values = Vec::new();
    if values.try_reserve_exact(count).is_err() {
        return too_big(format!("needs {bytes} bytes in memory, which are not free"));
    }
    values.resize(count, fill);
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_beyond_memory_are_errors_not_aborts() {
        let err = whole_array::<f64>("a.zarr", &[1 << 40, 1 << 40], 0.0).unwrap_err();
        assert!(err.to_string().contains("more values than"), "{err}");
        let err = whole_array::<f64>("a.zarr", &[1 << 30, 1 << 20], 0.0).unwrap_err();
        assert!(err.to_string().contains("--memory-limit"), "{err}");
        assert_eq!(whole_array("a.zarr", &[2, 3], 1u8).unwrap(), vec![1u8; 6]);
        assert!(
            whole_array::<u8>("a.zarr", &[0, 1 << 62], 0)
                .unwrap()
                .is_empty()
        );
    }
}
