//! The fraud shares (f_i, f_e) that best fit the observed fingerprint for
//! fixed components C, I, E of the Klimek et al. (2012) mixture
//! m = (1 − f_i − f_e)·C + f_i·I + f_e·E, on the triangle f_i, f_e ≥ 0,
//! f_i + f_e ≤ 1: exactly for the RSS (a quadratic in f), by projected
//! Newton steps for the multinomial likelihood (concave in f). Used by
//! the (θ, α) grid start of the fit and by the 2018 grid preset.

use super::objective::CELL_FLOOR;

/// The RSS of the mixture as a function of the fraud shares for fixed
/// components: rr − 2 f·b + fᵀ A f.
pub(super) struct RssQuadratic {
    a11: f64,
    a12: f64,
    a22: f64,
    b1: f64,
    b2: f64,
    rr: f64,
}

impl RssQuadratic {
    pub fn new(obs: &[f64], clean: &[f64], inc: &[f64], ext: &[f64]) -> RssQuadratic {
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

    pub fn value(&self, fi: f64, fe: f64) -> f64 {
        self.rr - 2.0 * (fi * self.b1 + fe * self.b2)
            + fi * fi * self.a11
            + 2.0 * fi * fe * self.a12
            + fe * fe * self.a22
    }
}

/// The (f_i, f_e) minimising the RSS for fixed components, and the RSS: the
/// quadratic [`RssQuadratic`] minimised exactly on the triangle
/// f_i, f_e ≥ 0, f_i + f_e ≤ 1 (interior optimum, edges, vertices).
pub(super) fn best_shares_rss(
    obs: &[f64],
    clean: &[f64],
    inc: &[f64],
    ext: &[f64],
) -> (f64, f64, f64) {
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

/// The (f_i, f_e) maximising the multinomial log-likelihood
/// Σ p̂_b log m_b(f) of the observed proportions p̂ under the mixture
/// m = (1 − f_i − f_e)C + f_i I + f_e E, for fixed components, and the
/// resulting deviance per station −Σ p̂_b log m_b. The log-likelihood is
/// concave in f, so projected Newton steps with backtracking converge to
/// the maximum on the triangle.
pub(super) fn best_shares_multinomial(
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
