//! The seeded nonparametric bootstrap.

use rand_distr::{Binomial, Distribution};

use std::str::FromStr;

use serde::Serialize;

use crate::rng;

/// How a bootstrap replicate of a fitted estimator is computed. Each family
/// that offers the choice documents what the two mean for its fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BootstrapMethod {
    /// The estimator linearised at the point estimate (first-order
    /// equivalent to a refit, at a small fraction of its cost).
    Linearised,
    /// The whole fit rerun on every replicate.
    Refit,
}

impl FromStr for BootstrapMethod {
    type Err = String;

    /// `linearised` or `refit`.
    fn from_str(s: &str) -> Result<BootstrapMethod, String> {
        match s {
            "linearised" => Ok(BootstrapMethod::Linearised),
            "refit" => Ok(BootstrapMethod::Refit),
            _ => Err(format!(
                "unknown bootstrap method {s:?} (linearised or refit)"
            )),
        }
    }
}

/// Percentile bootstrap interval for the mean of a categorical variable.
///
/// The sample is given as a frequency table: `counts[k]` observations take
/// the value `values[k]`. Resampling n observations with replacement from
/// such a sample is the same as drawing the resample's table from
/// Multinomial(n, counts/n), so each replicate costs one multinomial draw
/// over the k categories (as conditional binomials) instead of n draws;
/// the bootstrap distribution is exactly that of the textbook procedure.
///
/// Replicate r uses the random stream `rng::stream(seed, purpose, r)`, so
/// the interval depends only on (seed, purpose, data, replicates, level),
/// never on the thread count; replicates run in parallel with rayon.
///
/// Returns `(low, high)` at the given two-sided `level` (e.g. 0.95), the
/// empirical (1 − level)/2 and (1 + level)/2 quantiles of the replicate
/// means (type 7 interpolation, as R's default), or `None` when
/// `replicates` is 0 or the sample is empty.
///
/// # References
/// Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), §13.3
/// (percentile interval); Hyndman & Fan (1996), *The American
/// Statistician* 50(4), definition 7 (quantiles).
///
/// # Examples
/// ```
/// use escrutinio::stats::bootstrap::categorical_mean_interval;
/// let (lo, hi) = categorical_mean_interval(&[500, 500], &[0.0, 1.0], 2000, 0.95, 7, 1).unwrap();
/// // Mean 0.5, SE √(0.25/1000) ≈ 0.0158: the interval is about 0.469..0.531.
/// assert!((lo - 0.469).abs() < 0.005 && (hi - 0.531).abs() < 0.005);
/// ```
pub fn categorical_mean_interval(
    counts: &[u64],
    values: &[f64],
    replicates: usize,
    level: f64,
    seed: u64,
    purpose: u64,
) -> Option<(f64, f64)> {
    use rayon::prelude::*;
    let n: u64 = counts.iter().sum();
    if replicates == 0 || n == 0 || counts.len() != values.len() {
        return None;
    }
    let mut means: Vec<f64> = (0..replicates as u64)
        .into_par_iter()
        .map(|r| {
            let mut rng = rng::stream(seed, purpose, r);
            multinomial_mean(&mut rng, counts, n, values)
        })
        .collect();
    percentile_interval(&mut means, level)
}

/// The percentile interval at `level` of bootstrap replicates: their
/// (1 − level)/2 and (1 + level)/2 type-7 quantiles (`None` without
/// replicates). Sorts `replicates` in place.
pub fn percentile_interval(replicates: &mut [f64], level: f64) -> Option<(f64, f64)> {
    if replicates.is_empty() {
        return None;
    }
    replicates.sort_by(f64::total_cmp);
    let a = (1.0 - level) / 2.0;
    Some((
        quantile_sorted(replicates, a),
        quantile_sorted(replicates, 1.0 - a),
    ))
}

/// An estimate with its interval (`null` bounds when no interval was
/// computed), as written in `report.json`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub estimate: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Estimate {
    /// A point estimate with the percentile interval of its replicates.
    pub fn percentile(estimate: f64, mut replicates: Vec<f64>, level: f64) -> Estimate {
        let ci = percentile_interval(&mut replicates, level);
        Estimate {
            estimate,
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
        }
    }

    /// `estimate [low, high]` with `d` decimals (the bare estimate without
    /// an interval).
    pub fn display(&self, d: usize) -> String {
        match (self.ci_low, self.ci_high) {
            (Some(l), Some(h)) => format!("{:.d$} [{l:.d$}, {h:.d$}]", self.estimate),
            _ => format!("{:.d$}", self.estimate),
        }
    }
}

