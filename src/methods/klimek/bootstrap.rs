//! The uncertainty of the Klimek fit: a nonparametric bootstrap over
//! stations (Efron 1979, *Ann. Statist.* 7(1): 1–26). Each replicate
//! resamples the stations and, for the scoring fit, by default maximises
//! the replicate's distance over the model linearised at the point
//! estimate ([`super::linearised`]; `BootstrapMethod::Linearised`), then
//! evaluates the implied ballots once at the result; or refits by the
//! same scoring iteration from the point estimate
//! (`BootstrapMethod::Refit`). The 2018 grid preset reruns its whole
//! procedure. The intervals are percentile intervals. Replicate r uses
//! the stream r of the registered purpose `KlimekResample` under the
//! run's seed and replicates are independent, so the result does not
//! depend on the thread count.

use rand::Rng as _;
use rayon::prelude::*;

use super::clean::{clean_parameters, CleanParameters};
use super::fit::FitData;
use super::grid_2018::grid_2018;
use super::linearised::LinearModel;
use super::model::{implied_ballots, Setting, Shape};
use super::objective::{Eval, Model, PARAMETERS};
use super::options::{BootstrapMethod, KlimekOptions, Procedure};
use crate::methods::family::Context;
use crate::rng::Purpose;
use crate::stats::bootstrap::Estimate;
use crate::stats::histogram::Histogram2d;

/// The reported quantities of one fit: values (`Replicate<f64>`) of the
/// point fit or of a bootstrap replicate, or their estimates with
/// intervals (`Replicate<Estimate>`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Replicate<T = f64> {
    /// f_i.
    pub incremental_fraud: T,
    /// f_e.
    pub extreme_fraud: T,
    pub theta: T,
    pub alpha: T,
    /// Ballots stuffed, as the fit implies.
    pub manufactured_ballots: T,
    /// Votes moved to the winner, as the fit implies.
    pub stolen_votes: T,
    /// τ.
    pub turnout_mean: T,
    /// ν.
    pub share_mean: T,
    /// σ_τ.
    pub turnout_sd: T,
    /// σ_ν.
    pub share_sd: T,
}

impl Replicate {
    /// The quantities of the fit `ev` of stations with total electorate
    /// `electorate`, the implied ballots multiplied by `scale`.
    ///
    /// Manufactured ballots = E_total·[f_i·m_I + f_e·m_E], with m the
    /// component's mean of xᵢ(1 − aᵢ); stolen votes likewise with
    /// xᵢ^α(1 − vᵢ)aᵢ (the module doc, "Implied ballots").
    pub fn of(ev: &Eval, electorate: f64, scale: f64) -> Replicate {
        let c = &ev.comps;
        Replicate::at(&ev.p, (c.stuffed, c.stolen), electorate, scale)
    }

    /// The quantities at parameters `p` whose fraud components' mean
    /// stuffed and stolen fractions are `ballots` (as [`Replicate::of`]).
    pub fn at(
        p: &[f64; PARAMETERS],
        ballots: ([f64; 2], [f64; 2]),
        electorate: f64,
        scale: f64,
    ) -> Replicate {
        let (fi, fe) = (p[6], p[7]);
        let (st, sl) = ballots;
        let stuffed = electorate * (fi * st[0] + fe * st[1]);
        let stolen = electorate * (fi * sl[0] + fe * sl[1]);
        let s = Shape::from_slice(&p[..6]);
        Replicate {
            incremental_fraud: fi,
            extreme_fraud: fe,
            theta: s.theta,
            alpha: s.alpha,
            manufactured_ballots: stuffed * scale,
            stolen_votes: stolen * scale,
            turnout_mean: s.tau,
            share_mean: s.nu,
            turnout_sd: s.sd_t,
            share_sd: s.sd_v,
        }
    }
}

