//! The station bootstrap of a statistic that reads the stations only
//! through sums, drawn cell by cell.
//!
//! # Method
//! Many estimators here are functions of per-cell sums of a few per-station
//! quantities (a cell is a group of stations: a turnout bin, a bin and a
//! below-peak class). A replicate of the ordinary nonparametric bootstrap
//! (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 6)
//! draws `n` stations with replacement; its cell sums are then all it needs.
//! [`CellBootstrap::draw`] produces those sums without drawing `n` indices:
//!
//! 1. how many of the `n` draws fall in each cell,
//!    `K ~ Multinomial(n, n_c/n)`, exactly, by sequential binomials;
//! 2. for a cell with `K_c` below [`EXACT_CELL_DRAWS`], the `K_c` stations
//!    one by one (exact);
//! 3. above it, the sum of the `K_c` draws from its normal limit,
//!    `K_c μ_c + √K_c L_c z` (μ_c the cell's mean vector, `L_c` the
//!    Cholesky factor of its covariance, z standard normal): the central
//!    limit theorem within a cell (Efron & Tibshirani 1993, §6.4, on sums
//!    as the bootstrap's sufficient statistics).
//!
//! A replicate then costs O(cells + small-cell draws) instead of O(n).
//!
//! # Assumptions
//! The statistic depends on the resample only through its cell sums; the
//! normal limit is used only where a cell receives at least
//! [`EXACT_CELL_DRAWS`] draws, and the narrower the cells (stations alike
//! within a cell) the closer it is to exact. Each caller's tests compare its
//! intervals with the station-by-station bootstrap.

use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use crate::rng::{binomial, IndexDraws, Rng};

/// Below this many draws in a cell, the stations are drawn one by one.
pub const EXACT_CELL_DRAWS: u64 = 16;

/// How a replicate of the station bootstrap is drawn: `Cells` by
/// [`CellBootstrap::draw`] (multinomial cell counts, exact draws below
/// [`EXACT_CELL_DRAWS`], the normal limit of a cell's sum above), or
/// `Stations`, every one of the `n` stations drawn. Both are the ordinary
/// station bootstrap; `Cells` costs O(cells + small-cell draws) per
/// replicate instead of O(n), and each family's tests compare the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resampling {
    Cells,
    Stations,
}

impl std::str::FromStr for Resampling {
    type Err = String;

    /// `cells` or `stations`.
    fn from_str(s: &str) -> Result<Resampling, String> {
        match s {
            "cells" => Ok(Resampling::Cells),
            "stations" => Ok(Resampling::Stations),
            _ => Err(format!(
                "unknown bootstrap resampling {s:?} (cells or stations)"
            )),
        }
    }
}

/// Stations grouped into cells, with each cell's mean and the Cholesky
/// factor of its covariance of the `D` summed quantities.
#[derive(Debug, Clone)]
pub struct CellBootstrap<const D: usize> {
    /// The caller's key of each cell, in cell order.
    keys: Vec<usize>,
    members: Vec<Vec<usize>>,
    mean: Vec<[f64; D]>,
    chol: Vec<[[f64; D]; D]>,
    n: usize,
}

impl<const D: usize> CellBootstrap<D> {
    /// Cells from each station's key (`key(i)`, cells ordered by key) and
    /// the quantities it adds to the sums (`value(i)`), for stations
    /// `0..n`.
    pub fn new(
        n: usize,
        key: impl Fn(usize) -> usize,
        value: impl Fn(usize) -> [f64; D],
    ) -> CellBootstrap<D> {
        let mut index = std::collections::BTreeMap::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for i in 0..n {
            let c = *index.entry(key(i)).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[c].push(i);
        }
        let mut keys = vec![0; members.len()];
        for (&k, &c) in &index {
            keys[c] = k;
        }
        let mut mean = Vec::with_capacity(members.len());
        let mut chol = Vec::with_capacity(members.len());
        for m in &members {
            let k = m.len() as f64;
            let mut mu = [0.0; D];
            for &i in m {
                for (a, x) in mu.iter_mut().zip(value(i)) {
                    *a += x / k;
                }
            }
            let mut cov = [[0.0; D]; D];
            for &i in m {
                let x = value(i);
                for a in 0..D {
                    for b in 0..D {
                        cov[a][b] += (x[a] - mu[a]) * (x[b] - mu[b]) / k;
                    }
                }
            }
            mean.push(mu);
            chol.push(cholesky_psd(&cov));
        }
        CellBootstrap {
            keys,
            members,
            mean,
            chol,
            n,
        }
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.members.len()
    }

