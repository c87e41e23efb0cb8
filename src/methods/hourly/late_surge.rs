//! Late surges: ballots that arrive after a station's last intermediate
//! report, beyond what its own earlier reports and its region's typical
//! daily shape predict.
//!
//! # Model
//! For station *i* with `C` voters at the last intermediate report time `T`
//! (the latest report time at which at least half of the stations report),
//! `E` voters at the report time before it, and `F` voters in the final
//! count, the late ballots are `L = F − C` and the late share
//! `ℓ = L / F`. On the empirical-logit scale (Cox 1970, *The Analysis of
//! Binary Data*, §3.2: `ln((k + ½)/(n − k + ½))`)
//!
//! ```text
//! y = ln((L + ½)/(C + ½))        (log odds of voting late)
//! x = ln((E + ½)/(C − E + ½))    (log odds of having voted before the previous report)
//! y = a_r + b·(x − m_r) + ε,     Var ε = τ² + v,   v = 1/(L̂ + ½) + 1/(C + ½)
//! ```
//!
//! `a_r` is the median of `y − b(x − m_r)` over region *r*'s scored stations
//! (the region's typical shape; regions with fewer than `min_region`
//! stations share the national centre), `m_r` the median of `x` there, `b`
//! a Huber M-estimate (tuning 1.345; Huber 1964, *Ann. Math. Stat.* 35) of
//! how a station's own earlier pace predicts its late share, `v` the
//! binomial variance of the empirical logit at the predicted count `L̂`
//! (delta method), and `τ²` the extra-binomial variance between stations:
//! the value at which the standardised residuals have a scaled MAD of 1
//! (0 when binomial noise alone explains them). The fit is repeated twice
//! without the stations whose count-space z lies beyond ±2.5 under the
//! previous fit (stuffed stations leave from the top; trimming both tails
//! keeps the clean centre unbiased).
//! Medians and the Huber slope keep the fit robust to a minority of
//! stuffed stations, which is what lets the same data serve as their own
//! reference (as Bolivia 2019 taught, the null is conditioned on region:
//! a late-reporting trend can be geographic; Newman, "The 2019 Bolivia
//! election", CEPR 2020, against the OAS audit of December 2019).
//!
//! # Score, p-value, flag
//! The p-value is the one-sided mid-p of the observed late ballots under
//! their predictive distribution given the final count: Binomial(F, ℓ) with
//! the late log-odds `logit ℓ = ŷ + τ·δ` (a logit-normal binomial mixture,
//! integrated numerically); only surges are of interest. `δ` is standard
//! normal unless the lower tail of the late shares, which stuffing cannot
//! reach, shows heavier tails: then it is a Student-t rescaled to the
//! normal's quartiles, with the lightest degrees of freedom that make the
//! lower tail calibrated (`choose_tails`; the spread is assumed symmetric). The score is its
//! normal equivalent `z = Φ⁻¹(1 − p)`; Benjamini–Hochberg q-values run over
//! the scored stations (Benjamini & Hochberg 1995), and a station is
//! flagged when `q < alpha`. The tests check uniformity on simulated clean
//! elections and measure the tails of a real clean election (Spain 2019).
//!
//! # Excess ballots
//! The expected late ballots are `L̂ = C·κ_r·exp(b(x − m_r))`, where `κ_r`
//! is the ratio estimator `Σ L / Σ C·exp(b(x − m_r))` over the region's
//! fitted (trimmed) stations: the mean late odds, so that clean stations'
//! excesses sum to zero in count space (a median on the log scale would
//! not). The station's excess is `L − L̂`, with a predictive interval from
//! the quantiles of `ŷ ± z·√(τ² + v)`. The regional and national estimates sum
//! the excess over all scored stations (small stuffings count even when
//! no single station is flagged), with a percentile bootstrap interval
//! over stations (Efron & Tibshirani 1993, §13.3). By default each
//! replicate is the estimator linearised at the point fit (one centred
//! Huber scoring step for the slope, the ratio estimators recomputed:
//! [`OneStep`]); `bootstrap_method = refit` reruns the whole trimmed fit in
//! every replicate, about 50 times slower. The sum over flagged stations
//! only is given too.
//!
//! # Assumptions
//! Intermediate reports are honest counts at their report time (a station
//! that inflates its intermediate reports too hides from this test; the
//! throughput bound does not depend on it); clean stations' late log-odds
//! follow one regional shape plus the station's own pace, with independent
//! errors; fewer than half of a region's stations are stuffed.

use rayon::prelude::*;
use serde::Serialize;

use crate::io::hourly::Participation;
use crate::methods::family::{Context, Recorded};
use crate::rng::{binomial, IndexDraws, Purpose};
use crate::stats::bootstrap::{BootstrapMethod, Estimate};
use crate::stats::gof::normal_quantile;
use crate::stats::multiple::benjamini_hochberg;
use crate::stats::MAD_TO_SD;
use crate::Election;

const HUBER_K: f64 = 1.345;
/// Reweighting steps of the Huber slope (each re-centres the regions).
const HUBER_ITERATIONS: usize = 4;

