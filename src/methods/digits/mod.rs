//! Digit tests: Benford's first and second digit, last digit, last two
//! digits, 0/5 rounding and last-digit pairs, on any count column, over all
//! stations and per region.
//!
//! Each result holds the observed and expected frequencies, Pearson's X² and
//! the G statistic with asymptotic χ² p-values, Benjamini–Hochberg q-values
//! across columns and regions (one family per test), the digit mean with its
//! null standard error, z-test and a closed-form normal interval (a seeded bootstrap interval on request), and Nigrini's
//! MAD with his conformity label where he defines one.
//!
//! # Assumptions
//! Under the null, the tested digits of the eligible counts are independent
//! draws from the stated law (stations are independent). The χ² p-values are
//! asymptotic; a test runs only when every expected cell count is at least 5
//! (Cochran 1954, *Biometrics* 10(4): 417–451), otherwise it reports
//! `insufficient_data`. Calibration (uniform p-values under the null) is
//! checked by simulation in `tests/digits.rs`.
//!
//! # Caveats (also written into the report)
//! Digit laws are *not* implied by clean elections in general: first digits
//! of station counts follow Benford only when counts span several orders of
//! magnitude; second digits of clean counts often depart from 2BL (Deckert,
//! Myagkov & Ordeshook 2011); and digit tests have no power against
//! proportional ballot stuffing. Never read them alone.

pub mod laws;
pub mod shape;
pub mod tally;

use rayon::prelude::*;
use serde::Serialize;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::methods::family::{Checked, Context, Family, OptionsError, Recorded, Skip, TestOutcome};
use crate::rng::Purpose;
use crate::stats::bootstrap::{categorical_mean_interval, categorical_mean_normal_interval};
use crate::stats::gof::{
    chi_square_p_value, conformity, discrete_moments, g_statistic, mean_absolute_deviation,
    normal_two_sided_p_value, pearson_chi_square, Conformity,
};
use crate::stats::multiple::benjamini_hochberg;

pub use laws::{DigitTest, ALL_TESTS};
use tally::{tally_by_region, DigitTally};

/// The label of the all-stations scope in `region`.
pub const ALL_REGIONS: &str = "all";

/// The smallest count each test is defined for (counts below are excluded
/// and counted in `n_excluded`; zero counts are excluded by every test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    /// Default 1 (every positive count).
    pub first_digit: u64,
    /// Default 10 (a second digit needs two digits; Mebane 2006). At least 10.
    pub second_digit: u64,
    /// Default 10 (Beber & Scacco 2012 drop single-digit counts). Also used
    /// by `zero_five`. 0 includes zero counts, as the Election Forensics
    /// Toolkit's last-digit mean does (it reproduces the toolkit's 4.4759 for
    /// the leader in Russia 2011; `tests/digits.rs`).
    pub last_digit: u64,
    /// Default 100 (the two digits must not be the whole count; Beber &
    /// Scacco 2012, fn. 4, also drop two-digit counts). At least 10.
    pub last_two_digits: u64,
    /// Default 10 (a pair needs two digits). At least 10.
    pub digit_pairs: u64,
}

impl Default for Eligibility {
    fn default() -> Self {
        Eligibility {
            first_digit: 1,
            second_digit: 10,
            last_digit: 10,
            last_two_digits: 100,
            digit_pairs: 10,
        }
    }
}

impl Eligibility {
    /// The threshold of one test.
    pub fn of(&self, t: DigitTest) -> u64 {
        *{ *self }.of_mut(t)
    }

    /// The threshold of one test, to set it (`zero_five` shares `last_digit`'s).
    pub fn of_mut(&mut self, t: DigitTest) -> &mut u64 {
        match t {
            DigitTest::FirstDigit => &mut self.first_digit,
            DigitTest::SecondDigit => &mut self.second_digit,
            DigitTest::LastDigit | DigitTest::ZeroFive => &mut self.last_digit,
            DigitTest::LastTwoDigits => &mut self.last_two_digits,
            DigitTest::DigitPairs => &mut self.digit_pairs,
        }
    }

