//! Goodness of fit of observed category counts to a hypothesised distribution:
//! Pearson's chi-square, the likelihood-ratio G statistic, Nigrini's mean
//! absolute deviation (MAD) and its conformity bands, and a z-test for a mean.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Pearson's chi-square statistic of observed counts against expected
/// probabilities.
///
/// # Formula
/// With n = Σ Oₖ and Eₖ = n·pₖ: X² = Σₖ (Oₖ − Eₖ)² / Eₖ. Under the
/// hypothesis, X² is asymptotically χ² with k − 1 degrees of freedom
/// (no parameters are estimated).
///
/// Returns `None` when the inputs have different lengths, n = 0 or some
/// pₖ ≤ 0.
///
/// # References
/// Pearson (1900), *Philosophical Magazine* 50(302): 157–175; Agresti,
/// *Categorical Data Analysis* (3rd ed., 2013), eq. 1.14.
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::pearson_chi_square;
/// // 30 ones, 70 twos against (0.5, 0.5): (30−50)²/50 + (70−50)²/50 = 16.
/// let x2 = pearson_chi_square(&[30, 70], &[0.5, 0.5]).unwrap();
/// assert!((x2 - 16.0).abs() < 1e-12);
/// ```
pub fn pearson_chi_square(observed: &[u64], expected_p: &[f64]) -> Option<f64> {
    let n = check(observed, expected_p)?;
    Some(
        observed
            .iter()
            .zip(expected_p)
            .map(|(&o, &p)| {
                let e = n * p;
                let d = o as f64 - e;
                d * d / e
            })
            .sum(),
    )
}

/// The likelihood-ratio (G) statistic of observed counts against expected
/// probabilities.
///
/// # Formula
/// G = 2 Σₖ Oₖ ln(Oₖ / Eₖ), with Eₖ = n·pₖ and 0·ln 0 = 0; asymptotically
/// χ² with k − 1 degrees of freedom, like Pearson's X².
///
/// # References
/// Agresti, *Categorical Data Analysis* (3rd ed., 2013), eq. 1.16;
/// Sokal & Rohlf, *Biometry* (4th ed., 2012), §17.1.
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::g_statistic;
/// let g = g_statistic(&[30, 70], &[0.5, 0.5]).unwrap();
/// let by_hand = 2.0 * (30.0 * (30.0f64 / 50.0).ln() + 70.0 * (70.0f64 / 50.0).ln());
/// assert!((g - by_hand).abs() < 1e-12);
/// ```
pub fn g_statistic(observed: &[u64], expected_p: &[f64]) -> Option<f64> {
    let n = check(observed, expected_p)?;
    let s: f64 = observed
        .iter()
        .zip(expected_p)
        .filter(|(&o, _)| o > 0)
        .map(|(&o, &p)| o as f64 * (o as f64 / (n * p)).ln())
        .sum();
    // Rounding can leave a tiny negative value when O = E exactly.
    Some((2.0 * s).max(0.0))
}

fn check(observed: &[u64], expected_p: &[f64]) -> Option<f64> {
    if observed.len() != expected_p.len() || expected_p.iter().any(|&p| p.is_nan() || p <= 0.0) {
        return None;
    }
    let n: u64 = observed.iter().sum();
    (n > 0).then_some(n as f64)
}

/// Upper tail P(χ²_df ≥ x) (statrs' survival function, accurate for small
/// p-values where 1 − CDF would cancel).
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::chi_square_p_value;
/// // The 5 % critical value of χ² with 9 df is 16.918978.
/// assert!((chi_square_p_value(16.918978, 9) - 0.05).abs() < 1e-7);
/// ```
pub fn chi_square_p_value(x: f64, df: u32) -> f64 {
    match ChiSquared::new(df as f64) {
        Ok(d) if x.is_finite() => d.sf(x.max(0.0)),
        _ => f64::NAN,
    }
}

/// Two-sided normal p-value 2·P(Z ≥ |z|).
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::normal_two_sided_p_value;
/// assert!((normal_two_sided_p_value(1.959964) - 0.05).abs() < 1e-6);
/// ```
pub fn normal_two_sided_p_value(z: f64) -> f64 {
    (2.0 * normal_upper_p_value(z.abs())).min(1.0)
}

/// Upper-tail normal p-value P(Z ≥ z) (`NaN` for `NaN`).
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::normal_upper_p_value;
/// assert!((normal_upper_p_value(1.644854) - 0.05).abs() < 1e-6);
/// ```
pub fn normal_upper_p_value(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    Normal::standard().sf(z)
}

/// Standard normal quantile Φ⁻¹(p).
pub fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Nigrini's mean absolute deviation between observed and expected
/// proportions.
///
/// # Formula
/// MAD = (1/k) Σₖ |Oₖ/n − pₖ| over all k categories (categories with no
/// observation count with Oₖ = 0).
///
/// # References
/// Nigrini, *Benford's Law: Applications for Forensic Accounting, Auditing,
/// and Fraud Detection* (Wiley, 2012), §7 and Table 7.1. Matches
/// `benford_py`'s `AbsDif.mean()` (its `join_expect_found_diff` fills
/// missing digits with 0).
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::mean_absolute_deviation;
/// // Proportions 0.3, 0.7 against 0.5, 0.5: (0.2 + 0.2) / 2.
/// let mad = mean_absolute_deviation(&[3, 7], &[0.5, 0.5]).unwrap();
/// assert!((mad - 0.2).abs() < 1e-12);
/// ```
pub fn mean_absolute_deviation(observed: &[u64], expected_p: &[f64]) -> Option<f64> {
    let n = check(observed, expected_p)?;
    let k = observed.len() as f64;
    Some(
        observed
            .iter()
            .zip(expected_p)
            .map(|(&o, &p)| (o as f64 / n - p).abs())
            .sum::<f64>()
            / k,
    )
}