/// Options of the late-surge test.
#[derive(Debug, Clone, Serialize)]
pub struct LateSurgeOptions {
    /// Flag stations with a Benjamini–Hochberg q-value below this.
    pub alpha: f64,
    /// Regions with fewer scored stations use the national centre.
    pub min_region: usize,
    /// Bootstrap replicates for the regional and national excess.
    pub bootstrap: usize,
    /// How each replicate is computed: `linearised` (default; one centred
    /// scoring step from the point fit, see [`one_step_replicates`]) or
    /// `refit` (the whole trimmed fit rerun on the resample).
    pub bootstrap_method: BootstrapMethod,
    /// Two-sided level of every interval.
    pub level: f64,
    /// Replicates of the clean-model bias correction (part of the point
    /// estimate; see [`BIAS_REPLICATES`]). Since schema 2.4.0.
    pub bias_replicates: usize,
}

impl Default for LateSurgeOptions {
    fn default() -> Self {
        LateSurgeOptions {
            alpha: 0.05,
            min_region: 30,
            bootstrap: 200,
            bootstrap_method: BootstrapMethod::Linearised,
            level: 0.90,
            bias_replicates: BIAS_REPLICATES,
        }
    }
}

/// Why a station was not scored (counted in [`LateSurge::unscored`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unscored {
    /// No report at the last intermediate time.
    NoLastReport,
    /// No report at the time before it.
    NoEarlierReport,
    /// The last intermediate report exceeds the final count.
    LastReportAboveFinal,
    /// The earlier report exceeds the last one.
    Decreasing,
    /// Nobody had voted by the last intermediate report.
    NoVotersByLastReport,
    /// The last intermediate report repeats the earlier one (at least
    /// [`STALE_MIN`] voters, none added in between) while voters came after
    /// it: a report that was not updated, so every voter since the earlier
    /// report would look late.
    StaleLastReport,
}

/// Smallest repeated count read as a stale report.
pub const STALE_MIN: u64 = 50;

/// Counts of unscored stations by reason.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnscoredCounts {
    pub no_last_report: usize,
    pub no_earlier_report: usize,
    pub last_report_above_final: usize,
    pub decreasing: usize,
    pub no_voters_by_last_report: usize,
    pub stale_last_report: usize,
}

/// One station's late-surge result (`None` fields when unscored).
#[derive(Debug, Clone, Copy, Default)]
pub struct StationLate {
    pub late_share: Option<f64>,
    pub expected_late_share: Option<f64>,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    pub q_value: Option<f64>,
    pub excess: Option<f64>,
    pub excess_low: Option<f64>,
    pub excess_high: Option<f64>,
    pub flagged: bool,
}

/// A region's late-surge summary.
#[derive(Debug, Clone, Serialize)]
pub struct RegionLate {
    pub region: String,
    pub scored: usize,
    pub flagged: usize,
    /// Median late share of its scored stations.
    pub median_late_share: f64,
    /// Whether it had its own centre (else the national one).
    pub own_centre: bool,
    pub excess_ballots: Estimate,
}

/// The late-surge finding (`hourly.late_surge` in report.json).
#[derive(Debug, Clone, Serialize)]
pub struct LateSurge {
    /// The last intermediate report time and the one before it.
    pub last_report: String,
    pub earlier_report: Option<String>,
    pub scored: usize,
    pub unscored: UnscoredCounts,
    pub flagged: usize,
    /// Flagged share of scored stations.
    pub flag_rate: f64,
    /// National median late share (scored stations).
    pub median_late_share: f64,
    /// Slope `b` of late log-odds on the earlier log-odds.
    pub pace_slope: f64,
    /// Extra-binomial sd `τ` of late log-odds between stations.
    pub tau: f64,
    /// Degrees of freedom of the Student-t tails of the spread, chosen from
    /// the lower tail of the late shares (`null`: normal tails).
    pub tail_df: Option<f64>,
    /// Late ballots above the prediction, summed over all scored stations.
    pub excess_ballots: Estimate,
    /// The same sum over flagged stations only.
    pub excess_ballots_flagged: f64,
    /// Late ballots observed and predicted (scored stations).
    pub late_ballots: u64,
    pub expected_late_ballots: f64,
    pub regions: Vec<RegionLate>,
    pub options: Recorded<LateSurgeOptions>,
    #[serde(skip)]
    pub stations: Vec<StationLate>,
}

/// The scored stations' data.
struct Scored {
    /// Election index of each scored station.
    station: Vec<usize>,
    region: Vec<usize>,
    c: Vec<f64>,
    late: Vec<f64>,
    y: Vec<f64>,
    x: Vec<f64>,
    /// Voters at the earlier report (0 without one).
    earlier: Vec<f64>,
}

impl Scored {
    /// Late ballots as a share of the final count.
    fn late_share(&self, j: usize) -> f64 {
        self.late[j] / (self.late[j] + self.c[j])
    }
}

/// A fitted model: per-region centres, slope, τ².
struct Fit {
    a: Vec<f64>,
    /// Per region, the ratio of late ballots to `C·exp(b(x − m))` over the
    /// fitted (trimmed) stations: the mean late odds, for expected counts.
    kappa: Vec<f64>,
    m: Vec<f64>,
    own: Vec<bool>,
    b: f64,
    tau2: f64,
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// The stations of a fit grouped by region (a counting sort of `idx`),
/// so that per-region medians need no allocation per call.
struct Groups {
    /// Station indices (into [`Scored`]), region by region.
    order: Vec<usize>,
    /// `order[offsets[r]..offsets[r + 1]]` are region `r`'s.
    offsets: Vec<usize>,
}

impl Groups {
    fn new(idx: &[usize], region: &[usize], regions: usize) -> Groups {
        let mut offsets = vec![0usize; regions + 1];
        for &j in idx {
            offsets[region[j] + 1] += 1;
        }
        for r in 0..regions {
            offsets[r + 1] += offsets[r];
        }
        let mut next = offsets.clone();
        let mut order = vec![0; idx.len()];
        for &j in idx {
            order[next[region[j]]] = j;
            next[region[j]] += 1;
        }
        Groups { order, offsets }
    }

