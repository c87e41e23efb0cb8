//! The shape of the turnout distribution and the relation of each
//! contestant's votes to turnout.
//!
//! # Shape
//! - Skewness g₁ = m₃/m₂^{3/2} and kurtosis b₂ = m₄/m₂² (3 for a normal), of
//!   station turnouts, unweighted, with seeded percentile-bootstrap
//!   intervals (the Election Forensics Toolkit's "skew" and "kurtosis";
//!   Mebane & Kalinin). Fraud that pushes stations towards 100 % gives a
//!   long right tail (negative skew when the mass sits near 100 %).
//! - Hartigan's dip test of unimodality (see [`crate::stats::dip`]); the
//!   null is simulated at n′ = min(n, 2000) uniform points and rescaled by
//!   √(n′/n), since √n·D_n converges in law (Hartigan & Hartigan 1985,
//!   *Ann. Statist.* 13(1): 70–84, Theorem 5). A bimodal turnout (a second
//!   mode of stations near 100 %) rejects it.
//!
//! # Votes against turnout (Myagkov, Ordeshook & Shakin, *The Forensics of
//! Election Fraud: Russia and Ukraine*, Cambridge UP 2009, ch. 3)
//! For each contestant c, the OLS regression across stations of
//! Vᶜᵢ/Nᵢ (votes as a share of the electorate) on turnout tᵢ. Without
//! fraud, extra turnout brings each contestant votes in proportion to its
//! support, so each slope lies in [0, 1] and the slopes sum to about 1; ballots
//! stuffed for the winner give the winner a slope above 1 and the others
//! slopes near or below 0. Slopes carry heteroskedasticity-robust (HC1,
//! White 1980; MacKinnon & White 1985) standard errors and normal
//! intervals; per region as well.
//!
//! # Assumptions
//! Stations are independent; a genuine correlation between turnout and
//! support (urban versus rural, ethnic regions) produces the same slope
//! pattern as fraud, which is why the regressions are also given per region.

use rayon::prelude::*;
use serde::Serialize;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::methods::family::{Checked, Context, Family, OptionsError, Recorded, Skip, TestOutcome};
use crate::rng::{IndexDraws, Purpose};
use crate::stats::bootstrap::{quantile_sorted, Estimate};
use crate::stats::cell_bootstrap::{CellBootstrap, Resampling};
use crate::stats::dip::{dip_null_distribution, dip_statistic};
use crate::stats::gof::{normal_quantile, normal_two_sided_p_value};

/// Options.
#[derive(Debug, Clone, Serialize)]
pub struct TurnoutDistributionOptions {
    pub bootstrap: usize,
    /// How a bootstrap replicate of skewness and kurtosis is drawn: `cells`
    /// (default; the station bootstrap of the power sums drawn per 0.5 %
    /// turnout bin, [`crate::stats::cell_bootstrap`]) or `stations` (every
    /// station drawn).
    pub resampling: Resampling,
    pub ci_level: f64,
    /// Replicates of the simulated dip null.
    pub dip_replicates: usize,
    /// Regions with fewer stations get no regression.
    pub min_region_stations: usize,
}

impl Default for TurnoutDistributionOptions {
    fn default() -> Self {
        TurnoutDistributionOptions {
            bootstrap: 1000,
            resampling: Resampling::Cells,
            ci_level: 0.95,
            dip_replicates: 1000,
            min_region_stations: 30,
        }
    }
}

/// The turnout distribution and vote–turnout regressions as a family (see
/// [`crate::methods::Family`]).
pub struct TurnoutDistribution;

impl Family for TurnoutDistribution {
    const NAME: &'static str = "turnout_distribution";
    type Options = TurnoutDistributionOptions;
    type Finding = TurnoutDistributionFinding;

    fn check(options: &TurnoutDistributionOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<TurnoutDistributionOptions>,
        ctx: &Context,
    ) -> Result<TurnoutDistributionFinding, Skip> {
        let e = inputs.station_table()?;
        e.electorate()?;
        analyse(e, options, ctx).map_err(Skip::from)
    }

    /// No bootstrap of skewness and kurtosis (the dip test's simulated
    /// null stays: it gives the p-value).
    fn without_intervals(o: &TurnoutDistributionOptions) -> TurnoutDistributionOptions {
        TurnoutDistributionOptions {
            bootstrap: 0,
            ..o.clone()
        }
    }

