//! The fraud model of Klimek, Yegorov, Hanel & Thurner, "Statistical
//! detection of systematic election irregularities", *PNAS* 109(41):
//! 16469–16473 (2012), fitted to an election's fingerprint.
//!
//! # Model (paper, SI "Fraud model"; `../shared/METHODS.md`)
//! Clean turnout aᵢ ~ N(τ, σ_τ) and winner's share vᵢ ~ N(ν, σ_ν), truncated
//! to [0, 1]. With probability f_i a station has incremental fraud of
//! intensity xᵢ ~ |N(0, θ)| restricted to (0, 1); with probability f_e
//! extreme fraud, xᵢ = 1 − |N(0, 0.075)|; otherwise xᵢ = 0. Then
//! - turnout tᵢ = aᵢ + xᵢ(1 − aᵢ) (a share xᵢ of the non-voters is stuffed),
//! - winner's votes per elector wᵢ = aᵢvᵢ + xᵢ(1 − aᵢ) + xᵢ^α(1 − vᵢ)aᵢ
//!   (stuffed ballots, plus a share xᵢ^α of the others' votes moved),
//! - winner's share sᵢ = wᵢ / tᵢ.
//!
//! # Clean parameters (Kobak's reading of the SI, reproduced exactly)
//! τ and ν are the first local maxima above 0.3 of Gaussian KDEs (Scott's
//! bandwidth) of turnout and share on a 0.001 grid; σ_τ is the RMS of
//! (t − τ) over stations with t < τ and s < ν; σ_ν the RMS of (s − ν) over
//! s < ν (the quadrant fraud cannot reach: fraud only raises t and s).
//! Kobak's θ = (mean (s − ν)² over s > ν)^(1/4) is reported as
//! `theta_kobak`, but θ is *fitted* here, because that formula does not
//! estimate the width of the incremental fraud (on a clean election it
//! returns √σ_ν).
//!
//! # Fit (escrutinio's; the 2012 paper's objective is unconfirmed)
//! All eight parameters (τ, ν, σ_τ, σ_ν, θ, α, f_i, f_e) are fitted jointly
//! to the station-count fingerprint on `bins × bins` cells (50: 2-point
//! cells). Distance ([`Distance`]): by default the multinomial
//! log-likelihood Σ p̂_b log m_b of the observed cell proportions p̂ under the
//! model's cell probabilities m (binned maximum likelihood); or the residual
//! sum of squares of the proportions, the objective of Klimek et al.'s 2018
//! Turkey analysis (*PLOS ONE* 13(8): e0201882). The model's fingerprint is
//! the mixture m = (1 − f_i − f_e)·C + f_i·I(θ, α) + f_e·E(α), so for given
//! shape parameters (f_i, f_e) are solved exactly on the triangle
//! f_i, f_e ≥ 0, f_i + f_e ≤ 1 (the likelihood is concave in them; the RSS
//! quadratic), instead of the published 0.01 grid. The six shape parameters
//! are found by a grid over (θ, α) and Nelder–Mead (Nelder & Mead 1965)
//! from two starts (Kobak's clean reading, and medians of the data) plus a
//! restart, within τ, ν ∈ [0.05, 0.95], σ ∈ [0.005, 0.4],
//! θ ∈ [`theta_min`, `theta_max`], α ∈ [0.1, α_max].
//!
//! The clean component C is computed in closed form (a mixture over 64
//! electorate quantiles of products of normal cell probabilities, with the
//! binomial counting noise of each station size). The fraud components I
//! and E are Monte Carlo histograms of clamp(8n, `model_stations`, 400,000)
//! pseudo-stations: Latin-hypercube draws of the clean values and noise, the
//! data's electorates, binomial counting noise (normal approximation), and
//! bilinear splatting onto the cells (the clean component gets the same
//! smoothing variance). The draws are fixed for a seed (common random
//! numbers), so the objective is deterministic and continuous.
//!
//! # Uncertainty
//! A nonparametric bootstrap over stations: each replicate resamples the
//! stations, draws fresh latent variables and refits from two starts (the
//! point estimate, and the resample's own median start); percentile
//! intervals at `ci_level`. Replicate r uses the streams (seed, r), and
//! replicates are independent, so the result does not depend on the thread
//! count.
//!
//! # Implied ballots
//! Manufactured (stuffed) ballots = E_total·[f_i·m_I + f_e·m_E], with m the
//! component's mean of xᵢ(1 − aᵢ) and E_total the electorate of the fitted
//! stations; stolen votes likewise with xᵢ^α(1 − vᵢ)aᵢ. This assumes
//! station size independent of fraud, as the model does.
//!
//! # Assumptions and caveats
//! One clean mode for the whole country (regional heterogeneity widens σ
//! and can be mistaken for fraud); fraud only adds votes to the winner;
//! θ ≥ `theta_min` (0.2): narrower incremental fraud overlaps the clean mode
//! and f_i is then not identified (measured: at θ = 0.15 a fit of f_i 0.4
//! returned 0.10 with Kobak's clean reading held fixed);
//! published fits of the same data disagree by an order of magnitude
//! (Klimek et al. Russia 2011 f_i 0.64, f_e 0.033; Mebane & Kalinin f_i
//! 0.121, f_e 0.0032), because the objective, binning and clean-parameter
//! reading move the answer.

use rand::Rng as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::election::Election;
use crate::rng;
use crate::stats::bootstrap::quantile_sorted;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::stats::gof::normal_quantile;
use crate::stats::histogram::{bin_of, Histogram2d};
use crate::stats::kde::{first_mode_above, kde_on_grid, scott_bandwidth};
use crate::stats::optimize::nelder_mead;