    /// Per-region medians of `values` (regions below `min_region` take the
    /// national median) and whether each region had its own.
    fn medians(
        &self,
        values: impl Fn(usize) -> f64,
        min_region: usize,
        buf: &mut Vec<f64>,
    ) -> (Vec<f64>, Vec<bool>) {
        buf.clear();
        buf.extend(self.order.iter().map(|&j| values(j)));
        let regions = self.offsets.len() - 1;
        let mut med = vec![f64::NAN; regions];
        let mut own = vec![false; regions];
        for r in 0..regions {
            let seg = &mut buf[self.offsets[r]..self.offsets[r + 1]];
            if seg.len() >= min_region.max(1) {
                own[r] = true;
                med[r] = median(seg);
            }
        }
        if own.iter().any(|o| !o) {
            let national = median(buf);
            for (m, o) in med.iter_mut().zip(&own) {
                if !o {
                    *m = national;
                }
            }
        }
        (med, own)
    }
}

/// The Huber IRLS weight of residual `r` at scale `s` (tuning
/// [`HUBER_K`]): 1 inside `k·s`, `k·s/|r|` beyond.
fn huber_weight(r: f64, s: f64) -> f64 {
    if r.abs() <= HUBER_K * s {
        1.0
    } else {
        HUBER_K * s / r.abs()
    }
}

/// Variance of the empirical logit at predicted late ballots and `c`.
fn binomial_var(c: f64, y_hat: f64) -> f64 {
    let late_hat = ((c + 0.5) * y_hat.exp() - 0.5).max(0.0);
    1.0 / (late_hat + 0.5) + 1.0 / (c + 0.5)
}

/// Residual standard deviation between stations: the `τ² ≥ 0` at which the
/// standardised residuals `(e − median e)/√(τ² + v)` have a scaled MAD of 1
/// (0 when even `τ² = 0` gives less, i.e. no extra-binomial spread).
///
/// In closed form: with `d = |e − median e|` and `c = 1/1.4826`, each
/// `d/√(t + v)` exceeds `c` exactly when `t < d²/c² − v`, so the median of
/// the standardised deviations equals `c` where `t` is the median of
/// `u = d²/c² − v`: `τ² = max(0, median u)`. (One selection instead of a
/// root search over repeated medians; the search it replaces stopped at a
/// relative tolerance of 1e-4.)
fn extra_variance(res: &[f64], v: &[f64]) -> f64 {
    let mut buf = res.to_vec();
    let centre = median(&mut buf);
    let c2 = 1.0 / (MAD_TO_SD * MAD_TO_SD);
    buf.clear();
    buf.extend(
        res.iter()
            .zip(v)
            .map(|(r, v)| (r - centre) * (r - centre) / c2 - v),
    );
    median(&mut buf).max(0.0)
}

/// Stations whose robust z exceeds this are left out of the next refit, so
/// that stuffed stations do not pull the regional centres up.
const TRIM_Z: f64 = 2.5;

/// The standardised residual of the late ballots in count space: `(L −
/// Fℓ̂)/√(Fℓ̂(1 − ℓ̂) + (Fℓ̂(1 − ℓ̂))²τ²)`, with `ℓ̂ = expit(ŷ)` and the
/// spread carried over from the logit scale by the delta method. Nearly
/// symmetric for clean stations, unlike the logit residual, whose left skew
/// makes a symmetric trim on that scale remove more low stations than high
/// ones.
fn count_z(d: &Scored, j: usize, y_hat: f64, tau2: f64) -> f64 {
    let f = d.c[j] + d.late[j];
    let share = 1.0 / (1.0 + (-y_hat).exp());
    let bv = f * share * (1.0 - share);
    (d.late[j] - f * share) / (bv + bv * bv * tau2).sqrt().max(1e-12)
}

/// Fits the model on `idx`, then twice refits it without the stations
/// beyond ±[`TRIM_Z`] (in count space, [`count_z`]) under the previous fit.
/// Stuffed stations leave from the top; trimming both tails of a nearly
/// symmetric residual keeps the clean centre unbiased (a one-sided trim
/// pulled it down and gave clean simulations a positive excess of about
/// 0.1 % of late ballots; a symmetric trim of the skewed logit residual a
/// negative one).
fn fit(d: &Scored, idx: &[usize], regions: usize, min_region: usize, pace: bool) -> Fit {
    fit_with_kept(d, idx, regions, min_region, pace).0
}

/// [`fit`], also returning the stations of its last refit (the kept set).
fn fit_with_kept(
    d: &Scored,
    idx: &[usize],
    regions: usize,
    min_region: usize,
    pace: bool,
) -> (Fit, Vec<usize>) {
    let mut f = fit_once(d, idx, regions, min_region, pace);
    let mut kept = idx.to_vec();
    for _ in 0..2 {
        let keep: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&j| count_z(d, j, f.predict(d, j), f.tau2).abs() <= TRIM_Z)
            .collect();
        if keep.len() < 3 {
            break;
        }
        f = fit_once(d, &keep, regions, min_region, pace);
        kept = keep;
    }
    (f, kept)
}

