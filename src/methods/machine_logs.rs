//! Machine-log forensics: what per-ballot timestamps show that station totals
//! cannot — ballots faster than any voter, ballots outside opening hours, and
//! arrivals too regular for people.
//!
//! Input: [`MachineLogs`] (one sorted time series per machine, see
//! [`crate::io::logs`]). Each machine is analysed on its own (in parallel),
//! then machines are summed per station, in machine order, so the finding is
//! identical for any thread count. Four measurements:
//!
//! 1. **Too fast** and the **lower bound on inflated ballots**
//!    ([`excess_lower_bound`]): a voter cannot be served in less than
//!    `min_seconds_per_voter` seconds, so a machine cannot have recorded more
//!    genuine ballots than the largest subset of its ballots spaced at least
//!    that far apart.
//! 2. **Bursts**: maximal runs of consecutive too-fast gaps.
//! 3. **Outside hours**: ballots stamped before opening or after closing
//!    (plus a grace period) on their day.
//! 4. **Too regular for people**: per station, a rate-free test of the
//!    Poisson arrival process on ratios of consecutive gaps
//!    ([`regularity_test`]), with Benjamini–Hochberg q-values across stations
//!    and the gaps' coefficient of variation as effect size.
//!
//! # Assumptions (all four)
//! - A machine serves one voter at a time, and the log names the machine. A
//!   log without a machine column makes each station one machine
//!   ([`MachineLogs::machines_known`] is `false`); a station that had several
//!   machines then shows legitimate gaps below the minimum, and the bound is
//!   no longer a bound (the verdict says so).
//! - Clocks are right and timestamps are whole seconds, truncated (floored)
//!   as logs normally do. For an integer minimum s, truncation keeps the bound
//!   valid: true times a ≥ b + s give ⌊a⌋ − ⌊b⌋ > a − 1 − b ≥ s − 1, hence
//!   ⌊a⌋ − ⌊b⌋ ≥ s. (Rounding to the nearest second could lose that one
//!   second at exact half-seconds; the default s is far enough below real
//!   service times for this not to matter.)
//! - Times are local clock times; a multi-day log uses the same opening hours
//!   every day.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::io::clock::format_clock;
use crate::io::logs::{MachineLogs, DAY};
use crate::stats::gof::normal_upper_p_value;
use crate::stats::multiple::benjamini_hochberg;

/// Fewest pairs of gaps for which a station's regularity is tested.
pub const MIN_PAIRS: u64 = 20;

/// Options of [`analyze_logs`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogOptions {
    /// The least time, in seconds, in which one voter can be served on one
    /// machine (default 30). Casting a ballot takes an identity check, a
    /// signature in the register, and the vote itself; none of these can be
    /// done in less time, whatever the voter's hurry. The default is
    /// deliberately set below any plausible service time (a judgement:
    /// escrutinio has no measured service-time distribution), so that two
    /// ballots closer than this on one machine are certainly not two voters:
    /// the lower bound built on it is then a certainty, not an estimate. A
    /// larger value finds more, at the price of that certainty.
    pub min_seconds_per_voter: u32,
    /// Opening time, seconds after midnight (default `None`: not checked).
    pub opens: Option<u32>,
    /// Closing time, seconds after midnight (default `None`: not checked).
    pub closes: Option<u32>,
    /// Seconds after `closes` during which ballots are not counted as outside
    /// hours (default 0). Where the law lets voters already queuing at closing
    /// time cast their ballot, the last genuine ballots come after the close;
    /// the default counts every ballot stamped after it and leaves that
    /// judgement to the reader. Set it to the longest plausible queue to count
    /// only the ballots no rule explains.
    pub grace_seconds: u32,
    /// False discovery rate at which a station's regularity is flagged
    /// (default 0.01; compared with its Benjamini–Hochberg q-value).
    pub regularity_alpha: f64,
    /// Largest coefficient of variation of the gaps for which a significant
    /// station is flagged (default 0.3; see [`regularity_test`] for why both
    /// conditions are needed).
    pub regularity_max_cv: f64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            min_seconds_per_voter: 30,
            opens: None,
            closes: None,
            grace_seconds: 0,
            regularity_alpha: 0.01,
            regularity_max_cv: 0.3,
        }
    }
}

