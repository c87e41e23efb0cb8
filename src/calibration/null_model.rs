//! The clean null fitted to an election, and the placebo elections drawn
//! from it.
//!
//! # Model
//! A placebo election keeps the analysed election's stations, registered
//! voters, regions (every level), issuing points, opening hours and the
//! pattern of missing participation reports, and replaces every count by
//! a draw from a clean model of the same region, with no fraud:
//! - clean turnout `aᵢ ~ N(m_r, s_r)` truncated to [0, 1], ballots
//!   `~ Bin(Nᵢ, aᵢ)` — the clean model of Klimek, Yegorov, Hanel & Thurner
//!   (2012, PNAS 109(41), SI "Fraud model") with region effects, as in the
//!   eforensics model (Ferrari, McAlister & Mebane 2018, region-level
//!   covariates of clean turnout and share);
//! - invalid ballots `~ Bin(ballots, p_r)`;
//! - the winner's clean share `vᵢ ~ N(ν_r, σ_r)` truncated to [0, 1], its
//!   votes `~ Bin(valid, vᵢ)` (Klimek et al.'s clean share); the rest split
//!   multinomially among the other contestants (and the unassigned
//!   remainder, blank ballots for example) by normalised propensities
//!   `q_k ~ Gamma` (a Dirichlet when their scales agree: Mosimann 1962,
//!   *Biometrika* 49, the Dirichlet-multinomial). μ_rk is category k's mean
//!   share of the votes the winner did not get, and its fitted spread is
//!   the sd of a beta-binomial fitted to it by maximum likelihood (Griffiths
//!   1973); the Gamma sds are solved (delta method, fixed point:
//!   `propensity_spreads`) so that each *normalised* share keeps that
//!   spread — the station-level spreads are the region's own and small
//!   parties' shares stay unbiased;
//! - where participation reports exist, each station's cumulative count
//!   at each report time follows its region's clean daily curve `c_rt`,
//!   shifted per station by `N(0, s_h)` on the log-odds scale (the
//!   between-station spread of the data beyond binomial noise), drawn as
//!   sequential binomials of the placebo's ballots.
//!
//! # Fit (robust to the fraud it must not reproduce)
//! Per region (regions with fewer than [`MIN_REGION_STATIONS`] usable
//! stations take the national fit):
//! - `m_r` is the half-sample mode of station turnout (Bickel &
//!   Frühwirth 2006, *Computational Statistics & Data Analysis* 50(12)):
//!   the clean peak, which ballot stuffing moves stations away from but
//!   does not move (Shpilkin's and Kobak et al.'s clean-peak premise);
//! - `s_r` from the stations below the mode only (the lower half is
//!   where stuffing does not reach): the median distance below the mode
//!   divided by Φ⁻¹(0.75) = 0.6745, with the binomial part
//!   `m(1 − m)/Nᵢ` (median over stations) subtracted in quadrature;
//! - shares, their spreads (1.4826 × MAD, binomial part subtracted) and the
//!   invalid rate from the stations at or below the mode (stuffed stations
//!   carry inflated winner shares);
//! - the daily curve is the ratio of summed reports to summed final
//!   ballots over the same stations, made non-decreasing.
//!
//! # Assumptions (stated in the report)
//! Within a region, clean turnout and shares are independent of each other
//! and of station size, and symmetric about their centre. A real clean
//! election whose turnout and shares correlate within regions (Spain 2019:
//! several parties do better where turnout is higher) has features the
//! placebos lack; the calibration then measures what the tests do on
//! elections that are clean *by this model*, and the turnout–share slope
//! tests are the ones this premise speaks to.

use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use serde::Serialize;

use crate::election::{Election, ElectionParts};
use crate::inputs::Inputs;
use crate::io::hourly::Participation;
use crate::rng::{self, binomial, Purpose};

/// Regions with fewer usable stations take the national fit.
pub const MIN_REGION_STATIONS: usize = 30;

/// Smallest station-level sd of clean turnout beyond binomial noise.
const MIN_SD: f64 = 0.005;