const PURPOSE_LATENT: u64 = 31;
const PURPOSE_RESAMPLE: u64 = 32;

/// The distance between the observed and the model's fingerprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// Multinomial log-likelihood of the station counts per cell (binned
    /// maximum likelihood): weighs sparse cells, where fraud shows, by
    /// their information.
    Multinomial,
    /// Residual sum of squares of station proportions per cell (Klimek et
    /// al. 2018).
    Rss,
}

/// The denominator of the winner's share in the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBase {
    /// Valid + invalid ballots (Kobak, Shpilkin & Pshenichnikov's
    /// convention; with it the clean parameters reproduce Kobak's values).
    /// Falls back to the election's share denominator without an invalid
    /// column.
    ValidAndInvalid,
    /// The election's share denominator (valid votes, or the sum of votes).
    Valid,
}

impl ShareBase {
    /// The winner's share at station `i` under this base (NaN when the
    /// denominator is 0).
    pub fn winner_share(self, e: &Election, i: usize) -> f64 {
        let d = e.share_denominator[i]
            + match (self, &e.invalid) {
                (ShareBase::ValidAndInvalid, Some(inv)) => inv[i],
                _ => 0,
            };
        if d == 0 {
            f64::NAN
        } else {
            e.winner_votes()[i] as f64 / d as f64
        }
    }
}

/// Options of the fit.
#[derive(Debug, Clone, Serialize)]
pub struct KlimekOptions {
    /// Bins per axis of the fitted fingerprint (100: 1 % bins).
    pub bins: usize,
    pub distance: Distance,
    pub share_base: ShareBase,
    /// Smallest number of Monte Carlo pseudo-stations per component.
    pub model_stations: usize,
    /// Bootstrap replicates (0: no intervals).
    pub bootstrap: usize,
    /// Level of the percentile intervals.
    pub ci_level: f64,
    /// Width of the extreme-fraud intensity 1 − |N(0, ·)| (paper: 0.075).
    pub extreme_sd: f64,
    pub theta_max: f64,
    pub alpha_max: f64,
    /// Fixed θ (`None`: fitted within [`theta_min`, `theta_max`]).
    pub theta: Option<f64>,
    /// Smallest θ searched: below it incremental fraud is indistinguishable
    /// from a wider clean mode, and f_i is not identified.
    pub theta_min: f64,
    /// Nelder–Mead evaluations for the point fit and for each replicate.
    pub max_evals: usize,
    pub max_evals_bootstrap: usize,
    pub seed: u64,
}

impl Default for KlimekOptions {
    fn default() -> Self {
        KlimekOptions {
            bins: 50,
            distance: Distance::Multinomial,
            share_base: ShareBase::ValidAndInvalid,
            model_stations: 40_000,
            bootstrap: 100,
            ci_level: 0.95,
            extreme_sd: 0.075,
            theta_max: 0.6,
            alpha_max: 5.0,
            theta: None,
            theta_min: 0.2,
            max_evals: 400,
            max_evals_bootstrap: 120,
            seed: 1,
        }
    }
}

impl KlimekOptions {
    pub fn check(&self) -> Result<(), String> {
        if !(10..=400).contains(&self.bins) {
            return Err(format!(
                "klimek bins must lie in [10, 400], not {}",
                self.bins
            ));
        }
        if !(self.ci_level > 0.0 && self.ci_level < 1.0) {
            return Err(format!(
                "ci level must lie in (0, 1), not {}",
                self.ci_level
            ));
        }
        if !(self.theta_max > 0.05 && self.theta_max <= 1.0) {
            return Err("theta_max must lie in (0.05, 1]".into());
        }
        if !(self.alpha_max > 0.5 && self.alpha_max <= 20.0) {
            return Err("alpha_max must lie in (0.5, 20]".into());
        }
        if !(self.extreme_sd > 0.0 && self.extreme_sd < 1.0) {
            return Err("extreme_sd must lie in (0, 1)".into());
        }
        Ok(())
    }
}

/// The clean mode of the model, read off the data (Kobak's reading).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct CleanParameters {
    /// τ: first KDE mode of turnout above 0.3.
    pub turnout_mean: f64,
    /// ν: first KDE mode of the winner's share above 0.3.
    pub share_mean: f64,
    /// σ_τ.
    pub turnout_sd: f64,
    /// σ_ν.
    pub share_sd: f64,
    /// Kobak's θ = (mean (s − ν)² over s > ν)^(1/4) (reported, not used).
    pub theta_kobak: f64,
}

/// Kobak's reading of the clean parameters from turnouts `t` and shares `s`
/// (`None` when a KDE has no mode above 0.3 or a quadrant is empty).
///
/// # References
/// Klimek et al. (2012), SI; Kobak, Shpilkin & Pshenichnikov's notebooks
/// (values for Russia 2011: τ 0.529, ν 0.324, σ_τ 0.081381, σ_ν 0.069723,
/// θ 0.559001).
pub fn clean_parameters(t: &[f64], s: &[f64]) -> Option<CleanParameters> {
    let mode = |x: &[f64]| {
        let h = scott_bandwidth(x, None);
        first_mode_above(&kde_on_grid(x, None, h, 1000), 0.3)
    };
    let tau = mode(t)?;
    let nu = mode(s)?;
    let rms = |it: &mut dyn Iterator<Item = f64>| {
        let (mut n, mut ss) = (0usize, 0.0);
        for d in it {
            n += 1;
            ss += d * d;
        }
        (n > 0).then(|| ss / n as f64)
    };
    let var_t = rms(&mut t
        .iter()
        .zip(s)
        .filter(|(&a, &b)| a < tau && b < nu)
        .map(|(&a, _)| a - tau))?;
    let var_s = rms(&mut s.iter().filter(|&&b| b < nu).map(|&b| b - nu))?;
    let var_hi = rms(&mut s.iter().filter(|&&b| b > nu).map(|&b| b - nu)).unwrap_or(0.0);
    Some(CleanParameters {
        turnout_mean: tau,
        share_mean: nu,
        turnout_sd: var_t.sqrt(),
        share_sd: var_s.sqrt(),
        theta_kobak: var_hi.powf(0.25),
    })
}