impl LogOptions {
    /// Checks that every option is in its domain: a minimum of at least one
    /// second, clock times within a day with opening before closing,
    /// 0 < α < 1, and a finite, non-negative CV threshold.
    /// ([`analyze_logs`] never panics whatever the options; this is for
    /// callers that want out-of-domain options rejected.)
    pub fn validate(&self) -> Result<()> {
        if self.min_seconds_per_voter == 0 {
            return Err(Error::Options(
                "min_seconds_per_voter must be at least 1".into(),
            ));
        }
        for (name, t) in [("opens", self.opens), ("closes", self.closes)] {
            if t.is_some_and(|t| t > DAY as u32) {
                return Err(Error::Options(format!(
                    "{name} must be a clock time between 00:00 and 24:00"
                )));
            }
        }
        if let (Some(o), Some(c)) = (self.opens, self.closes) {
            if o >= c {
                return Err(Error::Options(format!(
                    "opening time {} is not before closing time {}",
                    format_clock(o),
                    format_clock(c)
                )));
            }
        }
        if !(self.regularity_alpha > 0.0 && self.regularity_alpha < 1.0) {
            return Err(Error::Options("regularity_alpha must be in (0, 1)".into()));
        }
        if !(self.regularity_max_cv.is_finite() && self.regularity_max_cv >= 0.0) {
            return Err(Error::Options(
                "regularity_max_cv must be finite and non-negative".into(),
            ));
        }
        Ok(())
    }
}

/// The machine-log finding.
#[derive(Debug, Clone, Serialize)]
pub struct LogsFinding {
    pub options: LogOptions,
    /// Whether the log named its machines (see [`MachineLogs::machines_known`]).
    pub machines_known: bool,
    /// The log's first day (`YYYY-MM-DD`), `null` for clock-only logs.
    pub first_day: Option<String>,
    pub totals: LogTotals,
    /// One row per station, in order of first appearance in the log.
    pub stations: Vec<StationLogs>,
    /// One row per machine, in order of first appearance in the log.
    pub machines: Vec<MachineRow>,
    /// Plain-words reading.
    pub verdict: String,
}

/// Totals over the whole log.
#[derive(Debug, Clone, Serialize)]
pub struct LogTotals {
    pub ballots: u64,
    pub machines: usize,
    pub stations: usize,
    /// Ballots cast less than `min_seconds_per_voter` after the previous
    /// ballot on the same machine.
    pub too_fast_ballots: u64,
    /// Sum over machines of the exact lower bound on ballots that cannot have
    /// come from voters ([`excess_lower_bound`]).
    pub excess_lower_bound: u64,
    /// Ballots outside opening hours; `null` when neither `opens` nor
    /// `closes` was given.
    pub outside_hours: Option<u64>,
    /// Runs of consecutive too-fast gaps.
    pub bursts: u64,
    /// Ballots in the longest burst (0 without bursts).
    pub longest_burst: u64,
    /// Stations with enough pairs of gaps to be tested for regularity.
    pub stations_tested: usize,
    /// Stations flagged too regular (q < α and CV below the threshold).
    pub stations_too_regular: usize,
    /// Pairs of gaps left out of the regularity test because both gaps are
    /// zero (three ballots stamped in the same second on one machine).
    pub tied_pairs: u64,
}

/// Per-station results.
#[derive(Debug, Clone, Serialize)]
pub struct StationLogs {
    pub station: String,
    pub machines: usize,
    pub ballots: u64,
    pub too_fast_ballots: u64,
    pub excess_lower_bound: u64,
    /// `null` when opening hours were not given.
    pub outside_hours: Option<u64>,
    pub bursts: u64,
    /// Ballots in the station's longest burst (0 without bursts; the first
    /// such burst in machine order on ties).
    pub longest_burst: u64,
    /// Machine and time of that burst's first ballot.
    pub longest_burst_machine: Option<String>,
    pub longest_burst_start: Option<String>,
    pub regularity: Regularity,
}

/// The regularity test of one station ([`regularity_test`]).
#[derive(Debug, Clone, Serialize)]
pub struct Regularity {
    /// Non-overlapping pairs of consecutive same-day gaps used.
    pub pairs: u64,
    /// Pairs left out because both gaps are zero.
    pub tied_pairs: u64,
    /// Fewer than [`MIN_PAIRS`] pairs: no test (z, p and q are `null`).
    pub insufficient_data: bool,
    /// T = mean of (u − ½)² over the pairs (1/12 under the null).
    pub statistic: Option<f64>,
    /// 12·T, the local variation L_V of Shinomoto et al. on non-overlapping
    /// pairs: 1 for Poisson arrivals, 0 for a metronome.
    pub local_variation: Option<f64>,
    /// (T − 1/12) / √(1/(180·pairs)); negative is more regular than Poisson.
    pub z: Option<f64>,
    /// One-sided p-value P(Z ≤ z).
    pub p_value: Option<f64>,
    /// Benjamini–Hochberg q-value across the tested stations.
    pub q_value: Option<f64>,
    /// Coefficient of variation of the station's same-day gaps, each gap
    /// divided by its machine's mean gap so that machines of different paces
    /// pool (for one machine: sd / mean of its gaps). 1 for Poisson arrivals
    /// at a constant rate, above 1 when the rate varies, near 0 for a
    /// metronome.
    pub cv: Option<f64>,
    /// q < `regularity_alpha` and cv < `regularity_max_cv`.
    pub too_regular: bool,
}