    /// One replicate: calls `add(key, sum)` with the sum of the quantities
    /// of each exactly drawn station, or of a large cell's draws at once
    /// (clamped at 0 when `nonnegative`, for counts). `value` must be the
    /// function given to [`CellBootstrap::new`].
    pub fn draw(
        &self,
        g: &mut Rng,
        value: impl Fn(usize) -> [f64; D],
        nonnegative: bool,
        mut add: impl FnMut(usize, [f64; D]),
    ) {
        let mut left = self.n as u64;
        let mut mass = self.n as f64;
        let mut draws = IndexDraws::from_stream(g);
        for (c, m) in self.members.iter().enumerate() {
            // Sequential binomials give the multinomial cell counts.
            let size = m.len() as f64;
            let k = if c + 1 == self.members.len() {
                left
            } else {
                binomial(g, left, (size / mass).min(1.0))
            };
            left -= k;
            mass -= size;
            if k == 0 {
                continue;
            }
            let key = self.keys[c];
            if k < EXACT_CELL_DRAWS {
                for _ in 0..k {
                    add(key, value(m[draws.below(m.len())]));
                }
                continue;
            }
            let z: [f64; D] = std::array::from_fn(|_| StandardNormal.sample(g));
            let kf = k as f64;
            let sum: [f64; D] = std::array::from_fn(|a| {
                let noise: f64 = (0..=a).map(|j| self.chol[c][a][j] * z[j]).sum();
                let s = kf * self.mean[c][a] + kf.sqrt() * noise;
                if nonnegative {
                    s.max(0.0)
                } else {
                    s
                }
            });
            add(key, sum);
        }
    }
}

/// The lower-triangular `L` with `L Lᵀ = cov` for a positive semidefinite
/// `cov` (a pivot at or below 1e-12 of the diagonal's scale gives a zero
/// column: a degenerate direction, such as a constant electorate).
pub fn cholesky_psd<const D: usize>(cov: &[[f64; D]; D]) -> [[f64; D]; D] {
    let scale = (0..D).map(|a| cov[a][a]).fold(0.0, f64::max).max(1e-300);
    let mut l = [[0.0; D]; D];
    for a in 0..D {
        for b in 0..=a {
            let s: f64 = (0..b).map(|j| l[a][j] * l[b][j]).sum();
            if a == b {
                let d = cov[a][a] - s;
                l[a][a] = if d > 1e-12 * scale { d.sqrt() } else { 0.0 };
            } else if l[b][b] > 0.0 {
                l[a][b] = (cov[a][b] - s) / l[b][b];
            }
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream_for, Purpose};

    #[test]
    fn cholesky_reproduces_the_covariance() {
        let cov = [[4.0, 2.0, 0.4], [2.0, 3.0, 0.3], [0.4, 0.3, 1.0]];
        let l = cholesky_psd(&cov);
        for a in 0..3 {
            for b in 0..3 {
                let s: f64 = (0..3).map(|j| l[a][j] * l[b][j]).sum();
                assert!((s - cov[a][b]).abs() < 1e-12);
            }
        }
        // A degenerate direction gives a zero column, not NaN.
        let l = cholesky_psd(&[[1.0, 1.0], [1.0, 1.0]]);
        assert_eq!(l[1][1], 0.0);
    }

    /// The replicate's total count is n and its sums have the bootstrap's
    /// mean (n × the sample mean) and variance (n × the sample variance).
    #[test]
    fn replicate_sums_have_the_bootstrap_moments() {
        let n = 3000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 10.0).collect();
        let cb = CellBootstrap::<2>::new(n, |i| (x[i] / 10.0) as usize, |i| [1.0, x[i]]);
        assert_eq!(cb.cells(), 10);
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let reps = 4000;
        let (mut s1, mut s2) = (0.0, 0.0);
        for r in 0..reps {
            let mut g = stream_for(3, Purpose::TurnoutMoments, r);
            let mut sum = [0.0; 2];
            cb.draw(
                &mut g,
                |i| [1.0, x[i]],
                false,
                |_, v| {
                    sum[0] += v[0];
                    sum[1] += v[1];
                },
            );
            assert!((sum[0] - n as f64).abs() < 1e-6);
            s1 += sum[1];
            s2 += sum[1] * sum[1];
        }
        let m = s1 / reps as f64;
        let v = s2 / reps as f64 - m * m;
        let (em, ev) = (n as f64 * mean, n as f64 * var);
        // Monte Carlo error of the mean: sqrt(ev / reps).
        assert!(
            (m - em).abs() < 4.0 * (ev / reps as f64).sqrt(),
            "{m} vs {em}"
        );
        assert!((v / ev - 1.0).abs() < 0.1, "{v} vs {ev}");
    }
}
