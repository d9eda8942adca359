//! The input rows a streamed slab reads, held in one buffer: the rows of the outermost axis
//! counted on its extended axis (ghost rows of a boundary mode included), read from the
//! source or filled with a constant, and kept from one slab to the next where slabs overlap.

use std::ops::Range;

use anyhow::Result;
use ndgrad::{Boundary, Element, Side};

use super::Source;
use crate::codec;

/// The differentiated outermost axis of a streamed array: which output, its ghost rows
/// (before, after) and how they are filled.
pub struct Outer {
    pub k: usize,
    pub ghosts: (usize, usize),
    pub boundary: Boundary,
    /// Real rows.
    pub len: usize,
}

/// What one row of a block holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Row {
    /// This row of the input.
    Real(usize),
    /// This value throughout (a constant ghost row).
    Constant(f64),
}

impl Outer {
    pub fn extended_len(&self) -> usize {
        self.ghosts.0 + self.len + self.ghosts.1
    }

    /// What extended row `e` holds, as `np.pad` fills it: real row `e - left`, or a ghost
    /// `d` rows beyond an end, wrapped (periodic), mirrored about the end row (reflect) or
    /// constant.
    fn row(&self, e: usize) -> Row {
        let (n, left) = (self.len, self.ghosts.0);
        if (left..left + n).contains(&e) {
            return Row::Real(e - left);
        }
        let before = e < left;
        let side = match (self.boundary, before) {
            (Boundary::Periodic { .. }, _) => None,
            (Boundary::Reflect, _) => Some(Side::Reflect),
            (Boundary::Constant(v), _) => Some(Side::Constant(v)),
            (Boundary::Sides(l, _), true) => Some(l),
            (Boundary::Sides(_, r), false) => Some(r),
            // No ghosts at a one-sided end (the plan adds none).
            (Boundary::OneSided, _) => Some(Side::OneSided),
        };
        let (wrapped, mirrored) = if before {
            let d = left - e;
            (n - d, d)
        } else {
            let d = e - (left + n - 1);
            (d - 1, n - 1 - d)
        };
        match side {
            None => Row::Real(wrapped),
            Some(Side::Constant(v)) => Row::Constant(v),
            Some(Side::Reflect | Side::OneSided) => Row::Real(mirrored),
        }
    }
}

/// Extended rows `lo..hi` of the input, `per_index` values each.
pub struct Window<T> {
    values: Vec<T>,
    lo: usize,
    hi: usize,
    per_index: usize,
}

impl<T: Element + Default> Window<T> {
    /// An empty window with room for `rows` rows (allocated once: growing could double it).
    pub fn new(rows: usize, per_index: usize) -> Self {
        Window {
            values: Vec::with_capacity(rows * per_index),
            lo: 0,
            hi: 0,
            per_index,
        }
    }

    /// Holds rows `need` and on to `ahead` (rows the next slab reads, where they are best
    /// read now): rows held already and still needed move to the front, the rest is read.
    /// Without `outer` (the outermost axis not differentiated) rows are the input's.
    pub fn cover(
        &mut self,
        need: Range<usize>,
        ahead: usize,
        outer: Option<&Outer>,
        source: &mut dyn Source,
    ) -> Result<()> {
        let pi = self.per_index;
        if (self.lo..=self.hi).contains(&need.start) {
            let keep = (need.start - self.lo) * pi..(self.hi - self.lo) * pi;
            self.values.copy_within(keep.clone(), 0);
            self.values.truncate(keep.len());
        } else {
            self.values.clear();
            self.hi = need.start;
        }
        self.lo = need.start;
        let end = ahead.max(need.end);
        if end <= self.hi {
            return Ok(());
        }
        self.values.resize((end - self.lo) * pi, T::default());
        let row_of = |e: usize| outer.map_or(Row::Real(e), |o| o.row(e));
        let mut e = self.hi;
        while e < end {
            let at = (e - self.lo) * pi;
            match row_of(e) {
                Row::Constant(v) => {
                    // `np.pad` stores the constant in the data's dtype.
                    self.values[at..at + pi].fill(T::from_f64_cast(v));
                    e += 1;
                }
                Row::Real(first) => {
                    // A run of consecutive input rows, read at once.
                    let mut count = 1;
                    while e + count < end && row_of(e + count) == Row::Real(first + count) {
                        count += 1;
                    }
                    let into = codec::bytes_mut(&mut self.values[at..at + count * pi]);
                    source.read_rows(first, into)?;
                    e += count;
                }
            }
        }
        self.hi = end;
        Ok(())
    }

    /// The values of rows `rows`, which the window holds.
    pub fn rows(&self, rows: Range<usize>) -> &[T] {
        let pi = self.per_index;
        &self.values[(rows.start - self.lo) * pi..(rows.end - self.lo) * pi]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows `i` of `i` values 10 i, 10 i + 1, ...; records what was read.
    struct Counting {
        reads: Vec<(usize, usize)>,
    }

    impl Source for Counting {
        fn read_rows(&mut self, first: usize, into: &mut [u8]) -> Result<()> {
            let values: Vec<f64> = (0..into.len() / 16)
                .flat_map(|r| [(10 * (first + r)) as f64, (10 * (first + r) + 1) as f64])
                .collect();
            into.copy_from_slice(codec::bytes(&values));
            self.reads.push((first, into.len() / 16));
            Ok(())
        }
    }

    #[test]
    fn overlapping_slabs_read_each_row_once() {
        let mut source = Counting { reads: Vec::new() };
        let mut w = Window::<f64>::new(8, 2);
        w.cover(0..5, 6, None, &mut source).unwrap();
        w.cover(3..9, 9, None, &mut source).unwrap();
        assert_eq!(source.reads, vec![(0, 6), (6, 3)]);
        assert_eq!(w.rows(4..5), &[40.0, 41.0]);
        // A jump forward reads afresh.
        w.cover(12..13, 13, None, &mut source).unwrap();
        assert_eq!(w.rows(12..13), &[120.0, 121.0]);
    }

    #[test]
    fn ghost_rows_wrap_mirror_or_hold_a_constant() {
        let outer = |boundary| Outer {
            k: 0,
            ghosts: (2, 2),
            boundary,
            len: 5,
        };
        let mut source = Counting { reads: Vec::new() };
        let mut w = Window::<f64>::new(9, 2);
        let periodic = outer(Boundary::Periodic { period: None });
        w.cover(0..9, 9, Some(&periodic), &mut source).unwrap();
        let firsts: Vec<f64> = w.rows(0..9).iter().step_by(2).copied().collect();
        assert_eq!(firsts, [30.0, 40.0, 0.0, 10.0, 20.0, 30.0, 40.0, 0.0, 10.0]);
        let mut w = Window::<f64>::new(9, 2);
        let sides = outer(Boundary::Sides(Side::Reflect, Side::Constant(-1.5)));
        w.cover(0..9, 9, Some(&sides), &mut source).unwrap();
        let firsts: Vec<f64> = w.rows(0..9).iter().step_by(2).copied().collect();
        assert_eq!(
            firsts,
            [20.0, 10.0, 0.0, 10.0, 20.0, 30.0, 40.0, -1.5, -1.5]
        );
    }
}
