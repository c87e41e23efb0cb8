//! Multiple-testing adjustment.

/// Benjamini–Hochberg adjusted p-values (q-values) controlling the false
/// discovery rate.
///
/// # Formula
/// Sort the m defined p-values p₍₁₎ ≤ … ≤ p₍ₘ₎; q₍ᵢ₎ = min over j ≥ i of
/// min(1, m·p₍ⱼ₎ / j). Rejecting every test with q ≤ α controls the FDR at
/// α when the tests are independent or positively dependent (PRDS).
/// `NaN` entries (tests that did not run) stay `NaN` and do not count in m.
///
/// # References
/// Benjamini & Hochberg (1995), *JRSS B* 57(1): 289–300, step-up procedure;
/// Benjamini & Yekutieli (2001), *Annals of Statistics* 29(4), Theorem 1.2
/// (PRDS). Matches R's `p.adjust(p, "BH")`.
///
/// # Examples
/// ```
/// use escrutinio::stats::multiple::benjamini_hochberg;
/// // R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "BH") = 0.04 0.0533 0.0533 0.5
/// let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
/// assert!((q[0] - 0.04).abs() < 1e-12);
/// assert!((q[1] - 0.04 * 4.0 / 3.0).abs() < 1e-12);
/// assert!((q[2] - 0.04 * 4.0 / 3.0).abs() < 1e-12);
/// assert!((q[3] - 0.5).abs() < 1e-12);
/// ```
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    let m = idx.len() as f64;
    // Stable sort by p-value, ties by position: the result does not depend on it.
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut q = vec![f64::NAN; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in idx.iter().enumerate().rev() {
        let v = (m * p[i] / (rank + 1) as f64).min(1.0);
        running = running.min(v);
        q[i] = running;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_p_adjust() {
        // R 4.3: p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074,
        //   0.205, 0.212, 0.216), "BH")
        // = 0.0100 0.0400 0.0840 0.0840 0.0840 0.1000 0.1057 0.2160 0.2160 0.2160
        let p = [
            0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216,
        ];
        let q = benjamini_hochberg(&p);
        let want = [
            0.01,
            0.04,
            0.084,
            0.084,
            0.084,
            0.1,
            0.074 * 10.0 / 7.0,
            0.216,
            0.216,
            0.216,
        ];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn nan_is_skipped_and_not_counted() {
        let q = benjamini_hochberg(&[f64::NAN, 0.02, 0.04]);
        assert!(q[0].is_nan());
        assert!((q[1] - 0.04).abs() < 1e-12 && (q[2] - 0.04).abs() < 1e-12);
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