    fn check(&self) -> Result<(), String> {
        for (what, v, min) in [
            ("first_digit", self.first_digit, 1),
            ("second_digit", self.second_digit, 10),
            ("last_digit", self.last_digit, 0),
            ("last_two_digits", self.last_two_digits, 10),
            ("digit_pairs", self.digit_pairs, 10),
        ] {
            if v < min {
                return Err(format!(
                    "minimum count for {what} must be at least {min}, got {v}"
                ));
            }
        }
        Ok(())
    }
}

/// Options of the digit tests.
#[derive(Debug, Clone, Serialize)]
pub struct DigitsOptions {
    /// Tests to run, in report order.
    pub tests: Vec<DigitTest>,
    pub eligibility: Eligibility,
    /// Also test each region separately (`levels[0]`); skipped when there is one region.
    pub by_region: bool,
    /// Bootstrap replicates for the digit-mean interval (0, the default:
    /// the closed-form normal interval instead).
    pub bootstrap_replicates: usize,
    /// Two-sided level of the mean interval.
    pub confidence_level: f64,
    /// Significance level used by the summary counts and the verdict (on q-values).
    pub alpha: f64,
}

impl Default for DigitsOptions {
    fn default() -> Self {
        DigitsOptions {
            tests: ALL_TESTS.to_vec(),
            eligibility: Eligibility::default(),
            by_region: true,
            bootstrap_replicates: 0,
            confidence_level: 0.95,
            alpha: 0.05,
        }
    }
}

impl DigitsOptions {
    /// Checks every option's domain.
    pub fn check(&self) -> Result<(), String> {
        self.eligibility.check()?;
        if !(self.confidence_level > 0.0 && self.confidence_level < 1.0) {
            return Err(format!(
                "confidence level must lie in (0, 1), got {}",
                self.confidence_level
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(format!("alpha must lie in (0, 1), got {}", self.alpha));
        }
        Ok(())
    }
}

/// The digit tests as a family (see [`crate::methods::Family`]).
pub struct Digits;

impl Family for Digits {
    const NAME: &'static str = "digits";
    type Options = DigitsOptions;
    type Finding = DigitsFinding;

    fn check(options: &DigitsOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<DigitsOptions>,
        ctx: &Context,
    ) -> Result<DigitsFinding, Skip> {
        let e = inputs.station_table()?;
        Ok(analyse(e, options, ctx))
    }

    /// No bootstrap of the digit means (the χ² tests are analytic).
    fn without_intervals(o: &DigitsOptions) -> DigitsOptions {
        DigitsOptions {
            bootstrap_replicates: 0,
            ..o.clone()
        }
    }

    /// Each national result's Pearson χ² test (`test:column`), except on
    /// the registered voters, which placebo elections keep as they are.
    fn tests(finding: &DigitsFinding) -> Vec<TestOutcome> {
        finding
            .results
            .iter()
            .filter(|r| r.region == ALL_REGIONS && r.column_role != ColumnRole::Electorate)
            .filter_map(|r| {
                Some(TestOutcome::new(
                    format!("{}:{}", r.test.name(), r.column),
                    r.p_value?,
                    r.statistic?,
                ))
            })
            .collect()
    }
}

/// What a tested column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Contestant,
    Electorate,
    Ballots,
    Valid,
    Invalid,
}

/// Whether a test ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Some expected cell count n·pₖ is below 5: no statistic is reported.
    InsufficientData,
}

/// The digit mean of a result.
#[derive(Debug, Clone, Serialize)]
pub struct DigitMean {
    pub observed: f64,
    /// The mean under the null law (e.g. 4.18739 for 2BL, 4.5 for last digits).
    pub expected: f64,
    /// Standard error under the null, σ₀/√n (σ₀ the law's standard deviation).
    pub se: f64,
    /// z = (observed − expected)/se and its two-sided normal p-value.
    pub z: f64,
    pub p_value: f64,
    /// Interval of the mean at `confidence_level`: the normal interval
    /// x̄ ± z·s/√n by default, the percentile bootstrap interval when
    /// `bootstrap_replicates` > 0 (see `interval`).
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// How the interval was computed (since schema 2.1.0).
    pub interval: MeanInterval,
}

