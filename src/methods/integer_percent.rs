//! Integer-percentage peaks: too many stations whose turnout or leader's
//! result is a whole percentage (Kobak, Shpilkin & Pshenichnikov 2016,
//! *Annals of Applied Statistics* 10(1): 54–75, "Integer percentages as
//! electoral falsification fingerprints").
//!
//! # Definitions (the paper's, §2 and its supplementary code)
//! Stations are kept when valid + invalid > 0 and the electorate is at least
//! 100, then when turnout ≤ 0.99 and the leader's result ≤ 0.99. Turnout
//! p₂ = 100·issued/electorate, leader's result p₁ = 100·leader/(valid +
//! invalid). A value is *integer* when |p − round(p)| ≤ 0.05, evaluated in
//! f64 exactly like that.
//!
//! # Null (exact, no simulation)
//! The paper resamples each station: leader′ ~ Bin(valid + invalid, observed
//! share) and issued′ ~ Bin(electorate, observed turnout), independently,
//! denominators fixed, 1,000 times. The same null is computed exactly here:
//! per station, P₁ᵢ = Σ over the k whose percentage is integer of
//! Bin(k; n₁, ŝᵢ), likewise P₂ᵢ, and qᵢ = 1 − (1 − P₁ᵢ)(1 − P₂ᵢ) for
//! "either". The count of integer stations is Poisson-binomial: E = Σ qᵢ,
//! Var = Σ qᵢ(1 − qᵢ). Only k within 10 standard deviations of n·ŝ are
//! evaluated (the rest carry less than 1e-20 of the mass).
//!
//! The p-value is the upper tail of the Poisson-binomial count by the normal
//! approximation with continuity correction (with about 10⁵ stations and
//! E ≈ 10⁴ the approximation error is far below the Monte Carlo error of
//! the paper's 1,000 replicates).
//!
//! # Assumptions
//! Under the null, each station's counts are binomial around its own
//! observed rates, independently across stations and between the two
//! quantities (the paper's null). Stations excluded by the inclusion rules
//! are counted in `excluded`.

use rayon::prelude::*;
use serde::Serialize;
use statrs::function::gamma::ln_gamma;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
    TestOutcome,
};
use crate::rng::{binomial, Purpose};
use crate::stats::gof::normal_upper_p_value;

/// Inclusion rules (defaults: the paper's).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IntegerPercentOptions {
    /// Smallest electorate kept (100).
    pub min_electorate: u64,
    /// Largest turnout and leader's result kept (0.99).
    pub max_rate: f64,
    /// Half-width of the "integer" window, in percentage points (0.05).
    pub tolerance: f64,
    /// Replicates of the paper's Monte Carlo null, for parity with the
    /// published analysis (0: exact null only; the paper used 1,000).
    pub monte_carlo: usize,
}

impl Default for IntegerPercentOptions {
    fn default() -> Self {
        IntegerPercentOptions {
            min_electorate: 100,
            max_rate: 0.99,
            tolerance: 0.05,
            monte_carlo: 0,
        }
    }
}

impl IntegerPercentOptions {
    /// Checks every option's domain.
    pub fn check(&self) -> Result<(), String> {
        if !(self.max_rate > 0.0 && self.max_rate <= 1.0) {
            return Err(format!(
                "--integer-max-rate must lie in (0, 1], not {}",
                self.max_rate
            ));
        }
        if !(self.tolerance > 0.0 && self.tolerance < 0.5) {
            return Err(format!(
                "--integer-tolerance must lie in (0, 0.5), not {}",
                self.tolerance
            ));
        }
        Ok(())
    }
}

/// The integer-percentage test as a family (see [`crate::methods::Family`]).
pub struct IntegerPercent;

impl Family for IntegerPercent {
    const NAME: &'static str = "integer_percent";
    type Options = IntegerPercentOptions;
    type Finding = IntegerPercentFinding;

