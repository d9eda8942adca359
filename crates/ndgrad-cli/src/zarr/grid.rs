//! Chunks as boxes of an array: which chunks cover a run of rows, and copies of boxes
//! between a chunk and a slab of rows (C-ordered bytes on both sides).

/// A regular chunk grid over an array.
#[derive(Debug, Clone)]
pub struct Grid {
    pub shape: Vec<usize>,
    pub chunks: Vec<usize>,
}

/// One chunk's part of a slab: the chunk, and the box they share, at its origin in each.
pub struct Part {
    pub chunk: Vec<u64>,
    /// Where the box starts in the chunk and in the slab, and its extent.
    pub in_chunk: Vec<usize>,
    pub in_slab: Vec<usize>,
    pub extent: Vec<usize>,
}

impl Grid {
    /// Chunks along each axis.
    pub fn counts(&self) -> Vec<usize> {
        self.shape
            .iter()
            .zip(&self.chunks)
            .map(|(n, c)| n.div_ceil(*c))
            .collect()
    }

    /// Values in one chunk.
    pub fn chunk_len(&self) -> usize {
        self.chunks.iter().product()
    }

    /// The chunks holding rows `rows` (of the first axis; every index of the others), and
    /// each one's part of the slab of those rows. A 0-d array is one chunk, one value.
    pub fn parts(&self, rows: std::ops::Range<usize>) -> Vec<Part> {
        if self.shape.is_empty() {
            return vec![Part {
                chunk: Vec::new(),
                in_chunk: Vec::new(),
                in_slab: Vec::new(),
                extent: Vec::new(),
            }];
        }
        if rows.is_empty() || self.shape.contains(&0) {
            return Vec::new();
        }
        let counts = self.counts();
        let c0 = self.chunks[0];
        let mut parts = Vec::new();
        for r in rows.start / c0..(rows.end - 1) / c0 + 1 {
            let first = (r * c0).max(rows.start);
            let last = ((r + 1) * c0).min(rows.end);
            let mut index = vec![0usize; self.shape.len()];
            index[0] = r;
            loop {
                let mut part = Part {
                    chunk: index.iter().map(|&i| i as u64).collect(),
                    in_chunk: vec![first - r * c0],
                    in_slab: vec![first - rows.start],
                    extent: vec![last - first],
                };
                for ((&i, &c), &n) in index.iter().zip(&self.chunks).zip(&self.shape).skip(1) {
                    let origin = i * c;
                    part.in_chunk.push(0);
                    part.in_slab.push(origin);
                    part.extent.push(c.min(n - origin));
                }
                parts.push(part);
                // The next chunk along the inner axes, the last fastest.
                let mut d = self.shape.len() - 1;
                loop {
                    if d == 0 {
                        break;
                    }
                    index[d] += 1;
                    if index[d] < counts[d] {
                        break;
                    }
                    index[d] = 0;
                    d -= 1;
                }
                if d == 0 {
                    break;
                }
            }
        }
        parts
    }

    /// The shape of a slab of `rows` rows.
    pub fn slab_shape(&self, rows: usize) -> Vec<usize> {
        let mut s = self.shape.clone();
        if let Some(first) = s.first_mut() {
            *first = rows;
        }
        s
    }
}

/// Copies the box of `extent` at `from_at` in `from` (C order, of shape `from_shape`) to
/// `to_at` in `to` (of shape `to_shape`); items are `item` bytes.
#[allow(clippy::too_many_arguments)]
pub fn copy_box(
    from: &[u8],
    from_shape: &[usize],
    from_at: &[usize],
    to: &mut [u8],
    to_shape: &[usize],
    to_at: &[usize],
    extent: &[usize],
    item: usize,
) {
    let n = extent.len();
    if n == 0 {
        to[..item].copy_from_slice(&from[..item]);
        return;
    }
    if extent.contains(&0) {
        return;
    }
    let strides = |shape: &[usize]| -> Vec<usize> {
        let mut s = vec![item; n];
        for d in (0..n - 1).rev() {
            s[d] = s[d + 1] * shape[d + 1];
        }
        s
    };
    let (fs, ts) = (strides(from_shape), strides(to_shape));
    let run = extent[n - 1] * item;
    let mut index = vec![0usize; n - 1];
    loop {
        let mut f = from_at[n - 1] * item;
        let mut t = to_at[n - 1] * item;
        for d in 0..n - 1 {
            f += (from_at[d] + index[d]) * fs[d];
            t += (to_at[d] + index[d]) * ts[d];
        }
        to[t..t + run].copy_from_slice(&from[f..f + run]);
        // The next run: the last outer index fastest.
        let mut d = n - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            if index[d] < extent[d] {
                break;
            }
            index[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_rows_once() {
        let grid = Grid {
            shape: vec![10, 7],
            chunks: vec![4, 3],
        };
        let parts = grid.parts(3..9);
        let chunks: Vec<Vec<u64>> = parts.iter().map(|p| p.chunk.clone()).collect();
        assert_eq!(
            chunks,
            [
                [0, 0],
                [0, 1],
                [0, 2],
                [1, 0],
                [1, 1],
                [1, 2],
                [2, 0],
                [2, 1],
                [2, 2]
            ]
        );
        let cells: usize = parts
            .iter()
            .map(|p| p.extent.iter().product::<usize>())
            .sum();
        assert_eq!(cells, 6 * 7);
        assert_eq!(parts[2].extent, [1, 1]); // row 3 of chunk row 0, column 6 only
        assert_eq!(parts[6].in_chunk, [0, 0]);
        assert_eq!(parts[6].in_slab, [5, 0]);
        assert_eq!(parts[6].extent, [1, 3]);
    }

    #[test]
    fn boxes_copy_between_shapes() {
        // A 3 x 4 array of one-byte items, its box [1..3, 1..3] into a 2 x 2 target.
        let from: Vec<u8> = (0..12).collect();
        let mut to = vec![0u8; 4];
        copy_box(
            &from,
            &[3, 4],
            &[1, 1],
            &mut to,
            &[2, 2],
            &[0, 0],
            &[2, 2],
            1,
        );
        assert_eq!(to, [5, 6, 9, 10]);
        let mut one = [0u8; 2];
        copy_box(&[7, 8], &[], &[], &mut one, &[], &[], &[], 2);
        assert_eq!(one, [7, 8]);
    }
}