/// How a digit mean's interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanInterval {
    /// x̄ ± z·s/√n with the plug-in variance (closed form).
    Normal,
    /// Percentile interval of a multinomial bootstrap.
    Bootstrap,
}

/// One test on one column over one scope.
#[derive(Debug, Clone, Serialize)]
pub struct DigitResult {
    pub test: DigitTest,
    /// The contestant's display name, or `electorate`, `ballots`, `valid`, `invalid`.
    pub column: String,
    pub column_role: ColumnRole,
    /// Region label, or `all`.
    pub region: String,
    pub status: Status,
    /// Smallest eligible count.
    pub min_count: u64,
    /// Stations whose count is eligible.
    pub n: u64,
    /// Stations in the scope whose count is not eligible (below `min_count`,
    /// or zero where the test needs a significant digit).
    pub n_excluded: u64,
    pub observed_counts: Vec<u64>,
    pub observed_frequencies: Vec<f64>,
    pub expected_frequencies: Vec<f64>,
    /// Pearson's X², its degrees of freedom and p-value.
    pub statistic: Option<f64>,
    pub df: u32,
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value among the reliable results of the same
    /// test (`null` for unreliable or insufficient results).
    pub q_value: Option<f64>,
    pub g_statistic: Option<f64>,
    pub g_p_value: Option<f64>,
    pub mean: Option<DigitMean>,
    pub mad: Option<f64>,
    pub mad_conformity: Option<Conformity>,
    /// Last-digit family only: the noncentrality λ that the shape of the
    /// count distribution alone adds to X², and the probability that the
    /// test rejects at 0.05 from it alone (see [`shape`]).
    pub shape_noncentrality: Option<f64>,
    pub shape_rejection_rate: Option<f64>,
    /// False when the test's law is not expected to hold for these counts
    /// even without fraud: a last-digit-family test whose shape rejection
    /// rate exceeds 0.10 (twice the nominal 0.05), or a first-digit test on
    /// counts spanning fewer than three decades. Unreliable results keep
    /// their p-values but do not enter the verdict.
    pub reliable: bool,
    pub warnings: Vec<String>,
}

impl DigitResult {
    /// Display cells (mean, expected mean, interval), 4 decimals, `missing`
    /// where undefined: one formatting for the CLI table and the HTML page.
    pub fn mean_cells(&self, missing: &str) -> [String; 3] {
        match &self.mean {
            Some(m) => [
                format!("{:.4}", m.observed),
                format!("{:.4}", m.expected),
                match (m.ci_low, m.ci_high) {
                    (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
                    _ => missing.into(),
                },
            ],
            None => [missing.into(), missing.into(), missing.into()],
        }
    }

    /// Display label: the MAD conformity class, `insufficient data`, or `missing`.
    pub fn conformity_label(&self, missing: &str) -> String {
        match (self.status, self.mad_conformity) {
            (Status::InsufficientData, _) => "insufficient data".into(),
            (_, Some(c)) => format!("{c:?}").to_lowercase(),
            _ => missing.into(),
        }
    }
}

/// Shape rejection rate above which a last-digit-family result is unreliable.
pub const SHAPE_REJECTION_LIMIT: f64 = 0.10;

/// What a test is, for the report reader.
#[derive(Debug, Clone, Serialize)]
pub struct TestInfo {
    pub test: DigitTest,
    pub categories: Vec<String>,
    pub expected_frequencies: Vec<f64>,
    pub expected_mean: Option<f64>,
    pub min_count: u64,
    /// Nigrini's MAD bands (close / acceptable / marginal upper limits).
    pub mad_bands: Option<[f64; 3]>,
    pub reference: &'static str,
    /// Results that ran, that lacked data, and that are significant at `alpha` on q.
    pub results: usize,
    pub insufficient_data: usize,
    pub significant: usize,
}

/// The `digits` section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct DigitsFinding {
    pub options: Recorded<DigitsOptions>,
    pub tests: Vec<TestInfo>,
    pub results: Vec<DigitResult>,
    /// Plain-words reading of the national results.
    pub verdict: String,
    pub caveats: Vec<&'static str>,
}