pub use crate::stats::bootstrap::Estimate;

/// The fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct KlimekFit {
    pub options: KlimekOptions,
    /// Stations fitted (turnout and share defined and in [0, 1]).
    pub stations: usize,
    /// Stations left out (undefined or above 1).
    pub excluded: usize,
    /// Pseudo-stations per model component.
    pub model_stations: usize,
    /// The clean parameters read off the data as Kobak does (the fit's
    /// starting point; reproduces his published values).
    pub clean_kobak: CleanParameters,
    /// The fitted clean parameters τ, ν, σ_τ, σ_ν.
    pub turnout_mean: Estimate,
    pub share_mean: Estimate,
    pub turnout_sd: Estimate,
    pub share_sd: Estimate,
    pub incremental_fraud: Estimate,
    pub extreme_fraud: Estimate,
    pub theta: Estimate,
    pub alpha: Estimate,
    /// Ballots stuffed, as the fitted model implies.
    pub manufactured_ballots: Estimate,
    /// Votes moved to the winner, as the fitted model implies.
    pub stolen_votes: Estimate,
    /// RSS of the fit in station counts, Σ (observed − fitted)².
    pub rss: f64,
    /// RSS of the fair model (f_i = f_e = 0, same clean parameters).
    pub rss_fair: f64,
    /// Bootstrap replicates that produced a fit.
    pub bootstrap_replicates: usize,
    /// Plain-words reading.
    pub verdict: String,
    /// Fitted and fair fingerprints (expected station counts), for plots.
    #[serde(skip)]
    pub fitted: Histogram2d,
    #[serde(skip)]
    pub fair: Histogram2d,
    #[serde(skip)]
    pub observed: Histogram2d,
    /// Per-cell posterior probability of incremental and extreme fraud
    /// under the fit, f·component / mixture (for per-station columns).
    #[serde(skip)]
    pub posterior_incremental: Vec<f64>,
    #[serde(skip)]
    pub posterior_extreme: Vec<f64>,
}

impl KlimekFit {
    /// Posterior probabilities (incremental, extreme) of the fit for a
    /// station at turnout `t` and share `s` (`None` outside [0, 1]).
    /// The share is the fit's ([`KlimekOptions::share_base`]).
    pub fn posterior(&self, t: f64, s: f64) -> Option<(f64, f64)> {
        let b = self.options.bins;
        let k = bin_of(t, b)? * b + bin_of(s, b)?;
        Some((self.posterior_incremental[k], self.posterior_extreme[k]))
    }
}

/// The fitted stations' turnout, share and electorate.
pub struct FitData {
    pub turnout: Vec<f64>,
    pub share: Vec<f64>,
    pub electorate: Vec<u64>,
    pub excluded: usize,
}

impl FitData {
    /// Stations with turnout and winner's share defined and in [0, 1].
    pub fn from_election(e: &Election, base: ShareBase) -> FitData {
        let mut d = FitData {
            turnout: Vec::new(),
            share: Vec::new(),
            electorate: Vec::new(),
            excluded: 0,
        };
        for i in 0..e.len() {
            let (t, v) = (e.turnout[i], base.winner_share(e, i));
            if (0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&v) {
                d.turnout.push(t);
                d.share.push(v);
                d.electorate.push(e.electorate[i]);
            } else {
                d.excluded += 1;
            }
        }
        d
    }
}

/// Fixed latent draws of the pseudo-stations (common random numbers).
struct Latent {
    /// Standard normal draws for the clean turnout and share.
    e_a: Vec<f64>,
    e_v: Vec<f64>,
    /// Four half-normal draws |N(0, 1)| for the incremental intensity (the
    /// first with θ·z < 1 is used: restriction to (0, 1) by rejection).
    z: Vec<[f64; 4]>,
    /// Extreme intensities 1 − |N(0, extreme_sd)| in (0, 1).
    x_ext: Vec<f64>,
    /// Electorate of each pseudo-station, drawn from the data's.
    electorate: Vec<f64>,
    /// Standard normal draws for the counting noise of turnout and share.
    eps_t: Vec<f64>,
    eps_s: Vec<f64>,
}