fn fit_once(d: &Scored, idx: &[usize], regions: usize, min_region: usize, pace: bool) -> Fit {
    let groups = Groups::new(idx, &d.region, regions);
    let mut buf = Vec::with_capacity(idx.len());
    let (m, _) = groups.medians(|j| d.x[j], min_region, &mut buf);
    let xc = |j: usize| if pace { d.x[j] - m[d.region[j]] } else { 0.0 };
    let (mut a, mut own) = groups.medians(|j| d.y[j], min_region, &mut buf);
    let mut b = 0.0;
    if pace {
        // Huber IRLS for the slope, re-centring the regions each time.
        for _ in 0..HUBER_ITERATIONS {
            buf.clear();
            buf.extend(
                idx.iter()
                    .map(|&j| (d.y[j] - a[d.region[j]] - b * xc(j)).abs()),
            );
            let s = (MAD_TO_SD * median(&mut buf)).max(1e-9);
            let (mut sxy, mut sxx) = (0.0, 0.0);
            for &j in idx {
                let r = d.y[j] - a[d.region[j]] - b * xc(j);
                let w = huber_weight(r, s);
                let x = xc(j);
                sxy += w * x * (d.y[j] - a[d.region[j]]);
                sxx += w * x * x;
            }
            b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
            (a, own) = groups.medians(|j| d.y[j] - b * xc(j), min_region, &mut buf);
        }
    }
    let mut res = Vec::with_capacity(idx.len());
    let mut v = Vec::with_capacity(idx.len());
    for &j in idx {
        let yh = a[d.region[j]] + b * xc(j);
        res.push(d.y[j] - yh);
        v.push(binomial_var(d.c[j], yh));
    }
    let tau2 = extra_variance(&res, &v);
    // Ratio estimator of the mean late odds per region (pooled for small
    // regions), so that expected counts are unbiased in count space.
    let (mut num, mut den) = (vec![0.0; regions], vec![0.0; regions]);
    for &j in idx {
        num[d.region[j]] += d.late[j];
        den[d.region[j]] += d.c[j] * (b * xc(j)).exp();
    }
    let pooled = num.iter().sum::<f64>() / den.iter().sum::<f64>().max(1e-300);
    let kappa = (0..regions)
        .map(|r| {
            if own[r] && den[r] > 0.0 {
                num[r] / den[r]
            } else {
                pooled
            }
        })
        .collect();
    Fit {
        a,
        kappa,
        m: if pace { m } else { vec![0.0; regions] },
        own,
        b,
        tau2,
    }
}

impl Fit {
    fn predict(&self, d: &Scored, j: usize) -> f64 {
        let r = d.region[j];
        self.a[r] + self.b * (d.x[j] - self.m[r])
    }
    fn expected_late(&self, d: &Scored, j: usize) -> f64 {
        let r = d.region[j];
        d.c[j] * self.kappa[r] * (self.b * (d.x[j] - self.m[r])).exp()
    }
}

/// Points of the quadrature over the between-station spread: the mixing
/// distribution's quantiles at the midpoints of this many equal-probability
/// slices.
const SPREAD_POINTS: usize = 32;

/// Degrees of freedom tried for the tails of the spread, lightest first
/// (`None`: normal).
const TAIL_DF: [Option<f64>; 8] = [
    None,
    Some(30.0),
    Some(20.0),
    Some(12.0),
    Some(8.0),
    Some(6.0),
    Some(4.0),
    Some(3.0),
];

/// Stations used to choose the tails (a deterministic, evenly spaced subsample).
const TAIL_SAMPLE: usize = 4000;

/// The spread's quadrature offsets on the log-odds scale: `τ·q_k` with `q_k`
/// the mixing distribution's quantiles at `(k + ½)/K`. For a Student-t with
/// `df` degrees of freedom the quantiles are rescaled to the normal's
/// quartile (0.6745), so that `τ`, estimated from the MAD, keeps its meaning
/// and only the tails change.
fn spread_offsets(tau2: f64, df: Option<f64>) -> Vec<f64> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if tau2 <= 0.0 {
        return vec![0.0];
    }
    let tau = tau2.sqrt();
    let k = SPREAD_POINTS as f64;
    let t = df.and_then(|v| StudentsT::new(0.0, 1.0, v).ok());
    let scale = t
        .as_ref()
        .map_or(1.0, |t| normal_quantile(0.75) / t.inverse_cdf(0.75));
    (0..SPREAD_POINTS)
        .map(|i| {
            let u = (i as f64 + 0.5) / k;
            tau * match &t {
                Some(t) => scale * t.inverse_cdf(u),
                None => normal_quantile(u),
            }
        })
        .collect()
}

/// One-sided mid-p-value (Lancaster 1961, *JASA* 56) of `late` late ballots
/// among `f` voters when, given the late log-odds `y_hat + δ`, the late
/// ballots are Binomial(f, ℓ), and `δ` follows the spread whose quadrature
/// offsets are `offsets` ([`spread_offsets`]). `upper`: P(L > late) + ½P(L =
/// late) (a surge); otherwise the lower tail. Exact binomial tails (not a
/// normal approximation of the logit, which is skewed for small counts and
/// made the test conservative) keep the p-values uniform on clean data.
fn late_p_value(late: u64, f: u64, y_hat: f64, offsets: &[f64], upper: bool) -> f64 {
    use statrs::distribution::{Binomial, Discrete, DiscreteCDF};
    let tail = |y: f64| {
        let odds = y.exp();
        let share = (odds / (1.0 + odds)).clamp(1e-12, 1.0 - 1e-12);
        match Binomial::new(share, f) {
            Ok(b) if upper => b.sf(late) + 0.5 * b.pmf(late),
            Ok(b) => b.cdf(late) - 0.5 * b.pmf(late),
            Err(_) => 1.0,
        }
    };
    let p = offsets.iter().map(|o| tail(y_hat + o)).sum::<f64>() / offsets.len() as f64;
    p.clamp(0.0, 1.0)
}