/// The caveats every digits section carries.
pub const CAVEATS: [&str; 4] = [
    "First-digit (Benford) tests are only meaningful when counts span several orders of magnitude; station-level counts rarely do (Mebane 2006; Deckert, Myagkov & Ordeshook 2011). Results whose central 90% of counts lie within two decades carry a warning.",
    "Second digits of vote counts from realistic clean processes need not follow Benford's second-digit law (Deckert, Myagkov & Ordeshook 2011, Political Analysis 19(3)); a 2BL rejection is not evidence of fraud on its own. escrutinio's own clean simulations reject 2BL (tests/digits.rs).",
    "Digit tests have no power against proportional ballot stuffing or vote transfers that leave counts' digits looking random; a non-significant digit test does not certify an election.",
    "Digit tests detect numbers written by people (habitual digits, rounding); read them beside the turnout and vote-share fingerprints, never alone.",
];

fn reference(t: DigitTest) -> &'static str {
    match t {
        DigitTest::FirstDigit => "Benford (1938); Hill (1995) Statistical Science 10(4) eq. 1; Nigrini (2012) Table 7.1",
        DigitTest::SecondDigit => "Hill (1995) eq. 2; Mebane (2006) 'Election forensics: vote counts and Benford's law'; Nigrini (2012) Table 7.1; caveat: Deckert, Myagkov & Ordeshook (2011)",
        DigitTest::LastDigit => "Beber & Scacco (2012) Political Analysis 20(2) 211-234",
        DigitTest::LastTwoDigits => "Beber & Scacco (2012); Nigrini (2012) ch. 8",
        DigitTest::ZeroFive => "Hicken & Mebane (2017) 'A guide to election forensics' (C05s); Beber & Scacco (2012)",
        DigitTest::DigitPairs => "Beber & Scacco (2012) section 3 (repeated and adjacent digit pairs)",
    }
}

/// A count column to test.
struct Column<'a> {
    name: String,
    role: ColumnRole,
    values: &'a [u64],
}

fn columns(e: &Election) -> Vec<Column<'_>> {
    let mut cols: Vec<Column> = e
        .contestants
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            role: ColumnRole::Contestant,
            values: &c.votes,
        })
        .collect();
    let others: [(&str, ColumnRole, Option<&Vec<u64>>); 4] = [
        ("electorate", ColumnRole::Electorate, e.electorate.as_ref()),
        ("ballots", ColumnRole::Ballots, Some(&e.ballots)),
        ("valid", ColumnRole::Valid, e.valid.as_ref()),
        ("invalid", ColumnRole::Invalid, e.invalid.as_ref()),
    ];
    for (name, role, values) in others {
        if let Some(v) = values {
            cols.push(Column {
                name: name.into(),
                role,
                values: v,
            });
        }
    }
    cols
}

