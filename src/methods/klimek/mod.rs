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
//! All eight parameters p = (τ, ν, σ_τ, σ_ν, θ, α, f_i, f_e) are fitted
//! jointly to the station-count fingerprint on `bins × bins` cells (50:
//! 2-point cells). Distance ([`Distance`]): by default the multinomial
//! log-likelihood Σ p̂_b log m_b(p) of the observed cell proportions p̂
//! under the model's cell probabilities m (binned maximum likelihood); or
//! the residual sum of squares of the proportions, the objective of Klimek
//! et al.'s 2018 Turkey analysis (*PLOS ONE* 13(8): e0201882). The model's
//! fingerprint is the mixture m = (1 − f_i − f_e)·C + f_i·I(θ, α) + f_e·E(α),
//! each component computed by quadrature ([`model`]), so the objective is
//! deterministic and smooth.
//!
//! Optimiser: from each of two starts (Kobak's clean reading, and medians
//! of the data), a grid over (θ, α) with (f_i, f_e) solved exactly for each
//! grid point (the likelihood is concave in them, the RSS quadratic), then
//! Fisher scoring with Levenberg–Marquardt damping within the box
//! τ, ν ∈ [0.05, 0.95], σ ∈ [0.005, 0.4], θ ∈ [`theta_min`, `theta_max`],
//! α ∈ [0.1, α_max], f ≥ 0, f_i + f_e ≤ 1. Each step solves
//! (𝓘 + λ·diag 𝓘) δ = u on the parameters not held at a bound, with the
//! score u_j = Σ_b p̂_b ∂_j m_b / m_b and the expected information
//! 𝓘_jk = Σ_b ∂_j m_b ∂_k m_b / m_b of the binned multinomial (for the RSS:
//! Gauss–Newton, u_j = Σ_b (p̂_b − m_b) ∂_j m_b and 𝓘_jk = Σ_b ∂_j m_b ∂_k m_b);
//! Levenberg (1944), Marquardt (1963), *J. SIAM* 11(2): 431–441; Osborne
//! (1992), *Int. Stat. Rev.* 60(1): 99–117 for scoring as Gauss–Newton.
//! ∂m/∂f is exact; the shape derivatives are forward differences. Where
//! the model fits badly (real elections) 𝓘 is far from the objective's
//! Hessian and scoring zig-zags; a structured secant term S (Dennis, Gay &
//! Welsch 1981) then replaces 𝓘 by 𝓘 + S in the steps it predicts better
//! (`Secant`).
//!
//! The named preset [`Procedure::Grid2018`] replaces this fit with the grid
//! procedure of Klimek et al. (2018) as a replication describes it (see
//! `grid_2018`); it is there to compare with published fits, not because
//! it fits better.
//!
//! # Uncertainty
//! A nonparametric bootstrap over stations: each replicate resamples the
//! stations and refits by the same scoring iteration from the point
//! estimate;
//! percentile intervals at `ci_level`. Replicate r uses the stream
//! (seed, r), and replicates are independent, so the result does not
//! depend on the thread count.
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

pub mod model;

use rand::Rng as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::election::Election;
use crate::rng;
use crate::stats::bootstrap::quantile_sorted;
use crate::stats::histogram::{bin_of, Histogram2d};
use crate::stats::kde::{first_mode_above, kde_on_grid, scott_bandwidth};
use model::{components, Components, Setting, Shape, ELECTORATE_QUANTILES};

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

/// How the parameters are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// escrutinio's: all eight parameters by binned maximum likelihood (or
    /// the RSS), a (θ, α) grid then Fisher scoring (the module doc).
    Scoring,
    /// Klimek et al. (2018) as a replication describes it: Kobak's clean
    /// reading and θ held fixed, the RSS between 1 %-binned fingerprints,
    /// f_i and f_e on a 0.01 grid, α in 0.1 steps on [0, 5]. Sets `bins`
    /// to 100 and `distance` to `rss`.
    Grid2018,
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
    pub procedure: Procedure,
    /// Bins per axis of the fitted fingerprint (100: 1 % bins).
    pub bins: usize,
    pub distance: Distance,
    pub share_base: ShareBase,
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
    /// Fisher-scoring iterations from each start of the point fit, and for
    /// each bootstrap replicate.
    pub max_iterations: usize,
    pub max_iterations_bootstrap: usize,
    pub seed: u64,
}