/// Normal (Wald) interval for the mean of a categorical variable: the
/// large-sample limit of [`categorical_mean_interval`], in closed form.
///
/// # Formula
/// With `n = Σ counts`, the mean `x̄ = Σ cₖvₖ / n` and the plug-in variance
/// `s² = Σ cₖ(vₖ − x̄)² / n`, the interval is `x̄ ± z·s/√n` with
/// `z = Φ⁻¹((1 + level)/2)`. `s²/n` is exactly the variance of the
/// bootstrap distribution of the mean (a resample's table is
/// Multinomial(n, counts/n)), so the percentile bootstrap interval
/// converges to this one as the replicates grow and n is large (Efron &
/// Tibshirani 1993, §13.3 and §12.5: the standard-normal interval).
///
/// # Assumptions
/// The mean is approximately normal: n large enough that the CLT holds for
/// the digit values (the digit tests require at least 10 eligible counts;
/// for fewer than ~30 the bootstrap, `--bootstrap N`, is the safer choice,
/// although both share the plug-in variance). `None` for an empty sample or
/// mismatched lengths.
///
/// # Examples
/// ```
/// use escrutinio::stats::bootstrap::categorical_mean_normal_interval;
/// let (lo, hi) = categorical_mean_normal_interval(&[500, 500], &[0.0, 1.0], 0.95).unwrap();
/// // Mean 0.5, SE √(0.25/1000) = 0.015811: 0.5 ∓ 1.959964 × 0.015811.
/// assert!((lo - 0.469010).abs() < 1e-6 && (hi - 0.530990).abs() < 1e-6);
/// ```
pub fn categorical_mean_normal_interval(
    counts: &[u64],
    values: &[f64],
    level: f64,
) -> Option<(f64, f64)> {
    let n: u64 = counts.iter().sum();
    if n == 0 || counts.len() != values.len() {
        return None;
    }
    let nf = n as f64;
    let mean = counts
        .iter()
        .zip(values)
        .map(|(&c, v)| c as f64 * v)
        .sum::<f64>()
        / nf;
    let var = counts
        .iter()
        .zip(values)
        .map(|(&c, v)| c as f64 * (v - mean) * (v - mean))
        .sum::<f64>()
        / nf;
    let half = crate::stats::gof::normal_quantile(0.5 + level / 2.0) * (var / nf).sqrt();
    Some((mean - half, mean + half))
}

/// The mean of one multinomial resample: conditional binomials
/// Xₖ ~ Bin(n − Σⱼ<ₖ Xⱼ, cₖ / Σⱼ≥ₖ cⱼ).
fn multinomial_mean(rng: &mut rng::Rng, counts: &[u64], n: u64, values: &[f64]) -> f64 {
    let mut left_n = n;
    let mut left_mass = n;
    let mut sum = 0.0;
    for (&c, &v) in counts.iter().zip(values) {
        if left_n == 0 {
            break;
        }
        if c == 0 {
            continue;
        }
        let x = if c == left_mass {
            left_n
        } else {
            let p = c as f64 / left_mass as f64;
            Binomial::new(left_n, p).map(|b| b.sample(rng)).unwrap_or(0)
        };
        sum += x as f64 * v;
        left_n -= x;
        left_mass -= c;
    }
    sum / n as f64
}

/// Quantile of sorted data, Hyndman & Fan type 7 (linear interpolation
/// between order statistics at h = (n − 1)·q).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles() {
        let x = [1.0, 2.0, 3.0, 4.0];
        // R: quantile(1:4, c(0, .25, .5, 1)) = 1, 1.75, 2.5, 4
        assert_eq!(quantile_sorted(&x, 0.0), 1.0);
        assert!((quantile_sorted(&x, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile_sorted(&x, 0.5) - 2.5).abs() < 1e-12);
        assert_eq!(quantile_sorted(&x, 1.0), 4.0);
    }

    #[test]
    fn degenerate_sample_has_a_point_interval() {
        let (lo, hi) =
            categorical_mean_interval(&[0, 40, 0], &[1.0, 2.0, 3.0], 50, 0.9, 1, 2).unwrap();
        assert_eq!((lo, hi), (2.0, 2.0));
        assert!(categorical_mean_interval(&[0, 0], &[1.0, 2.0], 50, 0.9, 1, 2).is_none());
        assert!(categorical_mean_interval(&[3, 4], &[1.0, 2.0], 0, 0.9, 1, 2).is_none());
    }

    #[test]
    fn resample_keeps_n_and_matches_the_multinomial_moments() {
        // Over many replicates, the resample mean has mean x̄ and variance
        // s²/n (s² the plug-in variance): checked to 4 SE.
        let counts = [120u64, 300, 80, 500];
        let values = [0.0, 1.0, 2.0, 5.0];
        let n: u64 = counts.iter().sum();
        let xbar = counts
            .iter()
            .zip(&values)
            .map(|(&c, v)| c as f64 * v)
            .sum::<f64>()
            / n as f64;
        let s2 = counts
            .iter()
            .zip(&values)
            .map(|(&c, v)| c as f64 * (v - xbar).powi(2))
            .sum::<f64>()
            / n as f64;
        let reps = 20_000;
        let means: Vec<f64> = (0..reps)
            .map(|r| multinomial_mean(&mut rng::stream(3, 4, r), &counts, n, &values))
            .collect();
        let m = means.iter().sum::<f64>() / reps as f64;
        let v = means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps - 1) as f64;
        let se_mean = (s2 / n as f64 / reps as f64).sqrt();
        assert!((m - xbar).abs() < 4.0 * se_mean, "{m} vs {xbar}");
        let se_var = s2 / n as f64 * (2.0 / (reps - 1) as f64).sqrt();
        assert!(
            (v - s2 / n as f64).abs() < 4.0 * se_var,
            "{v} vs {}",
            s2 / n as f64
        );
    }

    #[test]
    fn identical_for_any_thread_count() {
        let counts = [10u64, 20, 30, 40, 50];
        let values = [0.0, 1.0, 2.0, 3.0, 4.0];
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| categorical_mean_interval(&counts, &values, 999, 0.95, 42, 9));
        let b = categorical_mean_interval(&counts, &values, 999, 0.95, 42, 9);
        assert_eq!(a, b);
        let c = categorical_mean_interval(&counts, &values, 999, 0.95, 43, 9);
        assert_ne!(a, c);
    }
}
