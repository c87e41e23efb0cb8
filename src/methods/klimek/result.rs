//! The fitted Klimek model as reported ([`KlimekFit`]), with the fitted
//! and fair fingerprints and the per-cell posterior probabilities of
//! incremental and extreme fraud under the fit.

use serde::Serialize;

use super::clean::CleanParameters;
use super::objective::Eval;
use super::options::KlimekOptions;
use crate::methods::family::Recorded;
use crate::stats::bootstrap::Estimate;
use crate::stats::histogram::{bin_of, Histogram2d};

/// The fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct KlimekFit {
    pub options: Recorded<KlimekOptions>,
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

/// The fingerprints of a fit `best` of `n` stations on `bins × bins`
/// cells, in expected station counts, and the per-cell posteriors.
pub(super) struct Fingerprints {
    pub fitted: Histogram2d,
    pub fair: Histogram2d,
    pub posterior_incremental: Vec<f64>,
    pub posterior_extreme: Vec<f64>,
}

impl Fingerprints {
    pub fn of(best: &Eval, n: usize, bins: usize) -> Fingerprints {
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
        Fingerprints {
            fitted,
            fair,
            posterior_incremental: post_i,
            posterior_extreme: post_e,
        }
    }
}

/// Σ (o − m)² over cells.
pub(super) fn sum_of_squares(observed: &[f64], model: &[f64]) -> f64 {
    observed
        .iter()
        .zip(model)
        .map(|(o, m)| (o - m) * (o - m))
        .sum()
}
