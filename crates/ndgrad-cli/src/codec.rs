//! Element values as the bytes of an `.npy` file, for the in-memory and the streaming readers
//! and writers alike.
//!
//! Generic over [`ndgrad::Element`], driven by the core's dtype table (item size, and kind
//! `c` for a pair of numbers), so no list of types is kept here.

use std::io::{self, Write};

use ndgrad::{ByteOrder, DType, Element};

/// Checks what the byte views below rely on: `T` is a number or a pair of numbers (NumPy
/// kinds `f`, `c`, `i`, `u`) exactly `itemsize` bytes long, so it has no padding and every
/// bit pattern is a valid value.
fn assert_plain_data<T: Element>() {
    let dtype = T::DTYPE;
    assert!(
        matches!(dtype.kind(), 'f' | 'c' | 'i' | 'u')
            && std::mem::size_of::<T>() == dtype.itemsize(),
        "{dtype} is not plain numeric data"
    );
}

/// The memory of `values`, as bytes in this machine's order.
pub fn bytes<T: Element>(values: &[T]) -> &[u8] {
    assert_plain_data::<T>();
    // SAFETY: plain data (checked above) has no padding, so every byte is initialized; the
    // slice covers exactly the memory of `values`, borrowed for as long as they are.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast(), std::mem::size_of_val(values)) }
}

/// The memory of `values`, writable as bytes: any bytes written are valid values.
pub fn bytes_mut<T: Element>(values: &mut [T]) -> &mut [u8] {
    assert_plain_data::<T>();
    // SAFETY: as in `bytes`, and plain data accepts any bit pattern, so whatever is written
    // through the view leaves valid values.
    unsafe {
        std::slice::from_raw_parts_mut(values.as_mut_ptr().cast(), std::mem::size_of_val(values))
    }
}

/// Bytes of one number: the whole item, or half of a complex one (each part is swapped on
/// its own).
fn scalar_size(dtype: DType) -> usize {
    dtype.itemsize() / if dtype.kind() == 'c' { 2 } else { 1 }
}

/// Turns values read as raw bytes stored in `order` into this machine's values, in place.
pub fn to_native<T: Element>(values: &mut [T], order: ByteOrder) {
    bytes_to_native(bytes_mut(values), T::DTYPE, order);
}

/// [`to_native`] on the bytes of values of `dtype`.
pub fn bytes_to_native(bytes: &mut [u8], dtype: DType, order: ByteOrder) {
    if order != ByteOrder::NATIVE {
        bytes
            .chunks_exact_mut(scalar_size(dtype))
            .for_each(<[u8]>::reverse);
    }
}

/// Values from `data`, stored in `order` (its length a multiple of the item size).
pub fn decode<T: Element + Default>(data: &[u8], order: ByteOrder) -> Vec<T> {
    let mut values = vec![T::default(); data.len() / T::DTYPE.itemsize()];
    let target = bytes_mut(&mut values);
    target.copy_from_slice(&data[..target.len()]);
    to_native(&mut values, order);
    values
}

/// Writes values as little-endian bytes (what ndgrad writes in `.npy` files).
pub fn write_le<T: Element>(w: &mut impl Write, values: &[T]) -> io::Result<()> {
    write_le_bytes(w, bytes(values), T::DTYPE)
}

/// [`write_le`] of values of `dtype` given as their bytes in this machine's order.
pub fn write_le_bytes(w: &mut impl Write, values: &[u8], dtype: DType) -> io::Result<()> {
    if ByteOrder::NATIVE == ByteOrder::Little {
        return w.write_all(values);
    }
    let n = scalar_size(dtype);
    for chunk in values.chunks(n << 13) {
        let mut swapped = chunk.to_vec();
        swapped.chunks_exact_mut(n).for_each(<[u8]>::reverse);
        w.write_all(&swapped)?;
    }
    Ok(())
}

/// Writes values given one by one (an array in another memory order), in buffered runs.
pub fn write_le_iter<'a, T: Element>(
    w: &mut impl Write,
    values: impl Iterator<Item = &'a T>,
) -> io::Result<()> {
    let mut run = Vec::with_capacity(1 << 13);
    for &v in values {
        run.push(v);
        if run.len() == run.capacity() {
            write_le(w, &run)?;
            run.clear();
        }
    }
    write_le(w, &run)
}

/// An integer as `f64`, as NumPy converts integer coordinates: exactly, or rounded to the
/// nearest like `as f64` for 64-bit values. `None` for floating and complex types.
pub fn integer_as_f64<T: Element>(value: T) -> Option<f64> {
    let signed = match T::DTYPE.kind() {
        'i' => true,
        'u' => false,
        _ => return None,
    };
    // Widen the bytes to 64 bits, little-endian, extending the sign of signed types.
    let n = T::DTYPE.itemsize();
    let mut wide = [0u8; 8];
    wide[..n].copy_from_slice(bytes(std::slice::from_ref(&value)));
    if ByteOrder::NATIVE == ByteOrder::Big {
        wide[..n].reverse();
    }
    if signed && wide[n - 1] & 0x80 != 0 {
        wide[n..].fill(0xff);
    }
    Some(if signed {
        i64::from_le_bytes(wide) as f64
    } else {
        u64::from_le_bytes(wide) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndgrad::{Complex, f16};

    #[test]
    fn big_endian_complex_swaps_each_part() {
        let data = [1.5f32.to_be_bytes(), (-2.0f32).to_be_bytes()].concat();
        let values: Vec<Complex<f32>> = decode(&data, ByteOrder::Big);
        assert_eq!(values, vec![Complex::new(1.5, -2.0)]);
        let mut out = Vec::new();
        write_le(&mut out, &values).unwrap();
        assert_eq!(
            out,
            [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat()
        );
    }

    #[test]
    fn little_endian_round_trip() {
        let values = vec![f16::from_f64(0.1), f16::from_f64(-3.0)];
        let mut out = Vec::new();
        write_le_iter(&mut out, values.iter()).unwrap();
        assert_eq!(decode::<f16>(&out, ByteOrder::Little), values);
    }

    #[test]
    fn integers_widen_like_casts() {
        assert_eq!(integer_as_f64(-5i8), Some(-5.0));
        assert_eq!(integer_as_f64(u16::MAX), Some(65535.0));
        assert_eq!(integer_as_f64(i64::MIN), Some(i64::MIN as f64));
        assert_eq!(integer_as_f64(u64::MAX), Some(u64::MAX as f64));
        assert_eq!(integer_as_f64(i32::MIN + 7), Some(f64::from(i32::MIN + 7)));
        assert_eq!(integer_as_f64(2.5f64), None);
    }
}