    fn check(options: &IntegerPercentOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<IntegerPercentOptions>,
        ctx: &Context,
    ) -> Result<IntegerPercentFinding, Skip> {
        let e = inputs.station_table()?;
        e.electorate()?;
        Ok(analyse(e, options, ctx))
    }

    /// No Monte Carlo check of the exact null.
    fn without_intervals(o: &IntegerPercentOptions) -> IntegerPercentOptions {
        IntegerPercentOptions {
            monte_carlo: 0,
            ..*o
        }
    }

    /// The three one-sided tests of excess integer percentages.
    fn tests(finding: &IntegerPercentFinding) -> Vec<TestOutcome> {
        [
            ("turnout", &finding.turnout),
            ("leader", &finding.leader),
            ("either", &finding.either),
        ]
        .into_iter()
        .map(|(name, c)| {
            let z = if c.sd > 0.0 { c.excess / c.sd } else { 0.0 };
            TestOutcome::new(name, c.p_value, z)
        })
        .collect()
    }

    fn station_columns(inputs: &Inputs, finding: &IntegerPercentFinding) -> Vec<StationColumn> {
        let Some(e) = inputs.election() else {
            return Vec::new();
        };
        let flags = per_station(e, &finding.options);
        vec![
            StationColumn {
                name: "integer_turnout".into(),
                values: ColumnValues::Bool(flags.iter().map(|f| f.map(|f| f.0)).collect()),
            },
            StationColumn {
                name: "integer_leader".into(),
                values: ColumnValues::Bool(flags.iter().map(|f| f.map(|f| f.1)).collect()),
            },
        ]
    }
}

/// Observed against expected integer counts for one quantity.
#[derive(Debug, Clone, Serialize)]
pub struct IntegerCount {
    pub observed: u64,
    /// Expected count under the null (Σ of per-station probabilities).
    pub expected: f64,
    /// Null standard deviation √Σ q(1 − q).
    pub sd: f64,
    /// observed − expected.
    pub excess: f64,
    /// Upper-tail p-value (normal approximation with continuity correction).
    pub p_value: f64,
}

/// The integer-percentage finding.
#[derive(Debug, Clone, Serialize)]
pub struct IntegerPercentFinding {
    pub options: Recorded<IntegerPercentOptions>,
    /// Stations kept by the inclusion rules.
    pub stations: usize,
    /// Stations excluded by them.
    pub excluded: usize,
    pub turnout: IntegerCount,
    pub leader: IntegerCount,
    pub either: IntegerCount,
    /// The paper's simulated null (with `monte_carlo` > 0).
    pub monte_carlo: Option<MonteCarloNull>,
    /// Kept stations per 0.1-point bin of turnout and of the leader's
    /// result over [0, 100) (1,000 bins; the peaks sit on the integers).
    pub turnout_histogram: Vec<u64>,
    pub leader_histogram: Vec<u64>,
    /// Plain-words reading at the 0.01 level.
    pub verdict: String,
}

