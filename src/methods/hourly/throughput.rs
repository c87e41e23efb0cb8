//! Throughput: how many voters a station can physically process, and the
//! ballots its reports claim beyond that.
//!
//! With `b` issuing points (booths, voting machines, register books served
//! at once) and a minimum service time `s` per voter at each, a station
//! open for `Δ` seconds can process at most `⌊b·Δ/s⌋` voters
//! (a queueing bound: each point serves at most one voter per `s` seconds).
//! Only time when polls are open counts (nights of a multi-day vote do not).
//!
//! # The bound
//! Let `F` be the final count, `R_k` the report at time `t_k` and `cap(t,
//! close)` the capacity from `t` to the close. The true number of voters is at
//! most `R_k + cap(t_k, close)` when the report `R_k` does not understate
//! the true count at `t_k` (at the opening `R = 0` needs no assumption), so
//!
//! ```text
//! inflated ≥ max_k ( F − R_k − cap(t_k, close) )⁺        (excess_lower_bound)
//! inflated ≥ ( F − cap(open, close) )⁺                   (whole_day_lower_bound, no assumption)
//! ```
//!
//! Both are certain lower bounds under their stated assumptions (the
//! capacity, and honest-or-inflated intermediate reports); they are never
//! estimates. Every interval whose reported increase exceeds its capacity is
//! also counted as a *violation*: it means the increase is inflated or the
//! earlier report understated its count.
//!
//! # Defaults, and why
//! `s = 20` seconds per voter per issuing point (at most 180 voters an hour).
//! Identification, signature and handing over a ballot take longer than
//! that, and the fastest sustained rate in the clean Spanish control (Spain
//! 2019, one ballot box per table) is 113 voters an hour at one table over
//! five hours, i.e. 32 s per voter: 20 s is below anything a real table
//! sustains, so a violation is not a busy station. `b = 1` issuing point per
//! station unless the data give `machines`; set `--booths` for
//! jurisdictions where several members issue ballots at once (Russian
//! commissions split the register into several books).

use serde::Serialize;

use crate::io::hourly::{Hours, Participation};
use crate::Election;

/// Options of the throughput bound.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputOptions {
    /// Minimum seconds one issuing point needs per voter.
    pub min_seconds_per_voter: f64,
    /// Issuing points per station where the data give no `machines`.
    pub booths: u64,
}

impl Default for ThroughputOptions {
    fn default() -> Self {
        ThroughputOptions {
            min_seconds_per_voter: 20.0,
            booths: 1,
        }
    }
}

/// One station's throughput result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StationThroughput {
    pub booths: u64,
    /// Intervals whose increase exceeds their capacity.
    pub violations: u32,
    /// Largest excess of one interval over its capacity.
    pub max_interval_excess: u64,
    pub excess_lower_bound: u64,
    pub whole_day_lower_bound: u64,
}

/// The throughput finding (`hourly.throughput`).
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    pub options: ThroughputOptions,
    /// Stations whose `machines` column set their issuing points.
    pub stations_with_machines: usize,
    pub stations_with_violations: usize,
    pub interval_violations: usize,
    /// Σ over stations of the certain lower bound on inflated ballots.
    pub excess_lower_bound: u64,
    /// Σ over stations of the whole-day bound (no assumption on reports).
    pub whole_day_lower_bound: u64,
    #[serde(skip)]
    pub stations: Vec<StationThroughput>,
}

/// Voters `booths` issuing points can process in `seconds`.
pub fn capacity(booths: u64, seconds: i64, min_seconds_per_voter: f64) -> u64 {
    if seconds <= 0 {
        return 0;
    }
    (booths as f64 * seconds as f64 / min_seconds_per_voter).floor() as u64
}

/// The bounds for one station: `points` are (instant, cumulative count)
/// reports before the close, in time order; `open` the first opening
/// instant and `close` the final close.
pub fn station_bounds(
    points: &[(i64, u64)],
    final_count: u64,
    open: i64,
    close: i64,
    hours: Hours,
    booths: u64,
    s: f64,
) -> StationThroughput {
    let cap = |a: i64, b: i64| capacity(booths, hours.open_seconds(a, b), s);
    let mut out = StationThroughput {
        booths,
        ..Default::default()
    };
    let mut prev = (open, 0u64);
    let mut bound = 0u64;
    for &(t, c) in points.iter().chain(std::iter::once(&(close, final_count))) {
        let rise = c.saturating_sub(prev.1);
        let room = cap(prev.0, t);
        if rise > room {
            out.violations += 1;
            out.max_interval_excess = out.max_interval_excess.max(rise - room);
        }
        prev = (t, c);
    }
    for &(t, c) in std::iter::once(&(open, 0)).chain(points) {
        bound = bound.max(final_count.saturating_sub(c.saturating_add(cap(t, close))));
    }
    out.excess_lower_bound = bound;
    out.whole_day_lower_bound = final_count.saturating_sub(cap(open, close));
    out
}