    /// Hartigan's dip test, and each contestant's national turnout–share
    /// slope test.
    fn tests(finding: &TurnoutDistributionFinding) -> Vec<TestOutcome> {
        let mut t = vec![TestOutcome::new(
            "dip",
            finding.dip_test.p_value,
            finding.dip_test.dip,
        )];
        t.extend(finding.slopes.iter().map(|s| {
            let z = if s.se > 0.0 {
                (s.slope / s.se).abs()
            } else {
                0.0
            };
            TestOutcome::new(format!("slope:{}", s.contestant), s.p_value, z)
        }));
        t
    }
}

impl TurnoutDistributionOptions {
    /// Checks every option's domain.
    pub fn check(&self) -> Result<(), String> {
        if !(self.ci_level > 0.0 && self.ci_level < 1.0) {
            return Err(format!(
                "ci level must lie in (0, 1), not {}",
                self.ci_level
            ));
        }
        Ok(())
    }
}

/// A moment with its interval.
pub type Moment = Estimate;

#[derive(Debug, Clone, Serialize)]
pub struct DipTest {
    pub dip: f64,
    pub p_value: f64,
    /// Size of the simulated null sample and its replicates.
    pub null_n: usize,
    pub replicates: usize,
}

/// One contestant's slope of votes/electorate on turnout.
#[derive(Debug, Clone, Serialize)]
pub struct Slope {
    pub contestant: String,
    pub slope: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub intercept: f64,
    /// Two-sided p-value of slope = 0.
    pub p_value: f64,
    /// Slope above 1 beyond its interval (winner's stuffing signature) or
    /// below 0 (votes taken away), else `within`.
    pub reading: SlopeReading,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlopeReading {
    AboveOne,
    BelowZero,
    Within,
}

impl SlopeReading {
    /// The reading in words, for the text and HTML reports.
    pub fn describe(self) -> &'static str {
        match self {
            SlopeReading::AboveOne => {
                "above 1: more votes gained than voters added (votes taken from others)"
            }
            SlopeReading::BelowZero => "below 0: fewer votes where more people voted",
            SlopeReading::Within => "within [0, 1]",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionSlopes {
    pub region: String,
    pub stations: usize,
    /// Pearson correlation of turnout and the winner's share.
    pub turnout_share_correlation: f64,
    pub slopes: Vec<Slope>,
}

/// The finding.
#[derive(Debug, Clone, Serialize)]
pub struct TurnoutDistributionFinding {
    pub options: Recorded<TurnoutDistributionOptions>,
    pub stations: usize,
    /// Stations without a turnout, or above 100 % (left out).
    pub excluded: usize,
    pub mean: f64,
    pub median: f64,
    pub sd: f64,
    pub skewness: Moment,
    pub kurtosis: Moment,
    pub dip_test: DipTest,
    /// Pearson correlation of turnout and the winner's share, with a
    /// Fisher-z interval.
    pub turnout_share_correlation: Moment,
    pub slopes: Vec<Slope>,
    pub regions: Vec<RegionSlopes>,
}

/// (skewness g₁, kurtosis b₂) of a sample.
///
/// # Examples
/// ```
/// use escrutinio::methods::turnout_distribution::skewness_kurtosis;
/// let (g1, b2) = skewness_kurtosis(&[1.0, 2.0, 3.0, 4.0, 10.0]);
/// assert!((g1 - 1.1384199576606167).abs() < 1e-12);
/// // deviations −3, −2, −1, 0, 6: m₂ = 10, m₃ = 36, m₄ = 278.8.
/// assert!((b2 - 2.788).abs() < 1e-12);
/// ```
pub fn skewness_kurtosis(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in x {
        let d = v - m;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}

/// Skewness and kurtosis (as [`skewness_kurtosis`]) of a sample given the
/// power sums `s = [Σd, Σd², Σd³, Σd⁴]` of its deviations `d` from any
/// centre c: with a = Σd/n the sample mean minus c and `μₖ = Σdᵏ/n`,
/// m₂ = μ₂ − a², m₃ = μ₃ − 3aμ₂ + 2a³, m₄ = μ₄ − 4aμ₃ + 6a²μ₂ − 3a⁴.
/// With c the full sample's mean, a is of the order of the bootstrap
/// noise, so no cancellation arises.
fn moments_from_power_sums(s: [f64; 4], n: f64) -> (f64, f64) {
    let a = s[0] / n;
    let (mu2, mu3, mu4) = (s[1] / n, s[2] / n, s[3] / n);
    let a2 = a * a;
    let m2 = mu2 - a2;
    let m3 = mu3 - 3.0 * a * mu2 + 2.0 * a2 * a;
    let m4 = mu4 - 4.0 * a * mu3 + 6.0 * a2 * mu2 - 3.0 * a2 * a2;
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}

/// OLS of y on x with HC1 standard error of the slope: (slope, intercept, se).
fn ols_hc1(x: &[f64], y: &[f64]) -> Option<(f64, f64, f64)> {
    let n = x.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mx = x.iter().sum::<f64>() / nf;
    let my = y.iter().sum::<f64>() / nf;
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let b = sxy / sxx;
    let a = my - b * mx;
    let meat: f64 = x
        .iter()
        .zip(y)
        .map(|(&xi, &yi)| {
            let e = yi - a - b * xi;
            (xi - mx) * (xi - mx) * e * e
        })
        .sum();
    let var = meat / (sxx * sxx) * nf / (nf - 2.0);
    Some((b, a, var.sqrt()))
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

fn slopes(e: &Election, idx: &[usize], z: f64) -> Vec<Slope> {
    let t: Vec<f64> = idx.iter().map(|&i| e.turnout[i]).collect();
    e.contestants
        .iter()
        .filter_map(|con| {
            let y: Vec<f64> = idx
                .iter()
                .map(|&i| con.votes[i] as f64 / e.electorate.as_ref().map_or(0, |v| v[i]) as f64)
                .collect();
            let (b, a, se) = ols_hc1(&t, &y)?;
            let (lo, hi) = (b - z * se, b + z * se);
            let reading = if lo > 1.0 {
                SlopeReading::AboveOne
            } else if hi < 0.0 {
                SlopeReading::BelowZero
            } else {
                SlopeReading::Within
            };
            let p_value = if se > 0.0 {
                normal_two_sided_p_value(b / se)
            } else {
                0.0
            };
            Some(Slope {
                contestant: con.name.clone(),
                slope: b,
                se,
                ci_low: lo,
                ci_high: hi,
                intercept: a,
                p_value,
                reading,
            })
        })
        .collect()
}

/// Runs the analysis.
pub fn analyse(
    e: &Election,
    opts: &Checked<TurnoutDistributionOptions>,
    ctx: &Context,
) -> Result<TurnoutDistributionFinding, String> {
    let idx: Vec<usize> = (0..e.len())
        .filter(|&i| (0.0..=1.0).contains(&e.turnout[i]))
        .collect();
    let n = idx.len();
    if n < 10 {
        return Err(format!(
            "the turnout distribution needs at least 10 stations with turnout in [0, 1], found {n}"
        ));
    }
    let t: Vec<f64> = idx.iter().map(|&i| e.turnout[i]).collect();
    let mut sorted = t.clone();
    sorted.sort_by(f64::total_cmp);
    let nf = n as f64;
    let mean = t.iter().sum::<f64>() / nf;
    let sd = (t.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf - 1.0)).sqrt();
    let (g1, b2) = skewness_kurtosis(&t);
    // Each replicate draws n stations with replacement and accumulates the
    // power sums of their deviations from the full sample's mean (no copy
    // of the resample); the resample's central moments follow by the
    // binomial expansion about its own mean. With `Resampling::Cells` the
    // power sums are drawn per 0.5 % turnout bin (multinomial counts, then
    // exact draws or the normal limit of a bin's sum; deviations within a
    // bin differ by at most 0.005, so the limit is close to exact).
    let dev: Vec<f64> = t.iter().map(|v| v - mean).collect();
    let powers = |i: usize| {
        let d = dev[i];
        let d2 = d * d;
        [d, d2, d2 * d, d2 * d2]
    };
    let cells = (opts.resampling == Resampling::Cells && opts.bootstrap > 0)
        .then(|| CellBootstrap::<4>::new(n, |i| ((t[i] * 200.0) as usize).min(199), powers));
    let reps: Vec<(f64, f64)> = (0..opts.bootstrap)
        .into_par_iter()
        .map(|r| {
            let mut g = ctx.stream(Purpose::TurnoutMoments, r as u64);
            let mut s = [0.0f64; 4];
            let mut add = |_: usize, p: [f64; 4]| {
                for (a, b) in s.iter_mut().zip(p) {
                    *a += b;
                }
            };
            match &cells {
                Some(cells) => cells.draw(&mut g, powers, false, &mut add),
                None => {
                    let mut draws = IndexDraws::from_stream(&mut g);
                    for _ in 0..n {
                        add(0, powers(draws.below(n)));
                    }
                }
            }
            moments_from_power_sums(s, nf)
        })
        .collect();
    let q = (1.0 - opts.ci_level) / 2.0;
    // Degenerate resamples (all turnouts equal) give NaN moments: left out.
    let interval = |mut v: Vec<f64>, est: f64| {
        v.retain(|x| x.is_finite());
        Estimate::percentile(est, v, opts.ci_level)
    };
    let skewness = interval(reps.iter().map(|r| r.0).collect(), g1);
    let kurtosis = interval(reps.iter().map(|r| r.1).collect(), b2);

    let dip = dip_statistic(&sorted);
    let null_n = n.min(2000);
    let scale = (null_n as f64 / nf).sqrt();
    let null: Vec<f64> = dip_null_distribution(null_n, opts.dip_replicates, ctx.seed())
        .into_iter()
        .map(|d| d * scale)
        .collect();
    let exceed = null.iter().filter(|&&d| d >= dip).count();
    let dip_test = DipTest {
        dip,
        p_value: (1 + exceed) as f64 / (1 + null.len()) as f64,
        null_n,
        replicates: opts.dip_replicates,
    };

    let z = normal_quantile(1.0 - q);
    let share = e.winner_share();
    let corr_of = |ix: &[usize]| {
        let (a, b): (Vec<f64>, Vec<f64>) = ix
            .iter()
            .filter(|&&i| share[i].is_finite())
            .map(|&i| (e.turnout[i], share[i]))
            .unzip();
        (pearson(&a, &b), a.len())
    };
    let (r, m) = corr_of(&idx);
    let fz = r.clamp(-0.999_999, 0.999_999).atanh();
    let half = z / ((m as f64 - 3.0).max(1.0)).sqrt();
    let turnout_share_correlation = Moment {
        estimate: r,
        ci_low: Some((fz - half).tanh()),
        ci_high: Some((fz + half).tanh()),
    };
    let level = e.regions();
    let regions = if level.labels.len() > 1 {
        (0..level.labels.len())
            .filter_map(|g| {
                let ix: Vec<usize> = idx
                    .iter()
                    .copied()
                    .filter(|&i| level.codes[i] as usize == g)
                    .collect();
                (ix.len() >= opts.min_region_stations).then(|| RegionSlopes {
                    region: level.labels[g].clone(),
                    stations: ix.len(),
                    turnout_share_correlation: corr_of(&ix).0,
                    slopes: slopes(e, &ix, z),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(TurnoutDistributionFinding {
        options: Recorded::new(&**opts, ctx),
        stations: n,
        excluded: e.len() - n,
        mean,
        median: quantile_sorted(&sorted, 0.5),
        sd,
        skewness,
        kurtosis,
        dip_test,
        turnout_share_correlation,
        slopes: slopes(e, &idx, z),
        regions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_sums_give_the_central_moments() {
        let x = [1.0, 2.0, 3.0, 4.0, 10.0, 2.5, 3.5];
        for c in [0.0, 3.0, 3.7] {
            let mut s = [0.0; 4];
            for v in x {
                let d = v - c;
                s[0] += d;
                s[1] += d * d;
                s[2] += d * d * d;
                s[3] += d * d * d * d;
            }
            let (g1, b2) = moments_from_power_sums(s, x.len() as f64);
            let (w1, w2) = skewness_kurtosis(&x);
            assert!((g1 - w1).abs() < 1e-12 && (b2 - w2).abs() < 1e-12, "{c}");
        }
    }

    #[test]
    fn ols_recovers_a_line_and_hc1_matches_hand_value() {
        let x = [0.1, 0.2, 0.3, 0.4, 0.5];
        let y = [0.05, 0.12, 0.14, 0.22, 0.26];
        let (b, a, se) = ols_hc1(&x, &y).unwrap();
        // Hand: sxx = 0.1, sxy = 0.052 → b = 0.52, a = 0.158 − 0.52·0.3 = 0.002.
        assert!((b - 0.52).abs() < 1e-12 && (a - 0.002).abs() < 1e-12);
        // Residuals −0.004, 0.014, −0.018, 0.01, −0.002; meat = Σ (x−x̄)² e².
        let e = [-0.004, 0.014, -0.018, 0.01, -0.002];
        let d = [-0.2, -0.1, 0.0, 0.1, 0.2];
        let meat: f64 = e.iter().zip(d).map(|(e, d)| d * d * e * e).sum();
        let want = (meat / 0.01 * 5.0 / 3.0).sqrt();
        assert!((se - want).abs() < 1e-12, "{se} {want}");
    }
}
