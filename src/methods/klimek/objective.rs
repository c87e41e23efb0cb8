//! The objective of the Klimek fit on one data set: the distance
//! ([`Distance`]) between the observed cell proportions and the model's
//! mixture m = (1 − f_i − f_e)·C + f_i·I(θ, α) + f_e·E(α) over the eight
//! parameters p = (τ, ν, σ_τ, σ_ν, θ, α, f_i, f_e) within the search box,
//! and, for [`scoring`], its score and information:
//! u_j = Σ_b p̂_b ∂_j m_b / m_b and 𝓘_jk = Σ_b ∂_j m_b ∂_k m_b / m_b for
//! the binned multinomial, u_j = Σ_b (p̂_b − m_b) ∂_j m_b and
//! 𝓘_jk = Σ_b ∂_j m_b ∂_k m_b for the RSS (Gauss–Newton; Osborne 1992,
//! *Int. Stat. Rev.* 60(1): 99–117). ∂m/∂f is exact; the shape
//! derivatives are forward differences.

use rayon::prelude::*;

use super::model::{components, components_from, Components, Setting, Shape};
use super::options::{Distance, KlimekOptions};
use super::scoring::{self, Linearisation, Problem};
use super::shares::{best_shares_multinomial, best_shares_rss};

/// Number of fitted parameters: τ, ν, σ_τ, σ_ν, θ, α, f_i, f_e.
pub(super) const PARAMETERS: usize = 8;
/// Floor of a model cell probability in the multinomial likelihood (cells
/// the model gives no mass would otherwise make it −∞).
pub(super) const CELL_FLOOR: f64 = 1e-9;
/// Forward-difference steps of the six shape parameters.
const DIFFERENCE_STEP: [f64; 6] = [1e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-3];
/// Scoring stops when a step improves the objective by less than this
/// fraction of it.
const RELATIVE_TOLERANCE: f64 = 1e-10;

/// The columns ∂m/∂p_j of the shape parameters (`None` for a fixed one).
pub(super) type ShapeJacobian = Vec<Option<Vec<f64>>>;

/// The model at one parameter vector.
pub(super) struct Eval {
    pub p: [f64; PARAMETERS],
    pub comps: Components,
    pub mix: Vec<f64>,
    /// The distance (minimised): −Σ p̂ log m, or Σ (p̂ − m)².
    pub value: f64,
}

impl Eval {
    pub fn fi(&self) -> f64 {
        self.p[6]
    }
    pub fn fe(&self) -> f64 {
        self.p[7]
    }
}

/// The fit of one data set (observed proportions) within the box.
pub(super) struct Model<'a> {
    pub setting: &'a Setting,
    pub observed: &'a [f64],
    pub distance: Distance,
    pub lo: [f64; PARAMETERS],
    pub hi: [f64; PARAMETERS],
    /// Parameters the fit may move (θ is fixed by `KlimekOptions::theta`).
    pub free: [bool; PARAMETERS],
}

impl<'a> Model<'a> {
    pub fn new(setting: &'a Setting, observed: &'a [f64], opts: &KlimekOptions) -> Model<'a> {
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

    pub fn distance(&self, m: &[f64]) -> f64 {
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

    /// The shape with (f_i, f_e) solved exactly ([`super::shares`]).
    /// `comps`: the components at `sh`.
    pub fn eval_best_shares_of(&self, sh: Shape, comps: Components) -> Eval {
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
    pub fn assemble(&self, sh: Shape, fi: f64, fe: f64, comps: Components) -> Eval {
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

    /// The columns ∂m/∂p_j of the six shape parameters at `cur` (forward
    /// differences; `None` for a fixed parameter). They depend on the
    /// parameters only, not on the observed fingerprint.
    pub fn shape_jacobian(&self, cur: &Eval) -> ShapeJacobian {
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
                let m = components_from(
                    &Shape::from_slice(&q[..6]),
                    self.setting,
                    &Shape::from_slice(&p[..6]),
                    &cur.comps,
                )
                .mixture(p[6], p[7]);
                Some(m.iter().zip(&cur.mix).map(|(a, b)| (a - b) / h).collect())
            })
            .collect()
    }

    /// Fisher scoring with Levenberg–Marquardt damping and the secant
    /// correction ([`scoring::minimise`]) from `start`, optionally with
    /// the shape Jacobian at `start` already computed. Returns the fit,
    /// the iterations taken and whether it converged.
    pub fn refine(
        &self,
        start: Eval,
        max_iterations: usize,
        first_jacobian: Option<ShapeJacobian>,
    ) -> (Eval, usize, bool) {
        let mut problem = Scoring {
            model: self,
            first_jacobian,
        };
        let o = scoring::minimise(&mut problem, start, max_iterations, RELATIVE_TOLERANCE);
        (o.point, o.iterations, o.converged)
    }
}

/// The objective of a [`Model`] as a [`Problem`] for the optimiser.
struct Scoring<'m, 'a> {
    model: &'m Model<'a>,
    /// The shape Jacobian at the start, when already computed (used by the
    /// first iteration).
    first_jacobian: Option<ShapeJacobian>,
}

impl Problem<PARAMETERS> for Scoring<'_, '_> {
    type Point = Eval;

    fn parameters(&self, x: &Eval) -> [f64; PARAMETERS] {
        x.p
    }

    fn value(&self, x: &Eval) -> f64 {
        x.value
    }

    fn lower(&self) -> [f64; PARAMETERS] {
        self.model.lo
    }

    fn upper(&self) -> [f64; PARAMETERS] {
        self.model.hi
    }

    fn free(&self) -> [bool; PARAMETERS] {
        self.model.free
    }

    /// The score and expected information of the binned multinomial (for
    /// the RSS: Gauss–Newton), see the module doc.
    fn linearise(&mut self, cur: &Eval) -> Linearisation<PARAMETERS> {
        let model = self.model;
        // Columns of ∂m/∂p (None: held fixed).
        let mut jac = self
            .first_jacobian
            .take()
            .unwrap_or_else(|| model.shape_jacobian(cur));
        let c = &cur.comps;
        for other in [&c.incremental, &c.extreme] {
            jac.push(Some(
                other.iter().zip(&c.clean).map(|(a, b)| a - b).collect(),
            ));
        }
        let mut score = [0.0; PARAMETERS];
        let mut info = [[0.0; PARAMETERS]; PARAMETERS];
        let used: Vec<usize> = (0..PARAMETERS).filter(|&j| jac[j].is_some()).collect();
        for b in 0..model.observed.len() {
            let m = cur.mix[b].max(CELL_FLOOR);
            let (wu, wi) = match model.distance {
                Distance::Multinomial => (model.observed[b] / m, 1.0 / m),
                Distance::Rss => (model.observed[b] - cur.mix[b], 1.0),
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
        // The lower triangle, mirrored.
        let information = std::array::from_fn(|j| {
            std::array::from_fn(|l| if l <= j { info[j][l] } else { info[l][j] })
        });
        Linearisation { score, information }
    }

    fn project(&self, p: &mut [f64; PARAMETERS]) {
        self.model.project(p);
    }

    fn evaluate(&self, p: [f64; PARAMETERS]) -> Eval {
        self.model.eval(p)
    }

    /// The objective's quadratic model is scale·(uᵀs − ½ sᵀHs): scale 1
    /// for the multinomial deviance, 2 for the RSS (𝓘 is half its
    /// Gauss–Newton Hessian).
    fn scale(&self) -> f64 {
        match self.model.distance {
            Distance::Multinomial => 1.0,
            Distance::Rss => 2.0,
        }
    }
}
