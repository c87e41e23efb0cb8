//! Calibration on the user's own data: placebo elections drawn from a clean
//! null fitted to the analysed election ([`NullModel`]), every planned
//! family run on each, and the observed results read against them.
//!
//! # What is reported
//! - Per national hypothesis test (each family's [`crate::methods::Family::tests`]):
//!   its empirical false-positive rate on the placebos at the nominal level
//!   (`p < level`), with a Clopper–Pearson interval (Clopper & Pearson 1934,
//!   *Biometrika* 26(4)); and the observed test's *calibrated p-value*,
//!   the Monte Carlo p-value of Davison & Hinkley (1997, *Bootstrap Methods
//!   and their Application*, eq. 4.11): `(1 + #{placebos at least as
//!   extreme}) / (1 + R)`, exact at every level that is a multiple of
//!   1/(R + 1) when the observed election is exchangeable with the placebos
//!   (clean by the null). A test rejects *at its calibrated level* when the
//!   calibrated p-value is at most the level.
//! - Per estimating family of the verdict: the placebo band of its
//!   inflated-ballot estimate (the central `band` quantiles of the placebo
//!   estimates) and where the observed estimate lies. The verdict counts an
//!   estimate as evidence only above its band ([`apply_to_verdict`]).
//!
//! Placebo elections run the plan without interval-only resampling
//! ([`crate::methods::Family::without_intervals`]): the bands are bands of
//! point estimates, the calibrated p-values compare p-values.
//!
//! # Determinism
//! Placebo `r` draws its counts from `Purpose::PlaceboStations` keyed by
//! `r`, and its analysis runs with a seed drawn from
//! `Purpose::PlaceboAnalysis` stream `r`: the same seed gives the same
//! calibration for any thread count.

pub mod null_model;

use rand::RngCore as _;
use rayon::prelude::*;
use serde::Serialize;

pub use null_model::NullModel;

use crate::inputs::Inputs;
use crate::methods::registry::CheckedPlan;
use crate::methods::{Context, TestOutcome};
use crate::rng::{self, Purpose};
use crate::stats::bootstrap::quantile_sorted;
use crate::verdict::Verdict;

/// Options of a calibration.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationOptions {
    /// Placebo elections.
    pub replicates: usize,
    /// Nominal level of every test.
    pub level: f64,
    /// Central coverage of the placebo band of each estimate.
    pub band: f64,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        CalibrationOptions {
            replicates: 100,
            level: 0.05,
            band: 0.95,
        }
    }
}