/// Runs the throughput bound over every station.
pub fn throughput(e: &Election, p: &Participation, opts: &ThroughputOptions) -> Throughput {
    let n = e.stations.len();
    let mut stations = Vec::with_capacity(n);
    let mut with_machines = 0;
    for i in 0..n {
        let booths = match e.machines.as_ref().map(|m| m[i]) {
            Some(m) if m > 0 => {
                with_machines += 1;
                m
            }
            _ => opts.booths,
        };
        let hours = Hours {
            opens: e
                .opens
                .as_ref()
                .and_then(|o| o[i])
                .map_or(p.hours.opens, |m| u32::from(m) * 60),
            closes: e
                .closes
                .as_ref()
                .and_then(|c| c[i])
                .map_or(p.hours.closes, |m| u32::from(m) * 60),
        };
        let hours = if hours.closes > hours.opens {
            hours
        } else {
            p.hours
        };
        let points: Vec<(i64, u64)> = p
            .times
            .iter()
            .enumerate()
            .filter_map(|(t, &at)| p.reports[t][i].map(|c| (at, c)))
            .collect();
        let close = p.close_at - i64::from(p.hours.closes) + i64::from(hours.closes);
        stations.push(station_bounds(
            &points,
            e.ballots[i],
            i64::from(hours.opens),
            close,
            hours,
            booths,
            opts.min_seconds_per_voter,
        ));
    }
    Throughput {
        options: opts.clone(),
        stations_with_machines: with_machines,
        stations_with_violations: stations.iter().filter(|s| s.violations > 0).count(),
        interval_violations: stations.iter().map(|s| s.violations as usize).sum(),
        excess_lower_bound: stations.iter().map(|s| s.excess_lower_bound).sum(),
        whole_day_lower_bound: stations.iter().map(|s| s.whole_day_lower_bound).sum(),
        stations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: i64) -> i64 {
        x * 3600
    }

    #[test]
    fn hand_built_station_bounds_are_exact() {
        let hours = Hours::parse("08:00", "20:00").unwrap();
        // One booth, 30 s per voter: 120 an hour.
        // Reports 10:00 = 200, 18:00 = 900; final 1500 at 20:00.
        let s = station_bounds(
            &[(h(10), 200), (h(18), 900)],
            1500,
            h(8),
            h(20),
            hours,
            1,
            30.0,
        );
        // 08–10: 200 ≤ 240; 10–18: 700 ≤ 960; 18–20: 600 > 240 → excess 360.
        assert_eq!(s.violations, 1);
        assert_eq!(s.max_interval_excess, 360);
        // max(1500 − 0 − 1440, 1500 − 200 − 1200, 1500 − 900 − 240) = 360.
        assert_eq!(s.excess_lower_bound, 360);
        // Whole day: 1500 − 1440 = 60.
        assert_eq!(s.whole_day_lower_bound, 60);
        // Two booths (240 an hour): only 18–20 is impossible, 600 > 480,
        // and the bound is max(1500 − 2880, 1500 − 200 − 2400, 1500 − 900 − 480).
        let s2 = station_bounds(
            &[(h(10), 200), (h(18), 900)],
            1500,
            h(8),
            h(20),
            hours,
            2,
            30.0,
        );
        assert_eq!((s2.violations, s2.excess_lower_bound), (1, 120));
        // Three booths: nothing is impossible.
        let s3 = station_bounds(
            &[(h(10), 200), (h(18), 900)],
            1500,
            h(8),
            h(20),
            hours,
            3,
            30.0,
        );
        assert_eq!(
            s3,
            StationThroughput {
                booths: 3,
                ..Default::default()
            }
        );
    }

    #[test]
    fn nights_do_not_add_capacity() {
        let hours = Hours::parse("08:00", "20:00").unwrap();
        // Day 0 20:00 report 1000, day 1 10:00 final 1300: 2 open hours → 240.
        let s = station_bounds(&[(h(20), 1000)], 1300, h(8), h(24 + 10), hours, 1, 30.0);
        assert_eq!(s.max_interval_excess, 60);
        assert_eq!(s.excess_lower_bound, 60);
        assert_eq!(capacity(3, 3600, 20.0), 540);
        assert_eq!(capacity(1, -5, 20.0), 0);
    }
}