impl Latent {
    /// Latin hypercube draws (McKay, Beckman & Conover 1979, *Technometrics*
    /// 21(2): 239–245): each of the clean turnout, clean share, incremental
    /// intensity and the two noise variables is stratified into `m` equal
    /// probability strata, which lowers the Monte Carlo noise of the model's
    /// fingerprint several-fold against plain draws at the same cost. The
    /// pseudo-stations' electorates cycle through a seeded permutation of
    /// the data's.
    fn draw(m: usize, seed: u64, replicate: u64, extreme_sd: f64, electorates: &[u64]) -> Latent {
        let mut g = rng::stream(seed, PURPOSE_LATENT, replicate);
        let strata = |g: &mut rng::Rng| -> Vec<f64> {
            let mut perm: Vec<u32> = (0..m as u32).collect();
            for i in (1..m).rev() {
                perm.swap(i, g.random_range(0..=i));
            }
            perm.iter()
                .map(|&k| (k as f64 + g.random::<f64>()) / m as f64)
                .collect()
        };
        let q = |u: f64| normal_quantile(u.clamp(1e-12, 1.0 - 1e-12));
        let e_a: Vec<f64> = strata(&mut g).into_iter().map(q).collect();
        let e_v: Vec<f64> = strata(&mut g).into_iter().map(q).collect();
        let eps_t: Vec<f64> = strata(&mut g).into_iter().map(q).collect();
        let eps_s: Vec<f64> = strata(&mut g).into_iter().map(q).collect();
        let z1: Vec<f64> = strata(&mut g)
            .into_iter()
            .map(|u| q(0.5 + u / 2.0))
            .collect();
        let mut order: Vec<usize> = (0..electorates.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, g.random_range(0..=i));
        }
        let normal = |g: &mut rng::Rng| -> f64 { g.sample(rand_distr::StandardNormal) };
        let mut z = Vec::with_capacity(m);
        let mut x_ext = Vec::with_capacity(m);
        for &first in &z1 {
            z.push([
                first,
                normal(&mut g).abs(),
                normal(&mut g).abs(),
                normal(&mut g).abs(),
            ]);
            let x = loop {
                let x = 1.0 - extreme_sd * normal(&mut g).abs();
                if x > 0.0 && x < 1.0 {
                    break x;
                }
            };
            x_ext.push(x);
        }
        Latent {
            e_a,
            e_v,
            z,
            x_ext,
            electorate: (0..m)
                .map(|j| electorates[order[j % order.len()]].max(1) as f64)
                .collect(),
            eps_t,
            eps_s,
        }
    }
}

/// The model's parameters other than the fraud shares.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    tau: f64,
    nu: f64,
    sd_t: f64,
    sd_v: f64,
    theta: f64,
    alpha: f64,
}

impl Shape {
    fn to_vec(self) -> [f64; 6] {
        [
            self.tau, self.nu, self.sd_t, self.sd_v, self.theta, self.alpha,
        ]
    }
    fn from_slice(p: &[f64]) -> Shape {
        Shape {
            tau: p[0],
            nu: p[1],
            sd_t: p[2],
            sd_v: p[3],
            theta: p[4],
            alpha: p[5],
        }
    }
}

/// A fraud component: its normalised fingerprint and mean stuffed and stolen
/// fractions of the electorate.
struct Component {
    hist: Vec<f64>,
    stuffed: f64,
    stolen: f64,
}

const CHUNK: usize = 8192;

/// Splat resolution: each pseudo-station adds `SPLAT²` units spread over
/// the four cells around it (bilinear weights, integer arithmetic so that
/// sums do not depend on order).
const SPLAT: u32 = 16;

/// Adds a point to the four cells around it with bilinear weights (cell
/// centres at (k + ½)/bins; mass beyond an edge stays in the edge cell).
/// This smooths the Monte Carlo fingerprint by one bin and makes the
/// objective continuous in the parameters.
#[inline]
fn splat(h: &mut [u32], bins: usize, t: f64, s: f64) {
    let axis = |v: f64| {
        let p = (v * bins as f64 - 0.5).clamp(0.0, bins as f64 - 1.0);
        let i = (p.floor() as usize).min(bins - 1);
        let w = ((p - i as f64) * SPLAT as f64).round() as u32;
        (i, (i + 1).min(bins - 1), SPLAT - w, w)
    };
    let (i0, i1, wi0, wi1) = axis(t);
    let (k0, k1, wk0, wk1) = axis(s);
    h[i0 * bins + k0] += wi0 * wk0;
    h[i0 * bins + k1] += wi0 * wk1;
    h[i1 * bins + k0] += wi1 * wk0;
    h[i1 * bins + k1] += wi1 * wk1;
}