/// Runs the digit tests on every count column of an election.
///
/// Deterministic: tallies are integer sums and each bootstrap draws from
/// streams keyed by (seed, test, column, region), so the finding is
/// identical for any thread count.
pub fn analyse(e: &Election, opts: &Checked<DigitsOptions>, ctx: &Context) -> DigitsFinding {
    let region = &e.levels[0];
    let n_regions = region.labels.len();
    let cols = columns(e);
    // Tally every column once, per region; the national tally is their sum.
    let tallies: Vec<(Vec<DigitTally>, DigitTally)> = cols
        .par_iter()
        .map(|c| {
            let per = tally_by_region(c.values, &region.codes, n_regions, &opts.eligibility);
            let mut all = DigitTally::default();
            per.iter().for_each(|t| all.merge(t));
            (per, all)
        })
        .collect();
    let with_regions = opts.by_region && n_regions > 1;
    // Jobs in report order: test, column, scope (all first, then regions).
    let mut jobs: Vec<(DigitTest, usize, Option<usize>)> = Vec::new();
    for &t in &opts.tests {
        for ci in 0..cols.len() {
            jobs.push((t, ci, None));
            if with_regions {
                jobs.extend((0..n_regions).map(|r| (t, ci, Some(r))));
            }
        }
    }
    let mut results: Vec<DigitResult> = jobs
        .par_iter()
        .map(|&(t, ci, r)| {
            let (per, all) = &tallies[ci];
            let (tally, label) = match r {
                None => (all, ALL_REGIONS),
                Some(r) => (&per[r], region.labels[r].as_str()),
            };
            evaluate(t, &cols[ci], label, tally, opts, ctx)
        })
        .collect();
    // Benjamini–Hochberg within each test, over its reliable results (an
    // unreliable result's small p-value would otherwise lower everyone's q).
    for &t in &opts.tests {
        let idx: Vec<usize> = (0..results.len())
            .filter(|&i| results[i].test == t && results[i].reliable)
            .collect();
        let p: Vec<f64> = idx
            .iter()
            .map(|&i| results[i].p_value.unwrap_or(f64::NAN))
            .collect();
        for (&i, q) in idx.iter().zip(benjamini_hochberg(&p)) {
            results[i].q_value = (!q.is_nan()).then_some(q);
        }
    }
    let tests = opts
        .tests
        .iter()
        .map(|&t| {
            let of: Vec<&DigitResult> = results.iter().filter(|r| r.test == t).collect();
            let expected = t.expected();
            TestInfo {
                test: t,
                categories: t.categories(),
                expected_mean: t.values().map(|v| discrete_moments(&v, &expected).0),
                expected_frequencies: expected,
                min_count: opts.eligibility.of(t),
                mad_bands: t.mad_bands(),
                reference: reference(t),
                results: of.len(),
                insufficient_data: of
                    .iter()
                    .filter(|r| r.status == Status::InsufficientData)
                    .count(),
                significant: of
                    .iter()
                    .filter(|r| r.q_value.is_some_and(|q| q <= opts.alpha))
                    .count(),
            }
        })
        .collect();
    let verdict = verdict(&results, opts.alpha);
    DigitsFinding {
        options: Recorded::new(&**opts, ctx),
        tests,
        results,
        verdict,
        caveats: CAVEATS.to_vec(),
    }
}

/// The observed counts of a test from a tally.
pub fn observed(t: DigitTest, tally: &DigitTally) -> Vec<u64> {
    match t {
        DigitTest::FirstDigit => tally.first.to_vec(),
        DigitTest::SecondDigit => tally.second.to_vec(),
        DigitTest::LastDigit => tally.last.to_vec(),
        DigitTest::LastTwoDigits => tally.last_two.to_vec(),
        DigitTest::ZeroFive => {
            let z = tally.last[0] + tally.last[5];
            vec![z, tally.last.iter().sum::<u64>() - z]
        }
        DigitTest::DigitPairs => tally.pairs.to_vec(),
    }
}

