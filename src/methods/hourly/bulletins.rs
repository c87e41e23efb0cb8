//! Announced bulletins: the pace an announced total implies, and the gap
//! between announced and counted figures.
//!
//! # Announced pace (`hourly.announced_pace`)
//! For each scope with an intermediate bulletin `V_a` at `t_a` and a final
//! announcement `V_F` (at the close), the votes the final adds,
//! `V_F − V_a`, over the open time after `t_a` are compared with the pace
//! before it, `V_a` over the open time since polls opened
//! (the worked case is Venezuela's 2017 Constituent Assembly vote: CNE
//! bulletins of 30 July 2017, and Smartmatic's statement of 2 August 2017;
//! 4,368,855 votes in the last 90 minutes, about 3.3 a minute per centre
//! against 0.37 before, a 9× acceleration). With the number of polling
//! centres, both are given per centre; the issuing points a centre must have
//! run non-stop at the minimum service time are `rate × s`, and with a
//! known number of issuing points per centre the votes above that capacity
//! are a certain lower bound on inflation (see `throughput`). Days are
//! counted within each scope: an undated bulletin of a dated scope lies on
//! its first day (an intermediate one) or its last (a final one); with two
//! final bulletins for one scope, the later row is used.
//!
//! # Reconciliation (`hourly.reconciliation`)
//! Each bulletin is set against the sum of the station-level figures for the
//! same scope and time (the station table's final counts for `final`, the
//! participation reports for an intermediate time). The gap
//! `announced − counted` is then compared with what the stations missing
//! from the count could hold:
//! - stations in the table without a report at that time: at most their
//!   final count each (an honest intermediate count cannot exceed it);
//! - registered voters the station table does not cover (announced
//!   electorate − counted electorate): at most all of them (100 %
//!   participation), typically the counted participation rate;
//! - for a contestant, also at most the announced voters' own gap (votes
//!   for one contestant in missing stations cannot outnumber the voters
//!   there).
//!
//! A gap above the maximum cannot be explained by missing stations, and
//! neither can a negative gap (an announcement below what the counted
//! stations alone show): in both cases the announcement and the counted
//! figures cannot both be right.

use serde::Serialize;

use crate::io::bulletins::Bulletin;
use crate::io::clock::{format_clock, Stamp};
use crate::io::hourly::{Hours, Participation};
use crate::Election;

/// The pace an announced total implies (one per scope with an
/// intermediate bulletin and a final one).
#[derive(Debug, Clone, Serialize)]
pub struct AnnouncedPace {
    pub scope: String,
    /// The last bulletin before the final one, and its figure.
    pub last_bulletin: String,
    pub last_bulletin_voters: u64,
    pub final_voters: u64,
    /// Votes the final announcement adds after the last bulletin.
    pub late_voters: u64,
    /// Their share of the final figure.
    pub late_share: f64,
    /// Open minutes before the last bulletin and after it.
    pub open_minutes_before: f64,
    pub open_minutes_after: f64,
    /// `null` when the bulletin is at the opening (no time before it).
    pub voters_per_minute_before: Option<f64>,
    pub voters_per_minute_after: f64,
    /// After / before.
    pub acceleration: Option<f64>,
    /// The final figure is below the last bulletin's.
    pub final_below_last: bool,
    pub centres: Option<u64>,
    pub per_centre_per_minute_before: Option<f64>,
    pub per_centre_per_minute_after: Option<f64>,
    pub min_seconds_per_voter: f64,
    /// Issuing points every centre must have run non-stop after the last bulletin.
    pub issuing_points_needed_per_centre: Option<f64>,
    pub issuing_points_per_centre: Option<f64>,
    /// Votes above the capacity of the centres after the last bulletin.
    pub excess_lower_bound: Option<u64>,
    pub verdict: String,
}

/// Options for the announced pace.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaceOptions {
    /// Polling centres (or stations) of the national scope (or of the only
    /// scope), when known.
    pub centres: Option<u64>,
    /// Issuing points (machines, booths) per centre, when known.
    pub issuing_points_per_centre: Option<f64>,
    pub min_seconds_per_voter: f64,
}

/// Seconds from the midnight of `first_day`; a final announcement counts at
/// the close of its own date, or of `last_day` when it has none.
fn instant(b: &Bulletin, first_day: i32, hours: Hours, last_day: i32) -> i64 {
    match b.second {
        Some(second) => Stamp { day: b.day, second }.seconds_from(first_day),
        None => i64::from(b.day.unwrap_or(last_day) - first_day) * 86_400 + i64::from(hours.closes),
    }
}

