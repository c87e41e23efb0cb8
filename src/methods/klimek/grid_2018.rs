//! The named preset [`Procedure::Grid2018`]: the grid procedure of Klimek
//! et al.'s 2018 Turkey analysis (*PLOS ONE* 13(8): e0201882), as a
//! replication describes it. The clean parameters and θ are held at
//! Kobak's reading of the data; only α and the fraud shares are searched.
//! It is there to compare with published fits, not because it fits better.

use rayon::prelude::*;

use super::clean::CleanParameters;
use super::model::{components, Shape};
use super::objective::{Eval, Model, PARAMETERS};
use super::options::{Distance, KlimekOptions, Procedure};
use super::shares::RssQuadratic;

/// The options the fit runs with: under [`Procedure::Grid2018`], 1 % bins
/// (100 per axis) and the RSS; otherwise `opts` unchanged.
pub(super) fn effective_options(opts: &KlimekOptions) -> KlimekOptions {
    let mut effective = opts.clone();
    if opts.procedure == Procedure::Grid2018 {
        effective.bins = 100;
        effective.distance = Distance::Rss;
    }
    effective
}

/// The preset's search box as (free, lower, upper) over the eight
/// parameters: α on [0, 5] only.
pub(super) fn search_box() -> ([bool; PARAMETERS], [f64; PARAMETERS], [f64; PARAMETERS]) {
    let mut free = [false; PARAMETERS];
    free[5] = true;
    (free, [0.0; PARAMETERS], [5.0; PARAMETERS])
}

/// The grid procedure: the clean parameters and θ fixed at Kobak's reading
/// `c` of the data, the RSS between 1 %-binned fingerprints (the caller's
/// `model`), f_i and f_e on a 0.01 grid (f_i + f_e ≤ 1) and α on
/// 0, 0.1, …, 5. For each α the RSS is the exact quadratic in (f_i, f_e),
/// so the whole grid costs 51 model evaluations. The first minimum in
/// (α, f_i, f_e) order wins.
pub(super) fn grid_2018(model: &Model, c: &CleanParameters) -> Eval {
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