/// FNV-1a (64-bit): a stable key for a result's bootstrap stream.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Evaluates one test on the frequencies of one column and scope.
pub fn evaluate_counts(
    t: DigitTest,
    counts: Vec<u64>,
    stations: u64,
    opts: &DigitsOptions,
    stream_key: u64,
    ctx: &Context,
) -> DigitResult {
    let expected = t.expected();
    let n: u64 = counts.iter().sum();
    let min_expected = expected.iter().cloned().fold(f64::INFINITY, f64::min);
    let enough = n as f64 * min_expected >= 5.0;
    let freq: Vec<f64> = counts
        .iter()
        .map(|&c| if n > 0 { c as f64 / n as f64 } else { 0.0 })
        .collect();
    let df = expected.len() as u32 - 1;
    let mut r = DigitResult {
        test: t,
        column: String::new(),
        column_role: ColumnRole::Contestant,
        region: String::new(),
        status: if enough {
            Status::Ok
        } else {
            Status::InsufficientData
        },
        min_count: opts.eligibility.of(t),
        n,
        n_excluded: stations - n,
        observed_frequencies: freq,
        expected_frequencies: expected.clone(),
        statistic: None,
        df,
        p_value: None,
        q_value: None,
        g_statistic: None,
        g_p_value: None,
        mean: None,
        mad: None,
        mad_conformity: None,
        shape_noncentrality: None,
        shape_rejection_rate: None,
        reliable: true,
        warnings: Vec::new(),
        observed_counts: counts,
    };
    if !enough {
        return r;
    }
    let counts = &r.observed_counts;
    let x2 = pearson_chi_square(counts, &expected).expect("n > 0, p > 0");
    let g = g_statistic(counts, &expected).expect("n > 0, p > 0");
    r.statistic = Some(x2);
    r.p_value = Some(chi_square_p_value(x2, df));
    r.g_statistic = Some(g);
    r.g_p_value = Some(chi_square_p_value(g, df));
    let mad = mean_absolute_deviation(counts, &expected).expect("n > 0, p > 0");
    r.mad = Some(mad);
    r.mad_conformity = t.mad_bands().map(|b| conformity(mad, b));
    if let Some(values) = t.values() {
        let (mu, sd) = discrete_moments(&values, &expected);
        let observed: f64 = counts
            .iter()
            .zip(&values)
            .map(|(&c, v)| c as f64 * v)
            .sum::<f64>()
            / n as f64;
        let se = sd / (n as f64).sqrt();
        let z = (observed - mu) / se;
        let (ci, interval) = if opts.bootstrap_replicates > 0 {
            let ci = categorical_mean_interval(
                counts,
                &values,
                opts.bootstrap_replicates,
                opts.confidence_level,
                ctx.seed(),
                Purpose::DigitMean.keyed_code(stream_key),
            );
            (ci, MeanInterval::Bootstrap)
        } else {
            let ci = categorical_mean_normal_interval(counts, &values, opts.confidence_level);
            (ci, MeanInterval::Normal)
        };
        r.mean = Some(DigitMean {
            observed,
            expected: mu,
            se,
            z,
            p_value: normal_two_sided_p_value(z),
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            interval,
        });
    }
    r
}

fn evaluate(
    t: DigitTest,
    col: &Column,
    region: &str,
    tally: &DigitTally,
    opts: &DigitsOptions,
    ctx: &Context,
) -> DigitResult {
    let key = fnv1a(&[t.name(), role_name(col.role), &col.name, region]);
    let mut r = evaluate_counts(t, observed(t, tally), tally.stations, opts, key, ctx);
    r.column = col.name.clone();
    r.column_role = col.role;
    r.region = region.to_string();
    if t == DigitTest::FirstDigit && r.n > 0 {
        if let Some((lo, hi)) = central_decades(&tally.decades) {
            if hi - lo < 2 {
                r.reliable = false;
                r.warnings.push(format!(
                    "the central 90% of counts lie between 10^{lo} and 10^{}: fewer than three orders of magnitude, where Benford's first-digit law is not expected to hold",
                    hi + 1
                ));
            }
        }
    }
    if let Some(p) = shape_law(t, tally, &opts.eligibility, r.n) {
        let (lambda, rate) = shape::shape_bias(&p, &r.expected_frequencies, r.n, 0.05);
        r.shape_noncentrality = Some(lambda);
        r.shape_rejection_rate = Some(rate);
        if r.status == Status::Ok && rate > SHAPE_REJECTION_LIMIT {
            r.reliable = false;
            r.warnings.push(format!(
                "counts too small for uniform {}: the shape of their distribution alone makes this test reject at 0.05 with probability {rate:.2}",
                match t {
                    DigitTest::LastTwoDigits | DigitTest::DigitPairs => "last two digits",
                    _ => "last digits",
                }
            ));
        }
    }
    r
}