/// The paper's Monte Carlo null: per quantity, the simulated mean and sd of
/// the integer count, and the band 99.9th percentile − mean the paper uses
/// as its significance threshold.
#[derive(Debug, Clone, Serialize)]
pub struct MonteCarloNull {
    pub replicates: usize,
    pub turnout: SimulatedCount,
    pub leader: SimulatedCount,
    pub either: SimulatedCount,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct SimulatedCount {
    pub mean: f64,
    pub sd: f64,
    /// observed − simulated mean (the paper's anomaly).
    pub excess: f64,
    /// 99.9th percentile − mean.
    pub band_999: f64,
}

/// Whether k/n is an integer percentage: |100k/n − round(100k/n)| ≤ tol.
#[inline]
pub fn is_integer_percent(k: u64, n: u64, tol: f64) -> bool {
    let p = 100.0 * k as f64 / n as f64;
    (p - nearest_integer(p)).abs() <= tol
}

/// [`is_integer_percent`]`(k, n, tol)` for a `k` near `n·j/100`, without
/// its division where the answer is clear: with `d = 100k − jn` exact in
/// integers, `r ≈ |d|/n` (one multiplication) is the distance of `100k/n`
/// to `j`; more than 1e-9 inside `tol` it is an integer percentage, more
/// than 1e-9 outside `tol` and also farther than `tol` from `j ± 1` it is
/// not. Only within 1e-9 of an edge (the division's rounding is about
/// 1e-14) is [`is_integer_percent`] itself evaluated, so the result is
/// always the same.
#[inline]
fn integer_percent_near(k: u64, n: u64, j: i64, inv_n: f64, tol: f64) -> bool {
    const MARGIN: f64 = 1e-9;
    // Exact in i64 for every electorate below 9·10¹⁶ (k ≤ n, 0 ≤ j ≤ 100).
    let d = (100 * k as i64 - j * n as i64).unsigned_abs() as i64 as f64;
    let r = d * inv_n;
    if r < tol - MARGIN {
        true
    } else if r > tol + MARGIN && r < 1.0 - tol - MARGIN {
        false
    } else {
        is_integer_percent(k, n, tol)
    }
}

/// The integer nearest to `p` (ties to even) for `0 ≤ p < 2⁵²`, by the
/// classic `(p + 2⁵²) − 2⁵²` (exact in IEEE double arithmetic, two
/// additions instead of a libm call in the exact null's inner loop). Ties
/// differ from `f64::round` (away from zero), but only at `p = m + ½`,
/// where `|p − nearest|` is ½ either way, so the predicate above is the
/// same; larger or negative `p` (not reached: `p ≤ 100` for `k ≤ n`, but
/// callers may pass `k > n`) use `f64::round`.
#[inline]
fn nearest_integer(p: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if (0.0..TWO_52).contains(&p) {
        (p + TWO_52) - TWO_52
    } else {
        p.round()
    }
}

/// P(K/n is an integer percentage) for K ~ Bin(n, p).
///
/// # Examples
/// ```
/// use escrutinio::methods::integer_percent::prob_integer;
/// // n = 100: every k is an integer percentage.
/// assert!((prob_integer(100, 0.37, 0.05) - 1.0).abs() < 1e-12);
/// // n = 200, p = 0.5: the even k, P = ½ (1 + (1 − 2p)^n) = 0.5 exactly.
/// assert!((prob_integer(200, 0.5, 0.05) - 0.5).abs() < 1e-12);
/// ```
pub fn prob_integer(n: u64, p: f64, tol: f64) -> f64 {
    prob_integer_with(n, p, tol, &LnFactorials::default())
}

/// `ln k!` for every `k` up to a bound, tabulated once per run: exactly
/// the values `ln_gamma(k + 1)` that [`prob_integer`] would compute term by
/// term (so results are bit-identical), looked up instead of recomputed
/// (the exact null evaluates about twenty binomial terms per station and
/// rate, two `ln_gamma` each). Beyond the table, `ln_gamma` is called.
#[derive(Debug, Clone, Default)]
pub struct LnFactorials {
    table: Vec<f64>,
}

impl LnFactorials {
    /// The largest `k` tabulated (larger counts fall back to `ln_gamma`;
    /// the table then takes 8 MB).
    pub const MAX_TABULATED: u64 = 1 << 20;

    /// `ln k!` for `k = 0..=max` (capped at [`Self::MAX_TABULATED`]),
    /// computed in parallel.
    pub fn up_to(max: u64) -> LnFactorials {
        let top = max.min(Self::MAX_TABULATED);
        LnFactorials {
            table: (0..=top)
                .into_par_iter()
                .map(|k| ln_gamma(k as f64 + 1.0))
                .collect(),
        }
    }