/// Per-machine results.
#[derive(Debug, Clone, Serialize)]
pub struct MachineRow {
    pub station: String,
    pub machine: String,
    pub ballots: u64,
    pub too_fast_ballots: u64,
    pub excess_lower_bound: u64,
    pub outside_hours: Option<u64>,
    pub bursts: u64,
    pub longest_burst: u64,
    pub longest_burst_start: Option<String>,
    /// Regularity pairs and the gaps' CV (the test itself is per station).
    pub pairs: u64,
    pub cv: Option<f64>,
}

/// The exact lower bound on inflated ballots of one machine: n minus the size
/// of the largest subset of its ballots whose consecutive gaps are all ≥ `s`.
/// `times` must be sorted ascending.
///
/// # Why it is a lower bound
/// Assume no voter can be served in less than `s` seconds on one machine.
/// Then the genuine ballots of a machine, in time order, are at least `s`
/// apart: they form a subset with all consecutive gaps ≥ `s`. So at most
/// `kept` (the largest such subset) of its n ballots are genuine, and at
/// least n − `kept` are not. Nothing smaller can be claimed either: the
/// largest subset *could* be the genuine ballots. The bound is escrutinio's
/// own construction; it assumes only the minimum service time (see the
/// module's assumptions about clocks and machines).
///
/// # Why the greedy selection gives the largest subset
/// Greedy: keep the first ballot; then, scanning in time order, keep every
/// ballot at least `s` after the last kept one. This is interval scheduling
/// with equal-length intervals \[t, t + s), for which earliest-first is
/// optimal (Kleinberg & Tardos 2006, *Algorithm Design*, §4.1). The exchange
/// ("stays ahead") argument: let g₁ < … < g_k be the greedy times and
/// o₁ < … < o_m those of any valid subset (gaps ≥ s ≥ 1, so its times are
/// strictly increasing). Claim gⱼ ≤ oⱼ for j ≤ min(k, m). For j = 1, g₁ is the
/// earliest ballot. If gⱼ ≤ oⱼ, then oⱼ₊₁ ≥ oⱼ + s ≥ gⱼ + s, so the ballot oⱼ₊₁
/// was available to the greedy after gⱼ, which takes the earliest available
/// one: gⱼ₊₁ ≤ oⱼ₊₁. Now if m > k, the ballot oₖ₊₁ ≥ gₖ + s was available after
/// gₖ and the greedy would not have stopped at k: contradiction. So k ≥ m.
/// (Replacing o₁…oⱼ by g₁…gⱼ keeps the subset valid: the exchange.) With
/// `s` = 0 every ballot is kept and the bound is 0.
///
/// # Examples
/// ```
/// use escrutinio::methods::machine_logs::excess_lower_bound;
/// // Gaps 10, 10, 10, 40 s with s = 30: keep 0 and 70 (and 30 or 20 or 10
/// // would clash with them): 5 ballots, at most 3 genuine (0, 30, 70), bound 2.
/// assert_eq!(excess_lower_bound(&[0, 10, 20, 30, 70], 30), 2);
/// assert_eq!(excess_lower_bound(&[100], 30), 0);
/// assert_eq!(excess_lower_bound(&[5, 5, 5, 5], 30), 3);
/// ```
pub fn excess_lower_bound(times: &[i64], s: u32) -> u64 {
    let s = i64::from(s);
    let mut kept = 0u64;
    let mut last: Option<i64> = None;
    for &t in times {
        if last.is_none_or(|l| t.saturating_sub(l) >= s) {
            kept += 1;
            last = Some(t);
        }
    }
    times.len() as u64 - kept
}

/// Everything measured on one machine.
#[derive(Debug, Clone, Default)]
struct MachineStats {
    ballots: u64,
    too_fast: u64,
    excess: u64,
    outside: u64,
    bursts: u64,
    /// Ballots in the longest burst, and the time of its first ballot.
    longest: u64,
    longest_start: Option<i64>,
    /// Regularity: pairs used, tied pairs, Σ (u − ½)².
    pairs: u64,
    tied: u64,
    sum_sq: f64,
    /// Same-day gaps: count, Σ g, Σ g² (exact integers; one machine's only).
    gaps: u64,
    gap_sum: u128,
    gap_sq: u128,
    /// Σ (g/ḡ − 1)² over the same-day gaps, ḡ being the machine's mean gap,
    /// and the number of such gaps (machines with a zero mean gap left out);
    /// summed over machines for a station.
    rel_ss: f64,
    rel_n: u64,
}

