//! How far the *shape* of the count distribution alone pushes last digits
//! away from uniform: a reliability check for the last-digit family.
//!
//! Last digits are uniform only when the density of the counts is nearly
//! flat over any 10 consecutive values (100 for the last two digits):
//! Beber & Scacco (2012), §2, state the condition; small counts break it
//! (among counts 10–30 a falling density makes 1s more common than 9s), and
//! so do the last two digits of counts of a few hundred. The check below is
//! escrutinio's own, not a published test.
//!
//! # Method
//! Counts are grouped in windows of width M (10 or 100). Within window m the
//! density is taken as linear, f(x) = Wₘ/len + sₘ·(x − x̄ₘ), with Wₘ the
//! window's count and sₘ the central difference of neighbouring window
//! densities, (Dₘ₊₁ − Dₘ₋₁)/(2M) (one-sided at the ends); summing f over
//! the values with each last digit (pair class) gives the frequencies
//! p̃ₖ the counts' shape implies when digits are otherwise random. Window
//! totals hardly depend on the last digits, so fabricated digits do not
//! hide in p̃. The bias is summarised by the noncentrality
//! λ = n Σₖ (p̃ₖ − pₖ)²/pₖ the shape adds to Pearson's X², and by the
//! probability that the test rejects at α = 0.05 from the shape alone,
//! from Patnaik's (1949, *Biometrika* 36: 202–232) approximation
//! χ²(k, λ) ≈ c·χ²(ν), c = (k + 2λ)/(k + λ), ν = (k + λ)²/(k + 2λ).

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Frequencies of a k-category digit statistic implied by a piecewise-linear
/// density of the counts.
///
/// `windows[m]` counts the eligible values in [mM, (m+1)M); `min` is the
/// smallest eligible value (the first window may be partial); `n` is the
/// number of eligible counts, of which those beyond the windows are spread
/// over the categories as `law` says; `class(x)` maps a value to its category.
pub fn shape_frequencies(
    windows: &[u64],
    width: u64,
    min: u64,
    n: u64,
    law: &[f64],
    class: impl Fn(u64) -> usize,
) -> Vec<f64> {
    let k = law.len();
    let mut e = vec![0.0; k];
    if n == 0 {
        return e;
    }
    let span = |m: usize| {
        let lo = (m as u64 * width).max(min);
        let hi = (m as u64 + 1) * width - 1;
        (lo, hi)
    };
    let density = |m: usize| {
        let (lo, hi) = span(m);
        if hi < lo {
            0.0
        } else {
            windows[m] as f64 / (hi - lo + 1) as f64
        }
    };
    let last = windows.len() - 1;
    let mut in_windows = 0u64;
    for (m, &w) in windows.iter().enumerate() {
        if w == 0 {
            continue;
        }
        in_windows += w;
        let (lo, hi) = span(m);
        let slope = match (m > 0 && span(m - 1).1 >= span(m - 1).0, m < last) {
            (true, true) => (density(m + 1) - density(m - 1)) / (2.0 * width as f64),
            (false, true) => (density(m + 1) - density(m)) / width as f64,
            (true, false) => (density(m) - density(m - 1)) / width as f64,
            (false, false) => 0.0,
        };
        let len = (hi - lo + 1) as f64;
        let mid = (lo + hi) as f64 / 2.0;
        // Clamp a negative density at the window's ends, then renormalise
        // the window to its observed total.
        let mut vals = Vec::with_capacity(len as usize);
        let mut total = 0.0;
        for x in lo..=hi {
            let f = (w as f64 / len + slope * (x as f64 - mid)).max(0.0);
            vals.push(f);
            total += f;
        }
        let scale = if total > 0.0 { w as f64 / total } else { 0.0 };
        for (x, f) in (lo..=hi).zip(vals) {
            e[class(x)] += f * scale;
        }
    }
    let far = n.saturating_sub(in_windows) as f64;
    for (ek, pk) in e.iter_mut().zip(law) {
        *ek = (*ek + far * pk) / n as f64;
    }
    e
}

/// The noncentrality λ = n Σ (p̃ₖ − pₖ)²/pₖ and the probability that a
/// level-`alpha` Pearson test on k categories rejects from it alone
/// (Patnaik's approximation).
pub fn shape_bias(shape: &[f64], law: &[f64], n: u64, alpha: f64) -> (f64, f64) {
    let lambda: f64 = n as f64
        * shape
            .iter()
            .zip(law)
            .map(|(s, p)| (s - p).powi(2) / p)
            .sum::<f64>();
    let df = (law.len() - 1) as f64;
    let (Ok(central), true) = (ChiSquared::new(df), lambda.is_finite()) else {
        return (lambda, f64::NAN);
    };
    let crit = central.inverse_cdf(1.0 - alpha);
    if lambda <= 0.0 {
        return (0.0, alpha);
    }
    let c = (df + 2.0 * lambda) / (df + lambda);
    let nu = (df + lambda).powi(2) / (df + 2.0 * lambda);
    let rate = ChiSquared::new(nu).map_or(f64::NAN, |d| d.sf(crit / c));
    (lambda, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_counts_imply_the_uniform_law() {
        // Equal window totals: no slope, uniform last digits.
        let w = [0, 50, 50, 50, 50];
        let e = shape_frequencies(&w, 10, 10, 200, &[0.1; 10], |x| (x % 10) as usize);
        for v in &e {
            assert!((v - 0.1).abs() < 1e-12, "{e:?}");
        }
        let (lambda, rate) = shape_bias(&e, &[0.1; 10], 200, 0.05);
        assert!(lambda.abs() < 1e-20 && (rate - 0.05).abs() < 1e-12);
    }

    #[test]
    fn a_linear_ramp_is_recovered_exactly() {
        // Density f(x) = x on 10..=49 (interior window 20..29 sees the
        // slope exactly): window totals Σx; digit d in window m has x = 10m + d.
        let mut w = [0u64; 6];
        for x in 10..60u64 {
            w[(x / 10) as usize] += x;
        }
        let n: u64 = w.iter().sum();
        let e = shape_frequencies(&w, 10, 10, n, &[0.1; 10], |x| (x % 10) as usize);
        // Exact digit frequencies of the ramp: Σ_m (10m + d) / n.
        for d in 0..10u64 {
            let exact: u64 = (1..6).map(|m| 10 * m + d).sum();
            assert!(
                (e[d as usize] - exact as f64 / n as f64).abs() < 1e-9,
                "digit {d}: {e:?}"
            );
        }
        // Small digits are more common: the uniform law is biased here.
        assert!(e[0] < e[9]);
        let (_, rate) = shape_bias(&e, &[0.1; 10], 100_000, 0.05);
        assert!(rate > 0.5);
    }

    #[test]
    fn patnaik_matches_a_known_power() {
        // Noncentral χ²(9, λ = 20) exceeds 16.919 with probability 0.90297
        // (scipy.stats.ncx2.sf(chi2.ppf(.95, 9), 9, 20)); Patnaik is within 0.02.
        let law = [0.1; 10];
        let n = 1000u64;
        // Build p̃ with λ = 20: p̃ = p + δ on two cells, δ = √(20·0.1/(2n)).
        let d = (20.0f64 * 0.1 / (2.0 * n as f64)).sqrt();
        let mut s = law.to_vec();
        s[0] += d;
        s[1] -= d;
        let (lambda, rate) = shape_bias(&s, &law, n, 0.05);
        assert!((lambda - 20.0).abs() < 1e-9);
        assert!((rate - 0.90297).abs() < 0.02, "{rate}");
    }
}