    /// `ln k!`.
    #[inline]
    pub fn get(&self, k: u64) -> f64 {
        match self.table.get(k as usize) {
            Some(&v) => v,
            None => ln_gamma(k as f64 + 1.0),
        }
    }
}

/// [`prob_integer`] with `ln k!` read from `ln_fact` (same value, bit for
/// bit).
pub fn prob_integer_with(n: u64, p: f64, tol: f64, ln_fact: &LnFactorials) -> f64 {
    if n == 0 {
        return 0.0;
    }
    if p <= 0.0 {
        return is_integer_percent(0, n, tol) as u8 as f64;
    }
    if p >= 1.0 {
        return is_integer_percent(n, n, tol) as u8 as f64;
    }
    let nf = n as f64;
    let mean = nf * p;
    let sd = (nf * p * (1.0 - p)).sqrt();
    let lo = (mean - 10.0 * sd - 1.0).floor().max(0.0) as u64;
    let hi = ((mean + 10.0 * sd + 1.0).ceil() as u64).min(n);
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let ln_n = ln_fact.get(n);
    // Walk the integer percentages j in range and test the k around n·j/100.
    let j_lo = (100.0 * lo as f64 / nf).floor() as i64;
    let j_hi = (100.0 * hi as f64 / nf).ceil() as i64;
    let mut total = 0.0;
    let mut last_k: Option<u64> = None;
    let inv_n = 1.0 / nf;
    for j in j_lo.max(0)..=j_hi.min(100) {
        let c = nf * j as f64 / 100.0;
        let w = nf * tol / 100.0;
        let k0 = ((c - w).floor() - 1.0).max(lo as f64) as u64;
        let k1 = ((c + w).ceil() + 1.0).min(hi as f64) as u64;
        for k in k0..=k1 {
            if last_k.is_some_and(|l| k <= l) || !integer_percent_near(k, n, j, inv_n, tol) {
                continue;
            }
            last_k = Some(k);
            let kf = k as f64;
            total += (ln_n - ln_fact.get(k) - ln_fact.get(n - k) + kf * lp + (nf - kf) * lq).exp();
        }
    }
    total.min(1.0)
}

fn count(observed: u64, probs: impl Iterator<Item = f64>) -> IntegerCount {
    let (mut e, mut v) = (0.0, 0.0);
    for q in probs {
        e += q;
        v += q * (1.0 - q);
    }
    let sd = v.sqrt();
    let z = (observed as f64 - 0.5 - e) / sd;
    let p_value = if sd > 0.0 {
        normal_upper_p_value(z)
    } else if observed as f64 > e {
        0.0
    } else {
        1.0
    };
    IntegerCount {
        observed,
        expected: e,
        sd,
        excess: observed as f64 - e,
        p_value,
    }
}

/// A station the inclusion rules keep: ballots issued over the electorate,
/// the leader's votes over valid + invalid.
#[derive(Clone, Copy)]
struct Unit {
    electorate: u64,
    issued: u64,
    denom: u64,
    leader: u64,
}

impl Unit {
    /// The station `i` if the inclusion rules keep it.
    fn of(e: &Election, i: usize, opts: &IntegerPercentOptions) -> Option<Unit> {
        // Valid + invalid (the share denominator is the valid count).
        let u = Unit {
            electorate: e.electorate.as_deref()?[i],
            issued: e.ballots[i],
            denom: e.share_denominator[i] + e.invalid.as_ref().map_or(0, |v| v[i]),
            leader: e.contestants[e.winner].votes[i],
        };
        if u.denom == 0 || u.electorate < opts.min_electorate {
            return None;
        }
        (u.turnout() <= opts.max_rate && u.share() <= opts.max_rate).then_some(u)
    }

    fn turnout(&self) -> f64 {
        self.issued as f64 / self.electorate as f64
    }

    fn share(&self) -> f64 {
        self.leader as f64 / self.denom as f64
    }

