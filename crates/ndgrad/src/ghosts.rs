//! Boundaries as ghost samples: an axis with a non-one-sided boundary is extended by ghost
//! samples beyond its ends, and every real sample is then an interior point of the extended
//! axis. Drivers never special-case a boundary mode: they read samples by extended index,
//! and ghosts come from an index map (in memory) or from the front (blocks whose halo the
//! front filled, such as Dask's `map_overlap` or wrap rows read from a file).

use std::ops::Range;

use crate::element::Real;

/// Where the ghost samples of one side come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fill {
    /// The samples of the other end (periodic axis).
    Wrap,
    /// Mirrored samples, `f[-j] = f[j]` (`np.pad` "reflect").
    Mirror,
    /// A constant at the mirrored positions (`np.pad` "constant").
    Constant(f64),
}

/// The ghost samples of one axis: `left` before sample 0, `right` after sample `len - 1`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ghosts {
    pub(crate) left: usize,
    pub(crate) right: usize,
    pub(crate) left_fill: Fill,
    pub(crate) right_fill: Fill,
    /// Real samples of the axis.
    pub(crate) len: usize,
}

/// What an extended index reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Source {
    /// The real sample at this extended index.
    Sample(usize),
    Constant(f64),
}

impl Ghosts {
    pub(crate) fn none(len: usize) -> Ghosts {
        Ghosts {
            left: 0,
            right: 0,
            left_fill: Fill::Mirror,
            right_fill: Fill::Mirror,
            len,
        }
    }

    /// Samples of the extended axis.
    pub(crate) fn extended_len(&self) -> usize {
        self.left + self.len + self.right
    }

    /// The real samples, as extended indices.
    pub(crate) fn real(&self) -> Range<usize> {
        self.left..self.left + self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.left == 0 && self.right == 0
    }

    /// The sample extended index `j` reads. Ghost depths are below the axis length (the plan
    /// checks it), so one wrap or one mirror always lands on a real sample.
    pub(crate) fn source(&self, j: usize) -> Source {
        let (n, l) = (self.len, self.left);
        if (l..l + n).contains(&j) {
            return Source::Sample(j);
        }
        let (fill, real) = if j < l {
            let d = l - j; // ghost d samples before sample 0
            (self.left_fill, [n - d, d])
        } else {
            let d = j - (l + n - 1); // ghost d samples after sample n - 1
            (self.right_fill, [d - 1, n - 1 - d])
        };
        match fill {
            Fill::Wrap => Source::Sample(l + real[0]),
            Fill::Mirror => Source::Sample(l + real[1]),
            Fill::Constant(v) => Source::Constant(v),
        }
    }

    /// Coordinates of the extended axis in the coordinates' own precision, as `np.pad`-ed
    /// coordinates would be: `x[n-j] - P` and `x[j-1] + P` for wrapped ghosts,
    /// `2 x[0] - x[j]` and `2 x[n-1] - x[n-1-j]` for mirrored and constant ones.
    pub(crate) fn extend<K: Real>(&self, x: &[K], period: Option<K>) -> Vec<K> {
        let n = x.len();
        let two = K::from_f64(2.0);
        let p = period.unwrap_or(K::from_f64(f64::NAN));
        let mut out = Vec::with_capacity(self.extended_len());
        for j in (1..=self.left).rev() {
            out.push(match self.left_fill {
                Fill::Wrap => x[n - j] - p,
                Fill::Mirror | Fill::Constant(_) => two * x[0] - x[j],
            });
        }
        out.extend_from_slice(x);
        for j in 1..=self.right {
            out.push(match self.right_fill {
                Fill::Wrap => x[j - 1] + p,
                Fill::Mirror | Fill::Constant(_) => two * x[n - 1] - x[n - 1 - j],
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_maps_follow_np_pad() {
        let g = Ghosts {
            left: 2,
            right: 2,
            left_fill: Fill::Wrap,
            right_fill: Fill::Mirror,
            len: 5,
        };
        // np.pad(range(5), (2, 0), "wrap") -> 3 4 | 0 1 2 3 4; "reflect" right -> 3 2
        let real: Vec<Source> = (0..9).map(|j| g.source(j)).collect();
        let s = Source::Sample;
        assert_eq!(real, [s(5), s(6), s(2), s(3), s(4), s(5), s(6), s(5), s(4)]);
        let c = Ghosts {
            left_fill: Fill::Constant(7.0),
            ..g.clone()
        };
        assert_eq!(c.source(0), Source::Constant(7.0));
        assert_eq!(
            g.extend(&[0.0f64, 1.0, 3.0, 4.0, 6.0], Some(8.0)),
            [-4.0, -2.0, 0.0, 1.0, 3.0, 4.0, 6.0, 8.0, 9.0]
        );
    }
}