/// Chooses the tails of the spread from the **lower** tail of the late
/// shares, which stuffing (it only adds late ballots) cannot reach: the
/// lightest candidate of [`TAIL_DF`] under which the share of stations with
/// a lower-tail p-value below 0.01 is within the upper 99.5 % binomial
/// bound of 1 %. Clean simulations keep normal tails; real elections with
/// heavier tails (Spain 2019) get a Student-t spread, so that their upper
/// tail is not read as surges. Assumes the clean spread is symmetric on the
/// log-odds scale (Spain's late shares are: p1 and p99 lie 0.84 and 0.87
/// below and above the median's log-odds).
fn choose_tails(d: &Scored, f: &Fit) -> Option<f64> {
    let m = d.station.len();
    let step = m.div_ceil(TAIL_SAMPLE).max(1);
    let sample: Vec<usize> = (0..m).step_by(step).collect();
    let n = sample.len() as f64;
    let bound = 0.01 + 2.576 * (0.01 * 0.99 / n).sqrt();
    for df in TAIL_DF {
        let offsets = spread_offsets(f.tau2, df);
        let low = sample
            .par_iter()
            .filter(|&&j| {
                let total = (d.c[j] + d.late[j]) as u64;
                late_p_value(d.late[j] as u64, total, f.predict(d, j), &offsets, false) < 0.01
            })
            .count() as f64;
        if low / n <= bound || f.tau2 <= 0.0 {
            return df;
        }
    }
    TAIL_DF.last().copied().flatten()
}

/// Replicates of the clean-model bias estimate. Its Monte Carlo sd is the
/// replicate sd over √25, a fifth of the sampling sd of the national excess,
/// which widens the interval's effective spread by 2 % in quadrature (40
/// replicates: 1.2 %).
pub const BIAS_REPLICATES: usize = 25;

/// The summed excess the estimator returns, on average, on data drawn from
/// the fitted clean model itself (Efron & Tibshirani 1993, §10.6: bootstrap
/// estimate of bias, here parametric): each replicate redraws every scored
/// station's late ballots given its final count, `L* ~ Binomial(F, ℓ*)`
/// with `logit ℓ* ~ N(ŷ, τ²)` (normal even when the p-values use Student-t
/// tails: with the t(3) spread chosen for Spain 2019 the correction moved
/// Spain's estimate from −0.3 % to −1.9 % of its late ballots, far beyond
/// any bias its data show) (and the earlier report given the new `C` as
/// Binomial(C*, E/C), so that the pace covariate is as noisy as the real
/// one), refits the model and sums the excess. The
/// trimming that protects the fit from stuffed stations also cuts the two
/// tails of a skewed (binomial, log-normal) residual unevenly; on clean
/// simulations that left about +0.1 % of the late ballots (+0.4 % with
/// Spain-like spread) as spurious excess, which this estimate removes.
/// Returns the national bias and the bias per region.
fn clean_model_bias(
    d: &Scored,
    f: &Fit,
    regions: usize,
    opts: &LateSurgeOptions,
    pace: bool,
    ctx: &Context,
) -> (f64, Vec<f64>) {
    let m = d.station.len();
    let reps: Vec<(f64, Vec<f64>)> = (0..opts.bias_replicates as u64)
        .into_par_iter()
        .map(|r| {
            use rand_distr::{Distribution, Normal};
            let mut g = ctx.stream(Purpose::LateSurgeBias, r);
            let normal = Normal::new(0.0, 1.0).expect("unit normal");
            let tau = f.tau2.sqrt();
            let mut dd = Scored {
                station: d.station.clone(),
                region: d.region.clone(),
                c: Vec::with_capacity(m),
                late: Vec::with_capacity(m),
                y: Vec::with_capacity(m),
                x: Vec::with_capacity(m),
                earlier: Vec::with_capacity(m),
            };
            for j in 0..m {
                let total = (d.c[j] + d.late[j]) as u64;
                let y = f.predict(d, j) + tau * normal.sample(&mut g);
                let share = 1.0 / (1.0 + (-y).exp());
                let late = binomial(&mut g, total, share) as f64;
                let c = total as f64 - late;
                // The earlier report splits the new C like the station's own.
                let (e, x) = if pace {
                    let frac = if d.c[j] > 0.0 {
                        d.earlier[j] / d.c[j]
                    } else {
                        0.0
                    };
                    let e = binomial(&mut g, c as u64, frac) as f64;
                    (e, ((e + 0.5) / (c - e + 0.5)).ln())
                } else {
                    (0.0, 0.0)
                };
                dd.c.push(c);
                dd.late.push(late);
                dd.y.push(((late + 0.5) / (c + 0.5)).ln());
                dd.x.push(x);
                dd.earlier.push(e);
            }
            let ff = fit(
                &dd,
                &(0..m).collect::<Vec<_>>(),
                regions,
                opts.min_region,
                pace,
            );
            let mut by = vec![0.0; regions];
            let mut total = 0.0;
            for j in 0..m {
                let ex = dd.late[j] - ff.expected_late(&dd, j);
                by[dd.region[j]] += ex;
                total += ex;
            }
            (total, by)
        })
        .collect();
    let k = reps.len() as f64;
    let total = reps.iter().map(|r| r.0).sum::<f64>() / k;
    let by = (0..regions)
        .map(|i| reps.iter().map(|r| r.1[i]).sum::<f64>() / k)
        .collect();
    (total, by)
}