    /// (turnout on an integer percentage, leader's result on one).
    fn integer(&self, tol: f64) -> (bool, bool) {
        (
            is_integer_percent(self.issued, self.electorate, tol),
            is_integer_percent(self.leader, self.denom, tol),
        )
    }
}

/// Counts integer turnouts and leader's results and their exact null.
pub fn analyse(
    e: &Election,
    opts: &Checked<IntegerPercentOptions>,
    ctx: &Context,
) -> IntegerPercentFinding {
    let n = e.stations.len();
    let tol = opts.tolerance;
    let units: Vec<Unit> = (0..n).filter_map(|i| Unit::of(e, i, opts)).collect();
    // Per kept station: observed flags, null probabilities.
    let largest = units
        .iter()
        .map(|u| u.electorate.max(u.denom))
        .max()
        .unwrap_or(0);
    let ln_fact = LnFactorials::up_to(largest);
    let rows: Vec<(bool, bool, f64, f64)> = units
        .par_iter()
        .map(|u| {
            let (it, il) = u.integer(tol);
            (
                it,
                il,
                prob_integer_with(u.electorate, u.turnout(), tol, &ln_fact),
                prob_integer_with(u.denom, u.share(), tol, &ln_fact),
            )
        })
        .collect();
    let obs_t = rows.iter().filter(|r| r.0).count() as u64;
    let obs_l = rows.iter().filter(|r| r.1).count() as u64;
    let obs_e = rows.iter().filter(|r| r.0 || r.1).count() as u64;
    let monte_carlo =
        (opts.monte_carlo > 0).then(|| monte_carlo_null(&units, opts, [obs_t, obs_l, obs_e], ctx));
    let (mut th, mut lh) = (vec![0u64; 1000], vec![0u64; 1000]);
    for u in &units {
        th[((1000.0 * u.turnout()) as usize).min(999)] += 1;
        lh[((1000.0 * u.share()) as usize).min(999)] += 1;
    }
    let either = count(obs_e, rows.iter().map(|r| 1.0 - (1.0 - r.2) * (1.0 - r.3)));
    let verdict = if either.p_value < 0.01 {
        format!(
            "Significant at 0.01: {} stations have an integer turnout or leader's result, {:.0} more than the {:.0} expected by chance (p = {:.2e}).",
            either.observed, either.excess, either.expected, either.p_value
        )
    } else {
        format!(
            "Not significant at 0.01: {} stations have an integer turnout or leader's result against {:.0} expected by chance (p = {:.3}); no excess of round percentages.",
            either.observed, either.expected, either.p_value
        )
    };
    IntegerPercentFinding {
        options: Recorded::new(&**opts, ctx),
        stations: units.len(),
        excluded: n - units.len(),
        turnout: count(obs_t, rows.iter().map(|r| r.2)),
        leader: count(obs_l, rows.iter().map(|r| r.3)),
        either,
        monte_carlo,
        turnout_histogram: th,
        leader_histogram: lh,
        verdict,
    }
}

/// The paper's null by simulation: replicate r draws, per station,
/// issued′ ~ Bin(electorate, t) and leader′ ~ Bin(valid + invalid, s) from
/// stream (seed, r), and counts integer percentages.
fn monte_carlo_null(
    units: &[Unit],
    opts: &IntegerPercentOptions,
    observed: [u64; 3],
    ctx: &Context,
) -> MonteCarloNull {
    let counts: Vec<[f64; 3]> = (0..opts.monte_carlo)
        .into_par_iter()
        .map(|r| {
            let mut g = ctx.stream(Purpose::IntegerPercentMonteCarlo, r as u64);
            let mut c = [0.0; 3];
            for u in units {
                let issued = binomial(&mut g, u.electorate, u.turnout());
                let leader = binomial(&mut g, u.denom, u.share());
                let it = is_integer_percent(issued, u.electorate, opts.tolerance);
                let il = is_integer_percent(leader, u.denom, opts.tolerance);
                c[0] += it as u8 as f64;
                c[1] += il as u8 as f64;
                c[2] += (it || il) as u8 as f64;
            }
            c
        })
        .collect();
    let summary = |k: usize| {
        let mut v: Vec<f64> = counts.iter().map(|c| c[k]).collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
            / (v.len() as f64 - 1.0).max(1.0))
        .sqrt();
        v.sort_by(f64::total_cmp);
        SimulatedCount {
            mean: m,
            sd,
            excess: observed[k] as f64 - m,
            band_999: crate::stats::bootstrap::quantile_sorted(&v, 0.999) - m,
        }
    };
    MonteCarloNull {
        replicates: opts.monte_carlo,
        turnout: summary(0),
        leader: summary(1),
        either: summary(2),
    }
}

