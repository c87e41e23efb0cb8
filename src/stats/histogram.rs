//! Two-dimensional histograms on the unit square (turnout × vote share), the
//! "election fingerprints" of Klimek, Yegorov, Hanel & Thurner (PNAS 2012,
//! Fig. 1).
//!
//! Bins are half-open `[k/B, (k+1)/B)` except the last, which also takes the
//! value 1 exactly (a station with 100 % turnout belongs to the top bin).

use serde::Serialize;

/// The bin of a value in [0, 1] among `bins` equal bins (`None` outside
/// [0, 1] or for NaN).
///
/// # Examples
/// ```
/// use escrutinio::stats::histogram::bin_of;
/// assert_eq!(bin_of(0.0, 100), Some(0));
/// assert_eq!(bin_of(0.537, 100), Some(53));
/// assert_eq!(bin_of(1.0, 100), Some(99));
/// assert_eq!(bin_of(1.0001, 100), None);
/// ```
#[inline]
pub fn bin_of(v: f64, bins: usize) -> Option<usize> {
    if !(0.0..=1.0).contains(&v) {
        return None;
    }
    Some(((v * bins as f64) as usize).min(bins - 1))
}

/// A dense `bins × bins` histogram; cell `(x, y)` is at `x * bins + y`
/// (x: turnout, y: share).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram2d {
    pub bins: usize,
    pub cells: Vec<f64>,
}

impl Histogram2d {
    pub fn new(bins: usize) -> Histogram2d {
        Histogram2d {
            bins,
            cells: vec![0.0; bins * bins],
        }
    }

    /// Adds weight `w` at (x, y); returns false (and adds nothing) when a
    /// coordinate lies outside [0, 1].
    #[inline]
    pub fn add(&mut self, x: f64, y: f64, w: f64) -> bool {
        match self.cell_index(x, y) {
            Some(c) => {
                self.cells[c] += w;
                true
            }
            None => false,
        }
    }

    /// The index in `cells` of (x, y), as [`Histogram2d::add`] finds it;
    /// `None` outside [0, 1]². For adding the same stations many times
    /// (bootstrap replicates) without recomputing their cells.
    #[inline]
    pub fn cell_index(&self, x: f64, y: f64) -> Option<usize> {
        match (bin_of(x, self.bins), bin_of(y, self.bins)) {
            (Some(i), Some(j)) => Some(i * self.bins + j),
            _ => None,
        }
    }

    pub fn total(&self) -> f64 {
        self.cells.iter().sum()
    }

    /// The histogram scaled to sum to 1 (unchanged when empty).
    pub fn normalised(mut self) -> Histogram2d {
        let t = self.total();
        if t > 0.0 {
            self.cells.iter_mut().for_each(|c| *c /= t);
        }
        self
    }

    /// Adds another histogram of the same shape, cell by cell.
    pub fn merge(mut self, other: &Histogram2d) -> Histogram2d {
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            *a += b;
        }
        self
    }

    /// The non-empty cells, for the report.
    pub fn sparse(&self) -> SparseHistogram {
        let cells = self
            .cells
            .iter()
            .enumerate()
            .filter(|(_, &v)| v != 0.0)
            .map(|(k, &v)| (k / self.bins, k % self.bins, v))
            .collect();
        SparseHistogram {
            bins: self.bins,
            total: self.total(),
            cells,
        }
    }
}

/// A histogram as written in `report.json`: `bins` per axis, the total, and
/// the non-empty cells as `[turnout_bin, share_bin, value]` (bin k covers
/// [k/bins, (k+1)/bins)).
#[derive(Debug, Clone, Serialize)]
pub struct SparseHistogram {
    pub bins: usize,
    pub total: f64,
    pub cells: Vec<(usize, usize, f64)>,
}

impl SparseHistogram {
    /// Back to a dense histogram.
    pub fn dense(&self) -> Histogram2d {
        let mut h = Histogram2d::new(self.bins);
        for &(i, j, v) in &self.cells {
            h.cells[i * self.bins + j] = v;
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binning_edges_and_sparse_round_trip() {
        let mut h = Histogram2d::new(10);
        assert!(h.add(0.0, 0.0, 1.0));
        assert!(h.add(1.0, 1.0, 2.0));
        assert!(h.add(0.55, 0.1, 0.5));
        assert!(!h.add(1.2, 0.5, 1.0));
        assert!(!h.add(f64::NAN, 0.5, 1.0));
        assert_eq!(h.total(), 3.5);
        assert_eq!(h.cells[0], 1.0);
        assert_eq!(h.cells[99], 2.0);
        assert_eq!(h.cells[5 * 10 + 1], 0.5);
        let s = h.sparse();
        assert_eq!(s.cells.len(), 3);
        assert_eq!(s.dense(), h);
        let n = h.normalised();
        assert!((n.total() - 1.0).abs() < 1e-15);
    }
}