/// The announced pace per scope.
pub fn announced_pace(
    bulletins: &[Bulletin],
    hours: Hours,
    opts: &PaceOptions,
) -> Vec<AnnouncedPace> {
    let mut scopes: Vec<&str> = Vec::new();
    for b in bulletins {
        if !scopes.contains(&b.scope.as_str()) {
            scopes.push(&b.scope);
        }
    }
    let open = i64::from(hours.opens);
    let single = scopes.len() == 1;
    let mut out = Vec::new();
    for scope in scopes {
        // Centres are those of the national scope (or of the only scope).
        let centres = opts
            .centres
            .filter(|_| single || scope.eq_ignore_ascii_case("national"));
        let of: Vec<&Bulletin> = bulletins.iter().filter(|b| b.scope == scope).collect();
        let Some(fin) = of.iter().rev().find(|b| b.second.is_none()) else {
            continue;
        };
        // Days are counted within the scope (another scope's dates must
        // not move this one's close).
        let first_day = of.iter().filter_map(|b| b.day).min().unwrap_or(0);
        let last_day = of.iter().filter_map(|b| b.day).max().unwrap_or(first_day);
        let close = instant(fin, first_day, hours, last_day);
        let Some((last, at)) = of
            .iter()
            .filter(|b| b.second.is_some())
            .map(|b| (*b, instant(b, first_day, hours, last_day)))
            .filter(|&(_, t)| t < close)
            .max_by_key(|&(_, t)| t)
        else {
            continue;
        };
        let before = hours.open_seconds(open, at) as f64 / 60.0;
        let after = hours.open_seconds(at, close) as f64 / 60.0;
        let late = fin.voters.saturating_sub(last.voters);
        let final_below_last = fin.voters < last.voters;
        // No open time before the bulletin (it is at the opening): no pace.
        let rb = (before > 0.0).then(|| last.voters as f64 / before);
        let ra = late as f64 / after;
        let per = |r: f64| centres.map(|c| r / c as f64);
        let needed = per(ra).map(|r| r * opts.min_seconds_per_voter / 60.0);
        let capacity = match (centres, opts.issuing_points_per_centre) {
            (Some(c), Some(b)) => {
                Some((c as f64 * b * after * 60.0 / opts.min_seconds_per_voter).floor() as u64)
            }
            _ => None,
        };
        let excess = capacity.map(|cap| late.saturating_sub(cap));
        let label = match last.day {
            Some(d) if d != last_day => format!(
                "{} {}",
                crate::io::clock::format_date(d),
                format_clock(last.second.unwrap_or(0))
            ),
            _ => format_clock(last.second.unwrap_or(0)),
        };
        let mut verdict = format!(
            "The final figure for {scope} ({}) adds {late} voters after the {label} bulletin ({}): \
             {:.1} % of all voters in {:.0} of {:.0} open minutes{}.",
            fin.voters,
            last.voters,
            100.0 * late as f64 / fin.voters.max(1) as f64,
            after,
            before + after,
            rb.map_or(String::new(), |rb| format!(", {:.2}× the pace before", ra / rb))
        );
        if final_below_last {
            verdict.push_str(&format!(
                " The final figure is below the earlier bulletin's ({}): they cannot both count the same voters.",
                last.voters
            ));
        }
        if let (Some(pb), Some(pa), Some(nd)) = (rb.and_then(per), per(ra), needed) {
            verdict.push_str(&format!(
                " Per centre: {pa:.2} voters a minute against {pb:.2} before; at {} s per voter \
                 every centre must have kept {nd:.2} issuing points busy without pause.",
                opts.min_seconds_per_voter
            ));
        }
        if let Some(x) = excess {
            verdict.push_str(&if x > 0 {
                format!(" At least {x} of these votes exceed the centres' capacity.")
            } else {
                " The centres' capacity could hold them: the pace, not capacity, is the anomaly."
                    .into()
            });
        }
        out.push(AnnouncedPace {
            scope: scope.to_string(),
            last_bulletin: label,
            last_bulletin_voters: last.voters,
            final_voters: fin.voters,
            late_voters: late,
            late_share: late as f64 / fin.voters.max(1) as f64,
            open_minutes_before: before,
            open_minutes_after: after,
            voters_per_minute_before: rb,
            voters_per_minute_after: ra,
            acceleration: rb.map(|rb| ra / rb),
            final_below_last,
            centres,
            per_centre_per_minute_before: rb.and_then(per),
            per_centre_per_minute_after: per(ra),
            min_seconds_per_voter: opts.min_seconds_per_voter,
            issuing_points_needed_per_centre: needed,
            issuing_points_per_centre: opts.issuing_points_per_centre,
            excess_lower_bound: excess,
            verdict,
        });
    }
    out
}