/// The linearised bootstrap replicate of the excess (`bootstrap_method =
/// linearised`). A replicate with station multiplicities `w` keeps the
/// point fit's trimmed set `K`, centres `m_r` and region centres `a_r`, and
/// moves the slope by one centred Huber scoring step (the one-step
/// M-estimator; Bickel 1975, *JASA* 70, "One-step Huber estimates in the
/// linear model"; Shao & Tu 1995, *The Jackknife and Bootstrap*, §7.3 for
/// its bootstrap):
///
/// ```text
/// b* = b̂ + Σ_K w ω x̃ ρ / Σ_K w ω x̃² − Σ_K ω x̃ ρ / Σ_K ω x̃²
/// ρ = y − a_r − b̂ x̃,  x̃ = x − m_r,  ω = min(1, 1.345 s/|ρ|)
/// ```
///
/// (`s` the scaled MAD of `ρ` over `K`; the last term centres the step, so
/// that `w = 1` returns `b̂` exactly even when the point fit's iterations
/// stopped short of convergence). The ratio estimators `κ_r*` are then
/// recomputed from the replicate's weighted sums over `K`, and the excess
/// is re-summed over every station with its multiplicity. `a_r` enters the
/// excess only through the trimming, and `m_r` cancels in `κ_r·exp(−b m_r)`
/// for regions with their own centre, so to first order this is the full
/// refit; what it leaves out is which stations cross the ±2.5 trimming
/// boundary (a second-order effect) and the centres of the pooled small
/// regions. Each replicate costs three passes over the stations instead of
/// three trimmed robust fits (about 1 ms against 50 ms at 100,000 stations).
struct OneStep {
    /// Whether each scored station is in the point fit's kept set.
    in_kept: Vec<bool>,
    /// `ω x̃ ρ` and `ω x̃²` per station (0 outside `K` or without pace).
    score: Vec<f64>,
    info: Vec<f64>,
    /// The centring step `Σ_K ω x̃ ρ / Σ_K ω x̃²`.
    centre: f64,
    pace: bool,
}

impl OneStep {
    fn new(d: &Scored, f: &Fit, kept: &[usize], pace: bool) -> OneStep {
        let m = d.station.len();
        let mut in_kept = vec![false; m];
        for &j in kept {
            in_kept[j] = true;
        }
        let (mut score, mut info) = (vec![0.0; m], vec![0.0; m]);
        let mut centre = 0.0;
        if pace {
            let xc = |j: usize| d.x[j] - f.m[d.region[j]];
            let rho = |j: usize| d.y[j] - f.a[d.region[j]] - f.b * xc(j);
            let mut abs: Vec<f64> = kept.iter().map(|&j| rho(j).abs()).collect();
            let s = (MAD_TO_SD * median(&mut abs)).max(1e-9);
            for &j in kept {
                let r = rho(j);
                let w = huber_weight(r, s);
                score[j] = w * xc(j) * r;
                info[j] = w * xc(j) * xc(j);
            }
            let (sc, inf): (f64, f64) = kept
                .iter()
                .map(|&j| (score[j], info[j]))
                .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d));
            centre = if inf > 0.0 { sc / inf } else { 0.0 };
        }
        OneStep {
            in_kept,
            score,
            info,
            centre,
            pace,
        }
    }

    /// The replicate's national and per-region excess (before the bias
    /// correction) for station multiplicities `w`.
    fn replicate(&self, d: &Scored, f: &Fit, w: &[u32], regions: usize) -> (f64, Vec<f64>) {
        let b = if self.pace {
            let (mut sc, mut inf) = (0.0, 0.0);
            for ((&wj, s), i) in w.iter().zip(&self.score).zip(&self.info) {
                let wj = f64::from(wj);
                sc += wj * s;
                inf += wj * i;
            }
            f.b + if inf > 0.0 { sc / inf } else { 0.0 } - self.centre
        } else {
            0.0
        };
        // Weighted late ballots and C·exp(b x̃), all stations and kept ones.
        let mut late_all = vec![0.0; regions];
        let mut odds_all = vec![0.0; regions];
        let mut late_kept = vec![0.0; regions];
        let mut odds_kept = vec![0.0; regions];
        for (j, &wj) in w.iter().enumerate() {
            if wj == 0 {
                continue;
            }
            let wj = f64::from(wj);
            let r = d.region[j];
            let xc = if self.pace { d.x[j] - f.m[r] } else { 0.0 };
            let late = wj * d.late[j];
            let odds = wj * d.c[j] * (b * xc).exp();
            late_all[r] += late;
            odds_all[r] += odds;
            if self.in_kept[j] {
                late_kept[r] += late;
                odds_kept[r] += odds;
            }
        }
        let pooled = late_kept.iter().sum::<f64>() / odds_kept.iter().sum::<f64>().max(1e-300);
        let by: Vec<f64> = (0..regions)
            .map(|r| {
                let kappa = if f.own[r] && odds_kept[r] > 0.0 {
                    late_kept[r] / odds_kept[r]
                } else {
                    pooled
                };
                late_all[r] - kappa * odds_all[r]
            })
            .collect();
        (by.iter().sum(), by)
    }
}