impl Default for KlimekOptions {
    fn default() -> Self {
        KlimekOptions {
            procedure: Procedure::Scoring,
            bins: 50,
            distance: Distance::Multinomial,
            share_base: ShareBase::ValidAndInvalid,
            bootstrap: 100,
            ci_level: 0.95,
            extreme_sd: 0.075,
            theta_max: 0.6,
            alpha_max: 5.0,
            theta: None,
            theta_min: 0.2,
            max_iterations: 60,
            max_iterations_bootstrap: 30,
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
    /// Whether the point fit's Fisher scoring converged (no step improved
    /// the objective by a relative 1e-10) within `max_iterations`.
    pub converged: bool,
    /// Fisher-scoring iterations of the point fit (from the better start).
    pub iterations: usize,
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
    /// Shape parameters of the point fit that sit at a bound of the search
    /// box (`turnout_mean`, `share_mean`, `turnout_sd`, `share_sd`,
    /// `theta`, `alpha`; a fixed θ is not listed). The fit wanted to go
    /// further: that parameter's interval is degenerate and the others are
    /// conditional on the bound.
    pub at_bound: Vec<&'static str>,
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

/// The RSS of the mixture as a function of the fraud shares for fixed
/// components: rr − 2 f·b + fᵀ A f.
struct RssQuadratic {
    a11: f64,
    a12: f64,
    a22: f64,
    b1: f64,
    b2: f64,
    rr: f64,
}

impl RssQuadratic {
    fn new(obs: &[f64], clean: &[f64], inc: &[f64], ext: &[f64]) -> RssQuadratic {
        let mut q = RssQuadratic {
            a11: 0.0,
            a12: 0.0,
            a22: 0.0,
            b1: 0.0,
            b2: 0.0,
            rr: 0.0,
        };
        for k in 0..obs.len() {
            let r = obs[k] - clean[k];
            let d1 = inc[k] - clean[k];
            let d2 = ext[k] - clean[k];
            q.a11 += d1 * d1;
            q.a12 += d1 * d2;
            q.a22 += d2 * d2;
            q.b1 += d1 * r;
            q.b2 += d2 * r;
            q.rr += r * r;
        }
        q
    }

    fn value(&self, fi: f64, fe: f64) -> f64 {
        self.rr - 2.0 * (fi * self.b1 + fe * self.b2)
            + fi * fi * self.a11
            + 2.0 * fi * fe * self.a12
            + fe * fe * self.a22
    }
}

/// The (f_i, f_e) minimising the RSS for fixed components, and the RSS: the
/// quadratic [`RssQuadratic`] minimised exactly on the triangle
/// f_i, f_e ≥ 0, f_i + f_e ≤ 1 (interior optimum, edges, vertices).
fn best_shares_rss(obs: &[f64], clean: &[f64], inc: &[f64], ext: &[f64]) -> (f64, f64, f64) {
    let q = RssQuadratic::new(obs, clean, inc, ext);
    let RssQuadratic {
        a11,
        a12,
        a22,
        b1,
        b2,
        ..
    } = q;
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
    let qq = a11 - 2.0 * a12 + a22;
    if qq > 0.0 {
        let lam = ((b1 - b2 - a12 + a22) / qq).clamp(0.0, 1.0);
        cands.push((lam, 1.0 - lam));
    }
    let (fi, fe) = cands
        .into_iter()
        .filter(|&(fi, fe)| fi >= 0.0 && fe >= 0.0 && fi + fe <= 1.0 + 1e-12)
        .min_by(|x, y| q.value(x.0, x.1).total_cmp(&q.value(y.0, y.1)))
        .expect("the origin is feasible");
    (fi, fe, q.value(fi, fe).max(0.0))
}

/// The grid procedure of Klimek et al. (2018) as a replication describes
/// it (`../shared/METHODS.md`; the 2018 paper is *PLOS ONE* 13(8):
/// e0201882): the clean parameters and θ fixed at Kobak's reading of the
/// data, the RSS between 1 %-binned fingerprints (the caller's `model`),
/// f_i and f_e on a 0.01 grid (f_i + f_e ≤ 1) and α on 0, 0.1, …, 5. For
/// each α the RSS is the exact quadratic in (f_i, f_e), so the whole grid
/// costs 51 model evaluations. The first minimum in (α, f_i, f_e) order wins.
fn grid_2018(model: &Model, c: &CleanParameters) -> Eval {
    let base = Shape {
        tau: c.turnout_mean,
        nu: c.share_mean,
        sd_t: c.turnout_sd.max(0.005),
        sd_v: c.share_sd.max(0.005),
        theta: c.theta_kobak.clamp(0.01, 1.0),
        alpha: 0.0,
    };
    let best = (0..=50)
        .into_par_iter()
        .map(|k| {
            let sh = Shape {
                alpha: k as f64 / 10.0,
                ..base
            };
            let comps = components(&sh, model.setting);
            let q = RssQuadratic::new(
                model.observed,
                &comps.clean,
                &comps.incremental,
                &comps.extreme,
            );
            let mut best = (f64::INFINITY, 0.0, 0.0);
            for i in 0..=100 {
                for e in 0..=(100 - i) {
                    let (fi, fe) = (i as f64 / 100.0, e as f64 / 100.0);
                    let v = q.value(fi, fe);
                    if v < best.0 {
                        best = (v, fi, fe);
                    }
                }
            }
            (best, sh, comps)
        })
        .reduce_with(|a, b| if b.0 .0 < a.0 .0 { b } else { a })
        .expect("a non-empty grid");
    let ((_, fi, fe), sh, comps) = best;
    model.assemble(sh, fi, fe, comps)
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

/// The report's names of the six shape parameters, in parameter order.
const SHAPE_NAMES: [&str; 6] = [
    "turnout_mean",
    "share_mean",
    "turnout_sd",
    "share_sd",
    "theta",
    "alpha",
];

/// Number of fitted parameters: τ, ν, σ_τ, σ_ν, θ, α, f_i, f_e.
const PARAMETERS: usize = 8;
/// Forward-difference steps of the six shape parameters.
const DIFFERENCE_STEP: [f64; 6] = [1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-3];
/// Scoring stops when a step improves the objective by less than this
/// fraction of it.
const RELATIVE_TOLERANCE: f64 = 1e-10;

/// The model at one parameter vector.
struct Eval {
    p: [f64; PARAMETERS],
    comps: Components,
    mix: Vec<f64>,
    /// The distance (minimised): −Σ p̂ log m, or Σ (p̂ − m)².
    value: f64,
}

impl Eval {
    fn shape(&self) -> Shape {
        Shape::from_slice(&self.p[..6])
    }
    fn fi(&self) -> f64 {
        self.p[6]
    }
    fn fe(&self) -> f64 {
        self.p[7]
    }
}

/// The fit of one data set (observed proportions) within the box.
struct Model<'a> {
    setting: &'a Setting,
    observed: &'a [f64],
    distance: Distance,
    lo: [f64; PARAMETERS],
    hi: [f64; PARAMETERS],
    /// Parameters the fit may move (θ is fixed by `KlimekOptions::theta`).
    free: [bool; PARAMETERS],
}

impl<'a> Model<'a> {
    fn new(setting: &'a Setting, observed: &'a [f64], opts: &KlimekOptions) -> Model<'a> {
        let mut free = [true; PARAMETERS];
        free[4] = opts.theta.is_none();
        Model {
            setting,
            observed,
            distance: opts.distance,
            lo: [0.05, 0.05, 0.005, 0.005, opts.theta_min, 0.1, 0.0, 0.0],
            hi: [
                0.95,
                0.95,
                0.4,
                0.4,
                opts.theta_max,
                opts.alpha_max,
                1.0,
                1.0,
            ],
            free,
        }
    }

    fn distance(&self, m: &[f64]) -> f64 {
        match self.distance {
            Distance::Multinomial => -self
                .observed
                .iter()
                .zip(m)
                .filter(|(o, _)| **o > 0.0)
                .map(|(o, m)| o * m.max(CELL_FLOOR).ln())
                .sum::<f64>(),
            Distance::Rss => self
                .observed
                .iter()
                .zip(m)
                .map(|(o, m)| (o - m) * (o - m))
                .sum(),
        }
    }

    /// Clamps into the box and onto f_i + f_e ≤ 1.
    fn project(&self, p: &mut [f64; PARAMETERS]) {
        for (k, x) in p.iter_mut().enumerate() {
            *x = x.clamp(self.lo[k], self.hi[k]);
        }
        let f = p[6] + p[7];
        if f > 1.0 {
            p[6] /= f;
            p[7] /= f;
        }
    }

    fn eval(&self, p: [f64; PARAMETERS]) -> Eval {
        let comps = components(&Shape::from_slice(&p[..6]), self.setting);
        let mix = comps.mixture(p[6], p[7]);
        let value = self.distance(&mix);
        Eval {
            p,
            comps,
            mix,
            value,
        }
    }

    /// The shape with (f_i, f_e) solved exactly.
    fn eval_best_shares(&self, sh: Shape) -> Eval {
        let comps = components(&sh, self.setting);
        let (fi, fe, _) = match self.distance {
            Distance::Rss => best_shares_rss(
                self.observed,
                &comps.clean,
                &comps.incremental,
                &comps.extreme,
            ),
            Distance::Multinomial => best_shares_multinomial(
                self.observed,
                &comps.clean,
                &comps.incremental,
                &comps.extreme,
            ),
        };
        self.assemble(sh, fi, fe, comps)
    }

    /// The evaluation at a shape and fraud shares whose components are
    /// already computed.
    fn assemble(&self, sh: Shape, fi: f64, fe: f64, comps: Components) -> Eval {
        let mut p = [0.0; PARAMETERS];
        p[..6].copy_from_slice(&sh.to_array());
        p[6] = fi;
        p[7] = fe;
        let mix = comps.mixture(fi, fe);
        let value = self.distance(&mix);
        Eval {
            p,
            comps,
            mix,
            value,
        }
    }

    /// The best point of a (θ, α) grid at the start's clean parameters,
    /// with the fraud shares solved exactly at each point.
    fn grid_start(&self, start: Shape, fixed_theta: Option<f64>) -> Eval {
        let thetas: Vec<f64> = match fixed_theta {
            Some(t) => vec![t],
            None => [0.2f64, 0.3, 0.4, 0.5, 0.6]
                .iter()
                .map(|t| t.clamp(self.lo[4], self.hi[4]))
                .collect(),
        };
        let mut points = Vec::new();
        for &th in &thetas {
            for al in [0.5f64, 1.0, 2.0, 3.0, 5.0] {
                let mut sh = start;
                sh.theta = th;
                sh.alpha = al.clamp(self.lo[5], self.hi[5]);
                points.push(sh);
            }
        }
        points
            .into_par_iter()
            .map(|sh| self.eval_best_shares(sh))
            .reduce_with(|a, b| if b.value < a.value { b } else { a })
            .expect("a non-empty grid")
    }

    /// The columns ∂m/∂p_j of the six shape parameters at `cur` (forward
    /// differences; `None` for a fixed parameter). They depend on the
    /// parameters only, not on the observed fingerprint.
    fn shape_jacobian(&self, cur: &Eval) -> Vec<Option<Vec<f64>>> {
        let p = cur.p;
        (0..6)
            .into_par_iter()
            .map(|j| {
                if !self.free[j] {
                    return None;
                }
                let mut q = p;
                let mut h = DIFFERENCE_STEP[j];
                if q[j] + h > self.hi[j] {
                    h = -h;
                }
                q[j] += h;
                let m = components(&Shape::from_slice(&q[..6]), self.setting).mixture(p[6], p[7]);
                Some(m.iter().zip(&cur.mix).map(|(a, b)| (a - b) / h).collect())
            })
            .collect()
    }

    /// Fisher scoring with Levenberg–Marquardt damping and the secant
    /// correction [`Secant`] from `start` (see the module doc), optionally
    /// with the shape Jacobian at `start` already computed. Returns the fit, the iterations taken and whether
    /// it converged.
    fn refine(
        &self,
        start: Eval,
        max_iterations: usize,
        mut first_jacobian: Option<Vec<Option<Vec<f64>>>>,
    ) -> (Eval, usize, bool) {
        let mut cur = start;
        let mut lambda = 1e-3;
        let cells = self.observed.len();
        let mut secant = Secant::default();
        for it in 0..max_iterations {
            let p = cur.p;
            // Columns of ∂m/∂p (None: held fixed).
            let mut jac = first_jacobian
                .take()
                .unwrap_or_else(|| self.shape_jacobian(&cur));
            let c = &cur.comps;
            for other in [&c.incremental, &c.extreme] {
                jac.push(Some(
                    other.iter().zip(&c.clean).map(|(a, b)| a - b).collect(),
                ));
            }
            let mut score = [0.0; PARAMETERS];
            let mut info = [[0.0; PARAMETERS]; PARAMETERS];
            let used: Vec<usize> = (0..PARAMETERS).filter(|&j| jac[j].is_some()).collect();
            for b in 0..cells {
                let m = cur.mix[b].max(CELL_FLOOR);
                let (wu, wi) = match self.distance {
                    Distance::Multinomial => (self.observed[b] / m, 1.0 / m),
                    Distance::Rss => (self.observed[b] - cur.mix[b], 1.0),
                };
                for (x, &j) in used.iter().enumerate() {
                    let dj = jac[j].as_ref().expect("used")[b];
                    if dj == 0.0 {
                        continue;
                    }
                    score[j] += wu * dj;
                    for &k in &used[..=x] {
                        info[j][k] += wi * dj * jac[k].as_ref().expect("used")[b];
                    }
                }
            }
            let top = used.iter().map(|&j| info[j][j]).fold(0.0, f64::max);
            let span = |j: usize| 1e-12 * (self.hi[j] - self.lo[j]);
            let active: Vec<usize> = used
                .iter()
                .copied()
                .filter(|&j| info[j][j] > 1e-14 * top)
                .filter(|&j| {
                    !(p[j] <= self.lo[j] + span(j) && score[j] <= 0.0
                        || p[j] >= self.hi[j] - span(j) && score[j] >= 0.0)
                })
                .collect();
            if active.is_empty() {
                return (cur, it, true);
            }
            // The lower triangle, mirrored.
            let info: [[f64; PARAMETERS]; PARAMETERS] = std::array::from_fn(|j| {
                std::array::from_fn(|l| if l <= j { info[j][l] } else { info[l][j] })
            });
            secant.update(&p, &score, &info);
            let mut next = None;
            let mut with_secant = secant.in_use;
            for attempt in 0..24 {
                // With the model chosen (𝓘 + S or 𝓘), then, if no step of
                // the augmented model improved, with 𝓘 alone.
                if attempt == 12 {
                    if !with_secant {
                        break;
                    }
                    with_secant = false;
                    lambda = 1e-3;
                }
                let k = active.len();
                let mut a = vec![vec![0.0; k]; k];
                let mut rhs = vec![0.0; k];
                for (x, &j) in active.iter().enumerate() {
                    rhs[x] = score[j];
                    for (y, &l) in active.iter().enumerate() {
                        a[x][y] = info[j][l] + if with_secant { secant.s[j][l] } else { 0.0 };
                    }
                    a[x][x] += lambda * info[j][j];
                }
                let Some(step) = solve(a, rhs) else {
                    lambda *= 10.0;
                    continue;
                };
                let mut q = p;
                for (x, &j) in active.iter().enumerate() {
                    q[j] += step[x];
                }
                self.project(&mut q);
                let e = self.eval(q);
                if e.value < cur.value {
                    next = Some(e);
                    lambda = (lambda / 10.0).max(1e-10);
                    break;
                }
                lambda *= 10.0;
            }
            let Some(e) = next else {
                return (cur, it, true);
            };
            // The model that predicted this step's reduction better is used
            // for the next (NL2SOL's adaptive choice). The objective's
            // quadratic model is scale·(uᵀs − ½ sᵀHs): scale 1 for the
            // multinomial deviance, 2 for the RSS (𝓘 is half its
            // Gauss–Newton Hessian).
            let scale = match self.distance {
                Distance::Multinomial => 1.0,
                Distance::Rss => 2.0,
            };
            let gain = cur.value - e.value;
            secant.choose(&e.p, &p, &score, &info, scale * gain, scale);
            cur = e;
            if gain <= RELATIVE_TOLERANCE * cur.value.abs().max(1e-300) {
                return (cur, it + 1, true);
            }
        }
        (cur, max_iterations, false)
    }
}

/// The structured secant correction S of the information matrix, after
/// Dennis, Gay & Welsch (1981), "An adaptive nonlinear least-squares
/// algorithm", *ACM TOMS* 7(3): 348–368, eq. (4.3)–(4.5). Fisher scoring
/// (Gauss–Newton for the RSS) uses the expected information 𝓘, which
/// equals the objective's Hessian only where the model fits; on real
/// elections the residuals are large, the two differ, and scoring
/// zig-zags along ridges (Russia 2018 made no headway in 60 iterations).
/// S estimates the missing second-order term: after a step s with change
/// y = g₊ − g of the objective's gradient g = −u, S is updated so that
/// (𝓘₊ + S₊)s = y, by the sized symmetric rank-two update
/// S₊ = ρS + (w yᵀ + y wᵀ)/(yᵀs) − (wᵀs) y yᵀ/(yᵀs)², with
/// w = y − 𝓘₊s − ρSs and ρ = min(1, |sᵀ(y − 𝓘₊s)| / |sᵀSs|). No update
/// when yᵀs ≤ 0. As in NL2SOL, each step uses whichever of 𝓘 + S and 𝓘
/// predicted the last step's reduction better ([`Secant::choose`]; where
/// the model fits, plain scoring keeps its fast convergence), and a step
/// with 𝓘 + S that fails to improve is retried with 𝓘.
#[derive(Default)]
struct Secant {
    s: [[f64; PARAMETERS]; PARAMETERS],
    /// The previous iteration's parameters and score.
    last: Option<([f64; PARAMETERS], [f64; PARAMETERS])>,
    /// Whether the next step uses 𝓘 + S (else 𝓘 alone).
    in_use: bool,
}

impl Secant {
    #[cfg(test)]
    fn is_zero(&self) -> bool {
        self.s.iter().flatten().all(|&v| v == 0.0)
    }

    /// After a step from `p0` to `p1` with score `u` and information
    /// `info` at `p0` that reduced the objective by `actual` (in units of
    /// `scale`·(uᵀs − ½ sᵀHs)), chooses for the next step the model,
    /// 𝓘 + S or 𝓘, whose predicted reduction came nearer to it (Dennis,
    /// Gay & Welsch 1981, section 5).
    fn choose(
        &mut self,
        p1: &[f64; PARAMETERS],
        p0: &[f64; PARAMETERS],
        u: &[f64; PARAMETERS],
        info: &[[f64; PARAMETERS]; PARAMETERS],
        actual: f64,
        scale: f64,
    ) {
        let step: [f64; PARAMETERS] = std::array::from_fn(|j| p1[j] - p0[j]);
        let quad = |m: &[[f64; PARAMETERS]; PARAMETERS]| -> f64 {
            (0..PARAMETERS)
                .map(|j| step[j] * (0..PARAMETERS).map(|l| m[j][l] * step[l]).sum::<f64>())
                .sum()
        };
        let linear: f64 = (0..PARAMETERS).map(|j| u[j] * step[j]).sum();
        let plain = scale * (linear - 0.5 * quad(info));
        let augmented = plain - scale * 0.5 * quad(&self.s);
        self.in_use = (augmented - actual).abs() < (plain - actual).abs();
    }

    /// Records the current point, updating S from the last step.
    fn update(
        &mut self,
        p: &[f64; PARAMETERS],
        score: &[f64; PARAMETERS],
        info: &[[f64; PARAMETERS]; PARAMETERS],
    ) {
        let Some((p0, u0)) = self.last.replace((*p, *score)) else {
            return;
        };
        let n = PARAMETERS;
        let step: Vec<f64> = (0..n).map(|j| p[j] - p0[j]).collect();
        // y = g₊ − g with g = −u.
        let y: Vec<f64> = (0..n).map(|j| u0[j] - score[j]).collect();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, z)| x * z).sum::<f64>();
        let times = |m: &[[f64; PARAMETERS]; PARAMETERS], v: &[f64]| -> Vec<f64> {
            (0..n).map(|j| dot(&m[j], v)).collect()
        };
        let ys = dot(&y, &step);
        if !ys.is_finite() || ys <= 0.0 {
            return;
        }
        let info_s = times(info, &step);
        let target: Vec<f64> = (0..n).map(|j| y[j] - info_s[j]).collect();
        let ss_s = times(&self.s, &step);
        let sss = dot(&step, &ss_s);
        let rho = if sss.abs() > 0.0 {
            (dot(&step, &target).abs() / sss.abs()).min(1.0)
        } else {
            1.0
        };
        let w: Vec<f64> = (0..n).map(|j| target[j] - rho * ss_s[j]).collect();
        let ws = dot(&w, &step);
        for j in 0..n {
            for l in j..n {
                let v = rho * self.s[j][l] + (w[j] * y[l] + y[j] * w[l]) / ys
                    - ws * y[j] * y[l] / (ys * ys);
                self.s[j][l] = v;
                self.s[l][j] = v;
            }
        }
        if self.s.iter().flatten().any(|v| !v.is_finite()) {
            self.s = [[0.0; PARAMETERS]; PARAMETERS];
        }
    }
}

