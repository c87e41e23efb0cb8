//! Hartigan & Hartigan's dip test of unimodality.
//!
//! The dip of a distribution function `F` is its sup-norm distance to the set
//! of unimodal distribution functions,
//! `D(F) = inf_{G unimodal} sup_x |F(x) - G(x)|`, which lies in `[0, 1/4]`.
//! [`dip_statistic`] computes it for the empirical distribution function of a
//! sorted sample with the algorithm AS 217, returning exactly the value of R's
//! `diptest::dip(x)` (default `min.is.0 = FALSE`, so the value is never below
//! `1/(2n)`). The p-value is obtained by Monte Carlo simulation under the
//! uniform law, which is the least favourable unimodal null
//! ([`dip_p_value_simulated`], or [`dip_null_distribution`] together with
//! [`p_value_from_null`] to reuse one simulated null for many tests).
//!
//! # References
//!
//! * J. A. Hartigan and P. M. Hartigan (1985). The dip test of unimodality.
//!   *Annals of Statistics* 13(1), 70–84.
//! * P. M. Hartigan (1985). Algorithm AS 217: Computation of the dip statistic
//!   to test for unimodality. *Applied Statistics* 34(3), 320–325.
//! * M. Maechler, R package `diptest` (the C translation of AS 217 with later
//!   bug fixes, whose results this module reproduces).

use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::rng::{self, Purpose};

/// Dip statistic of a sample (Hartigan & Hartigan 1985, Annals of Statistics
/// 13(1):70–84; algorithm AS 217, Hartigan 1985, Applied Statistics
/// 34(3):320–325).
///
/// Returns the dip `D_n` of the empirical distribution function `F_n` of
/// `sorted`, in the convention of R's `diptest::dip(x)` with its default
/// `min.is.0 = FALSE` (equivalently Python `diptest.dipstat(x,
/// allow_zero=False)`). It is the *half*-distance convention: no factor 2 is
/// applied (some implementations report `2 D_n`).
///
/// # Formula
///
/// `D_n = inf_{G unimodal} sup_x |F_n(x) - G(x)|`, floored at `1/(2n)`, the
/// smallest sup-distance between a step function with jumps `1/n` and any
/// continuous distribution function. Hence `1/(2n) <= D_n <= 1/4` for
/// `n >= 2`; a sample of i.i.d. draws from a unimodal law has
/// `D_n = O_p(1/sqrt(n))`, while a sample from a fixed multimodal law keeps
/// `D_n` bounded away from 0.
///
/// # Algorithm
///
/// AS 217. With the points `(x_i, i)`, compute once, in linear time, the
/// predecessor vertex of every point on the greatest convex minorant (GCM) of
/// the prefix `x_1..x_i` and the successor vertex on the least concave
/// majorant (LCM) of the suffix `x_i..x_n`. Starting from the interval
/// `[low, high] = [x_1, x_n]`, repeat: extract the GCM and LCM of the current
/// interval, find the largest vertical distance `d` between them (a merge of
/// the two vertex lists); stop if `d` does not exceed the current dip;
/// otherwise update the dip with the largest deviation of `F_n` from the GCM
/// left of the place where `d` is attained and from the LCM right of it, and
/// shrink `[low, high]` to that place (the candidate modal interval). All
/// quantities are kept in units of `1/n` and the result is halved at the
/// end. Each pass is linear in the number of points it touches and the
/// points left of `low` / right of `high` are never revisited, so the cost is
/// `O(n)` after sorting in practice (the number of passes is small).
///
/// # Assumptions
///
/// * `sorted` is sorted ascending and every value is finite; this is not
///   checked (unsorted input gives a meaningless value, never a panic).
/// * Ties are allowed and handled as in AS 217 / R: tied points are distinct
///   points `(x, i)`, `(x, i+1)` of the empirical CDF, so a sample of `n`
///   identical values returns the floor `1/(2n)`.
/// * Small `n` follows R: empty input returns `0.0`; `n = 1` returns
///   `1/(2n) = 0.5` (R's floor, which here exceeds the theoretical bound
///   `1/4`); `n = 2` returns `0.25`; `n = 3` returns `1/6` for any three
///   values.
/// * The result is invariant under `x -> a x + b` with `a > 0` (up to
///   floating-point rounding).
///
/// # References
///
/// * Hartigan, J. A. & Hartigan, P. M. (1985), The dip test of unimodality,
///   Ann. Statist. 13(1), 70–84.
/// * Hartigan, P. M. (1985), Algorithm AS 217, Appl. Statist. 34(3), 320–325.
///
/// # Example
///
/// ```
/// use escrutinio::stats::dip::dip_statistic;
/// // Two equal clumps: the maximal dip 1/4.
/// assert_eq!(dip_statistic(&[-1.0, -1.0, 1.0, 1.0]), 0.25);
/// // An evenly spaced (unimodal) sample is only at the 1/(2n) floor.
/// let x: Vec<f64> = (0..100).map(f64::from).collect();
/// assert!((dip_statistic(&x) - 1.0 / 200.0).abs() < 1e-15);
/// assert_eq!(dip_statistic(&[]), 0.0);
/// ```
pub fn dip_statistic(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    dip_in_half_counts(sorted) / (2.0 * n as f64)
}