impl MachineStats {
    fn of(times: &[i64], opts: &LogOptions) -> MachineStats {
        // Loaded logs are sorted; a hand-built one may not be.
        let times: std::borrow::Cow<[i64]> = if times.is_sorted() {
            times.into()
        } else {
            let mut v = times.to_vec();
            v.sort_unstable();
            v.into()
        };
        let times = &*times;
        let s = i64::from(opts.min_seconds_per_voter);
        let mut m = MachineStats {
            ballots: times.len() as u64,
            excess: excess_lower_bound(times, opts.min_seconds_per_voter),
            ..Default::default()
        };
        if opts.opens.is_some() || opts.closes.is_some() {
            let opens = i64::from(opts.opens.unwrap_or(0));
            let last = opts
                .closes
                .map_or(i64::MAX, |c| i64::from(c) + i64::from(opts.grace_seconds));
            m.outside = times
                .iter()
                .filter(|&&t| {
                    let clock = t.rem_euclid(DAY);
                    clock < opens || clock > last
                })
                .count() as u64;
        }
        // Bursts: runs of consecutive gaps < s; `run` counts the gaps.
        let mut run = 0u64;
        let mut run_start = 0usize;
        let close_run = |run: u64, start: usize, m: &mut MachineStats| {
            if run > 0 {
                m.bursts += 1;
                if run + 1 > m.longest {
                    m.longest = run + 1;
                    m.longest_start = Some(times[start]);
                }
            }
        };
        let mut pending: Option<i64> = None;
        for (i, w) in times.windows(2).enumerate() {
            let g = w[1].saturating_sub(w[0]);
            if g < s {
                m.too_fast += 1;
                if run == 0 {
                    run_start = i;
                }
                run += 1;
            } else {
                close_run(run, run_start, &mut m);
                run = 0;
            }
            // Regularity uses gaps within one day only.
            if w[0].div_euclid(DAY) != w[1].div_euclid(DAY) {
                pending = None;
                continue;
            }
            let gu = g as u128;
            m.gaps += 1;
            m.gap_sum = m.gap_sum.saturating_add(gu);
            m.gap_sq = m.gap_sq.saturating_add(gu * gu);
            match pending.take() {
                None => pending = Some(g),
                Some(g1) => {
                    if g1 + g == 0 {
                        m.tied += 1;
                    } else {
                        let u = g1 as f64 / (g1 + g) as f64;
                        m.pairs += 1;
                        m.sum_sq += (u - 0.5) * (u - 0.5);
                    }
                }
            }
        }
        close_run(run, run_start, &mut m);
        if m.gap_sum > 0 {
            m.rel_ss = relative_sum_of_squares(m.gaps, m.gap_sum, m.gap_sq);
            m.rel_n = m.gaps;
        }
        m
    }

    /// Adds another machine's counts (bursts' positions are handled by the caller).
    fn absorb(&mut self, o: &MachineStats) {
        self.ballots += o.ballots;
        self.too_fast += o.too_fast;
        self.excess += o.excess;
        self.outside += o.outside;
        self.bursts += o.bursts;
        self.pairs += o.pairs;
        self.tied += o.tied;
        self.sum_sq += o.sum_sq;
        self.rel_ss += o.rel_ss;
        self.rel_n += o.rel_n;
    }

    /// Coefficient of variation of the same-day gaps, each divided by its
    /// machine's mean gap: √(Σ (g/ḡ − 1)² / (N − 1)). For one machine this is
    /// the sample CV (sd / mean) of its gaps; for a station it pools the
    /// machines without letting their different paces inflate it. `None`
    /// with fewer than two such gaps.
    fn cv(&self) -> Option<f64> {
        (self.rel_n >= 2).then(|| (self.rel_ss.max(0.0) / (self.rel_n - 1) as f64).sqrt())
    }
}

/// Σ (g/ḡ − 1)² = n (n·Σg² − (Σg)²) / (Σg)² for n gaps of sum Σg > 0 and
/// sum of squares Σg², with the difference computed exactly when it fits.
fn relative_sum_of_squares(n: u64, sum: u128, sq: u128) -> f64 {
    let n128 = u128::from(n);
    let diff = n128
        .checked_mul(sq)
        .zip(sum.checked_mul(sum))
        .map(|(a, b)| a.saturating_sub(b) as f64)
        .unwrap_or_else(|| {
            let (nf, s, q) = (n as f64, sum as f64, sq as f64);
            (nf * q - s * s).max(0.0)
        });
    let s = sum as f64;
    n as f64 * diff / (s * s)
}

