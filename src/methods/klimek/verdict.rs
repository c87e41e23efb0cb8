//! The plain-words reading of a Klimek fit: the fraud shares and the
//! implied manufactured ballots (or that the fingerprint is consistent
//! with the fair model), then, when they apply, the shape parameters that
//! stopped at a bound of the search box and a warning that the fit had not
//! converged.

use super::objective::PARAMETERS;
use crate::stats::bootstrap::Estimate;

/// The report's names of the six shape parameters, in parameter order.
const SHAPE_NAMES: [&str; 6] = [
    "turnout_mean",
    "share_mean",
    "turnout_sd",
    "share_sd",
    "theta",
    "alpha",
];

/// The indices of the free shape parameters of `p` within a relative 1e-9
/// of a bound of the box [`lo`, `hi`].
pub(super) fn at_bound(
    p: &[f64; PARAMETERS],
    free: &[bool; PARAMETERS],
    lo: &[f64; PARAMETERS],
    hi: &[f64; PARAMETERS],
) -> Vec<usize> {
    (0..6)
        .filter(|&j| free[j])
        .filter(|&j| {
            let span = 1e-9 * (hi[j] - lo[j]);
            p[j] <= lo[j] + span || p[j] >= hi[j] - span
        })
        .collect()
}

/// The report's names of the shape parameters `bounded`.
pub(super) fn names(bounded: &[usize]) -> Vec<&'static str> {
    bounded.iter().map(|&j| SHAPE_NAMES[j]).collect()
}

/// The verdict from the fraud shares `fi`, `fe` and the manufactured
/// ballots, the shape parameters `bounded` at a bound of the box (values
/// from `p`), and whether the fit `converged` within `max_iterations`.
pub(super) fn verdict(
    fi: &Estimate,
    fe: &Estimate,
    manufactured: &Estimate,
    bounded: &[usize],
    p: &[f64; PARAMETERS],
    converged: bool,
    max_iterations: usize,
) -> String {
    let negligible =
        |e: &Estimate| e.ci_low.is_some_and(|l| l <= 1e-4) || e.ci_high.is_some_and(|h| h < 0.01);
    let verdict = if negligible(fi) && negligible(fe) {
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
            range(fi, 100.0, 1).replace(')', " %)"),
            100.0 * fe.estimate,
            range(fe, 100.0, 2).replace(')', " %)"),
            manufactured.estimate,
            range(manufactured, 1.0, 0),
        )
    };
    let verdict = if bounded.is_empty() {
        verdict
    } else {
        let which: Vec<String> = bounded
            .iter()
            .map(|&j| format!("{} = {}", SHAPE_NAMES[j], p[j]))
            .collect();
        format!(
            "{verdict} The fit stopped at a bound of its search box ({}): the model wanted to go further, so the interval of each such parameter is degenerate and the fraud shares are conditional on the bound.",
            which.join(", ")
        )
    };
    if converged {
        verdict
    } else {
        format!(
            "{verdict} The fit had not converged after {max_iterations} iterations: read these numbers with care."
        )
    }
}