/// Solves a small symmetric system by Gaussian elimination with partial
/// pivoting (`None` when singular).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let piv = (c..n).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))?;
        if a[piv][c].abs() <= 1e-300 || a[piv][c].is_nan() {
            return None;
        }
        a.swap(c, piv);
        b.swap(c, piv);
        let pivot_row = a[c].clone();
        for r in c + 1..n {
            let f = a[r][c] / pivot_row[c];
            for (x, y) in a[r][c..].iter_mut().zip(&pivot_row[c..]) {
                *x -= f * y;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Electorates at the mid-quantiles (k + ½)/Q of the data's.
fn electorate_quantiles(electorates: &[u64]) -> Vec<f64> {
    let mut v: Vec<f64> = electorates.iter().map(|&e| e.max(1) as f64).collect();
    v.sort_by(f64::total_cmp);
    (0..ELECTORATE_QUANTILES)
        .map(|q| quantile_sorted(&v, (q as f64 + 0.5) / ELECTORATE_QUANTILES as f64))
        .collect()
}

/// Fits the model to prepared data.
pub fn fit(d: &FitData, opts: &KlimekOptions) -> Result<KlimekFit, String> {
    opts.check()?;
    let mut effective = opts.clone();
    if opts.procedure == Procedure::Grid2018 {
        effective.bins = 100;
        effective.distance = Distance::Rss;
    }
    let opts = &effective;
    let n = d.turnout.len();
    if n < 100 {
        return Err(format!(
            "the Klimek fit needs at least 100 stations with turnout and share in [0, 1], found {n}"
        ));
    }
    let kobak = clean_parameters(&d.turnout, &d.share).ok_or(
        "the Klimek fit found no clean mode above 0.3 in turnout or share (clean parameters undefined)",
    )?;
    let bins = opts.bins;
    let electorate: f64 = d.electorate.iter().map(|&x| x as f64).sum();
    let obs = observed_hist(d, None, bins);
    let obs_p = obs.clone().normalised();
    let setting = Setting {
        bins,
        extreme_sd: opts.extreme_sd,
        electorate_quantiles: electorate_quantiles(&d.electorate),
        inverse_electorate: d
            .electorate
            .iter()
            .map(|&x| 1.0 / x.max(1) as f64)
            .sum::<f64>()
            / n as f64,
    };
    let model = Model::new(&setting, &obs_p.cells, opts);
    // Scoring: two starts (Kobak's clean reading, whose KDE modes fraud can
    // pull, and the medians of the data), each a (θ, α) grid and Fisher
    // scoring; the better wins (the first on a tie).
    let (best, iterations, converged) = match opts.procedure {
        Procedure::Grid2018 => (grid_2018(&model, &kobak), 0, true),
        Procedure::Scoring => {
            let with_theta = |mut sh: Shape| {
                if let Some(t) = opts.theta {
                    sh.theta = t;
                }
                sh
            };
            let (a, b) = rayon::join(
                || {
                    let s = model.grid_start(with_theta(start_shape(&kobak)), opts.theta);
                    model.refine(s, opts.max_iterations, None)
                },
                || {
                    let s = model.grid_start(with_theta(robust_start(d)), opts.theta);
                    model.refine(s, opts.max_iterations, None)
                },
            );
            if b.0.value < a.0.value {
                b
            } else {
                a
            }
        }
    };

    let implied = |ev: &Eval| {
        let c = &ev.comps;
        (
            electorate * (ev.fi() * c.stuffed[0] + ev.fe() * c.stuffed[1]),
            electorate * (ev.fi() * c.stolen[0] + ev.fe() * c.stolen[1]),
        )
    };
    let summary = |ev: &Eval, scale: f64| {
        let (st, sl) = implied(ev);
        let s = ev.shape();
        [
            ev.fi(),
            ev.fe(),
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
    // Bootstrap replicates, each a resample of the stations refitted by
    // Fisher scoring from the point estimate. Every replicate's first
    // Jacobian is the one at the point estimate: computed once.
    let jacobian = (opts.bootstrap > 0 && opts.procedure == Procedure::Scoring)
        .then(|| model.shape_jacobian(&best));
    let reps: Vec<[f64; 10]> = (0..opts.bootstrap)
        .into_par_iter()
        .map(|r| {
            let mut g = rng::stream(opts.seed, PURPOSE_RESAMPLE, r as u64);
            let idx: Vec<usize> = (0..n).map(|_| g.random_range(0..n)).collect();
            let o = observed_hist(d, Some(&idx), bins).normalised();
            let model = Model::new(&setting, &o.cells, opts);
            let ev = match opts.procedure {
                Procedure::Scoring => {
                    // The components at the point estimate do not depend on
                    // the data: only the distance is recomputed.
                    let start = Eval {
                        p: best.p,
                        comps: best.comps.clone(),
                        mix: best.mix.clone(),
                        value: model.distance(&best.mix),
                    };
                    model
                        .refine(start, opts.max_iterations_bootstrap, jacobian.clone())
                        .0
                }
                // The whole procedure again, the clean reading included
                // (the point estimate's when the resample has none).
                Procedure::Grid2018 => {
                    let t: Vec<f64> = idx.iter().map(|&i| d.turnout[i]).collect();
                    let v: Vec<f64> = idx.iter().map(|&i| d.share[i]).collect();
                    grid_2018(&model, &clean_parameters(&t, &v).unwrap_or(kobak))
                }
            };
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
    let c = &best.comps;
    for k in 0..bins * bins {
        let ci = (1.0 - best.fi() - best.fe()) * c.clean[k];
        let ii = best.fi() * c.incremental[k];
        let ee = best.fe() * c.extreme[k];
        let mix = ci + ii + ee;
        fitted.cells[k] = nf * mix;
        if mix > 0.0 {
            post_i[k] = ii / mix;
            post_e[k] = ee / mix;
        }
    }
    let fair = Histogram2d {
        bins,
        cells: c.clean.iter().map(|c| nf * c).collect(),
    };
    let rss_fair: f64 = obs_p
        .cells
        .iter()
        .zip(&c.clean)
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
    // Scoring searches the box; the grid preset searches α on [0, 5] only.
    let (free, lo, hi) = match opts.procedure {
        Procedure::Scoring => (model.free, model.lo, model.hi),
        Procedure::Grid2018 => {
            let mut free = [false; PARAMETERS];
            free[5] = true;
            (free, [0.0; PARAMETERS], [5.0; PARAMETERS])
        }
    };
    let bounded: Vec<usize> = (0..6)
        .filter(|&j| free[j])
        .filter(|&j| {
            let span = 1e-9 * (hi[j] - lo[j]);
            best.p[j] <= lo[j] + span || best.p[j] >= hi[j] - span
        })
        .collect();
    let at_bound: Vec<&'static str> = bounded.iter().map(|&j| SHAPE_NAMES[j]).collect();
    let verdict = if bounded.is_empty() {
        verdict
    } else {
        let which: Vec<String> = bounded
            .iter()
            .map(|&j| format!("{} = {}", SHAPE_NAMES[j], best.p[j]))
            .collect();
        format!(
            "{verdict} The fit stopped at a bound of its search box ({}): the model wanted to go further, so the interval of each such parameter is degenerate and the fraud shares are conditional on the bound.",
            which.join(", ")
        )
    };
    let verdict = if converged {
        verdict
    } else {
        format!(
            "{verdict} The fit had not converged after {} iterations: read these numbers with care.",
            opts.max_iterations
        )
    };
    Ok(KlimekFit {
        verdict,
        options: opts.clone(),
        stations: n,
        excluded: d.excluded,
        converged,
        iterations,
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
        rss: obs_p
            .cells
            .iter()
            .zip(&best.mix)
            .map(|(o, m)| (o - m) * (o - m))
            .sum::<f64>()
            * nf
            * nf,
        rss_fair: rss_fair * nf * nf,
        at_bound,
        bootstrap_replicates: reps.len(),
        fitted,
        fair,
        observed: obs,
        posterior_incremental: post_i,
        posterior_extreme: post_e,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After an update the corrected matrix satisfies the secant equation
    /// (𝓘 + S₊)s = y (Dennis, Gay & Welsch 1981, eq. 4.3) whenever yᵀs > 0,
    /// and no update is made when yᵀs ≤ 0.
    #[test]
    fn secant_update_satisfies_the_secant_equation() {
        let mut info = [[0.0; PARAMETERS]; PARAMETERS];
        for (j, row) in info.iter_mut().enumerate() {
            for (l, v) in row.iter_mut().enumerate() {
                *v = if j == l { 2.0 + j as f64 } else { 0.1 };
            }
        }
        let mut sec = Secant::default();
        let p0 = [0.5, 0.5, 0.1, 0.1, 0.3, 2.0, 0.1, 0.01];
        let u0 = [1.0, -2.0, 0.5, 0.0, 0.3, -0.1, 2.0, 1.0];
        sec.update(&p0, &u0, &info);
        assert!(sec.is_zero(), "no step yet");
        let mut p1 = p0;
        let step = [0.01, -0.02, 0.005, 0.0, 0.01, 0.1, -0.01, 0.002];
        for j in 0..PARAMETERS {
            p1[j] += step[j];
        }
        // A gradient change unlike 𝓘·s, with yᵀs > 0.
        let y = [0.05, -0.02, 0.04, 0.0, 0.03, 0.9, -0.05, 0.01];
        let u1: [f64; PARAMETERS] = std::array::from_fn(|j| u0[j] - y[j]);
        sec.update(&p1, &u1, &info);
        assert!(!sec.is_zero());
        for j in 0..PARAMETERS {
            let h: f64 = (0..PARAMETERS)
                .map(|l| (info[j][l] + sec.s[j][l]) * (p1[l] - p0[l]))
                .sum();
            assert!((h - y[j]).abs() < 1e-12, "row {j}: {h} vs {}", y[j]);
            for l in 0..PARAMETERS {
                assert_eq!(sec.s[j][l], sec.s[l][j], "symmetric");
            }
        }
        // yᵀs < 0: S is left as it was.
        let before = sec.s;
        let mut p2 = p1;
        p2[0] += 0.01;
        let mut u2 = u1;
        u2[0] += 1.0;
        sec.update(&p2, &u2, &info);
        assert_eq!(sec.s, before);
    }

    /// The model whose predicted reduction matches the actual one is
    /// chosen: on a quadratic objective with Hessian 𝓘 + S the augmented
    /// model is exact, on one with Hessian 𝓘 the plain one is.
    #[test]
    fn secant_choice_follows_the_better_prediction() {
        let diagonal = |d: f64| -> [[f64; PARAMETERS]; PARAMETERS] {
            std::array::from_fn(|j| std::array::from_fn(|l| if j == l { d } else { 0.0 }))
        };
        let info = diagonal(1.0);
        let mut sec = Secant {
            s: diagonal(0.5),
            ..Secant::default()
        };
        let p0 = [0.0; PARAMETERS];
        let p1 = [0.1; PARAMETERS];
        let u = [1.0; PARAMETERS];
        // uᵀs = 0.8, sᵀ𝓘s = 0.08, sᵀSs = 0.04.
        for (scale, with_s, actual) in [
            (1.0, true, 0.8 - 0.5 * 0.12),
            (1.0, false, 0.8 - 0.5 * 0.08),
            (2.0, true, 2.0 * (0.8 - 0.5 * 0.12)),
            (2.0, false, 2.0 * (0.8 - 0.5 * 0.08)),
        ] {
            sec.choose(&p1, &p0, &u, &info, actual, scale);
            assert_eq!(sec.in_use, with_s, "scale {scale}, actual {actual}");
        }
    }

    #[test]
    fn solves_small_systems() {
        // 2x + y = 3, x + 3y = 5 → x = 0.8, y = 1.4.
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12);
        // A zero first pivot needs the row swap.
        let x = solve(vec![vec![0.0, 1.0], vec![1.0, 0.0]], vec![2.0, 3.0]).unwrap();
        assert_eq!(x, vec![3.0, 2.0]);
        assert!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none());
    }
}
