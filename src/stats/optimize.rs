//! Derivative-free minimisation: the Nelder–Mead simplex method within a box.
//!
//! # Algorithm
//! Nelder, J. A. & Mead, R. (1965), "A simplex method for function
//! minimization", *The Computer Journal* 7(4): 308–313, with the standard
//! coefficients (reflection 1, expansion 2, contraction ½, shrink ½) as in
//! Lagarias et al. (1998), *SIAM J. Optim.* 9(1): 112–147. Points are
//! clamped into the box `[lo, hi]` before each evaluation. Deterministic:
//! ties are broken by evaluation order.

/// Minimises `f` from `x0` with initial steps `step` (one vertex per axis),
/// stopping after `max_evals` evaluations or when every vertex lies within
/// `tol[k]` of the best along every axis. Returns the best point and value.
///
/// # Examples
/// ```
/// use escrutinio::stats::optimize::nelder_mead;
/// let f = |x: &[f64]| (x[0] - 1.0).powi(2) + 10.0 * (x[1] + 2.0).powi(2);
/// let (x, v) = nelder_mead(f, &[0.0, 0.0], &[0.5, 0.5], &[-5.0, -5.0], &[5.0, 5.0], 500, &[1e-6, 1e-6]);
/// assert!((x[0] - 1.0).abs() < 1e-4 && (x[1] + 2.0).abs() < 1e-4 && v < 1e-8);
/// ```
pub fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: &[f64],
    lo: &[f64],
    hi: &[f64],
    max_evals: usize,
    tol: &[f64],
) -> (Vec<f64>, f64) {
    let d = x0.len();
    let clamp = |x: &mut Vec<f64>| {
        for k in 0..d {
            x[k] = x[k].clamp(lo[k], hi[k]);
        }
    };
    let mut evals = 0usize;
    let mut eval = |x: &Vec<f64>, evals: &mut usize| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    let mut p = x0.to_vec();
    clamp(&mut p);
    let v = eval(&p, &mut evals);
    simplex.push((p.clone(), v));
    for k in 0..d {
        let mut q = p.clone();
        q[k] += step[k];
        if q[k] > hi[k] {
            q[k] = p[k] - step[k];
        }
        clamp(&mut q);
        let v = eval(&q, &mut evals);
        simplex.push((q, v));
    }
    while evals < max_evals {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let best = &simplex[0].0;
        let converged = simplex[1..]
            .iter()
            .all(|(x, _)| (0..d).all(|k| (x[k] - best[k]).abs() <= tol[k]));
        if converged {
            break;
        }
        let centroid: Vec<f64> = (0..d)
            .map(|k| simplex[..d].iter().map(|(x, _)| x[k]).sum::<f64>() / d as f64)
            .collect();
        let worst = simplex[d].clone();
        let along = |t: f64| {
            let mut x: Vec<f64> = (0..d)
                .map(|k| centroid[k] + t * (worst.0[k] - centroid[k]))
                .collect();
            clamp(&mut x);
            x
        };
        let xr = along(-1.0);
        let fr = eval(&xr, &mut evals);
        if fr < simplex[0].1 {
            let xe = along(-2.0);
            let fe = eval(&xe, &mut evals);
            simplex[d] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst.1 {
                let x = along(-0.5);
                let v = eval(&x, &mut evals);
                (x, v)
            } else {
                let x = along(0.5);
                let v = eval(&x, &mut evals);
                (x, v)
            };
            if fc < fr.min(worst.1) {
                simplex[d] = (xc, fc);
            } else {
                let b = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let mut x: Vec<f64> = (0..d).map(|k| (b[k] + vertex.0[k]) / 2.0).collect();
                    clamp(&mut x);
                    let v = eval(&x, &mut evals);
                    *vertex = (x, v);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, v) = simplex.swap_remove(0);
    (x, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock_and_a_bound() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, _) = nelder_mead(
            rosen,
            &[-1.2, 1.0],
            &[0.1, 0.1],
            &[-5.0, -5.0],
            &[5.0, 5.0],
            5000,
            &[1e-8, 1e-8],
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
        // The minimum outside the box lands on its edge.
        let (x, _) = nelder_mead(
            |x: &[f64]| (x[0] - 3.0).powi(2),
            &[0.0],
            &[0.5],
            &[-1.0],
            &[1.0],
            500,
            &[1e-9],
        );
        assert!((x[0] - 1.0).abs() < 1e-6, "{x:?}");
    }
}
