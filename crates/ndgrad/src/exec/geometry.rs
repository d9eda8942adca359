//! Layout normalization: the dimensions of one axis's work, sorted and merged by stride, as
//! rows (another dimension is innermost) or lanes (the gradient axis is innermost).

#[derive(Clone, Copy, Debug)]
pub(crate) struct Dim {
    pub(crate) len: usize,
    /// Input and output strides, in elements.
    pub(crate) si: isize,
    pub(crate) so: isize,
}

/// The work of one axis after layout normalization.
pub(crate) struct Geometry {
    /// Dimensions iterated as a flat batch (outermost first).
    batch: Vec<Dim>,
    pub(crate) batch_count: usize,
    /// The gradient axis.
    pub(crate) grad: Dim,
    /// Row mode: the innermost dimension, differentiated as whole rows. Lane mode: `None`.
    pub(crate) row: Option<Dim>,
}

impl Geometry {
    pub(crate) fn new(
        shape: &[usize],
        si: &[isize],
        so: &[isize],
        axis: usize,
    ) -> Option<Geometry> {
        if shape.contains(&0) {
            return None;
        }
        let mut dims: Vec<Dim> = (0..shape.len())
            .filter(|&d| d != axis && shape[d] > 1)
            .map(|d| Dim {
                len: shape[d],
                si: si[d],
                so: so[d],
            })
            .collect();
        dims.sort_by_key(|d| std::cmp::Reverse(d.si.unsigned_abs()));
        // Merge an outer dimension into the inner one when both arrays walk them as one.
        let mut merged: Vec<Dim> = Vec::with_capacity(dims.len());
        for d in dims {
            match merged.last_mut() {
                Some(outer)
                    if outer.si == d.si * d.len as isize && outer.so == d.so * d.len as isize =>
                {
                    *outer = Dim {
                        len: outer.len * d.len,
                        si: d.si,
                        so: d.so,
                    };
                }
                _ => merged.push(d),
            }
        }
        let grad = Dim {
            len: shape[axis],
            si: si[axis],
            so: so[axis],
        };
        let row = match merged.last() {
            Some(inner) if inner.si.unsigned_abs() < grad.si.unsigned_abs() => merged.pop(),
            _ => None,
        };
        let batch_count = merged.iter().map(|d| d.len).product();
        Some(Geometry {
            batch: merged,
            batch_count,
            grad,
            row,
        })
    }

    /// Input and output offsets of batch element `b`.
    pub(crate) fn batch_offsets(&self, mut b: usize) -> (isize, isize) {
        let (mut oi, mut oo) = (0isize, 0isize);
        for d in self.batch.iter().rev() {
            let k = (b % d.len) as isize;
            b /= d.len;
            oi += k * d.si;
            oo += k * d.so;
        }
        (oi, oo)
    }
}
