//! The Klimek et al. (2012) model's fingerprint on a grid of cells,
//! computed by quadrature: deterministic, smooth in the parameters, and
//! free of Monte Carlo noise.
//!
//! # Components (paper, SI "Fraud model"; see the parent module)
//! - Clean, C: turnout N(τ, σ_τ²) and share N(ν, σ_ν²), independent, plus
//!   the binomial counting noise of a station of N electors (variances
//!   τ(1 − τ)/N and ν(1 − ν)/(Nτ), normal approximation), averaged over 64
//!   electorate quantiles of the data. Cell probabilities are differences
//!   of normal CDFs at the cell edges, exactly.
//! - Incremental, I(θ, α), and extreme, E(α): a fraud intensity x turns a
//!   clean station (a, v) into turnout t = a + x(1 − a) and share
//!   s = c₀ + c₁v with c₁ = a(1 − x^α)/t and c₀ = (x(1 − a) + x^α a)/t.
//!   For fixed (a, x), t is a point and s is linear in v, so the share is
//!   normal, N(c₀ + c₁ν, c₁²σ_ν²), exactly. The integrals over a and x are
//!   done by quadrature: slabs of equal width in the standard-normal
//!   variable (a ~ N(τ, σ_τ²) truncated to [0, 1]; incremental x = θ|Z|
//!   restricted to (0, 1); extreme x = 1 − sd_e|Z| restricted to (0, 1)),
//!   each slab carrying its exact probability at its midpoint. The
//!   midpoint rule loses the within-slab variance (width²/12 in the
//!   standard variable), which is added back to the turnout variance, so
//!   the turnout's second moment is kept. Counting noise at the mean of
//!   1/N over stations is added to both axes (t(1 − t)/N and
//!   s(1 − s)/(Nt)).
//!
//! Mass beyond [0, 1] is put in the edge cells (the clean share's
//! truncation to [0, 1] is not otherwise modelled: it is negligible for
//! clean modes inside (0, 1)). Every component sums to 1. Checked against a
//! direct simulation of the model in the tests below.

use crate::stats::normal_table::phi;

/// Normal tails beyond this many standard deviations are folded into the
/// last kept cell (mass below 1.3e-12).
const TAIL: f64 = 7.0;
/// Electorate quantiles of the clean component's counting noise.
pub const ELECTORATE_QUANTILES: usize = 64;
/// Quadrature slabs: clean turnout a, incremental intensity, extreme
/// intensity.
pub const NODES_TURNOUT: usize = 48;
pub const NODES_INCREMENTAL: usize = 64;
pub const NODES_EXTREME: usize = 48;
/// Largest |z| of the quadrature (mass beyond: 2e-9).
const Z_MAX: f64 = 6.0;

/// The model's parameters other than the fraud shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub tau: f64,
    pub nu: f64,
    pub sd_t: f64,
    pub sd_v: f64,
    pub theta: f64,
    pub alpha: f64,
}

