//! A fast standard normal CDF for inner loops: cubic Hermite interpolation
//! of a table of Φ and its derivative φ.
//!
//! # Method
//! Φ and φ are tabulated on [−9, 9] at steps of h = 1/256 (Φ from statrs'
//! erfc). Between two knots Φ is the cubic Hermite interpolant of the
//! values and the exact slopes φ, whose error is at most
//! h⁴/384 · max|Φ⁽⁴⁾| < 4e-13 (Burden & Faires, *Numerical Analysis*,
//! Thm 3.9); the interpolant is continuously differentiable, so objectives
//! built from it stay smooth for finite-difference derivatives. Beyond ±9
//! the CDF is 0 or 1 (Φ(−9) ≈ 1.1e-19). Measured against statrs: largest
//! absolute difference 2.5e-11 on 200,001 points, at |x| = 1/√2, where
//! statrs' erf switches between approximations (unit test).

use std::sync::OnceLock;

use statrs::distribution::{Continuous, ContinuousCDF, Normal};

const RANGE: f64 = 9.0;
const STEPS_PER_UNIT: f64 = 256.0;

struct Table {
    cdf: Vec<f64>,
    pdf: Vec<f64>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let n = Normal::standard();
        let knots = (2.0 * RANGE * STEPS_PER_UNIT) as usize + 1;
        let x = |k: usize| -RANGE + k as f64 / STEPS_PER_UNIT;
        Table {
            cdf: (0..knots).map(|k| n.cdf(x(k))).collect(),
            pdf: (0..knots).map(|k| n.pdf(x(k))).collect(),
        }
    })
}

/// Φ(x), the standard normal CDF, to about 1e-12 (NaN for NaN).
#[inline]
pub fn phi(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= -RANGE {
        return 0.0;
    }
    if x >= RANGE {
        return 1.0;
    }
    let t = table();
    let p = (x + RANGE) * STEPS_PER_UNIT;
    // p > 0 here, so truncation is the floor (without a libm call).
    let k = (p as usize).min(t.cdf.len() - 2);
    let u = p - k as f64;
    let h = 1.0 / STEPS_PER_UNIT;
    let (u2, u3) = (u * u, u * u * u);
    let h00 = 2.0 * u3 - 3.0 * u2 + 1.0;
    let h10 = u3 - 2.0 * u2 + u;
    let h01 = -2.0 * u3 + 3.0 * u2;
    let h11 = u3 - u2;
    h00 * t.cdf[k] + h10 * h * t.pdf[k] + h01 * t.cdf[k + 1] + h11 * h * t.pdf[k + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_statrs_everywhere() {
        let n = Normal::standard();
        let mut worst = 0.0f64;
        for k in 0..=200_000 {
            let x = -10.0 + 20.0 * k as f64 / 200_000.0;
            worst = worst.max((phi(x) - n.cdf(x)).abs());
        }
        // statrs' erf switches approximations at 0.5 (|x| = 1/√2 here) with
        // a jump of about 2.5e-11; elsewhere the two agree to 1e-12.
        assert!(worst < 5e-11, "largest error {worst:e}");
        assert_eq!(phi(0.0), 0.5);
        assert!(phi(f64::NAN).is_nan());
    }

    #[test]
    fn is_monotone_between_knots() {
        let mut last = 0.0;
        for k in 0..=100_000 {
            let v = phi(-9.0 + 18.0 * k as f64 / 100_000.0);
            assert!(v >= last - 1e-15, "{v} < {last} at step {k}");
            last = v;
        }
    }
}