/// One region's clean parameters (`region_null[]` of the calibration).
#[derive(Debug, Clone, Serialize)]
pub struct RegionNull {
    pub region: String,
    pub stations: usize,
    /// Too few stations: the national fit is used.
    pub pooled: bool,
    /// Clean turnout mode m_r.
    pub turnout_mode: f64,
    /// Station-level sd of clean turnout beyond binomial noise, s_r.
    pub turnout_sd: f64,
    /// The winner's mean clean share and its station-level sd.
    pub winner_share: f64,
    pub winner_share_sd: f64,
    pub invalid_rate: f64,
    /// Per category (contestants in column order, then the remainder).
    #[serde(skip)]
    share_mean: Vec<f64>,
    #[serde(skip)]
    share_sd: Vec<f64>,
    /// Sd of each non-winner category's Gamma propensity, such that after
    /// normalisation its share of the rest has the fitted sd.
    #[serde(skip)]
    propensity_sd: Vec<f64>,
    /// Cumulative clean share of the ballots at each report time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub daily_curve: Vec<f64>,
}

/// The fitted clean null of an election.
#[derive(Debug, Clone, Serialize)]
pub struct NullModel {
    /// The model in one sentence (for the report).
    pub description: &'static str,
    pub regions: Vec<RegionNull>,
    /// Regions with too few stations, fitted nationally.
    pub pooled_regions: usize,
    /// Stations left out of the fit (no registered voters or no valid votes);
    /// their placebo counts are zero.
    pub stations_not_fitted: usize,
    /// Sd of the per-station shift of the daily curve (log-odds), when
    /// participation reports exist.
    pub daily_curve_shift_sd: Option<f64>,
}

const DESCRIPTION: &str = "per region: clean turnout ~ N(mode, lower-half sd) truncated to [0, 1], ballots binomial; contestants' propensities ~ N(mean, sd) normalised, votes multinomial; invalid ballots binomial; daily curve of the clean stations with a per-station log-odds shift; no fraud";