impl Shape {
    pub fn to_array(self) -> [f64; 6] {
        [
            self.tau, self.nu, self.sd_t, self.sd_v, self.theta, self.alpha,
        ]
    }
    pub fn from_slice(p: &[f64]) -> Shape {
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

/// What the components need from the data besides the shape.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Cells per axis.
    pub bins: usize,
    /// Width of the extreme intensity 1 − |N(0, sd_e)| (paper: 0.075).
    pub extreme_sd: f64,
    /// Electorates at the mid-quantiles (k + ½)/Q of the data's.
    pub electorate_quantiles: Vec<f64>,
    /// Mean of 1/N over the stations.
    pub inverse_electorate: f64,
}

/// The three normalised fingerprints and the fraud components' mean
/// stuffed and stolen fractions of the electorate ([incremental, extreme]).
#[derive(Debug, Clone)]
pub struct Components {
    pub clean: Vec<f64>,
    pub incremental: Vec<f64>,
    pub extreme: Vec<f64>,
    pub stuffed: [f64; 2],
    pub stolen: [f64; 2],
}

impl Components {
    /// The mixture (1 − f_i − f_e)C + f_i I + f_e E.
    pub fn mixture(&self, fi: f64, fe: f64) -> Vec<f64> {
        let fc = 1.0 - fi - fe;
        (0..self.clean.len())
            .map(|k| fc * self.clean[k] + fi * self.incremental[k] + fe * self.extreme[k])
            .collect()
    }
}

/// Cell probabilities of N(mean, sd²) over `bins` equal cells of [0, 1],
/// the mass beyond an edge in the edge cell, written to `out[first..=last]`
/// (cells further than [`TAIL`] sd away get none; the profile sums to 1).
fn profile(mean: f64, sd: f64, bins: usize, out: &mut [f64]) -> (usize, usize) {
    let b = bins as f64;
    let cell = |x: f64| ((x * b).floor().max(0.0) as usize).min(bins - 1);
    let (first, last) = (cell(mean - TAIL * sd), cell(mean + TAIL * sd));
    let mut prev = 0.0;
    for (k, o) in out.iter_mut().enumerate().take(last + 1).skip(first) {
        let c = if k == last {
            1.0
        } else {
            phi(((k + 1) as f64 / b - mean) / sd)
        };
        *o = c - prev;
        prev = c;
    }
    (first, last)
}

/// Adds `w`·pt ⊗ ps to the histogram.
#[inline]
fn add_outer(
    h: &mut [f64],
    bins: usize,
    w: f64,
    pt: (&[f64], usize, usize),
    ps: (&[f64], usize, usize),
) {
    for i in pt.1..=pt.2 {
        let wi = w * pt.0[i];
        let row = &mut h[i * bins..(i + 1) * bins];
        for (r, &q) in row[ps.1..=ps.2].iter_mut().zip(&ps.0[ps.1..=ps.2]) {
            *r += wi * q;
        }
    }
}

/// Quadrature of a standard normal restricted to [lo, hi] (∩ [−6, 6]):
/// `k` slabs of equal width, each as (midpoint, probability), probabilities
/// normalised to 1; and the slab width.
fn slabs(lo: f64, hi: f64, k: usize) -> (Vec<(f64, f64)>, f64) {
    let (lo, hi) = (lo.max(-Z_MAX), hi.min(Z_MAX));
    if hi <= lo {
        // The whole mass beyond the quadrature range: one node at the edge.
        return (vec![(lo.min(hi), 1.0)], 0.0);
    }
    let width = (hi - lo) / k as f64;
    let mut v: Vec<(f64, f64)> = (0..k)
        .map(|j| {
            let a = lo + j as f64 * width;
            (a + width / 2.0, phi(a + width) - phi(a))
        })
        .collect();
    let total: f64 = v.iter().map(|x| x.1).sum();
    if total > 0.0 {
        v.iter_mut().for_each(|x| x.1 /= total);
    } else {
        // Far in a tail: the slabs' densities decide.
        let d: Vec<f64> = v.iter().map(|x| (-0.5 * x.0 * x.0).exp()).collect();
        let s: f64 = d.iter().sum();
        v.iter_mut().zip(d).for_each(|(x, d)| x.1 = d / s);
    }
    (v, width)
}

/// Mean of N(μ, σ²) truncated to [0, 1].
fn truncated_mean(mu: f64, sd: f64) -> f64 {
    let (a, b) = (-mu / sd, (1.0 - mu) / sd);
    let z = phi(b) - phi(a);
    if z <= 1e-300 {
        return mu.clamp(0.0, 1.0);
    }
    let pdf = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (mu + sd * (pdf(a) - pdf(b)) / z).clamp(0.0, 1.0)
}

/// The clean component (see the module doc).
fn clean(sh: &Shape, s: &Setting) -> Vec<f64> {
    let bins = s.bins;
    let mut h = vec![0.0; bins * bins];
    let (mut pt, mut pv) = (vec![0.0; bins], vec![0.0; bins]);
    let w = 1.0 / s.electorate_quantiles.len() as f64;
    for &nn in &s.electorate_quantiles {
        let var_t = sh.sd_t * sh.sd_t + sh.tau * (1.0 - sh.tau) / nn;
        let var_v = sh.sd_v * sh.sd_v + sh.nu * (1.0 - sh.nu) / (nn * sh.tau).max(1.0);
        let rt = profile(sh.tau, var_t.sqrt(), bins, &mut pt);
        let rv = profile(sh.nu, var_v.sqrt(), bins, &mut pv);
        add_outer(&mut h, bins, w, (&pt, rt.0, rt.1), (&pv, rv.0, rv.1));
    }
    h
}

/// One fraud component for intensities `xs` (value, probability) whose
/// slab width in x is `dx`.
fn fraud(sh: &Shape, s: &Setting, xs: &[(f64, f64)], dx: f64) -> (Vec<f64>, f64, f64) {
    fraud_with(sh, s, xs, dx, NODES_TURNOUT)
}

/// The quadrature nodes of the clean turnout a (standard-normal
/// midpoints and probabilities) and their slab width in the standard
/// variable.
fn turnout_nodes(sh: &Shape, nodes_turnout: usize) -> (Vec<(f64, f64)>, f64) {
    slabs(-sh.tau / sh.sd_t, (1.0 - sh.tau) / sh.sd_t, nodes_turnout)
}

/// The mean stuffed, x(1 − a), and stolen, x^α·a·(1 − v̄), fractions of
/// the electorate of a fraud component with intensities `xs`, on the
/// turnout nodes `a_nodes` (v̄ the truncated clean share's mean).
fn fraud_ballots(sh: &Shape, xs: &[(f64, f64)], a_nodes: &[(f64, f64)]) -> (f64, f64) {
    let v_mean = truncated_mean(sh.nu, sh.sd_v);
    let (mut stuffed, mut stolen) = (0.0, 0.0);
    for &(x, wx) in xs {
        let xa = x.powf(sh.alpha);
        for &(za, wa) in a_nodes {
            let a = sh.tau + sh.sd_t * za;
            let w = wx * wa;
            stuffed += w * x * (1.0 - a);
            stolen += w * xa * a * (1.0 - v_mean);
        }
    }
    (stuffed, stolen)
}

fn fraud_with(
    sh: &Shape,
    s: &Setting,
    xs: &[(f64, f64)],
    dx: f64,
    nodes_turnout: usize,
) -> (Vec<f64>, f64, f64) {
    let bins = s.bins;
    let mut h = vec![0.0; bins * bins];
    let (mut pt, mut ps) = (vec![0.0; bins], vec![0.0; bins]);
    let (a_nodes, dz) = turnout_nodes(sh, nodes_turnout);
    let da = dz * sh.sd_t;
    let inv_n = s.inverse_electorate;
    let (stuffed, stolen) = fraud_ballots(sh, xs, &a_nodes);
    for &(x, wx) in xs {
        let xa = x.powf(sh.alpha);
        for &(za, wa) in &a_nodes {
            let a = sh.tau + sh.sd_t * za;
            let t = a + x * (1.0 - a);
            let w = wx * wa;
            if t <= 0.0 {
                continue;
            }
            let c1 = a * (1.0 - xa) / t;
            let c0 = (x * (1.0 - a) + xa * a) / t;
            let ms = (c0 + c1 * sh.nu).clamp(0.0, 1.0);
            let var_t = t * (1.0 - t) * inv_n
                + ((1.0 - x) * da).powi(2) / 12.0
                + ((1.0 - a) * dx).powi(2) / 12.0;
            let var_s = c1 * c1 * sh.sd_v * sh.sd_v + ms * (1.0 - ms) * inv_n / t;
            let rt = profile(t, var_t.max(1e-14).sqrt(), bins, &mut pt);
            let rs = profile(ms, var_s.max(1e-14).sqrt(), bins, &mut ps);
            add_outer(&mut h, bins, w, (&pt, rt.0, rt.1), (&ps, rs.0, rs.1));
        }
    }
    (h, stuffed, stolen)
}

/// The fraud intensities of the incremental (x = θ|Z|, |Z| < 1/θ) and
/// extreme (x = 1 − sd_e|Z|, |Z| < 1/sd_e) components, as (value,
/// probability) nodes, each with its slab width in x.
fn intensities(sh: &Shape, s: &Setting) -> [(Vec<(f64, f64)>, f64); 2] {
    let (zi, wi) = slabs(0.0, 1.0 / sh.theta, NODES_INCREMENTAL);
    let inc_x: Vec<(f64, f64)> = zi.iter().map(|&(z, p)| (sh.theta * z, p)).collect();
    let (ze, we) = slabs(0.0, 1.0 / s.extreme_sd, NODES_EXTREME);
    let ext_x: Vec<(f64, f64)> = ze
        .iter()
        .map(|&(z, p)| (1.0 - s.extreme_sd * z, p))
        .collect();
    [(inc_x, sh.theta * wi), (ext_x, s.extreme_sd * we)]
}

/// The fraud components' mean stuffed and stolen fractions of the
/// electorate ([incremental, extreme]) at a shape, exactly as
/// [`components`] computes them, without the fingerprints (a few
/// thousand products instead of the quadrature of the cells).
pub fn implied_ballots(sh: &Shape, s: &Setting) -> ([f64; 2], [f64; 2]) {
    let (a_nodes, _) = turnout_nodes(sh, NODES_TURNOUT);
    let [(inc_x, _), (ext_x, _)] = intensities(sh, s);
    let (st_i, sl_i) = fraud_ballots(sh, &inc_x, &a_nodes);
    let (st_e, sl_e) = fraud_ballots(sh, &ext_x, &a_nodes);
    ([st_i, st_e], [sl_i, sl_e])
}

/// The three components at a shape.
pub fn components(sh: &Shape, s: &Setting) -> Components {
    let [(inc_x, dx_i), (ext_x, dx_e)] = intensities(sh, s);
    let (incremental, st_i, sl_i) = fraud(sh, s, &inc_x, dx_i);
    let (extreme, st_e, sl_e) = fraud(sh, s, &ext_x, dx_e);
    Components {
        clean: clean(sh, s),
        incremental,
        extreme,
        stuffed: [st_i, st_e],
        stolen: [sl_i, sl_e],
    }
}

/// [`components`] at `sh`, reusing those of `base` (computed at
/// `base_shape`) that do not depend on the parameters that differ: the
/// clean component depends on (τ, ν, σ_τ, σ_ν) only, the extreme one also
/// on α, the incremental one on all six. The result is the same, bit for
/// bit, as [`components`] at `sh`, for a fraction of its cost when only θ
/// or α moved (the (θ, α) grid, the Jacobian's θ and α columns).
pub fn components_from(
    sh: &Shape,
    s: &Setting,
    base_shape: &Shape,
    base: &Components,
) -> Components {
    let b = base_shape;
    let same_clean = sh.tau == b.tau && sh.nu == b.nu && sh.sd_t == b.sd_t && sh.sd_v == b.sd_v;
    let same_extreme = same_clean && sh.alpha == b.alpha;
    if !same_clean {
        return components(sh, s);
    }
    let [(inc_x, dx_i), (ext_x, dx_e)] = intensities(sh, s);
    let (incremental, st_i, sl_i) = if same_extreme && sh.theta == b.theta {
        (base.incremental.clone(), base.stuffed[0], base.stolen[0])
    } else {
        fraud(sh, s, &inc_x, dx_i)
    };
    let (extreme, st_e, sl_e) = if same_extreme {
        (base.extreme.clone(), base.stuffed[1], base.stolen[1])
    } else {
        fraud(sh, s, &ext_x, dx_e)
    };
    Components {
        clean: base.clean.clone(),
        incremental,
        extreme,
        stuffed: [st_i, st_e],
        stolen: [sl_i, sl_e],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use rand::Rng as _;

    /// Near Russia 2011's clean mode, with Kobak-like fraud width.
    const TYPICAL: Shape = Shape {
        tau: 0.55,
        nu: 0.45,
        sd_t: 0.08,
        sd_v: 0.07,
        theta: 0.4,
        alpha: 2.0,
    };

    fn setting(bins: usize) -> Setting {
        Setting {
            bins,
            extreme_sd: 0.075,
            electorate_quantiles: vec![1000.0],
            inverse_electorate: 1e-3,
        }
    }

    /// Components derived from a base shape equal those computed from
    /// scratch, bit for bit, whichever parameters moved.
    #[test]
    fn components_from_a_base_are_the_components() {
        let s = setting(50);
        let base = components(&TYPICAL, &s);
        let moves: [&dyn Fn(&mut Shape); 5] = [
            &|sh| sh.theta = 0.3,
            &|sh| sh.alpha = 3.0,
            &|sh| {
                sh.theta = 0.25;
                sh.alpha = 1.0
            },
            &|sh| sh.tau = 0.6,
            &|sh| sh.sd_v = 0.05,
        ];
        for m in moves {
            let mut sh = TYPICAL;
            m(&mut sh);
            let direct = components(&sh, &s);
            let derived = components_from(&sh, &s, &TYPICAL, &base);
            assert_eq!(derived.clean, direct.clean);
            assert_eq!(derived.incremental, direct.incremental);
            assert_eq!(derived.extreme, direct.extreme);
            assert_eq!(derived.stuffed, direct.stuffed);
            assert_eq!(derived.stolen, direct.stolen);
        }
        // Nothing moved: the base itself.
        let same = components_from(&TYPICAL, &s, &TYPICAL, &base);
        assert_eq!(same.incremental, base.incremental);
    }

    /// Total variation distance between the quadrature component and a
    /// direct simulation of the model's definition (2,000,000 draws at
    /// N = 1000, normal counting noise): below 0.012, which is about the
    /// simulation's own noise at this size.
    #[test]
    fn quadrature_matches_direct_simulation() {
        let sh = TYPICAL;
        let s = setting(50);
        let c = components(&sh, &s);
        let mut g = rng::stream(7, 0, 0);
        let normal = |g: &mut rng::Rng| -> f64 { g.sample(rand_distr::StandardNormal) };
        let m = 2_000_000;
        let mut sim = [vec![0.0; 2500], vec![0.0; 2500]];
        let mut stuffed = [0.0; 2];
        let mut kept = 0.0;
        for _ in 0..m {
            let a = sh.tau + sh.sd_t * normal(&mut g);
            let v = sh.nu + sh.sd_v * normal(&mut g);
            if !(0.0..=1.0).contains(&a) || !(0.0..=1.0).contains(&v) {
                continue;
            }
            kept += 1.0;
            let xi = loop {
                let x = sh.theta * normal(&mut g).abs();
                if x < 1.0 {
                    break x;
                }
            };
            let xe = 1.0 - 0.075 * normal(&mut g).abs();
            for (k, x) in [xi, xe].into_iter().enumerate() {
                let t = a + x * (1.0 - a);
                let w = a * v + x * (1.0 - a) + x.powf(sh.alpha) * (1.0 - v) * a;
                let s = w / t;
                let t = (t + (t * (1.0 - t) / 1000.0).sqrt() * normal(&mut g)).clamp(0.0, 1.0);
                let s =
                    (s + (s * (1.0 - s) / (1000.0 * t)).sqrt() * normal(&mut g)).clamp(0.0, 1.0);
                let cell = |x: f64| ((x * 50.0) as usize).min(49);
                sim[k][cell(t) * 50 + cell(s)] += 1.0;
                stuffed[k] += x * (1.0 - a);
            }
        }
        for (k, q) in [&c.incremental, &c.extreme].into_iter().enumerate() {
            let total: f64 = q.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "component {k} sums to {total}");
            let tv: f64 = q
                .iter()
                .zip(&sim[k])
                .map(|(a, b)| (a - b / kept).abs())
                .sum::<f64>()
                / 2.0;
            assert!(tv < 0.012, "component {k}: total variation {tv}");
            let rel = (c.stuffed[k] - stuffed[k] / kept).abs() / c.stuffed[k];
            assert!(
                rel < 0.005,
                "component {k}: stuffed {} vs {}",
                c.stuffed[k],
                stuffed[k] / kept
            );
        }
        let total: f64 = c.clean.iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    /// The implied ballots without the fingerprints are exactly those of
    /// the components.
    #[test]
    fn implied_ballots_are_those_of_the_components() {
        for sh in [
            TYPICAL,
            Shape {
                theta: 0.25,
                alpha: 0.7,
                ..TYPICAL
            },
        ] {
            let s = setting(50);
            let c = components(&sh, &s);
            assert_eq!(implied_ballots(&sh, &s), (c.stuffed, c.stolen));
        }
    }

    /// Normal profiles: sums to 1, the right mass in a cell, mass beyond an
    /// edge in the edge cell.
    #[test]
    fn profiles() {
        let mut p = vec![0.0; 10];
        let (a, b) = profile(0.5, 0.1, 10, &mut p);
        let s: f64 = p[a..=b].iter().sum();
        assert!((s - 1.0).abs() < 1e-12);
        // Cell [0.5, 0.6): Φ(1) − Φ(0) = 0.341345.
        assert!((p[5] - 0.341_344_746).abs() < 1e-8);
        let (a, b) = profile(1.2, 0.01, 10, &mut p);
        assert_eq!((a, b), (9, 9));
        assert_eq!(p[9], 1.0);
        let (a, _) = profile(0.0, 0.1, 10, &mut p);
        assert_eq!(a, 0);
        assert!((p[0] - 0.841_344_746).abs() < 1e-8);
    }

    /// The quadrature against a fine one (512 slabs on every axis) on
    /// three shapes and two station sizes: total variation below 0.006
    /// (measured: at most 0.0047, at N = 3000 where the counting noise
    /// smooths least).
    #[test]
    fn quadrature_converges() {
        for sh in [
            TYPICAL,
            Shape {
                tau: 0.6,
                nu: 0.5,
                sd_t: 0.1,
                sd_v: 0.1,
                theta: 0.25,
                alpha: 0.7,
            },
            Shape {
                tau: 0.7,
                nu: 0.6,
                sd_t: 0.05,
                sd_v: 0.05,
                theta: 0.6,
                alpha: 4.0,
            },
        ] {
            for inv in [1e-3, 1.0 / 3000.0] {
                let s = Setting {
                    inverse_electorate: inv,
                    ..setting(50)
                };
                let c = components(&sh, &s);
                let (zi, wi) = slabs(0.0, 1.0 / sh.theta, 512);
                let inc_x: Vec<(f64, f64)> = zi.iter().map(|&(z, p)| (sh.theta * z, p)).collect();
                let (ze, we) = slabs(0.0, 1.0 / s.extreme_sd, 512);
                let ext_x: Vec<(f64, f64)> = ze
                    .iter()
                    .map(|&(z, p)| (1.0 - s.extreme_sd * z, p))
                    .collect();
                let fine = [
                    fraud_with(&sh, &s, &inc_x, sh.theta * wi, 512).0,
                    fraud_with(&sh, &s, &ext_x, s.extreme_sd * we, 512).0,
                ];
                for (k, q) in [&c.incremental, &c.extreme].into_iter().enumerate() {
                    let tv: f64 = q
                        .iter()
                        .zip(&fine[k])
                        .map(|(x, y)| (x - y).abs())
                        .sum::<f64>()
                        / 2.0;
                    assert!(tv < 0.006, "{sh:?} 1/N {inv}: component {k} tv {tv}");
                }
            }
        }
    }
}