/// The incremental and extreme components, by Monte Carlo over the
/// pseudo-stations in one pass: each pseudo-station's clean draw (a, v) is
/// taken through both fraud classes. Clean draws outside [0, 1] are rejected
/// (truncation). Each point gets counting noise at its electorate (ballots
/// ~ Bin(N, t), winner ~ Bin(N·t, s), normal approximation). Deterministic
/// for any thread count: counts are integers and the means are summed in
/// chunk order.
fn components(l: &Latent, sh: &Shape, bins: usize) -> [Component; 2] {
    let m = l.e_a.len();
    let cells = bins * bins;
    type Part = (Vec<u32>, [f64; 2], [f64; 2], u32);
    let parts: Vec<Part> = (0..m.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut h = vec![0u32; 2 * cells];
            let (mut st, mut sl, mut kept) = ([0.0; 2], [0.0; 2], 0u32);
            for j in c * CHUNK..((c + 1) * CHUNK).min(m) {
                let a = sh.tau + sh.sd_t * l.e_a[j];
                let v = sh.nu + sh.sd_v * l.e_v[j];
                if !((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&v)) {
                    continue;
                }
                kept += 1;
                let nn = l.electorate[j];
                let x_inc = l.z[j]
                    .iter()
                    .map(|z| sh.theta * z)
                    .find(|&x| x < 1.0)
                    .unwrap_or(1.0 - 1e-9);
                for (k, x) in [x_inc, l.x_ext[j]].into_iter().enumerate() {
                    let stuffed = x * (1.0 - a);
                    let stolen = if x > 0.0 {
                        x.powf(sh.alpha) * (1.0 - v) * a
                    } else {
                        0.0
                    };
                    let t = a + stuffed;
                    let s = if t > 0.0 {
                        ((a * v + stuffed + stolen) / t).min(1.0)
                    } else {
                        v
                    };
                    let t = (t + (t * (1.0 - t) / nn).sqrt() * l.eps_t[j]).clamp(0.0, 1.0);
                    let s = (s + (s * (1.0 - s) / (nn * t).max(1.0)).sqrt() * l.eps_s[j])
                        .clamp(0.0, 1.0);
                    st[k] += stuffed;
                    sl[k] += stolen;
                    splat(&mut h[k * cells..(k + 1) * cells], bins, t, s);
                }
            }
            (h, st, sl, kept)
        })
        .collect();
    let mut hist = vec![0.0; 2 * cells];
    let (mut st, mut sl, mut kept) = ([0.0; 2], [0.0; 2], 0u64);
    for (h, a, b, k) in parts {
        for (o, c) in hist.iter_mut().zip(h) {
            *o += c as f64;
        }
        for q in 0..2 {
            st[q] += a[q];
            sl[q] += b[q];
        }
        kept += k as u64;
    }
    let kf = kept.max(1) as f64;
    let mass = kf * (SPLAT * SPLAT) as f64;
    hist.iter_mut().for_each(|c| *c /= mass);
    let mut it = hist
        .chunks_exact(cells)
        .enumerate()
        .map(|(q, h)| Component {
            hist: h.to_vec(),
            stuffed: st[q] / kf,
            stolen: sl[q] / kf,
        });
    [
        it.next().expect("two components"),
        it.next().expect("two components"),
    ]
}

/// Quantiles of the electorates for [`clean_component`].
const ELECTORATE_QUANTILES: usize = 64;

fn electorate_quantiles(electorates: &[u64]) -> Vec<f64> {
    let mut v: Vec<f64> = electorates.iter().map(|&e| e.max(1) as f64).collect();
    v.sort_by(f64::total_cmp);
    (0..ELECTORATE_QUANTILES)
        .map(|q| quantile_sorted(&v, (q as f64 + 0.5) / ELECTORATE_QUANTILES as f64))
        .collect()
}

/// The clean component computed, not simulated: at electorate N the clean
/// turnout is N(τ, σ_τ² + τ(1 − τ)/N + w²/6) and the share N(ν, σ_ν² +
/// ν(1 − ν)/(Nτ) + w²/6), independent (w = 1/bins: the variance of the
/// bilinear splat the simulated components get), with the mass outside
/// [0, 1] in the edge cells as the simulated components clamp it; averaged
/// over 64 electorate quantiles of the data. Exact up to the normal
/// approximation of the counting noise and the (negligible for clean modes
/// inside (0, 1)) truncation, and free of Monte Carlo noise, which would
/// otherwise let the fraud components fit the noise of the clean one.
fn clean_component(sh: &Shape, bins: usize, electorates: &[f64]) -> Vec<f64> {
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    let w2 = 1.0 / (6.0 * (bins * bins) as f64);
    let cells = |mean: f64, var: f64| -> Vec<f64> {
        let sd = var.sqrt();
        let cdf: Vec<f64> = (0..=bins)
            .map(|k| match k {
                0 => 0.0,
                k if k == bins => 1.0,
                k => n.cdf((k as f64 / bins as f64 - mean) / sd),
            })
            .collect();
        (0..bins).map(|k| cdf[k + 1] - cdf[k]).collect()
    };
    let mut h = vec![0.0; bins * bins];
    let q = electorates.len() as f64;
    for &nn in electorates {
        let pt = cells(
            sh.tau,
            sh.sd_t * sh.sd_t + sh.tau * (1.0 - sh.tau) / nn + w2,
        );
        let pv = cells(
            sh.nu,
            sh.sd_v * sh.sd_v + sh.nu * (1.0 - sh.nu) / (nn * sh.tau).max(1.0) + w2,
        );
        for i in 0..bins {
            if pt[i] < 1e-300 {
                continue;
            }
            for k in 0..bins {
                h[i * bins + k] += pt[i] * pv[k] / q;
            }
        }
    }
    h
}

/// One evaluation: best (f_i, f_e) for a shape, the RSS and the components.
struct Eval {
    shape: Shape,
    fi: f64,
    fe: f64,
    rss: f64,
    clean: Vec<f64>,
    inc: Component,
    ext: Component,
}