/// The rate-free regularity test on `pairs` pairs with Σ (u − ½)² = `sum_sq`:
/// returns (T, z, one-sided p), or `None` with fewer than [`MIN_PAIRS`] pairs.
///
/// # The test
/// Under a Poisson process the gaps between events are independent
/// exponentials, and for two consecutive gaps g₁, g₂ the share
/// u = g₁ / (g₁ + g₂) is Uniform(0, 1) whatever the rate (given their sum,
/// the middle event is uniform between the outer two: the conditional
/// uniformity of Poisson events, Cox & Lewis 1966, *The Statistical Analysis
/// of Series of Events*, ch. 2). Because u only compares neighbouring gaps,
/// a rate that changes slowly during the day (the morning rush, the lunch
/// lull) leaves it uniform to a good approximation: that is the null, a
/// locally homogeneous Poisson process. Taking *non-overlapping* pairs
/// (g₁, g₂), (g₃, g₄), … makes the u's independent. Each (u − ½)² has mean
/// 1/12 and variance 1/80 − 1/144 = 1/180, so for n pairs the statistic
/// T = mean (u − ½)² has z = (T − 1/12) / √(1/(180 n)), approximately normal.
/// Regular arrivals make neighbouring gaps alike, u near ½ and T small: the
/// p-value is the lower tail, P(Z ≤ z). 12·T is the local variation L_V of
/// Shinomoto, Shima & Tanji (2003, *Neural Computation* 15: 2823–2842),
/// there computed on overlapping pairs; the non-overlapping version, its
/// exact null moments and the z-test are escrutinio's own construction.
/// With fewer than [`MIN_PAIRS`] pairs no p-value is given
/// (`insufficient_data`): (u − ½)² is skewed, and the normal approximation
/// of its mean is poor below that. Even at 20 pairs the skew errs on the safe
/// side: simulated exactly uniform u's (100,000 replicates) give a size of
/// 4.6 % at nominal 5 % and 0.66 % at 1 % with 20 pairs, 4.8 % and 0.86 % with
/// 100 pairs.
///
/// # Ties and whole seconds
/// Timestamps are whole seconds, so gaps are integers. A pair with
/// g₁ + g₂ = 0 (three ballots in the same second on one machine) has no u; it
/// is left out and counted as `tied_pairs` (such ballots are too fast anyway
/// and counted there). A single zero gap gives u = 0 or 1 and is kept.
/// Rounding the gaps to seconds biases T upwards — towards "less regular",
/// so the test becomes conservative, never liberal: simulated Poisson
/// arrivals give a bias of about +0.0035 at a mean gap of 10 s, +0.0012 at
/// 20 s, +0.0004 at 40 s, against a null standard deviation of T of
/// 0.075/√n. Gaps are taken within one day only (the night is not part of
/// the process), in time order per machine, pooled over the station's
/// machines.
///
/// # Caveat: queues
/// A machine with a permanent queue records ballots at the pace of its
/// service times, which are more regular than Poisson arrivals: a busy
/// honest station can be significant. That is why a station is flagged only
/// when its q-value is below α *and* the coefficient of variation (CV) of its
/// gaps (each relative to its machine's mean gap) is below
/// `regularity_max_cv` (default 0.3). The test says "not Poisson"; the CV says
/// "how regular". A CV below 0.3 means a standard deviation of the gaps below
/// 30 % of their mean (a 45 s mean with a 13 s standard deviation): service
/// that involves finding a voter in the register, an identity check, a
/// signature and a vote varies more than that from one voter to the next,
/// and a queue that empties now and then adds long gaps that raise the CV
/// further (as does a rate varying over the day). The threshold is
/// escrutinio's judgement, not a measured service-time distribution; it is
/// an option. Because the CV covers the whole day, a regular episode of an
/// hour or two in an otherwise ordinary day shows as a low z and q with a
/// CV above the threshold, unflagged: read z and q for such episodes.
///
/// # Examples
/// ```
/// use escrutinio::methods::machine_logs::regularity_test;
/// // 100 pairs exactly at the null mean: z = 0, p = ½.
/// let (t, z, p) = regularity_test(100, 100.0 / 12.0).unwrap();
/// assert!((t - 1.0 / 12.0).abs() < 1e-12 && z.abs() < 1e-9 && (p - 0.5).abs() < 1e-9);
/// // A metronome: every u = ½.
/// assert!(regularity_test(100, 0.0).unwrap().2 < 1e-20);
/// assert!(regularity_test(19, 0.0).is_none());
/// ```
pub fn regularity_test(pairs: u64, sum_sq: f64) -> Option<(f64, f64, f64)> {
    if pairs < MIN_PAIRS {
        return None;
    }
    let n = pairs as f64;
    let t = sum_sq / n;
    let z = (t - 1.0 / 12.0) / (1.0 / (180.0 * n)).sqrt();
    Some((t, z, normal_upper_p_value(-z)))
}