impl CalibrationOptions {
    pub fn check(&self) -> Result<(), String> {
        if self.replicates < 2 {
            return Err(format!(
                "calibration needs at least 2 placebo elections, not {}",
                self.replicates
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!("level must lie in (0, 1), not {}", self.level));
        }
        if !(self.band > 0.0 && self.band < 1.0) {
            return Err(format!("band must lie in (0, 1), not {}", self.band));
        }
        Ok(())
    }
}

/// What the placebo elections produced.
#[derive(Debug, Clone, Default)]
pub struct Placebos {
    /// Per replicate: every national test outcome, with its family.
    pub tests: Vec<Vec<(&'static str, TestOutcome)>>,
    /// Per replicate: every verdict estimate, as `(family, estimate)`.
    pub estimates: Vec<Vec<(&'static str, f64)>>,
}

/// One test, calibrated (`calibration.tests[]`).
#[derive(Debug, Clone, Serialize)]
pub struct CalibratedTest {
    pub family: &'static str,
    pub test: String,
    /// Nominal level.
    pub level: f64,
    /// Share of placebo elections where the test rejects at `level`.
    pub false_positive_rate: f64,
    /// Clopper–Pearson 95 % interval of that rate.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Placebo elections where the test ran.
    pub replicates: usize,
    /// The test on the analysed election (`null` when it did not run there).
    pub observed_p_value: Option<f64>,
    /// `(1 + #{placebos at least as extreme}) / (1 + replicates)`.
    pub calibrated_p_value: Option<f64>,
    pub rejects_at_nominal: bool,
    pub rejects_at_calibrated: bool,
}

/// One estimate's placebo band (`calibration.estimates[]`).
#[derive(Debug, Clone, Serialize)]
pub struct PlaceboBand {
    pub family: &'static str,
    pub placebo_low: f64,
    pub placebo_high: f64,
    pub placebo_median: f64,
    /// Placebo elections where the family produced an estimate.
    pub replicates: usize,
    /// The estimate on the analysed election.
    pub observed: Option<f64>,
    /// The observed estimate lies above `placebo_high`.
    pub above_band: bool,
    /// `observed − placebo_high` (negative inside the band).
    pub above_band_by: Option<f64>,
}

/// The `calibration` section of `report.json` (and `calibration.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub replicates: usize,
    pub seed: u64,
    pub level: f64,
    pub band: f64,
    pub null_model: NullModel,
    /// Tests whose calibrated false-positive rate excludes the nominal
    /// level (the interval of the rate lies wholly above or below it).
    pub miscalibrated_tests: usize,
    pub tests: Vec<CalibratedTest>,
    pub estimates: Vec<PlaceboBand>,
}

/// Draws the placebo elections and runs `plan` on each.
pub fn run_placebos(
    inputs: &Inputs,
    plan: &CheckedPlan,
    null: &NullModel,
    seed: u64,
    replicates: usize,
) -> Placebos {
    // Bands and calibrated p-values need point estimates and p-values only.
    let mut plan = plan.without_intervals();
    if !inputs.has_participation() {
        plan.hourly = None;
    }
    let progress = crate::progress::task("placebo elections", Some(replicates as u64));
    let runs: Vec<_> = (0..replicates as u64)
        .into_par_iter()
        .map(|r| {
            let placebo = null.placebo(inputs, seed, r);
            let run_seed = rng::stream_for(seed, Purpose::PlaceboAnalysis, r).next_u64();
            let outcome = plan.run(&placebo, &Context::new(run_seed));
            let e = placebo.election().expect("a placebo has an election");
            let verdict = crate::verdict::compose(e, &outcome.findings);
            let estimates: Vec<(&'static str, f64)> = verdict
                .national
                .iter()
                .map(|n| (n.family, n.estimate))
                .collect();
            progress.inc();
            (outcome.findings.tests(), estimates)
        })
        .collect();
    let (tests, estimates) = runs.into_iter().unzip();
    Placebos { tests, estimates }
}

/// Fits the null, runs the placebos and reads the observed tests and
/// verdict against them. `None` when the inputs have no election.
pub fn calibrate(
    inputs: &Inputs,
    plan: &CheckedPlan,
    observed_tests: &[(&'static str, TestOutcome)],
    observed_verdict: &Verdict,
    seed: u64,
    options: &CalibrationOptions,
) -> Option<Calibration> {
    let null = NullModel::fit(inputs)?;
    let placebos = run_placebos(inputs, plan, &null, seed, options.replicates);
    Some(compare(
        null,
        &placebos,
        observed_tests,
        observed_verdict,
        seed,
        options,
    ))
}

/// Reads observed tests and estimates against placebo results.
pub fn compare(
    null: NullModel,
    placebos: &Placebos,
    observed_tests: &[(&'static str, TestOutcome)],
    observed_verdict: &Verdict,
    seed: u64,
    options: &CalibrationOptions,
) -> Calibration {
    // Every (family, test) seen, observed ones first, in their order.
    let mut keys: Vec<(&'static str, String)> = observed_tests
        .iter()
        .map(|(f, t)| (*f, t.test.clone()))
        .collect();
    for rep in &placebos.tests {
        for (f, t) in rep {
            if !keys.iter().any(|(g, u)| g == f && *u == t.test) {
                keys.push((f, t.test.clone()));
            }
        }
    }
    let tests: Vec<CalibratedTest> = keys
        .into_iter()
        .map(|(family, test)| {
            let null_outcomes: Vec<&TestOutcome> = placebos
                .tests
                .iter()
                .filter_map(|rep| rep.iter().find(|(f, t)| *f == family && t.test == test))
                .map(|(_, t)| t)
                .collect();
            let n = null_outcomes.len();
            let rejections = null_outcomes
                .iter()
                .filter(|t| t.p_value < options.level)
                .count();
            let (ci_low, ci_high) = clopper_pearson(rejections, n, 0.95);
            let observed = observed_tests
                .iter()
                .find(|(f, t)| *f == family && t.test == test)
                .map(|(_, t)| t);
            let calibrated = observed.map(|o| {
                let extreme = null_outcomes
                    .iter()
                    .filter(|t| t.at_least_as_extreme_as(o))
                    .count();
                (1 + extreme) as f64 / (1 + n) as f64
            });
            CalibratedTest {
                family,
                test,
                level: options.level,
                false_positive_rate: if n > 0 {
                    rejections as f64 / n as f64
                } else {
                    0.0
                },
                ci_low,
                ci_high,
                replicates: n,
                observed_p_value: observed.map(|o| o.p_value),
                calibrated_p_value: calibrated,
                rejects_at_nominal: observed.is_some_and(|o| o.p_value < options.level),
                rejects_at_calibrated: calibrated.is_some_and(|p| p <= options.level),
            }
        })
        .collect();
    let miscalibrated = tests
        .iter()
        .filter(|t| t.replicates > 0 && (t.ci_low > t.level || t.ci_high < t.level))
        .count();
    let mut families: Vec<&'static str> =
        observed_verdict.national.iter().map(|n| n.family).collect();
    for rep in &placebos.estimates {
        for (f, _) in rep {
            if !families.contains(f) {
                families.push(f);
            }
        }
    }
    let estimates = families
        .into_iter()
        .filter_map(|family| {
            let mut v: Vec<f64> = placebos
                .estimates
                .iter()
                .filter_map(|rep| rep.iter().find(|(f, _)| *f == family).map(|(_, x)| *x))
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let lo = quantile_sorted(&v, (1.0 - options.band) / 2.0);
            let hi = quantile_sorted(&v, (1.0 + options.band) / 2.0);
            let observed = observed_verdict
                .national
                .iter()
                .find(|n| n.family == family)
                .map(|n| n.estimate);
            Some(PlaceboBand {
                family,
                placebo_low: lo,
                placebo_high: hi,
                placebo_median: quantile_sorted(&v, 0.5),
                replicates: v.len(),
                observed,
                above_band: observed.is_some_and(|o| o > hi),
                above_band_by: observed.map(|o| o - hi),
            })
        })
        .collect();
    Calibration {
        replicates: options.replicates,
        seed,
        level: options.level,
        band: options.band,
        null_model: null,
        miscalibrated_tests: miscalibrated,
        tests,
        estimates,
    }
}

/// Calibrates the verdict: each estimate gets its placebo band, and counts
/// as evidence only when it also lies above the band's upper end (an
/// estimate a clean election like this one produces is no evidence,
/// whatever its interval). Bounds that need no model are unchanged.
pub fn apply_to_verdict(v: &mut Verdict, c: &Calibration) {
    for n in &mut v.national {
        if let Some(b) = c.estimates.iter().find(|b| b.family == n.family) {
            n.placebo_low = Some(b.placebo_low);
            n.placebo_high = Some(b.placebo_high);
            n.evidence = n.evidence && n.estimate > b.placebo_high;
        }
    }
    v.calibrated_on = Some(c.replicates);
    v.conclude();
}

/// Clopper–Pearson interval of a binomial proportion `k / n` at `level`.
pub fn clopper_pearson(k: usize, n: usize, level: f64) -> (f64, f64) {
    use statrs::distribution::{Beta, ContinuousCDF};
    if n == 0 {
        return (0.0, 1.0);
    }
    let a = (1.0 - level) / 2.0;
    let (k, nf) = (k as f64, n as f64);
    let lo = if k == 0.0 {
        0.0
    } else {
        Beta::new(k, nf - k + 1.0)
            .map(|b| b.inverse_cdf(a))
            .unwrap_or(0.0)
    };
    let hi = if k == nf {
        1.0
    } else {
        Beta::new(k + 1.0, nf - k)
            .map(|b| b.inverse_cdf(1.0 - a))
            .unwrap_or(1.0)
    };
    (lo, hi)
}

/// The smallest and largest count of rejections compatible, at two-sided
/// level `level`, with `n` independent tests each rejecting with
/// probability `p` (the binomial band the calibration checks use).
pub fn binomial_band(n: usize, p: f64, level: f64) -> (usize, usize) {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let b = Binomial::new(p, n as u64).expect("valid binomial");
    let a = (1.0 - level) / 2.0;
    let lo = (0..=n).find(|&k| b.cdf(k as u64) > a).unwrap_or(0);
    let hi = (0..=n).find(|&k| b.cdf(k as u64) >= 1.0 - a).unwrap_or(n);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_known_values() {
        // 0 of 10: upper limit 1 − 0.025^(1/10) = 0.3085 (closed form).
        let (lo, hi) = clopper_pearson(0, 10, 0.95);
        assert_eq!(lo, 0.0);
        assert!((hi - (1.0 - 0.025f64.powf(0.1))).abs() < 1e-6, "{hi}");
        // 5 of 100: [0.01643, 0.11284] (Clopper & Pearson; R binom.test).
        let (lo, hi) = clopper_pearson(5, 100, 0.95);
        assert!(
            (lo - 0.01643).abs() < 1e-4 && (hi - 0.11284).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn binomial_band_of_five_percent_of_a_hundred() {
        // Bin(100, 0.05), 99 %: P(X <= 0) = 0.0059 > 0.005, P(X <= 11) = 0.9961 >= 0.995.
        assert_eq!(binomial_band(100, 0.05, 0.99), (0, 11));
    }
}
