//! The clean mode of the model read off the data, as Kobak, Shpilkin &
//! Pshenichnikov read the SI of Klimek et al. (2012), *PNAS* 109(41):
//! 16469–16473: τ and ν the first Gaussian-KDE modes above 0.3, σ_τ and
//! σ_ν the RMS deviations in the quadrant fraud cannot reach. The fit
//! starts from this reading and reports it as `clean_kobak`; the grid
//! preset of 2018 holds it fixed.

use serde::Serialize;

use crate::stats::kde::{first_mode_above, kde_on_grid, scott_bandwidth};

/// The clean mode of the model, read off the data (Kobak's reading).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct CleanParameters {
    /// τ: first KDE mode of turnout above 0.3.
    pub turnout_mean: f64,
    /// ν: first KDE mode of the winner's share above 0.3.
    pub share_mean: f64,
    /// σ_τ.
    pub turnout_sd: f64,
    /// σ_ν.
    pub share_sd: f64,
    /// Kobak's θ = (mean (s − ν)² over s > ν)^(1/4) (reported, not used).
    pub theta_kobak: f64,
}

/// Kobak's reading of the clean parameters from turnouts `t` and shares `s`
/// (`None` when a KDE has no mode above 0.3 or a quadrant is empty).
///
/// # References
/// Klimek et al. (2012), SI; Kobak, Shpilkin & Pshenichnikov's notebooks
/// (values for Russia 2011: τ 0.529, ν 0.324, σ_τ 0.081381, σ_ν 0.069723,
/// θ 0.559001).
pub fn clean_parameters(t: &[f64], s: &[f64]) -> Option<CleanParameters> {
    let mode = |x: &[f64]| {
        let h = scott_bandwidth(x, None);
        first_mode_above(&kde_on_grid(x, None, h, 1000), 0.3)
    };
    let tau = mode(t)?;
    let nu = mode(s)?;
    let rms = |it: &mut dyn Iterator<Item = f64>| {
        let (mut n, mut ss) = (0usize, 0.0);
        for d in it {
            n += 1;
            ss += d * d;
        }
        (n > 0).then(|| ss / n as f64)
    };
    let var_t = rms(&mut t
        .iter()
        .zip(s)
        .filter(|(&a, &b)| a < tau && b < nu)
        .map(|(&a, _)| a - tau))?;
    let var_s = rms(&mut s.iter().filter(|&&b| b < nu).map(|&b| b - nu))?;
    let var_hi = rms(&mut s.iter().filter(|&&b| b > nu).map(|&b| b - nu)).unwrap_or(0.0);
    Some(CleanParameters {
        turnout_mean: tau,
        share_mean: nu,
        turnout_sd: var_t.sqrt(),
        share_sd: var_s.sqrt(),
        theta_kobak: var_hi.powf(0.25),
    })
}