/// Nigrini's conformity classes for a MAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conformity {
    Close,
    Acceptable,
    Marginal,
    Nonconformity,
}

/// Nigrini's MAD bands (upper limits of close, acceptable and marginally
/// acceptable conformity), Nigrini (2012), Table 7.1.
pub mod bands {
    /// First digits: 0.006 / 0.012 / 0.015.
    pub const FIRST_DIGIT: [f64; 3] = [0.006, 0.012, 0.015];
    /// Second digits: 0.008 / 0.010 / 0.012.
    pub const SECOND_DIGIT: [f64; 3] = [0.008, 0.010, 0.012];
    /// First two digits: 0.0012 / 0.0018 / 0.0022.
    pub const FIRST_TWO_DIGITS: [f64; 3] = [0.0012, 0.0018, 0.0022];
}

/// The conformity class of a MAD given the three band limits (a MAD equal to
/// a limit belongs to the better class, as in Nigrini's table "0.000 to 0.006").
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::{bands, conformity, Conformity};
/// assert_eq!(conformity(0.006, bands::FIRST_DIGIT), Conformity::Close);
/// assert_eq!(conformity(0.0061, bands::FIRST_DIGIT), Conformity::Acceptable);
/// assert_eq!(conformity(0.02, bands::FIRST_DIGIT), Conformity::Nonconformity);
/// ```
pub fn conformity(mad: f64, limits: [f64; 3]) -> Conformity {
    if mad <= limits[0] {
        Conformity::Close
    } else if mad <= limits[1] {
        Conformity::Acceptable
    } else if mad <= limits[2] {
        Conformity::Marginal
    } else {
        Conformity::Nonconformity
    }
}

/// Mean and standard deviation of a discrete distribution with values `v`
/// and probabilities `p`: μ = Σ pₖvₖ, σ = √(Σ pₖ(vₖ − μ)²).
///
/// # Examples
/// ```
/// use escrutinio::stats::gof::discrete_moments;
/// let v: Vec<f64> = (0..10).map(f64::from).collect();
/// let (mu, sd) = discrete_moments(&v, &[0.1; 10]);
/// assert!((mu - 4.5).abs() < 1e-12 && (sd * sd - 8.25).abs() < 1e-12);
/// ```
pub fn discrete_moments(v: &[f64], p: &[f64]) -> (f64, f64) {
    let mu: f64 = v.iter().zip(p).map(|(v, p)| v * p).sum();
    let var: f64 = v.iter().zip(p).map(|(v, p)| p * (v - mu).powi(2)).sum();
    (mu, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_three_cells() {
        // O = (10, 20, 70), p = (0.2, 0.3, 0.5), n = 100: E = (20, 30, 50).
        // X² = 100/20 + 100/30 + 400/50 = 5 + 3.333… + 8 = 16.333…
        let o = [10, 20, 70];
        let p = [0.2, 0.3, 0.5];
        let x2 = pearson_chi_square(&o, &p).unwrap();
        assert!((x2 - (5.0 + 10.0 / 3.0 + 8.0)).abs() < 1e-12);
        // G = 2(10 ln .5 + 20 ln(2/3) + 70 ln 1.4)
        let g = g_statistic(&o, &p).unwrap();
        let g_hand = 2.0 * (10.0 * 0.5f64.ln() + 20.0 * (2.0f64 / 3.0).ln() + 70.0 * 1.4f64.ln());
        assert!((g - g_hand).abs() < 1e-12);
        // MAD = (|.1−.2| + |.2−.3| + |.7−.5|)/3 = 0.4/3
        let mad = mean_absolute_deviation(&o, &p).unwrap();
        assert!((mad - 0.4 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn empty_or_mismatched_inputs_give_none() {
        assert!(pearson_chi_square(&[0, 0], &[0.5, 0.5]).is_none());
        assert!(pearson_chi_square(&[1, 2, 3], &[0.5, 0.5]).is_none());
        assert!(g_statistic(&[1, 2], &[1.0, 0.0]).is_none());
    }

    #[test]
    fn chi_square_tail_matches_tables() {
        // Critical values from Abramowitz & Stegun, Table 26.8.
        assert!((chi_square_p_value(15.507313, 8) - 0.05).abs() < 1e-7);
        assert!((chi_square_p_value(21.665994, 9) - 0.01).abs() < 1e-7);
        assert!((chi_square_p_value(3.841459, 1) - 0.05).abs() < 1e-7);
        // Closed form for 2 df: P = exp(−x/2).
        assert!((chi_square_p_value(30.0, 2) - (-15.0f64).exp()).abs() < 1e-15);
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-6);
    }
}
