//! The fraud model of Klimek, Yegorov, Hanel & Thurner, "Statistical
//! detection of systematic election irregularities", *PNAS* 109(41):
//! 16469–16473 (2012), fitted to an election's fingerprint.
//!
//! # Model (paper, SI "Fraud model")
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
//! Welsch 1981, *ACM TOMS* 7(3): 348–368) then replaces 𝓘 by 𝓘 + S in the
//! steps it predicts better (`scoring`).
//!
//! The named preset [`Procedure::Grid2018`] replaces this fit with the grid
//! procedure of Klimek et al. (2018) as a replication describes it (see
//! `grid_2018`); it is there to compare with published fits, not because
//! it fits better.
//!
//! # Uncertainty
//! A nonparametric bootstrap over stations, percentile intervals at
//! `ci_level`. Each replicate resamples the stations; by default
//! ([`BootstrapMethod::Linearised`], `linearised`) it then maximises its
//! distance over the model linearised at the point estimate θ̂,
//! m̂ + J(θ − θ̂), plus the second-order term ½(θ − θ̂)ᵀR(θ − θ̂) the
//! linearisation drops (R = Σ_b w_b ∂²m_b, computed once), by Newton
//! iterations within the box, and evaluates the implied ballots once at
//! the result: first-order equivalent to refitting each replicate
//! ([`BootstrapMethod::Refit`], `refit`: damped scoring from θ̂) at about
//! a tenth of the cost (see `linearised`). The 2018 preset reruns its
//! whole procedure. Replicate r uses the stream (seed, r), and
//! replicates are independent, so the result does not depend on the
//! thread count.
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
//!
//! # Layout
//! `options` (the options and their check), `clean` (Kobak's clean
//! reading), [`model`] (the components by quadrature), `objective` (the
//! distance within the box, its score and information), `shares` (the
//! fraud shares solved for fixed components), `scoring` (the optimiser,
//! independent of the model), `fit` (the data, the starts, the grid and
//! the point fit), `grid_2018` (the 2018 preset), `bootstrap` (the
//! intervals), `linearised` (the linearised replicate), `verdict` (the plain-words reading) and `result` (the
//! reported fit).

mod bootstrap;
mod clean;
mod fit;
mod grid_2018;
mod linearised;
pub mod model;
mod objective;
mod options;
mod result;
mod scoring;
mod shares;
mod verdict;

pub use crate::stats::bootstrap::Estimate;
pub use clean::{clean_parameters, CleanParameters};
pub use fit::FitData;
pub use options::{BootstrapMethod, Distance, KlimekOptions, Procedure, ShareBase};
pub use result::KlimekFit;

use crate::election::Election;
use crate::methods::family::{Context, Recorded};
use bootstrap::Replicate;
use objective::Model;
use result::{sum_of_squares, Fingerprints};

/// Fits the model to an election's winner (turnout = ballots / electorate,
/// share = winner / share denominator, as the election defines them).
pub fn analyse(e: &Election, opts: &KlimekOptions, ctx: &Context) -> Result<KlimekFit, String> {
    fit(&FitData::from_election(e, opts.share_base), opts, ctx)
}

/// Fits the model to prepared data: the point fit (scoring, or the 2018
/// grid preset), the bootstrap intervals, the fingerprints and the
/// verdict.
pub fn fit(d: &FitData, opts: &KlimekOptions, ctx: &Context) -> Result<KlimekFit, String> {
    opts.check()?;
    let effective = grid_2018::effective_options(opts);
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
    let obs = fit::observed_hist(d, None, bins);
    let obs_p = obs.clone().normalised();
    let setting = fit::setting(d, opts);
    let model = Model::new(&setting, &obs_p.cells, opts);
    let (best, iterations, converged) = match opts.procedure {
        Procedure::Grid2018 => (grid_2018::grid_2018(&model, &kobak), 0, true),
        Procedure::Scoring => fit::point_fit(&model, d, &kobak, opts),
    };

    let reps = bootstrap::replicates(
        d,
        &setting,
        opts,
        &bootstrap::PointFit {
            model: &model,
            best: &best,
            kobak: &kobak,
            electorate,
        },
        ctx,
    );
    let point = Replicate::of(&best, electorate, 1.0);
    let est = bootstrap::intervals(&point, &reps, opts.ci_level);

    // Scoring searches the box; the grid preset searches α on [0, 5] only.
    let (free, lo, hi) = match opts.procedure {
        Procedure::Scoring => (model.free, model.lo, model.hi),
        Procedure::Grid2018 => grid_2018::search_box(),
    };
    let bounded = verdict::at_bound(&best.p, &free, &lo, &hi);
    let verdict = verdict::verdict(
        &est.incremental_fraud,
        &est.extreme_fraud,
        &est.manufactured_ballots,
        &bounded,
        &best.p,
        converged,
        opts.max_iterations,
    );

    let nf = n as f64;
    let fingerprints = Fingerprints::of(&best, n, bins);
    Ok(KlimekFit {
        verdict,
        options: Recorded::new(opts, ctx),
        stations: n,
        excluded: d.excluded,
        converged,
        iterations,
        clean_kobak: kobak,
        turnout_mean: est.turnout_mean,
        share_mean: est.share_mean,
        turnout_sd: est.turnout_sd,
        share_sd: est.share_sd,
        incremental_fraud: est.incremental_fraud,
        extreme_fraud: est.extreme_fraud,
        theta: est.theta,
        alpha: est.alpha,
        manufactured_ballots: est.manufactured_ballots,
        stolen_votes: est.stolen_votes,
        rss: sum_of_squares(&obs_p.cells, &best.mix) * nf * nf,
        rss_fair: sum_of_squares(&obs_p.cells, &best.comps.clean) * nf * nf,
        at_bound: verdict::names(&bounded),
        bootstrap_replicates: reps.len(),
        fitted: fingerprints.fitted,
        fair: fingerprints.fair,
        observed: obs,
        posterior_incremental: fingerprints.posterior_incremental,
        posterior_extreme: fingerprints.posterior_extreme,
    })
}