/// One contestant's announced-versus-counted gap.
#[derive(Debug, Clone, Serialize)]
pub struct ContestantGap {
    pub column: String,
    pub name: String,
    pub announced: u64,
    pub counted: u64,
    pub gap: i64,
    /// The most that missing stations and uncovered voters could hold.
    pub explainable_max: Option<u64>,
    /// What they would hold at the counted rate (votes / electorate).
    pub explainable_typical: Option<f64>,
    pub exceeds_max: bool,
    /// The announcement is below what the counted stations alone show
    /// (missing stations can only add).
    pub below_counted: bool,
}

/// One bulletin against the station-level count.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    /// Row of the bulletin file.
    pub row: usize,
    pub scope: String,
    pub time: String,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub announced_voters: u64,
    /// `None` when no station reported at that time.
    pub counted_voters: Option<u64>,
    pub gap: Option<i64>,
    pub stations_in_scope: usize,
    pub stations_counted: usize,
    /// Σ final counts of stations in scope without a report at that time.
    pub missing_stations_final: u64,
    pub announced_electorate: Option<u64>,
    /// `null` when the station file has no registered voters (since 2.5.0).
    pub counted_electorate: Option<u64>,
    pub uncovered_electorate: Option<u64>,
    pub explainable_max: Option<u64>,
    pub explainable_typical: Option<f64>,
    pub exceeds_max: bool,
    /// The announcement is below the counted figure.
    pub below_counted: bool,
    pub contestants: Vec<ContestantGap>,
    /// Count columns of the bulletin that name no contestant of the table.
    pub unmatched_columns: Vec<String>,
    /// Contestant columns of an intermediate bulletin (votes per contestant
    /// are counted at the close only).
    pub not_compared: Vec<String>,
    pub verdict: String,
}