/// The (f_i, f_e) minimising the RSS for fixed components, and the RSS: a
/// quadratic rr − 2 f·b + fᵀ A f in f, minimised exactly on the triangle
/// f_i, f_e ≥ 0, f_i + f_e ≤ 1 (interior optimum, edges, vertices).
fn best_shares_rss(obs: &[f64], clean: &[f64], inc: &[f64], ext: &[f64]) -> (f64, f64, f64) {
    let (mut a11, mut a12, mut a22, mut b1, mut b2, mut rr) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for k in 0..obs.len() {
        let r = obs[k] - clean[k];
        let d1 = inc[k] - clean[k];
        let d2 = ext[k] - clean[k];
        a11 += d1 * d1;
        a12 += d1 * d2;
        a22 += d2 * d2;
        b1 += d1 * r;
        b2 += d2 * r;
        rr += r * r;
    }
    let rss = |f: (f64, f64)| {
        rr - 2.0 * (f.0 * b1 + f.1 * b2) + f.0 * f.0 * a11 + 2.0 * f.0 * f.1 * a12 + f.1 * f.1 * a22
    };
    let mut cands: Vec<(f64, f64)> = vec![(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)];
    let det = a11 * a22 - a12 * a12;
    if det > 1e-300 {
        cands.push(((b1 * a22 - b2 * a12) / det, (b2 * a11 - b1 * a12) / det));
    }
    if a11 > 0.0 {
        cands.push(((b1 / a11).clamp(0.0, 1.0), 0.0));
    }
    if a22 > 0.0 {
        cands.push((0.0, (b2 / a22).clamp(0.0, 1.0)));
    }
    let q = a11 - 2.0 * a12 + a22;
    if q > 0.0 {
        let lam = ((b1 - b2 - a12 + a22) / q).clamp(0.0, 1.0);
        cands.push((lam, 1.0 - lam));
    }
    let (fi, fe) = cands
        .into_iter()
        .filter(|&(fi, fe)| fi >= 0.0 && fe >= 0.0 && fi + fe <= 1.0 + 1e-12)
        .min_by(|x, y| rss(*x).total_cmp(&rss(*y)))
        .expect("the origin is feasible");
    (fi, fe, rss((fi, fe)).max(0.0))
}

/// Floor of a model cell probability in the multinomial likelihood (cells
/// the model gives no mass would otherwise make it −∞).
const CELL_FLOOR: f64 = 1e-9;

/// The (f_i, f_e) maximising the multinomial log-likelihood
/// Σ p̂_b log m_b(f) of the observed proportions p̂ under the mixture
/// m = (1 − f_i − f_e)C + f_i I + f_e E, for fixed components, and the
/// resulting deviance per station −Σ p̂_b log m_b. The log-likelihood is
/// concave in f, so projected Newton steps with backtracking converge to
/// the maximum on the triangle.
fn best_shares_multinomial(
    obs: &[f64],
    clean: &[f64],
    inc: &[f64],
    ext: &[f64],
) -> (f64, f64, f64) {
    let cells: Vec<usize> = (0..obs.len()).filter(|&k| obs[k] > 0.0).collect();
    let ll = |f: (f64, f64)| -> f64 {
        cells
            .iter()
            .map(|&k| {
                let m = (1.0 - f.0 - f.1) * clean[k] + f.0 * inc[k] + f.1 * ext[k];
                obs[k] * m.max(CELL_FLOOR).ln()
            })
            .sum()
    };
    let project = |f: (f64, f64)| {
        let (mut a, mut b) = (f.0.max(0.0), f.1.max(0.0));
        let s = a + b;
        if s > 1.0 {
            a /= s;
            b /= s;
        }
        (a, b)
    };
    let mut f = (0.02, 0.005);
    let mut cur = ll(f);
    for _ in 0..60 {
        let (mut g1, mut g2, mut h11, mut h12, mut h22) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &k in &cells {
            let m = ((1.0 - f.0 - f.1) * clean[k] + f.0 * inc[k] + f.1 * ext[k]).max(CELL_FLOOR);
            let d1 = (inc[k] - clean[k]) / m;
            let d2 = (ext[k] - clean[k]) / m;
            g1 += obs[k] * d1;
            g2 += obs[k] * d2;
            h11 += obs[k] * d1 * d1;
            h12 += obs[k] * d1 * d2;
            h22 += obs[k] * d2 * d2;
        }
        // Newton direction for the concave maximisation (−H is positive
        // semi-definite; a small ridge keeps it invertible).
        let (r11, r22) = (h11 + 1e-12, h22 + 1e-12);
        let det = r11 * r22 - h12 * h12;
        let dir = if det > 0.0 {
            ((g1 * r22 - g2 * h12) / det, (g2 * r11 - g1 * h12) / det)
        } else {
            (g1 / r11, g2 / r22)
        };
        let mut step = 1.0;
        let mut moved = false;
        while step > 1e-6 {
            let cand = project((f.0 + step * dir.0, f.1 + step * dir.1));
            let v = ll(cand);
            if v > cur {
                moved = (cand.0 - f.0).abs() + (cand.1 - f.1).abs() > 1e-10;
                f = cand;
                cur = v;
                break;
            }
            step /= 2.0;
        }
        if !moved {
            break;
        }
    }
    // The vertex f = 0 can beat an interior stop on a flat likelihood.
    let zero = ll((0.0, 0.0));
    if zero >= cur {
        return (0.0, 0.0, -zero);
    }
    (f.0, f.1, -cur)
}

/// The fit of one data set (observed proportions and latent draws).
struct Model<'l> {
    bins: usize,
    distance: Distance,
    /// Electorates at the mid-quantiles (k + ½)/Q of the data's.
    electorate_quantiles: Vec<f64>,
    observed: &'l [f64],
    latent: &'l Latent,
}

