//! The point fit of the Klimek et al. (2012) model by scoring: the fitted
//! stations ([`FitData`]) and their binned fingerprint, the two starts
//! (Kobak's clean reading, and medians of the data), a (θ, α) grid from
//! each with (f_i, f_e) solved exactly at every grid point
//! ([`super::shares`]), then Fisher scoring from the grid's best point
//! ([`Model::refine`]); the better of the two fits wins.

use rayon::prelude::*;

use super::clean::CleanParameters;
use super::model::{components, components_from, Components, Setting, Shape, ELECTORATE_QUANTILES};
use super::objective::{Eval, Model};
use super::options::{KlimekOptions, ShareBase};
use crate::election::Election;
use crate::stats::bootstrap::quantile_sorted;
use crate::stats::histogram::Histogram2d;

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
                // A turnout in [0, 1] means an electorate.
                d.electorate.push(e.electorate.as_ref().map_or(0, |v| v[i]));
            } else {
                d.excluded += 1;
            }
        }
        d
    }
}

/// The station counts of the data (or of the resample `idx`) on
/// `bins × bins` cells.
pub(super) fn observed_hist(d: &FitData, idx: Option<&[usize]>, bins: usize) -> Histogram2d {
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

/// The model's setting for the data: the bins, the extreme-fraud width,
/// the electorate quantiles and the mean of 1/N (counting noise).
pub(super) fn setting(d: &FitData, opts: &KlimekOptions) -> Setting {
    Setting {
        bins: opts.bins,
        extreme_sd: opts.extreme_sd,
        electorate_quantiles: electorate_quantiles(&d.electorate),
        inverse_electorate: d
            .electorate
            .iter()
            .map(|&x| 1.0 / x.max(1) as f64)
            .sum::<f64>()
            / d.turnout.len() as f64,
    }
}

/// Electorates at the mid-quantiles (k + ½)/Q of the data's.
fn electorate_quantiles(electorates: &[u64]) -> Vec<f64> {
    let mut v: Vec<f64> = electorates.iter().map(|&e| e.max(1) as f64).collect();
    v.sort_by(f64::total_cmp);
    (0..ELECTORATE_QUANTILES)
        .map(|q| quantile_sorted(&v, (q as f64 + 0.5) / ELECTORATE_QUANTILES as f64))
        .collect()
}

/// The point fit by scoring: two starts (Kobak's clean reading, whose KDE
/// modes fraud can pull, and the medians of the data), each a (θ, α) grid
/// and Fisher scoring; the better wins (the first on a tie). Returns the
/// fit, its iterations and whether it converged.
pub(super) fn point_fit(
    model: &Model,
    d: &FitData,
    kobak: &CleanParameters,
    opts: &KlimekOptions,
) -> (Eval, usize, bool) {
    let with_theta = |mut sh: Shape| {
        if let Some(t) = opts.theta {
            sh.theta = t;
        }
        sh
    };
    let (a, b) = rayon::join(
        || {
            let s = grid_start(model, with_theta(start_shape(kobak)), opts.theta);
            model.refine(s, opts.max_iterations, None)
        },
        || {
            let s = grid_start(model, with_theta(robust_start(d)), opts.theta);
            model.refine(s, opts.max_iterations, None)
        },
    );
    if b.0.value < a.0.value {
        b
    } else {
        a
    }
}

/// The start at Kobak's clean reading.
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

/// The best point of a (θ, α) grid at the start's clean parameters,
/// with the fraud shares solved exactly at each point.
fn grid_start(model: &Model, start: Shape, fixed_theta: Option<f64>) -> Eval {
    let thetas: Vec<f64> = match fixed_theta {
        Some(t) => vec![t],
        None => [0.2f64, 0.3, 0.4, 0.5, 0.6]
            .iter()
            .map(|t| t.clamp(model.lo[4], model.hi[4]))
            .collect(),
    };
    let alphas: Vec<f64> = [0.5f64, 1.0, 2.0, 3.0, 5.0]
        .iter()
        .map(|a| a.clamp(model.lo[5], model.hi[5]))
        .collect();
    let at = |th: f64, al: f64| Shape {
        theta: th,
        alpha: al,
        ..start
    };
    // The clean component is computed once and the extreme one once per α
    // (they do not depend on θ): the components at the first θ of each α,
    // then the other θ from them (bit-identical to computing every point).
    let first = at(thetas[0], alphas[0]);
    let base = components(&first, model.setting);
    let per_alpha: Vec<(Shape, Components)> = alphas
        .par_iter()
        .map(|&al| {
            let sh = at(thetas[0], al);
            (sh, components_from(&sh, model.setting, &first, &base))
        })
        .collect();
    let mut points = Vec::new();
    for (x, &th) in thetas.iter().enumerate() {
        for (y, &al) in alphas.iter().enumerate() {
            points.push((x, y, at(th, al)));
        }
    }
    points
        .into_par_iter()
        .map(|(x, y, sh)| {
            let (base_sh, base) = &per_alpha[y];
            let comps = if x == 0 {
                base.clone()
            } else {
                components_from(&sh, model.setting, base_sh, base)
            };
            model.eval_best_shares_of(sh, comps)
        })
        .reduce_with(|a, b| if b.value < a.value { b } else { a })
        .expect("a non-empty grid")
}