/// The frequencies the count distribution's shape implies, for the
/// last-digit family (`None` for the Benford tests).
fn shape_law(t: DigitTest, tally: &DigitTally, e: &Eligibility, n: u64) -> Option<Vec<f64>> {
    let uniform10 = [0.1; 10];
    let last = || {
        shape::shape_frequencies(&tally.win_last, 10, e.last_digit, n, &uniform10, |x| {
            (x % 10) as usize
        })
    };
    match t {
        DigitTest::FirstDigit | DigitTest::SecondDigit => None,
        DigitTest::LastDigit => Some(last()),
        DigitTest::ZeroFive => {
            let p = last();
            Some(vec![p[0] + p[5], 1.0 - p[0] - p[5]])
        }
        DigitTest::LastTwoDigits => Some(shape::shape_frequencies(
            &tally.win_last_two,
            100,
            e.last_two_digits,
            n,
            &[0.01; 100],
            |x| (x % 100) as usize,
        )),
        DigitTest::DigitPairs => Some(shape::shape_frequencies(
            &tally.win_pairs,
            10,
            e.digit_pairs,
            n,
            &t.expected(),
            |x| laws::pair_class(x % 100),
        )),
    }
}

fn role_name(r: ColumnRole) -> &'static str {
    match r {
        ColumnRole::Contestant => "contestant",
        ColumnRole::Electorate => "electorate",
        ColumnRole::Ballots => "ballots",
        ColumnRole::Valid => "valid",
        ColumnRole::Invalid => "invalid",
    }
}

/// The decades holding the 5th and 95th percentiles of the counts.
fn central_decades(decades: &[u64; 20]) -> Option<(usize, usize)> {
    let n: u64 = decades.iter().sum();
    if n == 0 {
        return None;
    }
    let at = |q: f64| {
        let target = (q * n as f64).ceil().max(1.0) as u64;
        let mut cum = 0;
        for (d, &c) in decades.iter().enumerate() {
            cum += c;
            if cum >= target {
                return d;
            }
        }
        19
    };
    Some((at(0.05), at(0.95)))
}