/// `a - b` for indices, as an exact `f64` (indices are far below 2^53).
#[inline]
fn diff(a: usize, b: usize) -> f64 {
    a as f64 - b as f64
}

/// The dip of `x` (sorted, `n >= 1`) times `2n`, i.e. in units of `1/(2n)`.
fn dip_in_half_counts(x: &[f64]) -> f64 {
    let n = x.len();
    // Floor of the R convention: 1/(2n).
    let mut dip = 1.0_f64;
    if n < 2 || x[n - 1] == x[0] {
        return dip;
    }

    // minorant_prev[j]: previous vertex of the GCM of the points 0..=j.
    // A vertex m is kept before j only when the slope (in index per unit x)
    // strictly increases at m; the test is written without divisions.
    let mut minorant_prev = vec![0usize; n];
    for j in 1..n {
        let mut m = j - 1;
        while m != 0 {
            let mm = minorant_prev[m];
            if (x[j] - x[m]) * diff(m, mm) < (x[m] - x[mm]) * diff(j, m) {
                break;
            }
            m = mm;
        }
        minorant_prev[j] = m;
    }

    // majorant_next[k]: next vertex of the LCM of the points k..n.
    let last = n - 1;
    let mut majorant_next = vec![last; n];
    for k in (0..last).rev() {
        let mut m = k + 1;
        while m != last {
            let mm = majorant_next[m];
            if (x[k] - x[m]) * diff(m, mm) < (x[m] - x[mm]) * diff(k, m) {
                break;
            }
            m = mm;
        }
        majorant_next[k] = m;
    }

    let mut low = 0usize;
    let mut high = last;
    // gcm: vertices from `high` down to `low`; lcm: from `low` up to `high`.
    let mut gcm: Vec<usize> = Vec::new();
    let mut lcm: Vec<usize> = Vec::new();

    loop {
        // Defensive: AS 217 never shrinks the interval to a point when
        // x[low] < x[high]; should it happen, nothing is left to examine.
        if low >= high {
            break;
        }
        gcm.clear();
        gcm.push(high);
        while let Some(&v) = gcm.last() {
            if v <= low {
                break;
            }
            gcm.push(minorant_prev[v]);
        }
        lcm.clear();
        lcm.push(low);
        while let Some(&v) = lcm.last() {
            if v >= high {
                break;
            }
            lcm.push(majorant_next[v]);
        }
        let n_gcm = gcm.len();
        let n_lcm = lcm.len();

        // Positions (in gcm / lcm) delimiting the place of largest distance.
        let mut g_pos = n_gcm - 1;
        let mut l_pos = n_lcm - 1;

        // Largest distance between GCM and LCM on [low, high], obtained by
        // merging their vertices in increasing order of index.
        let d = if n_gcm != 2 || n_lcm != 2 {
            let mut best = 0.0_f64;
            let mut ix = n_gcm - 2; // next GCM vertex (walking upward)
            let mut iv = 1usize; // next LCM vertex
            loop {
                let g = gcm[ix];
                let l = lcm[iv];
                if g > l {
                    // Next vertex is on the LCM: distance from it to the GCM
                    // segment gcm[ix+1] -> gcm[ix].
                    let g0 = gcm[ix + 1];
                    let dx = (diff(l, g0) + 1.0) - (x[l] - x[g0]) * diff(g, g0) / (x[g] - x[g0]);
                    if dx >= best {
                        best = dx;
                        g_pos = ix + 1;
                        l_pos = iv;
                    }
                    iv += 1;
                } else {
                    // Next vertex is on the GCM: distance from the LCM
                    // segment lcm[iv-1] -> lcm[iv] down to it.
                    let l0 = lcm[iv - 1];
                    let dx = (x[g] - x[l0]) * diff(l, l0) / (x[l] - x[l0]) - (diff(g, l0) - 1.0);
                    if dx >= best {
                        best = dx;
                        g_pos = ix;
                        l_pos = iv;
                    }
                    ix = ix.saturating_sub(1);
                }
                if iv > n_lcm - 1 {
                    iv = n_lcm - 1;
                }
                if gcm[ix] == lcm[iv] {
                    break;
                }
            }
            best
        } else {
            1.0
        };

        if d < dip {
            break;
        }

        // Largest deviation of F_n from the GCM left of the new low end.
        let mut dip_left = 0.0_f64;
        for j in g_pos..n_gcm - 1 {
            let (jb, je) = (gcm[j + 1], gcm[j]);
            let mut worst = 1.0_f64;
            if je - jb > 1 && x[je] != x[jb] {
                let slope = diff(je, jb) / (x[je] - x[jb]);
                for (r, &xr) in x.iter().enumerate().take(je + 1).skip(jb) {
                    let t = (diff(r, jb) + 1.0) - (xr - x[jb]) * slope;
                    if t > worst {
                        worst = t;
                    }
                }
            }
            if dip_left < worst {
                dip_left = worst;
            }
        }

        // Largest deviation of F_n from the LCM right of the new high end.
        let mut dip_right = 0.0_f64;
        for j in l_pos..n_lcm - 1 {
            let (kb, ke) = (lcm[j], lcm[j + 1]);
            let mut worst = 1.0_f64;
            if ke - kb > 1 && x[ke] != x[kb] {
                let slope = diff(ke, kb) / (x[ke] - x[kb]);
                for (r, &xr) in x.iter().enumerate().take(ke + 1).skip(kb) {
                    let t = (xr - x[kb]) * slope - (diff(r, kb) - 1.0);
                    if t > worst {
                        worst = t;
                    }
                }
            }
            if dip_right < worst {
                dip_right = worst;
            }
        }

        let candidate = if dip_right > dip_left {
            dip_right
        } else {
            dip_left
        };
        if dip < candidate {
            dip = candidate;
        }

        let (new_low, new_high) = (gcm[g_pos], lcm[l_pos]);
        if new_low == low && new_high == high {
            break;
        }
        low = new_low;
        high = new_high;
    }
    dip
}