/// Per station: (turnout on an integer percentage, leader's result on
/// one), `None` for stations the inclusion rules leave out.
pub fn per_station(e: &Election, opts: &IntegerPercentOptions) -> Vec<Option<(bool, bool)>> {
    (0..e.len())
        .map(|i| Unit::of(e, i, opts).map(|u| u.integer(opts.tolerance)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_predicate_at_the_boundary() {
        assert!(is_integer_percent(1, 2, 0.05)); // 50 %
        assert!(!is_integer_percent(601, 1000, 0.05)); // 60.1 %
        assert!(is_integer_percent(1, 3000, 0.05)); // 0.033 %
        assert!(!is_integer_percent(1, 1000, 0.05)); // 0.1 %
        assert!(is_integer_percent(1201, 2000, 0.05)); // 60.05 %, on the edge in f64
    }

    #[test]
    fn nearest_integer_agrees_with_round_on_the_predicate() {
        let mut g = crate::rng::stream_for(7, Purpose::IntegerPercentMonteCarlo, 0);
        use rand::Rng as _;
        for _ in 0..200_000 {
            let p: f64 = g.random_range(0.0..100.0);
            assert_eq!((p - nearest_integer(p)).abs(), (p - p.round()).abs(), "{p}");
        }
        for p in [0.0, 0.5, 1.5, 2.5, 99.5, 100.0, 49.999_999_999_999_99] {
            assert_eq!((p - nearest_integer(p)).abs(), (p - p.round()).abs(), "{p}");
        }
        assert_eq!(nearest_integer(-2.5), -3.0);
    }

    #[test]
    fn the_shortcut_predicate_is_the_predicate() {
        for n in (1u64..=600).chain([999, 1000, 1001, 2000, 2001, 4999, 123_457]) {
            for k in 0..=n.min(3000) {
                let j = (100.0 * k as f64 / n as f64).round() as i64;
                for jj in [j - 1, j, j + 1] {
                    if jj < 0 {
                        continue;
                    }
                    for tol in [0.05, 0.0, 0.25, 0.1] {
                        assert_eq!(
                            integer_percent_near(k, n, jj, 1.0 / n as f64, tol),
                            is_integer_percent(k, n, tol),
                            "k {k} n {n} j {jj} tol {tol}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn exact_probability_by_brute_force() {
        // Compare with a full sum over k for a few (n, p).
        for (n, p) in [
            (137u64, 0.31f64),
            (512, 0.6),
            (1999, 0.72),
            (3, 0.5),
            (250, 0.999),
        ] {
            let brute: f64 = (0..=n)
                .filter(|&k| is_integer_percent(k, n, 0.05))
                .map(|k| {
                    let (nf, kf) = (n as f64, k as f64);
                    (ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
                        + kf * p.ln()
                        + (nf - kf) * (1.0 - p).ln())
                    .exp()
                })
                .sum();
            let fast = prob_integer(n, p, 0.05);
            assert!(
                (fast - brute).abs() < 1e-12,
                "n {n} p {p}: {fast} vs {brute}"
            );
        }
    }
}