fn verdict(results: &[DigitResult], alpha: f64) -> String {
    let all: Vec<&DigitResult> = results
        .iter()
        .filter(|r| r.region == ALL_REGIONS && r.status == Status::Ok)
        .collect();
    let unreliable = all.iter().filter(|r| !r.reliable).count();
    let national: Vec<&DigitResult> = all.into_iter().filter(|r| r.reliable).collect();
    let flagged: Vec<String> = national
        .iter()
        .filter(|r| r.q_value.is_some_and(|q| q <= alpha))
        .filter(|r| r.test != DigitTest::FirstDigit && r.test != DigitTest::SecondDigit)
        .map(|r| format!("{} of {}", r.test.name(), r.column))
        .collect();
    let benford = national
        .iter()
        .filter(|r| r.q_value.is_some_and(|q| q <= alpha))
        .filter(|r| r.test == DigitTest::FirstDigit || r.test == DigitTest::SecondDigit)
        .count();
    let last_tests = national
        .iter()
        .filter(|r| r.test != DigitTest::FirstDigit && r.test != DigitTest::SecondDigit)
        .count();
    let mut s = if flagged.is_empty() {
        format!(
            "No last-digit, rounding or digit-pair test of the national counts departs from uniform digits at q ≤ {alpha} ({last_tests} tests): no sign of hand-written numbers."
        )
    } else {
        format!(
            "{} of {} national last-digit, rounding and digit-pair tests depart from uniform digits at q ≤ {alpha} ({}): a sign that some counts may have been written by hand rather than counted.",
            flagged.len(),
            last_tests,
            flagged.join(", ")
        )
    };
    s.push_str(&format!(
        " Benford first/second-digit tests reject {benford} national results at q ≤ {alpha}; these laws need not hold for clean station counts, so such rejections are weak evidence."
    ));
    if unreliable > 0 {
        s.push_str(&format!(
            " {unreliable} national results are set aside as unreliable (counts too small or too narrow for the tested law; see their warnings)."
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> DigitsOptions {
        DigitsOptions {
            bootstrap_replicates: 200,
            ..DigitsOptions::default()
        }
    }

    #[test]
    fn uniform_last_digits_give_zero_statistic() {
        let r = evaluate_counts(
            DigitTest::LastDigit,
            vec![100; 10],
            1200,
            &opts(),
            1,
            &Context::new(1),
        );
        assert_eq!(r.status, Status::Ok);
        assert_eq!((r.n, r.n_excluded, r.df), (1000, 200, 9));
        assert_eq!(r.statistic, Some(0.0));
        assert_eq!(r.g_statistic, Some(0.0));
        assert!((r.p_value.unwrap() - 1.0).abs() < 1e-12);
        let m = r.mean.unwrap();
        assert!((m.observed - 4.5).abs() < 1e-12 && (m.expected - 4.5).abs() < 1e-12);
        assert!((m.se - (8.25f64 / 1000.0).sqrt()).abs() < 1e-12);
        assert!(m.ci_low.unwrap() < 4.5 && m.ci_high.unwrap() > 4.5);
        assert_eq!(r.mad, Some(0.0));
        assert_eq!(r.mad_conformity, None);
    }

    #[test]
    fn hand_computed_zero_five() {
        // 60 of 200 counts end in 0 or 5: X² = (60−40)²/40 + (140−160)²/160 = 12.5.
        let r = evaluate_counts(
            DigitTest::ZeroFive,
            vec![60, 140],
            200,
            &opts(),
            1,
            &Context::new(1),
        );
        assert!((r.statistic.unwrap() - 12.5).abs() < 1e-12);
        assert!((r.p_value.unwrap() - chi_square_p_value(12.5, 1)).abs() < 1e-15);
        let m = r.mean.unwrap();
        assert!((m.observed - 0.3).abs() < 1e-12);
        // z = (0.3 − 0.2)/√(0.16/200) = 3.5355…; z² = X² for two cells.
        assert!((m.z * m.z - 12.5).abs() < 1e-9);
    }

    #[test]
    fn too_few_counts_are_insufficient() {
        // Last two digits need n·0.01 ≥ 5, i.e. n ≥ 500.
        let mut c = vec![5u64; 100];
        c[0] = 4;
        let r = evaluate_counts(
            DigitTest::LastTwoDigits,
            c,
            600,
            &opts(),
            1,
            &Context::new(1),
        );
        assert_eq!(r.status, Status::InsufficientData);
        assert!(r.p_value.is_none() && r.statistic.is_none() && r.mean.is_none());
        assert_eq!(r.n, 499);
        let r = evaluate_counts(
            DigitTest::LastTwoDigits,
            vec![5; 100],
            600,
            &opts(),
            1,
            &Context::new(1),
        );
        assert_eq!(r.status, Status::Ok);
    }

    #[test]
    fn nigrini_label_for_second_digit() {
        // Observed = expected rounded to 3 decimals × 1000.
        let c: Vec<u64> = laws::benford_second_digit()
            .iter()
            .map(|p| (p * 100_000.0).round() as u64)
            .collect();
        let r = evaluate_counts(
            DigitTest::SecondDigit,
            c,
            100_000,
            &opts(),
            1,
            &Context::new(1),
        );
        assert_eq!(r.mad_conformity, Some(Conformity::Close));
        assert!(r.mad.unwrap() < 1e-5);
    }

    #[test]
    fn central_decades_of_a_tally() {
        let mut d = [0u64; 20];
        d[2] = 50;
        d[3] = 50;
        assert_eq!(central_decades(&d), Some((2, 3)));
        d[0] = 10;
        d[6] = 10;
        assert_eq!(central_decades(&d), Some((0, 6)));
        assert_eq!(central_decades(&[0; 20]), None);
    }
}