/// The half-sample mode of a sample (Bickel & Frühwirth 2006): repeatedly
/// keep the shortest interval holding half of the remaining sorted values.
pub fn half_sample_mode(x: &mut [f64]) -> Option<f64> {
    x.sort_by(f64::total_cmp);
    let mut v: &[f64] = x;
    if v.is_empty() {
        return None;
    }
    while v.len() > 3 {
        let h = v.len().div_ceil(2);
        let mut best = 0;
        let mut width = f64::INFINITY;
        for i in 0..=v.len() - h {
            let w = v[i + h - 1] - v[i];
            if w < width {
                width = w;
                best = i;
            }
        }
        v = &v[best..best + h];
    }
    Some(match v.len() {
        3 => {
            if v[1] - v[0] < v[2] - v[1] {
                (v[0] + v[1]) / 2.0
            } else if v[1] - v[0] > v[2] - v[1] {
                (v[1] + v[2]) / 2.0
            } else {
                v[1]
            }
        }
        2 => (v[0] + v[1]) / 2.0,
        _ => v[0],
    })
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Mean and station-level sd of the success probability of a
/// beta-binomial fitted to `(successes, trials)` pairs: the mean is the
/// ratio of sums, the concentration `c = α + β` maximises the likelihood
/// (golden-section search on log c over [10⁻², 10⁶]; Griffiths 1973,
/// *Biometrics* 29; the overdispersed binomial eforensics recommends), and
/// the sd is `√(μ(1 − μ)/(c + 1))`, 0 when the likelihood is largest at
/// the binomial end. Moments beyond binomial noise, floored at 0, are
/// biased for small counts (a party with a few votes a station); the
/// likelihood is not.
pub fn beta_binomial_fit(counts: &[(u64, u64)]) -> (f64, f64) {
    use statrs::function::gamma::ln_gamma;
    let (sx, sn) = counts
        .iter()
        .fold((0u64, 0u64), |(a, b), &(x, n)| (a + x, b + n));
    if sn == 0 || sx == 0 {
        return (0.0, 0.0);
    }
    let mu = sx as f64 / sn as f64;
    if sx == sn {
        return (1.0, 0.0);
    }
    let loglik = |log_c: f64| {
        let c = log_c.exp();
        let (a, b) = (mu * c, (1.0 - mu) * c);
        let (la, lb, lc) = (ln_gamma(a), ln_gamma(b), ln_gamma(c));
        counts
            .iter()
            .map(|&(x, n)| {
                let (x, n) = (x as f64, n as f64);
                ln_gamma(x + a) - la + ln_gamma(n - x + b) - lb - ln_gamma(n + c) + lc
            })
            .sum::<f64>()
    };
    let (mut lo, mut hi) = ((1e-2f64).ln(), (1e6f64).ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut x1, mut x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut f1, mut f2) = (loglik(x1), loglik(x2));
    for _ in 0..40 {
        if f1 < f2 {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = loglik(x2);
        } else {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = loglik(x1);
        }
    }
    let log_c = (lo + hi) / 2.0;
    if log_c > (1e6f64).ln() - 0.5 {
        return (mu, 0.0);
    }
    let c = log_c.exp();
    (mu, (mu * (1.0 - mu) / (c + 1.0)).sqrt())
}

/// The Gamma propensities' sds that give each normalised share of the
/// rest its fitted sd, to first order (delta method): with
/// `p_k = q_k / (q_k + R_k)`, `Var p_k ≈ ((M − μ_k)/M²)² s_k² +
/// (μ_k/M²)² Σ_{j≠k} s_j²` (M = Σ μ_j); solved for the `s_k` by fixed-point
/// iteration, floored at 0. Without it the normalisation adds the large
/// parties' spread to the small ones' (and cancels part of the large
/// ones'), and a refit on a placebo drifts.
fn propensity_spreads(mean: &[f64], sd: &[f64], winner: usize) -> Vec<f64> {
    let others: Vec<usize> = (0..mean.len())
        .filter(|&c| c != winner && mean[c] > 0.0)
        .collect();
    let m: f64 = others.iter().map(|&c| mean[c]).sum();
    let mut s = sd.to_vec();
    if m <= 0.0 {
        return s;
    }
    for _ in 0..20 {
        let total: f64 = others.iter().map(|&c| s[c] * s[c]).sum();
        let next: Vec<(usize, f64)> = others
            .iter()
            .map(|&c| {
                let own = (m - mean[c]) / (m * m);
                let cross = mean[c] / (m * m);
                let v = (sd[c] * sd[c] - cross * cross * (total - s[c] * s[c])).max(0.0);
                (c, if own > 0.0 { v.sqrt() / own } else { sd[c] })
            })
            .collect();
        for (c, v) in next {
            s[c] = v;
        }
    }
    s
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = if x.len() > 1 {
        x.iter().map(|y| (y - m) * (y - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, v)
}

/// Variance of a standard normal truncated to ±2: 1 − 4φ(2)/(2Φ(2) − 1).
const WINDOW_VARIANCE: f64 = 0.773_7;

/// The clean centre and spread of a sample whose right tail may be
/// contaminated: start at the half-sample mode with the lower-half spread
/// (median distance below the mode / 0.6745), then iterate the mean and
/// the truncation-corrected sd of the values within ±2 sd of the centre
/// (a flat-window mean shift: Fukunaga & Hostetler 1975, *IEEE Trans.
/// Information Theory* 21(1); for a symmetric clean part it converges to
/// its centre, with nearly the efficiency of the mean, while stuffing
/// beyond the window does not move it).
pub fn clean_centre(x: &[f64]) -> (f64, f64) {
    let mut sorted = x.to_vec();
    let Some(mut m) = half_sample_mode(&mut sorted) else {
        return (0.5, 0.0);
    };
    let mut below: Vec<f64> = x.iter().filter(|&&v| v <= m).map(|v| m - v).collect();
    let mut s = median(&mut below).unwrap_or(0.0) / 0.6745;
    if s <= 0.0 {
        return (m, 0.0);
    }
    for _ in 0..50 {
        let w: Vec<f64> = x
            .iter()
            .copied()
            .filter(|v| (v - m).abs() <= 2.0 * s)
            .collect();
        if w.len() < 3 {
            break;
        }
        let (mean, var) = mean_var(&w);
        let next_s = (var / WINDOW_VARIANCE).sqrt();
        let done = (mean - m).abs() < 1e-7 && (next_s - s).abs() < 1e-7;
        m = mean;
        s = next_s;
        if done {
            break;
        }
    }
    (m, s)
}

/// Robust sd (1.4826 × MAD) with the binomial part `var_binomial`
/// subtracted in quadrature.
fn spread_beyond_binomial(x: &[f64], var_binomial: f64) -> f64 {
    let mut v = x.to_vec();
    let Some(c) = median(&mut v) else { return 0.0 };
    let mut d: Vec<f64> = x.iter().map(|y| (y - c).abs()).collect();
    let mad = 1.4826 * median(&mut d).unwrap_or(0.0);
    (mad * mad - var_binomial).max(0.0).sqrt()
}

/// The stations of one fit (a region, or all).
fn fit_group(
    e: &Election,
    p: Option<&Participation>,
    stations: &[usize],
    label: &str,
) -> RegionNull {
    let usable: Vec<usize> = stations
        .iter()
        .copied()
        .filter(|&i| e.turnout[i].is_finite() && e.share_denominator[i] > 0)
        .collect();
    let t: Vec<f64> = usable.iter().map(|&i| e.turnout[i].min(1.0)).collect();
    let (mode, raw_sd) = clean_centre(&t);
    // Usable stations have a finite turnout, hence an electorate.
    let el = e.electorate.as_deref().unwrap_or(&[]);
    let binom = if usable.is_empty() {
        0.0
    } else {
        usable
            .iter()
            .map(|&i| mode * (1.0 - mode) / el[i] as f64)
            .sum::<f64>()
            / usable.len() as f64
    };
    let turnout_sd = (raw_sd * raw_sd - binom).max(0.0).sqrt().max(MIN_SD);
    // The clean half: at or below the mode (all usable stations when too few).
    let mut clean: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&i| e.turnout[i] <= mode)
        .collect();
    if clean.len() < 10 {
        clean = usable.clone();
    }
    let k = e.contestants.len();
    let mut share_mean = vec![0.0; k + 1];
    let mut share_sd = vec![0.0; k + 1];
    let denominators: Vec<f64> = clean
        .iter()
        .map(|&i| e.share_denominator[i] as f64)
        .collect();
    let inv_den_mean = if denominators.is_empty() {
        0.0
    } else {
        denominators.iter().map(|d| 1.0 / d).sum::<f64>() / denominators.len() as f64
    };
    let w = e.winner;
    // The winner's share of the valid votes: moments beyond binomial noise.
    let ws: Vec<f64> = clean.iter().map(|&i| e.shares[w][i]).collect();
    let (mean, var) = mean_var(&ws);
    share_mean[w] = mean;
    share_sd[w] = (var - mean * (1.0 - mean) * inv_den_mean).max(0.0).sqrt();
    // Every other category's share of the rest (the valid votes the winner
    // did not get): a beta-binomial fitted by maximum likelihood.
    let rest: Vec<(usize, u64)> = clean
        .iter()
        .map(|&i| {
            (
                i,
                e.share_denominator[i].saturating_sub(e.contestants[w].votes[i]),
            )
        })
        .filter(|&(_, n)| n > 0)
        .collect();
    for c in (0..=k).filter(|&c| c != w) {
        let counts: Vec<(u64, u64)> = rest
            .iter()
            .map(|&(i, n)| {
                let x = if c < k {
                    e.contestants[c].votes[i]
                } else {
                    let used: u64 = e.contestants.iter().map(|con| con.votes[i]).sum();
                    e.share_denominator[i].saturating_sub(used)
                };
                (x.min(n), n)
            })
            .collect();
        let (m, sd) = beta_binomial_fit(&counts);
        share_mean[c] = m;
        share_sd[c] = sd;
    }
    let propensity_sd = propensity_spreads(&share_mean, &share_sd, w);
    let (inv, bal) = clean.iter().fold((0u64, 0u64), |(a, b), &i| {
        let invalid = match (&e.invalid, &e.valid) {
            (Some(v), _) => v[i],
            (None, Some(v)) => e.ballots[i].saturating_sub(v[i]),
            (None, None) => 0,
        };
        (a + invalid, b + e.ballots[i])
    });
    let daily_curve = p.map(|p| daily_curve(e, p, &clean)).unwrap_or_default();
    RegionNull {
        region: label.to_string(),
        stations: stations.len(),
        pooled: false,
        turnout_mode: mode,
        turnout_sd,
        winner_share: share_mean[e.winner],
        winner_share_sd: share_sd[e.winner],
        invalid_rate: if bal > 0 {
            (inv as f64 / bal as f64).min(1.0)
        } else {
            0.0
        },
        share_mean,
        share_sd,
        propensity_sd,
        daily_curve,
    }
}

/// Cumulative share of the final ballots at each report time over
/// `stations` (ratio of sums over the stations with that report), made
/// non-decreasing and at most 1.
fn daily_curve(e: &Election, p: &Participation, stations: &[usize]) -> Vec<f64> {
    let mut prev = 0.0f64;
    p.reports
        .iter()
        .map(|row| {
            let (num, den) = stations
                .iter()
                .fold((0u64, 0u64), |(a, b), &i| match row[i] {
                    Some(v) if e.ballots[i] > 0 => (a + v.min(e.ballots[i]), b + e.ballots[i]),
                    _ => (a, b),
                });
            let c = if den > 0 {
                num as f64 / den as f64
            } else {
                prev
            };
            prev = prev.max(c).min(1.0);
            prev
        })
        .collect()
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

impl NullModel {
    /// Fits the clean null to the inputs' election (and participation
    /// reports, when loaded).
    pub fn fit(inputs: &Inputs) -> Option<NullModel> {
        let e = inputs.election()?;
        // The null draws turnout: it needs registered voters.
        e.electorate.as_ref()?;
        let p = inputs.participation.as_ref();
        let all: Vec<usize> = (0..e.len()).collect();
        let national = fit_group(e, p, &all, "national");
        let level = e.regions();
        let mut members = vec![Vec::new(); level.labels.len()];
        for (i, &c) in level.codes.iter().enumerate() {
            members[c as usize].push(i);
        }
        let regions: Vec<RegionNull> = members
            .par_iter()
            .zip(&level.labels)
            .map(|(m, label)| {
                let usable = m
                    .iter()
                    .filter(|&&i| e.turnout[i].is_finite() && e.share_denominator[i] > 0)
                    .count();
                if usable < MIN_REGION_STATIONS {
                    RegionNull {
                        region: label.clone(),
                        stations: m.len(),
                        pooled: true,
                        ..national.clone()
                    }
                } else {
                    fit_group(e, p, m, label)
                }
            })
            .collect();
        let pooled = regions.iter().filter(|r| r.pooled).count();
        let not_fitted = all
            .iter()
            .filter(|&&i| !(e.turnout[i].is_finite() && e.share_denominator[i] > 0))
            .count();
        let shift_sd = p.map(|p| daily_shift_sd(e, p, &regions));
        Some(NullModel {
            description: DESCRIPTION,
            regions,
            pooled_regions: pooled,
            stations_not_fitted: not_fitted,
            daily_curve_shift_sd: shift_sd,
        })
    }

    /// Placebo election `replicate`: the same stations and regions, counts
    /// drawn from the null (every station from its own stream keyed by the
    /// replicate, so the result does not depend on the thread count).
    pub fn placebo(&self, inputs: &Inputs, seed: u64, replicate: u64) -> Inputs {
        let e = inputs.election().expect("a fitted null has an election");
        let k = e.contestants.len();
        let codes = &e.regions().codes;
        let participation = inputs.participation.as_ref();
        let shift = self
            .daily_curve_shift_sd
            .filter(|s| *s > 0.0)
            .map(|s| Normal::new(0.0, s).expect("finite sd"));
        struct Draw {
            ballots: u64,
            invalid: u64,
            votes: Vec<u64>,
            cumulative: Vec<Option<u64>>,
        }
        let draws: Vec<Draw> = (0..e.len())
            .into_par_iter()
            .map(|i| {
                let mut g = rng::stream(
                    seed,
                    Purpose::PlaceboStations.keyed_code(replicate),
                    i as u64,
                );
                let r = &self.regions[codes[i] as usize];
                if !(e.turnout[i].is_finite() && e.share_denominator[i] > 0) {
                    return Draw {
                        ballots: 0,
                        invalid: 0,
                        votes: vec![0; k],
                        cumulative: participation
                            .map(|p| p.reports.iter().map(|row| row[i].map(|_| 0)).collect())
                            .unwrap_or_default(),
                    };
                }
                // A finite turnout means an electorate (checked in `fit`).
                let n = e.electorate.as_ref().map_or(0, |v| v[i]);
                let a = truncated(&mut g, r.turnout_mode, r.turnout_sd);
                let ballots = binomial(&mut g, n, a);
                let invalid = binomial(&mut g, ballots, r.invalid_rate);
                let valid = ballots - invalid;
                // The winner's share, then the rest split by the other
                // categories' proportions (normalised propensities).
                let wi = e.winner;
                let v = truncated(&mut g, r.share_mean[wi], r.share_sd[wi]);
                let winner_votes = binomial(&mut g, valid, v);
                let q: Vec<f64> = (0..=k)
                    .map(|c| {
                        let (m, s) = (r.share_mean[c], r.propensity_sd[c]);
                        if c == wi || m <= 0.0 {
                            0.0
                        } else if s > 0.0 {
                            // Gamma with mean m and sd s: positive, and
                            // normalised gammas are a Dirichlet.
                            let shape = (m / s).powi(2);
                            rand_distr::Gamma::new(shape, s * s / m)
                                .map(|d| d.sample(&mut g))
                                .unwrap_or(m)
                        } else {
                            m
                        }
                    })
                    .collect();
                let mut left_weight: f64 = q.iter().sum();
                let mut remaining = valid - winner_votes;
                let mut votes = Vec::with_capacity(k);
                for (c, &qc) in q[..k].iter().enumerate() {
                    if c == wi {
                        votes.push(winner_votes);
                        continue;
                    }
                    let take = if left_weight > 0.0 {
                        binomial(&mut g, remaining, (qc / left_weight).min(1.0))
                    } else {
                        0
                    };
                    votes.push(take);
                    remaining -= take;
                    left_weight -= qc;
                }
                let cumulative = match participation {
                    None => Vec::new(),
                    Some(p) => {
                        let s = shift.map(|d| d.sample(&mut g)).unwrap_or(0.0);
                        let mut left = ballots;
                        let mut prev = 0.0;
                        let mut total = 0;
                        p.reports
                            .iter()
                            .zip(&r.daily_curve)
                            .map(|(row, &c)| {
                                let c = if s == 0.0 || c <= 0.0 || c >= 1.0 {
                                    c
                                } else {
                                    1.0 / (1.0 + (1.0 - c) / c * s.exp())
                                };
                                let c = c.max(prev);
                                let q = if prev < 1.0 {
                                    ((c - prev) / (1.0 - prev)).clamp(0.0, 1.0)
                                } else {
                                    0.0
                                };
                                let add = binomial(&mut g, left, q);
                                left -= add;
                                total += add;
                                prev = c;
                                row[i].map(|_| total)
                            })
                            .collect()
                    }
                };
                Draw {
                    ballots,
                    invalid,
                    votes,
                    cumulative,
                }
            })
            .collect();
        let ballots: Vec<u64> = draws.iter().map(|d| d.ballots).collect();
        let invalid: Vec<u64> = draws.iter().map(|d| d.invalid).collect();
        let mut contestants = e.contestants.clone();
        for (c, con) in contestants.iter_mut().enumerate() {
            con.votes = draws.iter().map(|d| d.votes[c]).collect();
        }
        let parts = ElectionParts {
            name: format!("{} (placebo {replicate})", e.name),
            stations: e.stations.clone(),
            source_rows: e.source_rows.clone(),
            levels: e.levels.clone(),
            electorate: e.electorate.clone(),
            ballots: ballots.clone(),
            ballots_in_boxes: e.ballots_in_boxes.as_ref().map(|_| ballots.clone()),
            valid: e
                .valid
                .as_ref()
                .map(|_| ballots.iter().zip(&invalid).map(|(b, i)| b - i).collect()),
            invalid: e.invalid.as_ref().map(|_| invalid.clone()),
            machines: e.machines.clone(),
            opens: e.opens.clone(),
            closes: e.closes.clone(),
            contestants,
            winner: Some(e.contestants[e.winner].column.clone()),
            quality_flags: vec![0; e.len()],
        };
        let election = Election::new(parts).expect("a placebo keeps the election's shape");
        let participation = participation.map(|p| {
            let mut q = p.clone();
            for (t, row) in q.reports.iter_mut().enumerate() {
                for (i, v) in row.iter_mut().enumerate() {
                    *v = draws[i].cumulative.get(t).copied().flatten();
                }
            }
            for (i, v) in q.at_close.iter_mut().enumerate() {
                if v.is_some() {
                    *v = Some(ballots[i]);
                }
            }
            q.flags.iter_mut().for_each(|f| *f = 0);
            q
        });
        Inputs {
            schema: inputs.schema.clone(),
            source: None,
            election: Some(election),
            hours: inputs.hours,
            participation,
            bulletins: Vec::new(),
            logs: None,
            // Independent counts describe the real election, not a placebo;
            // the reference subset is a set of stations, which placebos keep.
            independent: None,
            reference: inputs.reference.clone(),
        }
    }
}

/// Sd of the per-station log-odds shift of the daily curve beyond binomial
/// noise, at the report time whose national curve is nearest one half.
fn daily_shift_sd(e: &Election, p: &Participation, regions: &[RegionNull]) -> f64 {
    let codes = &e.regions().codes;
    let t = (0..p.reports.len()).min_by(|&a, &b| {
        let da = (mean_curve(regions, a) - 0.5).abs();
        let db = (mean_curve(regions, b) - 0.5).abs();
        da.total_cmp(&db)
    });
    let Some(t) = t else { return 0.0 };
    let mut dev = Vec::new();
    let mut var = Vec::new();
    for (i, v) in p.reports[t].iter().enumerate() {
        let (Some(v), b) = (*v, e.ballots[i]) else {
            continue;
        };
        let c = regions[codes[i] as usize].daily_curve[t];
        if b < 20 || c <= 0.0 || c >= 1.0 || v > b {
            continue;
        }
        dev.push(logit(v as f64 / b as f64) - logit(c));
        var.push(1.0 / (b as f64 * c * (1.0 - c)));
    }
    let v = median(&mut var).unwrap_or(0.0);
    spread_beyond_binomial(&dev, v)
}

fn mean_curve(regions: &[RegionNull], t: usize) -> f64 {
    let v: Vec<f64> = regions
        .iter()
        .filter_map(|r| r.daily_curve.get(t).copied())
        .collect();
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn standard_normal(g: &mut rng::Rng) -> f64 {
    rand_distr::StandardNormal.sample(g)
}

/// N(m, s) truncated to [0, 1] by rejection (clamped after 1,000 tries).
fn truncated(g: &mut rng::Rng, m: f64, s: f64) -> f64 {
    for _ in 0..1000 {
        let x = m + s * standard_normal(g);
        if (0.0..=1.0).contains(&x) {
            return x;
        }
    }
    m.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_binomial_fit_recovers_its_parameters() {
        // 4,000 stations of 200 trials, p ~ Beta(2, 48): mean 0.04,
        // sd √(0.04 · 0.96 / 51) = 0.02744.
        use rand_distr::{Beta, Distribution};
        let mut g = rng::stream(7, 1, 0);
        let beta = Beta::new(2.0, 48.0).unwrap();
        let counts: Vec<(u64, u64)> = (0..4000)
            .map(|_| {
                let p = beta.sample(&mut g);
                (binomial(&mut g, 200, p), 200)
            })
            .collect();
        let (m, sd) = beta_binomial_fit(&counts);
        assert!((m - 0.04).abs() < 0.002, "{m}");
        assert!((sd - 0.02744).abs() < 0.002, "{sd}");
        // Pure binomial counts: no overdispersion found.
        let counts: Vec<(u64, u64)> = (0..4000)
            .map(|_| (binomial(&mut g, 200, 0.04), 200))
            .collect();
        let (_, sd) = beta_binomial_fit(&counts);
        assert!(sd < 0.003, "{sd}");
    }

    #[test]
    fn half_sample_mode_finds_the_peak_of_a_skewed_sample() {
        // 60 values near 0.5, a long tail up to 1: the mode stays at the peak.
        let mut x: Vec<f64> = (0..60).map(|i| 0.49 + 0.02 * (i as f64 / 59.0)).collect();
        x.extend((0..40).map(|i| 0.6 + 0.4 * i as f64 / 39.0));
        let m = half_sample_mode(&mut x).unwrap();
        assert!((m - 0.5).abs() < 0.01, "{m}");
        assert_eq!(half_sample_mode(&mut []), None);
        assert_eq!(half_sample_mode(&mut [0.3]), Some(0.3));
    }
}