/// The latest report time at which at least half of the stations report,
/// and the one before it with the same coverage.
fn reference_times(p: &Participation, n: usize) -> (Option<usize>, Option<usize>) {
    let covered: Vec<usize> = (0..p.times.len())
        .filter(|&t| 2 * p.reports[t].iter().filter(|c| c.is_some()).count() >= n)
        .collect();
    let last = covered.last().copied();
    let earlier = covered.len().checked_sub(2).map(|k| covered[k]);
    (last, earlier)
}

/// Runs the late-surge test. `None` when no report time is covered by at
/// least half of the stations.
pub fn late_surge(
    e: &Election,
    p: &Participation,
    opts: &LateSurgeOptions,
    ctx: &Context,
) -> Option<LateSurge> {
    let n = e.stations.len();
    let (last, earlier) = reference_times(p, n);
    let last = last?;
    let region_level = &e.levels[0];
    let regions = region_level.labels.len();
    let mut unscored = UnscoredCounts::default();
    let mut d = Scored {
        station: Vec::new(),
        region: Vec::new(),
        c: Vec::new(),
        late: Vec::new(),
        y: Vec::new(),
        x: Vec::new(),
        earlier: Vec::new(),
    };
    for i in 0..n {
        let Some(c) = p.reports[last][i] else {
            unscored.no_last_report += 1;
            continue;
        };
        let f = e.ballots[i];
        if c > f {
            unscored.last_report_above_final += 1;
            continue;
        }
        if c == 0 {
            unscored.no_voters_by_last_report += 1;
            continue;
        }
        let mut earlier_count = 0.0;
        let x = match earlier {
            None => 0.0,
            Some(t) => match p.reports[t][i] {
                None => {
                    unscored.no_earlier_report += 1;
                    continue;
                }
                Some(ev) if ev > c => {
                    unscored.decreasing += 1;
                    continue;
                }
                Some(ev) if ev == c && c >= STALE_MIN && f > c => {
                    unscored.stale_last_report += 1;
                    continue;
                }
                Some(ev) => {
                    earlier_count = ev as f64;
                    ((ev as f64 + 0.5) / ((c - ev) as f64 + 0.5)).ln()
                }
            },
        };
        let late = (f - c) as f64;
        d.station.push(i);
        d.region.push(region_level.codes[i] as usize);
        d.c.push(c as f64);
        d.late.push(late);
        d.y.push(((late + 0.5) / (c as f64 + 0.5)).ln());
        d.x.push(x);
        d.earlier.push(earlier_count);
    }
    let m = d.station.len();
    if m < 3 {
        return None;
    }
    let pace = earlier.is_some();
    let all: Vec<usize> = (0..m).collect();
    let (fitted, kept) = fit_with_kept(&d, &all, regions, opts.min_region, pace);
    // Station scores.
    let zq = normal_quantile(0.5 + opts.level / 2.0);
    let mut stations = vec![StationLate::default(); n];
    let tail_df = choose_tails(&d, &fitted);
    let excess: Vec<f64> = (0..m)
        .map(|j| d.late[j] - fitted.expected_late(&d, j))
        .collect();
    let offsets = spread_offsets(fitted.tau2, tail_df);
    let pv: Vec<f64> = (0..m)
        .into_par_iter()
        .map(|j| {
            let f = (d.c[j] + d.late[j]) as u64;
            late_p_value(d.late[j] as u64, f, fitted.predict(&d, j), &offsets, true)
        })
        .collect();
    let z: Vec<f64> = pv
        .iter()
        .map(|&p| -normal_quantile(p.clamp(1e-300, 1.0 - 1e-16)))
        .collect();
    let qv = benjamini_hochberg(&pv);
    let mut flagged_sum = 0.0;
    let mut flagged = 0;
    for j in 0..m {
        let i = d.station[j];
        let yh = fitted.predict(&d, j);
        let sd = (fitted.tau2 + binomial_var(d.c[j], yh)).sqrt();
        let late_at = |y: f64| (d.c[j] + 0.5) * y.exp() - 0.5;
        let is_flagged = qv[j] < opts.alpha;
        if is_flagged {
            flagged += 1;
            flagged_sum += excess[j];
        }
        stations[i] = StationLate {
            late_share: Some(d.late_share(j)),
            expected_late_share: {
                let l = fitted.expected_late(&d, j).max(0.0);
                Some(l / (d.c[j] + l))
            },
            z: Some(z[j]),
            p_value: Some(pv[j]),
            q_value: Some(qv[j]),
            excess: Some(excess[j]),
            excess_low: Some(d.late[j] - late_at(yh + zq * sd)),
            excess_high: Some(d.late[j] - late_at(yh - zq * sd)),
            flagged: is_flagged,
        };
    }
    // The estimator's bias under the fitted clean model (parametric bootstrap).
    let (bias, bias_by) = clean_model_bias(&d, &fitted, regions, opts, pace, ctx);
    // Bootstrap over stations, nationally and per region.
    let progress = (opts.bootstrap > 0)
        .then(|| crate::progress::task("late-surge bootstrap", Some(opts.bootstrap as u64)));
    let tick = || {
        if let Some(p) = &progress {
            p.inc();
        }
    };
    let boot: Vec<(f64, Vec<f64>)> = match opts.bootstrap_method {
        BootstrapMethod::Linearised => {
            let step = OneStep::new(&d, &fitted, &kept, pace);
            (0..opts.bootstrap as u64)
                .into_par_iter()
                .map(|r| {
                    let mut draws =
                        IndexDraws::from_stream(&mut ctx.stream(Purpose::LateSurgeBootstrap, r));
                    tick();
                    let mut w = vec![0u32; m];
                    for _ in 0..m {
                        w[draws.below(m)] += 1;
                    }
                    step.replicate(&d, &fitted, &w, regions)
                })
                .collect()
        }
        BootstrapMethod::Refit => (0..opts.bootstrap as u64)
            .into_par_iter()
            .map(|r| {
                use rand::Rng as _;
                tick();
                let mut g = ctx.stream(Purpose::LateSurgeBootstrap, r);
                let idx: Vec<usize> = (0..m).map(|_| g.random_range(0..m)).collect();
                let f = fit(&d, &idx, regions, opts.min_region, pace);
                let mut by = vec![0.0; regions];
                let mut total = 0.0;
                for &j in &idx {
                    let ex = d.late[j] - f.expected_late(&d, j);
                    by[d.region[j]] += ex;
                    total += ex;
                }
                (total, by)
            })
            .collect(),
    };
    let boot: Vec<(f64, Vec<f64>)> = boot
        .into_iter()
        .map(|(total, mut by)| {
            for (b, c) in by.iter_mut().zip(&bias_by) {
                *b -= c;
            }
            (total - bias, by)
        })
        .collect();
    let level = opts.level;
    let total: f64 = excess.iter().sum::<f64>() - bias;
    let excess_ballots = Estimate::percentile(total, boot.iter().map(|b| b.0).collect(), level);
    let mut region_rows = Vec::new();
    let groups = Groups::new(&(0..m).collect::<Vec<_>>(), &d.region, regions);
    for (r, region_bias) in bias_by.iter().enumerate() {
        let members = &groups.order[groups.offsets[r]..groups.offsets[r + 1]];
        if members.is_empty() {
            continue;
        }
        let mut shares: Vec<f64> = members.iter().map(|&j| d.late_share(j)).collect();
        region_rows.push(RegionLate {
            region: region_level.labels[r].clone(),
            scored: members.len(),
            flagged: members.iter().filter(|&&j| qv[j] < opts.alpha).count(),
            median_late_share: median(&mut shares),
            own_centre: fitted.own[r],
            excess_ballots: Estimate::percentile(
                members.iter().map(|&j| excess[j]).sum::<f64>() - region_bias,
                boot.iter().map(|b| b.1[r]).collect(),
                level,
            ),
        });
    }
    let mut shares: Vec<f64> = (0..m).map(|j| d.late_share(j)).collect();
    let late_ballots = d.late.iter().sum::<f64>() as u64;
    let expected: f64 = (0..m).map(|j| fitted.expected_late(&d, j)).sum();
    Some(LateSurge {
        last_report: p.labels[last].clone(),
        earlier_report: earlier.map(|t| p.labels[t].clone()),
        scored: m,
        unscored,
        flagged,
        flag_rate: flagged as f64 / m as f64,
        median_late_share: median(&mut shares),
        pace_slope: fitted.b,
        tau: fitted.tau2.sqrt(),
        tail_df,
        excess_ballots,
        excess_ballots_flagged: flagged_sum,
        late_ballots,
        expected_late_ballots: expected,
        regions: region_rows,
        options: Recorded::new(opts, ctx),
        stations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn binomial_variance_of_the_empirical_logit() {
        // 100 late of 400 before: 1/100.5 + 1/400.5.
        let v = binomial_var(400.0, (100.5f64 / 400.5).ln());
        assert!((v - (1.0 / 100.5 + 1.0 / 400.5)).abs() < 1e-12);
    }

    #[test]
    fn extra_variance_gives_standardised_residuals_a_unit_scaled_mad() {
        // Residuals with binomial variances v and extra spread 0.3²: at the
        // returned τ² the scaled MAD of the standardised residuals is 1.
        use rand::Rng as _;
        let mut g = crate::rng::stream(1, 0, 0);
        let n = 20_001;
        let v: Vec<f64> = (0..n).map(|_| g.random_range(0.01..0.2)).collect();
        let res: Vec<f64> = v
            .iter()
            .map(|v| {
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut g);
                z * (0.09 + v).sqrt()
            })
            .collect();
        let t2 = extra_variance(&res, &v);
        let mut c = res.clone();
        let centre = median(&mut c);
        let mut z: Vec<f64> = res
            .iter()
            .zip(&v)
            .map(|(r, v)| (r - centre).abs() / (t2 + v).sqrt())
            .collect();
        let mad = MAD_TO_SD * median(&mut z);
        assert!((mad - 1.0).abs() < 1e-3, "scaled MAD {mad} at τ² {t2}");
        assert!((t2 - 0.09).abs() < 0.01, "τ² {t2}");
        // No extra spread: binomial noise alone gives τ² = 0 at most rarely,
        // and a tiny one; a much smaller spread than v gives 0.
        let tight: Vec<f64> = res.iter().map(|r| r * 0.1).collect();
        assert_eq!(extra_variance(&tight, &v), 0.0);
    }
}