impl Model<'_> {
    fn eval(&self, sh: Shape) -> Eval {
        let l = self.latent;
        let bins = self.bins;
        let [inc, ext] = components(l, &sh, bins);
        let clean = clean_component(&sh, bins, &self.electorate_quantiles);
        let (fi, fe, rss) = match self.distance {
            Distance::Rss => best_shares_rss(self.observed, &clean, &inc.hist, &ext.hist),
            Distance::Multinomial => {
                best_shares_multinomial(self.observed, &clean, &inc.hist, &ext.hist)
            }
        };
        Eval {
            shape: sh,
            fi,
            fe,
            rss,
            clean,
            inc,
            ext,
        }
    }

    /// Minimises the RSS over the shape: a grid over (θ, α) at the start's
    /// clean parameters (when `grid`), then Nelder–Mead over all six.
    fn fit(&self, opts: &KlimekOptions, start: Shape, grid: bool, max_evals: usize) -> Eval {
        let lo = [0.05, 0.05, 0.005, 0.005, opts.theta_min, 0.1];
        let hi = [0.95, 0.95, 0.4, 0.4, opts.theta_max, opts.alpha_max];
        let fixed = |p: &[f64]| {
            let mut p: [f64; 6] = p.try_into().expect("six parameters");
            if let Some(t) = opts.theta {
                p[4] = t;
            }
            Shape::from_slice(&p)
        };
        let mut x0 = start.to_vec();
        if grid {
            let mut best = (f64::INFINITY, x0);
            for th in [0.05f64, 0.1, 0.2, 0.3, 0.45, 0.6] {
                for al in [0.5f64, 1.0, 2.0, 3.0, 4.0, 5.0] {
                    let mut p = x0;
                    p[4] = th.clamp(lo[4], hi[4]);
                    p[5] = al.clamp(lo[5], hi[5]);
                    let r = self.eval(fixed(&p)).rss;
                    if r < best.0 {
                        best = (r, p);
                    }
                }
            }
            x0 = best.1;
        }
        let (x, _) = nelder_mead(
            |p| self.eval(fixed(p)).rss,
            &x0,
            &[0.02, 0.02, 0.01, 0.01, 0.05, 0.5],
            &lo,
            &hi,
            max_evals,
            &[1e-3, 1e-3, 1e-3, 1e-3, 2e-3, 2e-2],
        );
        self.eval(fixed(&x))
    }
}

/// Fits the model to an election's winner (turnout = ballots / electorate,
/// share = winner / share denominator, as the election defines them).
pub fn analyse(e: &Election, opts: &KlimekOptions) -> Result<KlimekFit, String> {
    fit(&FitData::from_election(e, opts.share_base), opts)
}

fn observed_hist(d: &FitData, idx: Option<&[usize]>, bins: usize) -> Histogram2d {
    let mut h = Histogram2d::new(bins);
    match idx {
        None => d.turnout.iter().zip(&d.share).for_each(|(&t, &s)| {
            h.add(t, s, 1.0);
        }),
        Some(idx) => idx.iter().for_each(|&i| {
            h.add(d.turnout[i], d.share[i], 1.0);
        }),
    }
    h
}

fn start_shape(c: &CleanParameters) -> Shape {
    Shape {
        tau: c.turnout_mean,
        nu: c.share_mean,
        sd_t: c.turnout_sd.max(0.01),
        sd_v: c.share_sd.max(0.01),
        theta: 0.2,
        alpha: 2.0,
    }
}

/// A start from medians: τ, ν the medians of turnout and share, σ from
/// the distance between the median and the 16th percentile (one sd for a
/// normal), which fraud (moving stations up) disturbs less than the upper
/// half.
fn robust_start(d: &FitData) -> Shape {
    let q = |x: &[f64]| {
        let mut v = x.to_vec();
        v.sort_by(f64::total_cmp);
        let med = quantile_sorted(&v, 0.5);
        (med, (med - quantile_sorted(&v, 0.1587)).max(0.01))
    };
    let (tau, sd_t) = q(&d.turnout);
    let (nu, sd_v) = q(&d.share);
    Shape {
        tau: tau.clamp(0.05, 0.95),
        nu: nu.clamp(0.05, 0.95),
        sd_t: sd_t.min(0.4),
        sd_v: sd_v.min(0.4),
        theta: 0.3,
        alpha: 2.0,
    }
}