/// The point values with percentile intervals at `level` over `reps`
/// (no interval without replicates).
pub(super) fn intervals(point: &Replicate, reps: &[Replicate], level: f64) -> Replicate<Estimate> {
    let est = |f: fn(&Replicate) -> f64| {
        Estimate::percentile(f(point), reps.iter().map(f).collect(), level)
    };
    Replicate {
        incremental_fraud: est(|r| r.incremental_fraud),
        extreme_fraud: est(|r| r.extreme_fraud),
        theta: est(|r| r.theta),
        alpha: est(|r| r.alpha),
        manufactured_ballots: est(|r| r.manufactured_ballots),
        stolen_votes: est(|r| r.stolen_votes),
        turnout_mean: est(|r| r.turnout_mean),
        share_mean: est(|r| r.share_mean),
        turnout_sd: est(|r| r.turnout_sd),
        share_sd: est(|r| r.share_sd),
    }
}

/// The point fit the bootstrap starts from: its model, its evaluation, the
/// data's clean reading and total electorate.
pub(super) struct PointFit<'a> {
    pub model: &'a Model<'a>,
    pub best: &'a Eval,
    pub kobak: &'a CleanParameters,
    pub electorate: f64,
}

/// The `opts.bootstrap` replicates of the point fit of the data `d`, in
/// replicate order.
pub(super) fn replicates(
    d: &FitData,
    setting: &Setting,
    opts: &KlimekOptions,
    point: &PointFit,
    ctx: &Context,
) -> Vec<Replicate> {
    let PointFit {
        model,
        best,
        kobak,
        electorate,
    } = *point;
    let n = d.turnout.len();
    let scoring = opts.bootstrap > 0 && opts.procedure == Procedure::Scoring;
    // Every refitted replicate's first Jacobian is the one at the point
    // estimate, and the linearised replicates use it throughout: computed
    // once.
    let jacobian = scoring.then(|| model.shape_jacobian(best));
    let linear = match (&jacobian, opts.bootstrap_method) {
        (Some(j), BootstrapMethod::Linearised) => {
            Some(LinearModel::new(model, best, j.clone()).with_curvature(model, best))
        }
        _ => None,
    };
    let grid = opts.procedure == Procedure::Grid2018;
    // Each station's fingerprint cell, found once for all replicates.
    let empty = Histogram2d::new(opts.bins);
    let cells: Vec<Option<usize>> = (0..n)
        .map(|i| empty.cell_index(d.turnout[i], d.share[i]))
        .collect();
    let progress = (opts.bootstrap > 0)
        .then(|| crate::progress::task("Klimek bootstrap", Some(opts.bootstrap as u64)));
    (0..opts.bootstrap)
        .into_par_iter()
        .map(|r| {
            if let Some(p) = &progress {
                p.inc();
            }
            let mut g = ctx.stream(Purpose::KlimekResample, r as u64);
            // The resample's fingerprint and electorate, station by station
            // in draw order (its indices are kept only for the grid preset,
            // which rereads the stations).
            let mut h = Histogram2d::new(opts.bins);
            let mut resample_electorate = 0.0;
            let mut idx = Vec::with_capacity(if grid { n } else { 0 });
            for _ in 0..n {
                let i = g.random_range(0..n);
                if let Some(c) = cells[i] {
                    h.cells[c] += 1.0;
                }
                resample_electorate += d.electorate[i] as f64;
                if grid {
                    idx.push(i);
                }
            }
            let o = h.normalised();
            // The electorate of the resample, not of the data.
            let scale = resample_electorate / electorate;
            if let Some(linear) = &linear {
                // The linearised fit, then the implied ballots at its
                // parameters (no fingerprint needed).
                let p = linear.fit(&o.cells);
                let ballots = implied_ballots(&Shape::from_slice(&p[..6]), setting);
                return Replicate::at(&p, ballots, electorate, scale);
            }
            let model = Model::new(setting, &o.cells, opts);
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
                    grid_2018(&model, &clean_parameters(&t, &v).unwrap_or(*kobak))
                }
            };
            Replicate::of(&ev, electorate, scale)
        })
        .collect()
}