/// Uniform draw in `[0, 1)` with 53 random bits (same mapping as `rand`'s
/// standard `f64` distribution).
#[inline]
fn unit_f64(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Dip of replicate `r`: `n` uniforms from the stream `r` of the
/// registered purpose [`Purpose::DipNull`] under `seed`.
fn uniform_replicate_dip(n: usize, seed: u64, r: u64, buf: &mut Vec<f64>) -> f64 {
    let mut rng = rng::stream_for(seed, Purpose::DipNull, r);
    buf.clear();
    buf.extend((0..n).map(|_| unit_f64(&mut rng)));
    buf.sort_unstable_by(f64::total_cmp);
    dip_statistic(buf)
}

/// Simulated null distribution of the dip for samples of size `n`, sorted
/// ascending.
///
/// # Algorithm
///
/// Replicate `r` (`0 <= r < replicates`) draws `n` i.i.d. `U(0, 1)` values
/// from the stream `rng::stream_for(seed, Purpose::DipNull, r)` (the
/// crate's registry of random procedures), and records [`dip_statistic`]
/// of the sorted draw. The
/// uniform law is the least favourable unimodal null (Hartigan & Hartigan
/// 1985, §4), as in R's `dip.test(x, simulate.p.value = TRUE)`. Replicates
/// run on rayon's pool (`RAYON_NUM_THREADS`, `--threads`); since every
/// replicate has its own stream, the result is identical for any number of
/// threads. Cost `O(replicates · n log n)`.
///
/// # Assumptions
///
/// `replicates = 0` gives an empty vector; `n = 0` gives zeros. The dip is
/// invariant under affine maps, so the null does not depend on the range of
/// the uniform law.
///
/// # References
///
/// * Hartigan, J. A. & Hartigan, P. M. (1985), Ann. Statist. 13(1), 70–84.
/// * Hartigan, P. M. (1985), Algorithm AS 217, Appl. Statist. 34(3), 320–325.
///
/// # Example
///
/// ```
/// use escrutinio::stats::dip::{dip_null_distribution, p_value_from_null};
/// let null = dip_null_distribution(50, 200, 7);
/// assert_eq!(null.len(), 200);
/// assert!(null.windows(2).all(|w| w[0] <= w[1]));
/// assert_eq!(null, dip_null_distribution(50, 200, 7)); // reproducible
/// assert_eq!(p_value_from_null(1.0, &null), 1.0 / 201.0);
/// ```
pub fn dip_null_distribution(n: usize, replicates: usize, seed: u64) -> Vec<f64> {
    let mut out: Vec<f64> = (0..replicates as u64)
        .into_par_iter()
        .map_init(
            || Vec::with_capacity(n),
            |buf, r| uniform_replicate_dip(n, seed, r, buf),
        )
        .collect();
    out.sort_unstable_by(f64::total_cmp);
    out
}

/// Monte Carlo p-value of an observed dip against a simulated null sample.
///
/// # Formula
///
/// `p = (1 + #{i : null_sorted[i] >= dip}) / (1 + null_sorted.len())`, the
/// usual add-one estimate, which makes the test exactly valid (never
/// anti-conservative) when the null sample is drawn independently of the data
/// under the tested law. Cost `O(log B)` by binary search.
///
/// # Assumptions
///
/// `null_sorted` is sorted ascending, e.g. the output of
/// [`dip_null_distribution`] for the same `n` as the observed sample
/// (otherwise the count, hence the result, is unspecified; no panic). An
/// empty null gives `1.0`; a NaN `dip` gives NaN.
///
/// # References
///
/// * Phipson, B. & Smyth, G. K. (2010), Permutation p-values should never be
///   zero, Stat. Appl. Genet. Mol. Biol. 9(1), Article 39 (add-one estimate).
/// * Hartigan, J. A. & Hartigan, P. M. (1985), Ann. Statist. 13(1), 70–84.
///
/// # Example
///
/// ```
/// use escrutinio::stats::dip::p_value_from_null;
/// let null = [0.01, 0.02, 0.03, 0.04];
/// assert_eq!(p_value_from_null(0.025, &null), 3.0 / 5.0);
/// assert_eq!(p_value_from_null(0.04, &null), 2.0 / 5.0);
/// assert_eq!(p_value_from_null(0.5, &null), 1.0 / 5.0);
/// ```
pub fn p_value_from_null(dip: f64, null_sorted: &[f64]) -> f64 {
    if dip.is_nan() {
        return f64::NAN;
    }
    let below = null_sorted.partition_point(|&v| v < dip);
    let at_least = null_sorted.len() - below;
    (1.0 + at_least as f64) / (1.0 + null_sorted.len() as f64)
}

/// p-value of the dip test by simulation under the uniform null (the least
/// favourable unimodal law, as in R's
/// `diptest::dip.test(x, simulate.p.value = TRUE)`).
///
/// # Formula
///
/// `p = (1 + #{r : dip_r >= dip}) / (1 + replicates)`, where `dip_r` is the
/// dip of the `r`-th simulated uniform sample of size `n` (note: R uses
/// `#{dip_r >= dip} / replicates` without the add-one correction). The
/// p-value lies in `[1/(1+replicates), 1]`.
///
/// # Algorithm
///
/// Replicate `r` draws from its own stream (see [`dip_null_distribution`]),
/// so the result depends only on `(dip, n, replicates, seed)`, not on
/// threading; see [`dip_null_distribution`] and [`p_value_from_null`], which
/// this function combines. To test many samples of the same size, compute
/// the null once with those two functions instead.
///
/// # Assumptions
///
/// `dip` must come from [`dip_statistic`] on a sample of size `n` (same
/// convention). `replicates = 0` returns `1.0`; a NaN `dip` returns NaN.
///
/// # References
///
/// * Hartigan, J. A. & Hartigan, P. M. (1985), The dip test of unimodality,
///   Ann. Statist. 13(1), 70–84 (uniform as least favourable null).
/// * Hartigan, P. M. (1985), Algorithm AS 217, Appl. Statist. 34(3), 320–325.
///
/// # Example
///
/// ```
/// use escrutinio::stats::dip::{dip_p_value_simulated, dip_statistic};
/// // Two well separated clumps of 20 points each.
/// let mut x: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.01).collect();
/// x.extend((0..20).map(|i| 10.0 + f64::from(i) * 0.01));
/// let d = dip_statistic(&x);
/// let p = dip_p_value_simulated(d, x.len(), 500, 42);
/// assert!(p < 0.01);
/// assert_eq!(p, 1.0 / 501.0);
/// ```
pub fn dip_p_value_simulated(dip: f64, n: usize, replicates: usize, seed: u64) -> f64 {
    if dip.is_nan() {
        return f64::NAN;
    }
    p_value_from_null(dip, &dip_null_distribution(n, replicates, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng(seed: u64) -> ChaCha8Rng {
        use rand_chacha::rand_core::SeedableRng;
        ChaCha8Rng::seed_from_u64(seed)
    }

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        // Box–Muller; 1 - u is in (0, 1].
        let u = 1.0 - unit_f64(rng);
        let v = unit_f64(rng);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_unstable_by(f64::total_cmp);
        v
    }

    /// Reference values from the PyPI package `diptest` 0.12.0 (C++ port of
    /// the C code of R's `diptest`), Python 3.11.7, numpy 2.4.6, produced by
    /// `/tmp/dipvenv/bin/python -c 'import diptest, numpy as np;
    /// print(repr(diptest.dipstat(np.array(DATA), allow_zero=False)))'`
    /// (`allow_zero=False` is R's default `min.is.0 = FALSE`). Random data
    /// were drawn with `numpy.random.default_rng(20240601)` and rounded to
    /// 3–4 decimals so that the literals below are exact.
    #[test]
    fn matches_reference_implementation() {
        let cases: Vec<(&str, Vec<f64>, f64)> = vec![
            ("n1", vec![3.0], 0.5),
            ("n2", vec![1.0, 2.0], 0.25),
            ("n3", vec![0.0, 1.0, 5.0], 0.16666666666666666),
            ("n3_tie", vec![2.0, 2.0, 7.0], 0.16666666666666666),
            ("n4_two_point", vec![-1.0, -1.0, 1.0, 1.0], 0.25),
            ("n5", vec![0.1, 0.5, 0.55, 2.0, 7.5], 0.1),
            ("const6", vec![4.25; 6], 0.08333333333333333),
            (
                "bimodal30",
                vec![
                    -1.178, -1.062, -0.643, -0.42, -0.365, -0.22, -0.145, 0.347, 0.469, 0.648,
                    0.908, 1.203, 1.233, 1.334, 1.6, 4.101, 4.582, 5.011, 5.08, 5.242, 5.285,
                    5.634, 5.809, 5.87, 5.916, 5.984, 5.995, 6.654, 6.688, 7.671,
                ],
                0.12282275004039425,
            ),
            (
                "normal30",
                vec![
                    6.737, 7.098, 7.146, 8.142, 8.283, 8.709, 8.737, 8.779, 9.167, 9.236, 9.303,
                    9.515, 9.557, 9.603, 10.217, 10.352, 10.359, 10.421, 10.443, 10.987, 11.094,
                    11.159, 11.296, 11.311, 11.311, 11.638, 11.723, 12.48, 13.148, 13.75,
                ],
                0.06107427055702922,
            ),
            (
                "ties25",
                vec![
                    0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0,
                    4.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0,
                ],
                0.1,
            ),
            (
                "uniform40",
                vec![
                    0.0093, 0.0181, 0.095, 0.1012, 0.1225, 0.1828, 0.2006, 0.2452, 0.2649, 0.2782,
                    0.3596, 0.373, 0.4051, 0.4899, 0.5023, 0.5111, 0.5556, 0.5583, 0.616, 0.6326,
                    0.6446, 0.6605, 0.6857, 0.6903, 0.7141, 0.7298, 0.7367, 0.74, 0.7557, 0.7877,
                    0.8374, 0.8588, 0.8668, 0.8929, 0.9013, 0.902, 0.9109, 0.9179, 0.9824, 0.9933,
                ],
                0.04400226523887971,
            ),
            (
                "trimodal36",
                vec![
                    -1.311, -0.489, -0.305, -0.217, -0.039, 0.059, 0.365, 0.368, 0.38, 0.446,
                    0.487, 0.772, 4.13, 4.792, 4.815, 4.896, 4.983, 4.991, 5.053, 5.224, 5.293,
                    5.508, 5.587, 6.194, 9.145, 9.491, 9.86, 9.889, 9.968, 10.064, 10.12, 10.378,
                    10.417, 10.679, 10.68, 11.024,
                ],
                0.11298102211281533,
            ),
            (
                "skewed20",
                vec![
                    0.0, 0.038, 0.079, 0.105, 0.185, 0.218, 0.243, 0.474, 0.517, 0.559, 0.566,
                    0.641, 0.708, 0.823, 0.828, 1.208, 1.231, 1.492, 1.496, 1.943,
                ],
                0.07897435897435898,
            ),
        ];
        for (name, data, expected) in cases {
            assert!(data.windows(2).all(|w| w[0] <= w[1]), "{name} not sorted");
            let got = dip_statistic(&data);
            assert!(
                (got - expected).abs() <= 1e-12,
                "{name}: ours {got:e}, reference {expected:e}"
            );
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(dip_statistic(&[]), 0.0);
        assert_eq!(dip_statistic(&[-7.0]), 0.5);
        assert_eq!(dip_statistic(&[1.0, 1.0]), 0.25);
        assert_eq!(dip_statistic(&[0.0, 1e300]), 0.25);
        for n in 1..30 {
            let x = vec![2.5; n];
            assert_eq!(dip_statistic(&x), 1.0 / (2.0 * n as f64));
        }
        // n = 3: always 1/6 (reference: diptest gives 1/6 for any 3 values).
        let mut g = rng(3);
        for _ in 0..200 {
            let x = sorted((0..3).map(|_| (unit_f64(&mut g) * 4.0).floor()).collect());
            assert!((dip_statistic(&x) - 1.0 / 6.0).abs() < 1e-15, "{x:?}");
        }
        assert_eq!(dip_p_value_simulated(0.1, 10, 0, 1), 1.0);
        assert!(dip_p_value_simulated(f64::NAN, 10, 10, 1).is_nan());
        assert_eq!(p_value_from_null(0.3, &[]), 1.0);
        assert_eq!(dip_null_distribution(0, 3, 1), vec![0.0; 3]);
        assert!(dip_null_distribution(10, 0, 1).is_empty());
    }

    #[test]
    fn bounds_on_random_samples() {
        let mut g = rng(11);
        for trial in 0..3000 {
            let n = 2 + trial % 60;
            // Every third sample is heavily tied.
            let x = sorted(
                (0..n)
                    .map(|_| {
                        let v = normal(&mut g) + if unit_f64(&mut g) < 0.3 { 4.0 } else { 0.0 };
                        if trial % 3 == 0 {
                            v.round()
                        } else {
                            v
                        }
                    })
                    .collect(),
            );
            let d = dip_statistic(&x);
            let floor = 1.0 / (2.0 * n as f64);
            assert!(
                d >= floor - 1e-15 && d <= 0.25 + 1e-15,
                "n={n} dip={d} {x:?}"
            );
        }
    }

    #[test]
    fn affine_invariance() {
        let mut g = rng(5);
        for trial in 0..500 {
            let n = 4 + trial % 80;
            let x = sorted(
                (0..n)
                    .map(|_| {
                        normal(&mut g)
                            + if trial % 2 == 0 { 3.0 } else { 0.0 } * unit_f64(&mut g).round()
                    })
                    .collect(),
            );
            let d = dip_statistic(&x);
            // Scaling by a power of two is exact: identical result.
            let y: Vec<f64> = x.iter().map(|v| 0.25 * v).collect();
            assert_eq!(dip_statistic(&y), d);
            // General maps: equal up to rounding.
            for (a, b) in [(1.0, -8.0), (3.7, -1.3), (1e-3, 5e2), (123.456, 0.0)] {
                let y: Vec<f64> = x.iter().map(|v| a * v + b).collect();
                let dy = dip_statistic(&y);
                assert!((dy - d).abs() < 1e-9, "a={a} b={b}: {dy} vs {d}");
            }
        }
    }

    #[test]
    fn bimodal_much_larger_than_unimodal() {
        let mut g = rng(2000);
        let uni = sorted((0..2000).map(|_| normal(&mut g)).collect());
        let bi = sorted(
            (0..2000)
                .map(|i| normal(&mut g) + if i % 2 == 0 { -4.0 } else { 4.0 })
                .collect(),
        );
        let (du, db) = (dip_statistic(&uni), dip_statistic(&bi));
        assert!(du < 0.015, "unimodal dip {du}");
        assert!(db > 0.08, "bimodal dip {db}");
        assert!(db > 5.0 * du);
        let null = dip_null_distribution(2000, 99, 1);
        assert!(p_value_from_null(db, &null) <= 0.01 + 1e-12);
        assert!(p_value_from_null(du, &null) > 0.05);
    }

    #[test]
    fn simulated_p_value_is_reproducible_and_consistent() {
        let null = dip_null_distribution(60, 300, 9);
        assert_eq!(null, dip_null_distribution(60, 300, 9));
        assert_ne!(null, dip_null_distribution(60, 300, 10));
        // The parallel path equals a sequential computation, and one thread
        // gives the same as the default pool.
        let big = dip_null_distribution(1000, 400, 3);
        let mut buf = Vec::new();
        let seq = sorted(
            (0..400)
                .map(|r| uniform_replicate_dip(1000, 3, r, &mut buf))
                .collect(),
        );
        assert_eq!(big, seq);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(big, one.install(|| dip_null_distribution(1000, 400, 3)));
        for d in [0.0, 0.03, 0.05, 0.08, 1.0] {
            let p = dip_p_value_simulated(d, 60, 300, 9);
            assert_eq!(p, p_value_from_null(d, &null));
            let direct = (1 + null.iter().filter(|&&v| v >= d).count()) as f64 / 301.0;
            assert_eq!(p, direct);
            assert!(p > 0.0 && p <= 1.0);
        }
    }

    /// Exact central interval `[lo, hi]` of Binomial(n, p) with at most
    /// `alpha / 2` probability in each tail (pmf computed by recurrence).
    fn binomial_interval(n: usize, p: f64, alpha: f64) -> (usize, usize) {
        let mut pmf = vec![0.0_f64; n + 1];
        pmf[0] = (1.0 - p).powi(n as i32);
        for k in 1..=n {
            pmf[k] = pmf[k - 1] * (n - k + 1) as f64 / k as f64 * p / (1.0 - p);
        }
        let mut lo = 0;
        let mut below = 0.0;
        while below + pmf[lo] <= alpha / 2.0 {
            below += pmf[lo];
            lo += 1;
        }
        let mut hi = n;
        let mut above = 0.0;
        while above + pmf[hi] <= alpha / 2.0 {
            above += pmf[hi];
            hi -= 1;
        }
        (lo, hi)
    }

    /// Size of the simulated test under the uniform null: 400 independent
    /// uniform samples of n = 200, each with its own 200-replicate p-value
    /// (independent seeds), so rejections are i.i.d. Bernoulli with
    /// probability exactly 10/201 ≈ 0.0498 (p <= 0.05 iff at most 9 of 200
    /// exchangeable null dips are >= the observed one).
    #[test]
    fn simulated_p_value_calibration() {
        let (lo, hi) = binomial_interval(400, 0.05, 0.01);
        // Binomial(400, 0.05): P(X <= 9) = 0.0042, P(X >= 33) = 0.0038 (both
        // <= 0.005), while P(X <= 10) = 0.0094 and P(X >= 32) = 0.0067.
        assert_eq!((lo, hi), (10, 32));
        let n = 200;
        let mut g = rng(777);
        let mut rejections = 0;
        for i in 0..400u64 {
            let x = sorted((0..n).map(|_| unit_f64(&mut g)).collect());
            let p = dip_p_value_simulated(dip_statistic(&x), n, 200, 10_000 + i);
            if p <= 0.05 {
                rejections += 1;
            }
        }
        eprintln!("calibration: {rejections}/400 rejections at 0.05 (99% interval [{lo}, {hi}])");
        assert!((lo..=hi).contains(&rejections), "{rejections}");
    }

    #[test]
    fn linear_time_large_sample() {
        let mut g = rng(100_000);
        let x = sorted(
            (0..100_000)
                .map(|i| {
                    normal(&mut g) * if i % 3 == 0 { 0.5 } else { 1.0 }
                        + if i % 3 == 0 { 3.0 } else { 0.0 }
                })
                .collect(),
        );
        let u = sorted((0..100_000).map(|_| unit_f64(&mut g)).collect());
        let start = std::time::Instant::now();
        let d = dip_statistic(&x);
        let du = dip_statistic(&u);
        let elapsed = start.elapsed();
        eprintln!("n = 100000: two dips in {elapsed:?} (dip {d}, uniform {du})");
        assert!(d > du && d <= 0.25 && du >= 1.0 / 200_000.0);
        assert!(elapsed.as_secs_f64() < 5.0, "{elapsed:?}");
    }
}