/// Analyses a machine log: too-fast ballots and the lower bound on inflated
/// ballots, bursts, ballots outside hours, and the regularity test, per
/// machine, per station and in total (see the module documentation for the
/// methods and their assumptions). Never panics; options outside their
/// domain ([`LogOptions::validate`]) give well-defined but meaningless
/// results.
pub fn analyze_logs(logs: &MachineLogs, opts: &LogOptions) -> LogsFinding {
    let per_machine: Vec<MachineStats> = logs
        .machines
        .par_iter()
        .map(|m| MachineStats::of(&m.times, opts))
        .collect();
    let hours = opts.opens.is_some() || opts.closes.is_some();
    let hours_opt = |v: u64| hours.then_some(v);

    // Per station, machines summed in machine order (deterministic).
    let n_st = logs.stations.len();
    let mut st: Vec<MachineStats> = vec![MachineStats::default(); n_st];
    let mut st_machines = vec![0usize; n_st];
    let mut st_longest: Vec<Option<(u64, usize, i64)>> = vec![None; n_st];
    for (k, (m, ms)) in logs.machines.iter().zip(&per_machine).enumerate() {
        // A hand-built log may name a station that does not exist: skipped.
        let i = m.station;
        let Some(acc) = st.get_mut(i) else { continue };
        acc.absorb(ms);
        st_machines[i] += 1;
        if let Some(start) = ms.longest_start {
            if st_longest[i].is_none_or(|(l, _, _)| ms.longest > l) {
                st_longest[i] = Some((ms.longest, k, start));
            }
        }
    }

    let tests: Vec<Option<(f64, f64, f64)>> = st
        .iter()
        .map(|s| regularity_test(s.pairs, s.sum_sq))
        .collect();
    let p: Vec<f64> = tests.iter().map(|t| t.map_or(f64::NAN, |t| t.2)).collect();
    let q = benjamini_hochberg(&p);

    let stations: Vec<StationLogs> = (0..n_st)
        .map(|i| {
            let s = &st[i];
            let cv = s.cv();
            let test = tests[i];
            let qi = test.map(|_| q[i]);
            let too_regular = qi.is_some_and(|q| q < opts.regularity_alpha)
                && cv.is_some_and(|c| c < opts.regularity_max_cv);
            let longest = st_longest[i];
            StationLogs {
                station: logs.stations[i].clone(),
                machines: st_machines[i],
                ballots: s.ballots,
                too_fast_ballots: s.too_fast,
                excess_lower_bound: s.excess,
                outside_hours: hours_opt(s.outside),
                bursts: s.bursts,
                longest_burst: longest.map_or(0, |l| l.0),
                longest_burst_machine: longest.map(|l| logs.machines[l.1].label.clone()),
                longest_burst_start: longest.map(|l| logs.format_time(l.2)),
                regularity: Regularity {
                    pairs: s.pairs,
                    tied_pairs: s.tied,
                    insufficient_data: test.is_none(),
                    statistic: test.map(|t| t.0),
                    local_variation: test.map(|t| 12.0 * t.0),
                    z: test.map(|t| t.1),
                    p_value: test.map(|t| t.2),
                    q_value: qi,
                    cv,
                    too_regular,
                },
            }
        })
        .collect();

    let machines: Vec<MachineRow> = logs
        .machines
        .iter()
        .zip(&per_machine)
        .map(|(m, ms)| MachineRow {
            station: logs.stations.get(m.station).cloned().unwrap_or_default(),
            machine: m.label.clone(),
            ballots: ms.ballots,
            too_fast_ballots: ms.too_fast,
            excess_lower_bound: ms.excess,
            outside_hours: hours_opt(ms.outside),
            bursts: ms.bursts,
            longest_burst: ms.longest,
            longest_burst_start: ms.longest_start.map(|t| logs.format_time(t)),
            pairs: ms.pairs,
            cv: ms.cv(),
        })
        .collect();

    let sum = |f: fn(&MachineStats) -> u64| per_machine.iter().map(f).sum::<u64>();
    let totals = LogTotals {
        ballots: sum(|m| m.ballots),
        machines: logs.machines.len(),
        stations: n_st,
        too_fast_ballots: sum(|m| m.too_fast),
        excess_lower_bound: sum(|m| m.excess),
        outside_hours: hours_opt(sum(|m| m.outside)),
        bursts: sum(|m| m.bursts),
        longest_burst: per_machine.iter().map(|m| m.longest).max().unwrap_or(0),
        stations_tested: tests.iter().filter(|t| t.is_some()).count(),
        stations_too_regular: stations.iter().filter(|s| s.regularity.too_regular).count(),
        tied_pairs: sum(|m| m.tied),
    };
    let verdict = verdict(logs, opts, &totals, &stations);
    LogsFinding {
        options: *opts,
        machines_known: logs.machines_known,
        first_day: logs.first_day.map(crate::io::clock::format_date),
        totals,
        stations,
        machines,
        verdict,
    }
}