/// Sets every bulletin against the station-level counts.
pub fn reconcile(
    bulletins: &[Bulletin],
    e: &Election,
    p: Option<&Participation>,
) -> Vec<Reconciliation> {
    let regions = &e.levels[0];
    bulletins
        .iter()
        .map(|b| {
            let in_scope: Vec<usize> = if b.scope.eq_ignore_ascii_case("national") {
                (0..e.stations.len()).collect()
            } else {
                match regions.labels.iter().position(|l| *l == b.scope) {
                    Some(r) => (0..e.stations.len())
                        .filter(|&i| regions.codes[i] as usize == r)
                        .collect(),
                    None => Vec::new(),
                }
            };
            let counted_electorate: Option<u64> = e.electorate.as_ref().map(|el| {
                in_scope
                    .iter()
                    .fold(0u64, |a, &i| a.saturating_add(el[i]))
            });
            // Station-level figure at the bulletin's time.
            // `Some(None)`: the final count; `Some(Some(t))`: report time t.
            let slot = match (b.second, p) {
                _ if in_scope.is_empty() => None,
                (None, _) => Some(None),
                (Some(sec), Some(p)) => {
                    // Undated reports: the bulletin's date is not needed.
                    let at = match (p.first_day, b.day) {
                        (Some(fd), Some(day)) => i64::from(day - fd) * 86_400 + i64::from(sec),
                        _ => i64::from(sec),
                    };
                    if at == p.close_at {
                        Some(None)
                    } else {
                        p.times.iter().position(|&t| t == at).map(Some)
                    }
                }
                (Some(_), None) => None,
            };
            let (counted, counted_n, missing_final) = match slot {
                None => (None, 0, 0),
                Some(None) => (
                    Some(
                        in_scope
                            .iter()
                            .fold(0u64, |a, &i| a.saturating_add(e.ballots[i])),
                    ),
                    in_scope.len(),
                    0,
                ),
                Some(Some(t)) => {
                    let p = p.expect("slot implies reports");
                    let (mut sum, mut n, mut miss) = (0u64, 0usize, 0u64);
                    for &i in &in_scope {
                        match p.reports[t][i] {
                            Some(c) => {
                                sum = sum.saturating_add(c);
                                n += 1;
                            }
                            None => miss = miss.saturating_add(e.ballots[i]),
                        }
                    }
                    (Some(sum), n, miss)
                }
            };
            let uncovered = b
                .electorate
                .zip(counted_electorate)
                .map(|(a, c)| a.saturating_sub(c));
            // An announced electorate the station file cannot be compared
            // with (no registered voters in it) leaves the uncovered part
            // unknown: nothing is then explainable-at-most.
            let unknown = b.electorate.is_some() && counted_electorate.is_none();
            let gap = counted.map(|c| b.voters as i64 - c as i64);
            let explainable_max = counted
                .filter(|_| !unknown)
                .map(|_| missing_final + uncovered.unwrap_or(0));
            let rate = |x: u64| x as f64 / counted_electorate.unwrap_or(0).max(1) as f64;
            let explainable_typical = counted
                .filter(|_| !unknown)
                .map(|c| missing_final as f64 + uncovered.unwrap_or(0) as f64 * rate(c));
            let exceeds = matches!((gap, explainable_max), (Some(g), Some(m)) if g > m as i64);
            let voter_gap = gap.map(|g| g.max(0) as u64);
            let find = |col: &str| {
                e.contestants
                    .iter()
                    .find(|c| c.column == col || c.name == col)
            };
            let unmatched_columns: Vec<String> = b
                .votes
                .iter()
                .filter(|(col, _)| find(col).is_none())
                .map(|(col, _)| col.clone())
                .collect();
            let contestants: Vec<ContestantGap> = b
                .votes
                .iter()
                .filter_map(|(col, announced)| {
                    let c = find(col)?;
                    // Votes per contestant are known at the final count only.
                    let counted_votes: u64 = match slot {
                        Some(None) => in_scope
                            .iter()
                            .fold(0u64, |a, &i| a.saturating_add(c.votes[i])),
                        _ => return None,
                    };
                    let g = *announced as i64 - counted_votes as i64;
                    // A contestant gains at most the voters the announcement
                    // adds to the count, whatever the uncovered part holds.
                    let max = match (explainable_max, voter_gap) {
                        (Some(m), Some(vg)) if b.voters > 0 => Some(m.min(vg)),
                        (Some(m), _) => Some(m),
                        (None, Some(vg)) if unknown && b.voters > 0 => Some(vg),
                        (None, _) => None,
                    };
                    Some(ContestantGap {
                        column: c.column.clone(),
                        name: c.name.clone(),
                        announced: *announced,
                        counted: counted_votes,
                        gap: g,
                        explainable_max: max,
                        explainable_typical: uncovered.map(|u| u as f64 * rate(counted_votes)),
                        exceeds_max: max.is_some_and(|m| g > m as i64),
                        below_counted: g < 0,
                    })
                })
                .collect();
            let verdict = match (counted, gap) {
                (None, _) | (_, None) => {
                    if in_scope.is_empty() {
                        format!("Scope {:?} matches no station of the table.", b.scope)
                    } else {
                        format!(
                            "No station-level count at {} to compare with.",
                            b.time
                        )
                    }
                }
                (Some(c), Some(g)) => {
                    let mut v = format!(
                        "Announced {} voters ({}, {}) against {c} counted at {} of {} stations: gap {g:+}",
                        b.voters,
                        b.scope,
                        b.time,
                        counted_n,
                        in_scope.len()
                    );
                    let m = explainable_max.unwrap_or(0);
                    v.push_str(&if exceeds {
                        format!("; more than the {m} the missing stations and uncovered voters could hold.")
                    } else {
                        format!("; within the {m} the missing stations and uncovered voters could hold.")
                    });
                    if g < 0 {
                        v.push_str(" The announcement is below the counted stations alone.");
                    }
                    for cg in &contestants {
                        if cg.below_counted {
                            v.push_str(&format!(
                                " {}: announced {} but {} counted in the stations of the table \
                                 alone; missing stations can only add votes, so the announcement \
                                 is below the count by {}.",
                                cg.name, cg.announced, cg.counted, -cg.gap
                            ));
                        }
                        if cg.exceeds_max {
                            v.push_str(&format!(
                                " {}: announced {} against {} counted, a gap of {} that exceeds the {} \
                                 voters the uncounted part could add: the announcement and the count \
                                 cannot both be right.",
                                cg.name,
                                cg.announced,
                                cg.counted,
                                cg.gap,
                                cg.explainable_max.unwrap_or(0)
                            ));
                        }
                    }
                    v
                }
            };
            let not_compared: Vec<String> = b
                .votes
                .iter()
                .filter(|(col, _)| find(col).is_some() && !matches!(slot, Some(None)))
                .map(|(col, _)| col.clone())
                .collect();
            let mut verdict = verdict;
            if !unmatched_columns.is_empty() {
                verdict.push_str(&format!(
                    " Columns naming no contestant of the table, not compared: {}.",
                    unmatched_columns.join(", ")
                ));
            }
            Reconciliation {
                row: b.row,
                scope: b.scope.clone(),
                time: b.time.clone(),
                kind: b.kind.clone(),
                source: b.source.clone(),
                announced_voters: b.voters,
                counted_voters: counted,
                gap,
                stations_in_scope: in_scope.len(),
                stations_counted: counted_n,
                missing_stations_final: missing_final,
                announced_electorate: b.electorate,
                counted_electorate,
                uncovered_electorate: uncovered,
                explainable_max,
                explainable_typical,
                exceeds_max: exceeds,
                below_counted: matches!(gap, Some(g) if g < 0),
                contestants,
                unmatched_columns,
                not_compared,
                verdict,
            }
        })
        .collect()
}