/// Fits the model to prepared data.
pub fn fit(d: &FitData, opts: &KlimekOptions) -> Result<KlimekFit, String> {
    opts.check()?;
    let n = d.turnout.len();
    if n < 100 {
        return Err(format!(
            "the Klimek fit needs at least 100 stations with turnout and share in [0, 1], found {n}"
        ));
    }
    let kobak = clean_parameters(&d.turnout, &d.share).ok_or(
        "the Klimek fit found no clean mode above 0.3 in turnout or share (clean parameters undefined)",
    )?;
    let m = (8 * n).clamp(
        opts.model_stations.min(400_000),
        400_000.max(opts.model_stations),
    );
    let bins = opts.bins;
    let electorate: f64 = d.electorate.iter().map(|&x| x as f64).sum();
    let obs = observed_hist(d, None, bins);
    let obs_p = obs.clone().normalised();
    let latent = Latent::draw(m, opts.seed, 0, opts.extreme_sd, &d.electorate);
    let quantiles = electorate_quantiles(&d.electorate);
    let model = Model {
        bins,
        distance: opts.distance,
        electorate_quantiles: quantiles.clone(),
        observed: &obs_p.cells,
        latent: &latent,
    };
    // Two starts (Kobak's clean reading, whose KDE modes fraud can pull,
    // and the medians and half-IQRs of the lower-left quadrant), each a grid
    // and Nelder–Mead, then one restart from the better: a simplex can
    // stall on a flat ridge where incremental fraud mimics a shifted mode.
    let mut best = model.fit(opts, start_shape(&kobak), true, opts.max_evals);
    let alt = model.fit(opts, robust_start(d), true, opts.max_evals);
    if alt.rss < best.rss {
        best = alt;
    }
    let again = model.fit(opts, best.shape, false, opts.max_evals);
    if again.rss < best.rss {
        best = again;
    }

    let implied = |ev: &Eval| {
        (
            electorate * (ev.fi * ev.inc.stuffed + ev.fe * ev.ext.stuffed),
            electorate * (ev.fi * ev.inc.stolen + ev.fe * ev.ext.stolen),
        )
    };
    let summary = |ev: &Eval, scale: f64| {
        let (st, sl) = implied(ev);
        let s = ev.shape;
        [
            ev.fi,
            ev.fe,
            s.theta,
            s.alpha,
            st * scale,
            sl * scale,
            s.tau,
            s.nu,
            s.sd_t,
            s.sd_v,
        ]
    };
    // Bootstrap replicates, each with its own resample and latent draws,
    // refitted from the point estimate.
    let reps: Vec<[f64; 10]> = (0..opts.bootstrap)
        .into_par_iter()
        .map(|r| {
            let mut g = rng::stream(opts.seed, PURPOSE_RESAMPLE, r as u64);
            let idx: Vec<usize> = (0..n).map(|_| g.random_range(0..n)).collect();
            let lat = Latent::draw(m, opts.seed, r as u64 + 1, opts.extreme_sd, &d.electorate);
            let o = observed_hist(d, Some(&idx), bins).normalised();
            let model = Model {
                bins,
                distance: opts.distance,
                electorate_quantiles: quantiles.clone(),
                observed: &o.cells,
                latent: &lat,
            };
            // Two starts, the point estimate and the resample's own robust
            // start: a warm start alone would keep every replicate in the
            // point estimate's basin and make the interval too narrow where
            // the likelihood is flat (f_i against a shifted clean mode).
            let warm = model.fit(opts, best.shape, false, opts.max_evals_bootstrap);
            let resample = FitData {
                turnout: idx.iter().map(|&i| d.turnout[i]).collect(),
                share: idx.iter().map(|&i| d.share[i]).collect(),
                electorate: Vec::new(),
                excluded: 0,
            };
            let cold = model.fit(
                opts,
                robust_start(&resample),
                true,
                opts.max_evals_bootstrap,
            );
            let ev = if cold.rss < warm.rss { cold } else { warm };
            // The electorate of the resample, not of the data.
            let scale = idx.iter().map(|&i| d.electorate[i] as f64).sum::<f64>() / electorate;
            summary(&ev, scale)
        })
        .collect();
    let point = summary(&best, 1.0);
    let est: Vec<Estimate> = (0..10)
        .map(|k| Estimate::percentile(point[k], reps.iter().map(|r| r[k]).collect(), opts.ci_level))
        .collect();

    let nf = n as f64;
    let mut fitted = Histogram2d::new(bins);
    let mut post_i = vec![0.0; bins * bins];
    let mut post_e = vec![0.0; bins * bins];
    for k in 0..bins * bins {
        let ci = (1.0 - best.fi - best.fe) * best.clean[k];
        let ii = best.fi * best.inc.hist[k];
        let ee = best.fe * best.ext.hist[k];
        let mix = ci + ii + ee;
        fitted.cells[k] = nf * mix;
        if mix > 0.0 {
            post_i[k] = ii / mix;
            post_e[k] = ee / mix;
        }
    }
    let fair = Histogram2d {
        bins,
        cells: best.clean.iter().map(|c| nf * c).collect(),
    };
    let rss_fair: f64 = obs_p
        .cells
        .iter()
        .zip(&best.clean)
        .map(|(o, c)| (o - c) * (o - c))
        .sum();
    let fi = est[0];
    let fe = est[1];
    let negligible =
        |e: &Estimate| e.ci_low.is_some_and(|l| l <= 1e-4) || e.ci_high.is_some_and(|h| h < 0.01);
    let verdict = if negligible(&fi) && negligible(&fe) {
        format!(
            "The fitted fraud shares are near zero (incremental {:.3}, extreme {:.4}; their intervals reach 0 or stay below 0.01): the fingerprint is consistent with the fair model.",
            fi.estimate, fe.estimate
        )
    } else {
        let range = |e: &Estimate, scale: f64, d: usize| match (e.ci_low, e.ci_high) {
            (Some(l), Some(h)) => format!(" ({:.d$}–{:.d$})", scale * l, scale * h),
            _ => String::new(),
        };
        format!(
            "The fitted model puts {:.1} % of stations under incremental fraud{} and {:.2} % under extreme fraud{}, implying {:.0} manufactured ballots{}.",
            100.0 * fi.estimate,
            range(&fi, 100.0, 1).replace(')', " %)"),
            100.0 * fe.estimate,
            range(&fe, 100.0, 2).replace(')', " %)"),
            est[4].estimate,
            range(&est[4], 1.0, 0),
        )
    };
    Ok(KlimekFit {
        verdict,
        options: opts.clone(),
        stations: n,
        excluded: d.excluded,
        model_stations: m,
        clean_kobak: kobak,
        turnout_mean: est[6],
        share_mean: est[7],
        turnout_sd: est[8],
        share_sd: est[9],
        incremental_fraud: est[0],
        extreme_fraud: est[1],
        theta: est[2],
        alpha: est[3],
        manufactured_ballots: est[4],
        stolen_votes: est[5],
        rss: best.rss * nf * nf,
        rss_fair: rss_fair * nf * nf,
        bootstrap_replicates: reps.len(),
        fitted,
        fair,
        observed: obs,
        posterior_incremental: post_i,
        posterior_extreme: post_e,
    })
}