fn verdict(
    logs: &MachineLogs,
    opts: &LogOptions,
    t: &LogTotals,
    stations: &[StationLogs],
) -> String {
    let s = opts.min_seconds_per_voter;
    let mut out = format!(
        "{} ballots on {} machines in {} stations.",
        t.ballots, t.machines, t.stations
    );
    if t.excess_lower_bound > 0 {
        let n_st = stations.iter().filter(|x| x.excess_lower_bound > 0).count();
        out.push_str(&format!(
            " At least {} ballots in {} stations cannot have come from voters: {} ballots \
             followed the previous one on their machine within less than {s} s, in {} bursts",
            t.excess_lower_bound, n_st, t.too_fast_ballots, t.bursts
        ));
        if let Some(w) = stations
            .iter()
            .filter(|x| x.longest_burst == t.longest_burst && t.longest_burst > 0)
            .find(|x| x.longest_burst_start.is_some())
        {
            out.push_str(&format!(
                " (the longest, {} ballots, at station {} from {})",
                w.longest_burst,
                w.station,
                w.longest_burst_start.as_deref().unwrap_or("?")
            ));
        }
        out.push('.');
        if !logs.machines_known {
            out.push_str(&format!(
                " Caution: the log names no machines, so each station was taken as one machine; \
                 a station with several machines has genuine ballots less than {s} s apart, \
                 and for it this is not a bound."
            ));
        }
    } else {
        out.push_str(&format!(
            " No machine recorded two ballots less than {s} s apart: no ballot is certainly \
             not a voter's."
        ));
    }
    match t.outside_hours {
        Some(k) => {
            let open = opts.opens.map_or("-".into(), format_clock);
            let close = opts.closes.map_or("-".into(), format_clock);
            let grace = if opts.grace_seconds > 0 {
                format!(" plus {} s of grace", opts.grace_seconds)
            } else {
                String::new()
            };
            out.push_str(&format!(
                " {k} ballots were stamped outside opening hours ({open} to {close}{grace})."
            ));
        }
        None => out.push_str(" Opening hours were not given: ballots outside hours not checked."),
    }
    if t.stations_tested == 0 {
        out.push_str(&format!(
            " No station has the {MIN_PAIRS} pairs of gaps needed to test the regularity of arrivals."
        ));
    } else if t.stations_too_regular > 0 {
        out.push_str(&format!(
            " {} of {} tested stations received ballots too regularly for people arriving \
             independently (q < {} and gaps' CV < {}); a permanent queue can also do this, \
             so read them with the station's staffing in mind.",
            t.stations_too_regular,
            t.stations_tested,
            opts.regularity_alpha,
            opts.regularity_max_cv
        ));
    } else {
        out.push_str(&format!(
            " No station's ballots arrive more regularly than people arriving independently \
             would ({} stations tested).",
            t.stations_tested
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    /// The largest subset with gaps ≥ s by dynamic programming (O(n²)).
    fn brute_force_kept(times: &[i64], s: i64) -> u64 {
        let mut best = vec![1u64; times.len()];
        for i in 0..times.len() {
            for j in 0..i {
                if times[i] - times[j] >= s {
                    best[i] = best[i].max(best[j] + 1);
                }
            }
        }
        best.into_iter().max().unwrap_or(0)
    }

    #[test]
    fn greedy_matches_exhaustive_optimum() {
        let mut rng = crate::rng::stream(5, 0x106, 0);
        for case in 0..2_000 {
            let n = rng.random_range(0..40usize);
            let span = rng.random_range(1..600i64);
            let mut t: Vec<i64> = (0..n).map(|_| rng.random_range(0..span)).collect();
            t.sort_unstable();
            let s = rng.random_range(1..60u32);
            assert_eq!(
                excess_lower_bound(&t, s),
                n as u64 - brute_force_kept(&t, i64::from(s)),
                "case {case}: {t:?}, s = {s}"
            );
        }
    }

    #[test]
    fn hand_built_machine() {
        let opts = LogOptions {
            opens: Some(8 * 3600),
            closes: Some(20 * 3600),
            grace_seconds: 60,
            ..LogOptions::default()
        };
        // 07:59:59 (outside), then 08:00:00, +10, +10, +10, +40, then a
        // 3-ballot burst at 12:00 (+0, +5), then 20:01:00 (inside grace),
        // 20:01:01 (outside, and 1 s after the previous one).
        let t = [
            28_799, 28_800, 28_810, 28_820, 28_830, 28_870, 43_200, 43_200, 43_205, 72_060, 72_061,
        ];
        let m = MachineStats::of(&t, &opts);
        assert_eq!(m.outside, 2);
        // Gaps < 30: 1, 10, 10, 10 | 0, 5 | 1.
        assert_eq!(m.too_fast, 7);
        assert_eq!((m.bursts, m.longest, m.longest_start), (3, 5, Some(28_799)));
        // Greedy keeps 28799, 28830, 28870, 43200, 72060: 11 − 5 = 6.
        assert_eq!(m.excess, 6);
        assert_eq!(m.excess, 11 - brute_force_kept(&t, 30));
    }

    #[test]
    fn pairs_are_non_overlapping_and_same_day() {
        // Gaps 10, 30 | 20, 20 | 0, 0 (tied) | 5 then the night.
        let t = [
            0,
            10,
            40,
            60,
            80,
            80,
            80,
            85,
            DAY + 100,
            DAY + 110,
            DAY + 130,
        ];
        let m = MachineStats::of(&t, &LogOptions::default());
        assert_eq!((m.pairs, m.tied), (3, 1));
        // u = 0.25, 0.5, 1/3 from the second day's (10, 20).
        let want = 0.0625 + 0.0 + (1.0f64 / 3.0 - 0.5).powi(2);
        assert!((m.sum_sq - want).abs() < 1e-12, "{}", m.sum_sq);
        assert_eq!(m.gaps, 9);
    }

    #[test]
    fn cv_of_constant_and_exponential_like_gaps() {
        let t: Vec<i64> = (0..100).map(|i| 45 * i).collect();
        let m = MachineStats::of(&t, &LogOptions::default());
        assert_eq!(m.cv(), Some(0.0));
        // 100 gaps, 1 and 3 alternating: mean 2, sample sd √(100/99).
        let mut t = vec![0i64];
        for i in 0..100 {
            t.push(t[i] + if i % 2 == 0 { 1 } else { 3 });
        }
        let cv = MachineStats::of(&t, &LogOptions::default()).cv().unwrap();
        assert!((cv - (100.0f64 / 99.0).sqrt() / 2.0).abs() < 1e-12, "{cv}");
    }

    /// With exactly uniform u's (continuous Poisson gaps), the p-values of
    /// 1,000 stations of 20 to 400 pairs reject at 0.05 between 33 and 69
    /// times (the Binomial(1000, 0.05) 99 % interval).
    #[test]
    fn regularity_p_values_are_calibrated_for_uniform_shares() {
        let mut rejected = 0;
        for i in 0..1000u64 {
            let mut rng = crate::rng::stream(17, 0x4e6, i);
            let n = rng.random_range(20..=400u64);
            let sum_sq: f64 = (0..n).map(|_| (rng.random::<f64>() - 0.5).powi(2)).sum();
            let (_, _, p) = regularity_test(n, sum_sq).expect("tested");
            rejected += usize::from(p < 0.05);
        }
        eprintln!("uniform shares: {rejected} of 1000 rejected at 0.05");
        assert!((33..=69).contains(&rejected), "{rejected}");
    }

    #[test]
    fn options_are_validated() {
        assert!(LogOptions::default().validate().is_ok());
        let bad = [
            LogOptions {
                min_seconds_per_voter: 0,
                ..Default::default()
            },
            LogOptions {
                opens: Some(20 * 3600),
                closes: Some(8 * 3600),
                ..Default::default()
            },
            LogOptions {
                regularity_alpha: 1.0,
                ..Default::default()
            },
            LogOptions {
                regularity_max_cv: f64::NAN,
                ..Default::default()
            },
        ];
        for o in bad {
            assert!(matches!(o.validate(), Err(Error::Options(_))), "{o:?}");
        }
    }

    #[test]
    fn empty_logs_do_not_panic() {
        let logs = MachineLogs::from_machines(None, Vec::new());
        let f = analyze_logs(&logs, &LogOptions::default());
        assert_eq!((f.totals.ballots, f.totals.stations_tested), (0, 0));
    }
}
