//! The claim check: is a stated number ("turnout was inflated by at least
//! 1 million") supported by the evidence given, under which assumptions,
//! and with what certainty?
//!
//! A claim is `inflated >= N` (voters or ballots announced above the true
//! figure) or `inflated[C] >= N` (contestant C's announced votes above
//! what the count supports). Each *line of evidence* answers on its own:
//! - **certain**: a bound that needs no statistical model proves it (under
//!   the stated physical or accounting assumptions);
//! - **probable**: a model gives it probability at least `probability`
//!   (default 0.95), stated;
//! - **not supported**: neither;
//! - **not applicable**: the line's data were not given or do not speak to
//!   this claim.
//!
//! Lines:
//! - `bulletins.pace` (announced bulletins alone): the announced total
//!   needs the last hours to run at `r` times the pace before the last
//!   bulletin; the claim holds exactly when the true late pace was at most
//!   `r*` times it (`r*` solves `late − N = r* · pace_before · minutes_after`).
//!   P(claim) = P(ratio ≤ r*) under the clean reference
//!   ([`pace_reference`], a log-normal over Spain 2019's provinces). On an
//!   assumption grid (seconds per voter × issuing points per centre) the
//!   late voters above what the centres could process are a certain
//!   excess; the claim is certain where that excess reaches N.
//! - `independent_estimate` (a quick count, exit poll or sample of
//!   stations: true participation `T ~ N(estimate, se²)`): P(announced − T ≥ N)
//!   = Φ((announced − N − estimate) / se).
//! - `verdict.<family>` (a station file): each adequate estimating family's
//!   national inflated-ballot estimate, P(inflated ≥ N) from its interval
//!   read as normal (`se` = half-width / z at its level); with calibration,
//!   only an estimate above its placebo band counts.
//! - `verdict.<bound>` and `reconciliation` (a station file with
//!   announced bulletins): certain bounds; for `inflated[C]`, the
//!   contestant's announced votes above its count plus what the uncounted
//!   part could add, under two assumptions — the announced total of voters
//!   bounds the uncounted voters (stronger), or only the registered voters
//!   of the uncounted part do (weaker).

pub mod pace_reference;

use serde::Serialize;

use crate::io::bulletins::Bulletin;
use crate::io::hourly::Hours;
use crate::methods::hourly::bulletins::{announced_pace, AnnouncedPace, PaceOptions};
use crate::report::Report;
use crate::stats::gof::normal_quantile;
use crate::stats::normal_table::phi;

/// What is claimed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// The claim as written.
    pub text: String,
    /// `inflated` (votes or voters added) or `missing` (a contestant's
    /// votes missing from the official count; since 2.5.0).
    pub kind: ClaimKind,
    /// `None`: voters or ballots; `Some(c)`: contestant `c`'s votes.
    pub contestant: Option<String>,
    /// The claimed minimum inflation.
    pub threshold: f64,
}

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Inflated,
    Missing,
}

impl std::str::FromStr for Claim {
    type Err = String;

    /// `inflated >= N`, `inflated[C] >= N` or `missing[C] >= N` (`N` may
    /// carry `_` or `,` separators; `≥` is accepted for `>=`).
    fn from_str(s: &str) -> Result<Claim, String> {
        let usage = || {
            format!(
                "claim {s:?}: write `inflated >= N` (voters), `inflated[CONTESTANT] >= N` (a contestant's votes) or `missing[CONTESTANT] >= N` (a contestant's votes missing from the official count)"
            )
        };
        let t = s.replace('≥', ">=");
        let (lhs, rhs) = t.split_once(">=").ok_or_else(usage)?;
        let lhs = lhs.trim();
        let (kind, contestant) = if lhs == "inflated" {
            (ClaimKind::Inflated, None)
        } else if let Some(inner) = lhs
            .strip_prefix("inflated[")
            .and_then(|r| r.strip_suffix(']'))
        {
            (ClaimKind::Inflated, Some(inner.trim().to_string()))
        } else if let Some(inner) = lhs
            .strip_prefix("missing[")
            .and_then(|r| r.strip_suffix(']'))
        {
            (ClaimKind::Missing, Some(inner.trim().to_string()))
        } else {
            return Err(usage());
        };
        let n: f64 = rhs
            .trim()
            .replace(['_', ','], "")
            .parse()
            .map_err(|_| usage())?;
        if !n.is_finite() || n < 0.0 {
            return Err(usage());
        }
        Ok(Claim {
            text: s.trim().to_string(),
            kind,
            contestant,
            threshold: n,
        })
    }
}

/// A range of an assumption (`15..60`), sampled on a grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range {
    pub low: f64,
    pub high: f64,
}

impl std::str::FromStr for Range {
    type Err = String;

    fn from_str(s: &str) -> Result<Range, String> {
        let bad = || format!("{s:?}: write a value or a range LOW..HIGH");
        let (lo, hi) = match s.split_once("..") {
            Some((a, b)) => (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            ),
            None => {
                let v: f64 = s.trim().parse().map_err(|_| bad())?;
                (v, v)
            }
        };
        if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
            return Err(bad());
        }
        Ok(Range { low: lo, high: hi })
    }
}

impl Range {
    /// `n` evenly spaced values from low to high (one when they are equal).
    fn grid(&self, n: usize) -> Vec<f64> {
        if self.low == self.high || n < 2 {
            return vec![self.low];
        }
        (0..n)
            .map(|k| self.low + (self.high - self.low) * k as f64 / (n - 1) as f64)
            .collect()
    }
}

/// The options of a check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOptions {
    pub claim: Claim,
    /// Probability from which a line calls the claim probable.
    pub probability: f64,
    /// An independent estimate of true participation, and its standard error.
    pub independent_estimate: Option<f64>,
    pub independent_se: Option<f64>,
    /// The announced total, when no bulletin file gives it.
    pub announced: Option<f64>,
    pub seconds_per_voter: Range,
    pub issuing_points_per_centre: Range,
    /// Polling centres (for the capacity grid of the pace line).
    pub centres: Option<u64>,
    /// Restrict the claim to one scope: a bulletin scope, or a region (or
    /// unit of a finer level) of the station file.
    pub scope: Option<String>,
}

/// A line's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Certain,
    Probable,
    NotSupported,
    NotApplicable,
}

impl Status {
    pub fn words(self) -> &'static str {
        match self {
            Status::Certain => "certain",
            Status::Probable => "probable",
            Status::NotSupported => "not supported",
            Status::NotApplicable => "not applicable",
        }
    }
}

/// One line of evidence's answer (`lines[]`).
#[derive(Debug, Clone, Serialize)]
pub struct LineAnswer {
    pub line: String,
    pub status: Status,
    /// P(claim) under this line's model (`null` for bounds).
    pub probability: Option<f64>,
    /// The inflation this line proves with certainty (bounds).
    pub certain_at_least: Option<f64>,
    /// The line's estimate of the inflation, with its interval.
    pub estimate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// What the answer rests on.
    pub assumptions: Vec<String>,
    /// What would change the answer.
    pub flips: String,
}

/// The pace line's numbers (`pace`).
#[derive(Debug, Clone, Serialize)]
pub struct PaceDetail {
    pub scope: String,
    pub last_bulletin: String,
    pub last_bulletin_voters: u64,
    pub announced_voters: u64,
    pub late_voters: u64,
    pub minutes_before: f64,
    pub minutes_after: f64,
    pub voters_per_minute_before: f64,
    /// The late-to-early pace ratio the announced total needs.
    pub ratio_needed: f64,
    /// The ratio above which the claim fails (the true late pace, relative
    /// to the pace before, at which inflation would be exactly the claimed
    /// amount).
    pub ratio_at_which_claim_fails: f64,
    pub reference: pace_reference::Reference,
    /// P(claim) = P(clean ratio ≤ the failing ratio), log-normal reference.
    pub probability: f64,
    /// Reference scopes whose ratio exceeds the failing ratio.
    pub reference_scopes_above: usize,
}

/// One cell of the assumption grid (`grid[]`).
#[derive(Debug, Clone, Serialize)]
pub struct GridCell {
    pub seconds_per_voter: f64,
    pub issuing_points_per_centre: f64,
    /// Voters the centres could process after the last bulletin.
    pub capacity: f64,
    /// Late voters above that capacity: a certain excess.
    pub certain_excess: f64,
    pub status: Status,
}

/// The result of `escrutinio check` (`check.json`).
#[derive(Debug, Clone, Serialize)]
pub struct ClaimCheck {
    pub schema_version: &'static str,
    pub claim: Claim,
    /// Certain if any line is certain, else probable if any line is, else
    /// not supported (not applicable when no line applies).
    pub answer: Status,
    /// The claim holds on the evidence (exit code 0).
    pub holds: bool,
    pub summary: String,
    pub probability_threshold: f64,
    pub lines: Vec<LineAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pace: Option<PaceDetail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grid: Vec<GridCell>,
    /// Lines that disagree (a certain or probable line beside one that
    /// gives the claim probability below one half).
    pub conflicts: Vec<String>,
}

fn status_of(p: f64, threshold: f64) -> Status {
    if p >= threshold {
        Status::Probable
    } else {
        Status::NotSupported
    }
}

/// The chosen scope's (else the national or only scope's) final
/// announcement and its pace.
fn scope_pace(
    bulletins: &[Bulletin],
    hours: Hours,
    centres: Option<u64>,
    scope: Option<&str>,
) -> Option<AnnouncedPace> {
    let pace = announced_pace(
        bulletins,
        hours,
        &PaceOptions {
            centres,
            ..PaceOptions::default()
        },
    );
    if let Some(s) = scope {
        return pace.into_iter().find(|p| p.scope == s);
    }
    national_or_only(pace, |p| &p.scope)
}

/// The item of scope `national` (any case), or the only item.
fn national_or_only<T>(items: Vec<T>, scope: impl Fn(&T) -> &str) -> Option<T> {
    let single = items.len() == 1;
    items
        .into_iter()
        .find(|x| single || scope(x).eq_ignore_ascii_case("national"))
}

/// The announced total: the option, else the national final bulletin.
fn announced_total(o: &CheckOptions, bulletins: &[Bulletin]) -> Option<f64> {
    o.announced.or_else(|| {
        let finals: Vec<&Bulletin> = bulletins.iter().filter(|b| b.second.is_none()).collect();
        national_or_only(finals, |b| &b.scope).map(|b| b.voters as f64)
    })
}

/// Checks a claim on whatever evidence is given: announced bulletins and
/// the polling hours (`bulletins`, `hours`), an analysed station file
/// (`report`), an independent estimate (in the options).
pub fn check(
    o: &CheckOptions,
    bulletins: &[Bulletin],
    hours: Option<Hours>,
    report: Option<&Report>,
) -> ClaimCheck {
    let x = o.claim.threshold;
    let mut lines = Vec::new();
    let mut pace_detail = None;
    let mut grid = Vec::new();
    let voters_claim = o.claim.contestant.is_none();

    // Announced bulletins: the pace the announced total needs.
    let pace = hours
        .filter(|_| voters_claim)
        .and_then(|h| scope_pace(bulletins, h, o.centres, o.scope.as_deref()));
    match pace {
        Some(p)
            if p.voters_per_minute_before.is_some_and(|v| v > 0.0)
                && p.open_minutes_after > 0.0 =>
        {
            let before = p.voters_per_minute_before.unwrap_or(f64::NAN);
            let reference = pace_reference::bundled();
            let late = p.late_voters as f64;
            let r_needed = (late / p.open_minutes_after) / before;
            let r_fail = (late - x) / (p.open_minutes_after * before);
            let prob = reference.probability_at_most(r_fail);
            let rows = pace_reference::parse(pace_reference::BUNDLED).unwrap_or_default();
            let above = rows
                .iter()
                .filter(|r| r.scope != "national" && r.ratio > r_fail)
                .count();
            let centres = o.centres.or(p.centres);
            let mut any_certain = None::<(f64, f64)>;
            if let Some(c) = centres {
                for spv in o.seconds_per_voter.grid(7) {
                    for b in o.issuing_points_per_centre.grid(7) {
                        let capacity = c as f64 * b * p.open_minutes_after * 60.0 / spv;
                        let excess = (late - capacity).max(0.0);
                        let status = if excess >= x {
                            Status::Certain
                        } else {
                            status_of(prob, o.probability)
                        };
                        if status == Status::Certain {
                            any_certain = Some((spv, b));
                        }
                        grid.push(GridCell {
                            seconds_per_voter: spv,
                            issuing_points_per_centre: b,
                            capacity,
                            certain_excess: excess,
                            status,
                        });
                    }
                }
            }
            let status = status_of(prob, o.probability);
            lines.push(LineAnswer {
                line: "bulletins.pace".into(),
                status,
                probability: Some(prob),
                certain_at_least: None,
                estimate: Some(late - before * p.open_minutes_after * reference.median),
                ci_low: None,
                ci_high: None,
                assumptions: vec![
                    format!(
                        "the true pace after the {} bulletin was at most the pace before it times a ratio drawn from the clean reference ({}: median {:.2}, largest {:.2} over {} scopes)",
                        p.last_bulletin, reference.source, reference.median, reference.max, reference.scopes
                    ),
                    "the bulletin before the close counted every voter up to its time".into(),
                ],
                flips: format!(
                    "the claim fails if the last {:.0} minutes ran faster than {:.2}× the earlier pace (the announced total needs {:.2}×); {} of {} clean reference scopes ran faster than {:.2}×",
                    p.open_minutes_after, r_fail, r_needed, above, reference.scopes, r_fail
                ),
            });
            if let Some(c) = centres {
                let certain_cells = grid.iter().filter(|g| g.status == Status::Certain).count();
                let needed_capacity = late - x;
                lines.push(LineAnswer {
                    line: "bulletins.capacity".into(),
                    status: if certain_cells == grid.len() && !grid.is_empty() {
                        Status::Certain
                    } else {
                        Status::NotSupported
                    },
                    probability: None,
                    certain_at_least: grid
                        .iter()
                        .map(|g| g.certain_excess)
                        .reduce(f64::min),
                    estimate: None,
                    ci_low: None,
                    ci_high: None,
                    assumptions: vec![format!(
                        "{c} centres, each with {}–{} issuing points working without pause at {}–{} s a voter after the last bulletin",
                        o.issuing_points_per_centre.low,
                        o.issuing_points_per_centre.high,
                        o.seconds_per_voter.low,
                        o.seconds_per_voter.high
                    )],
                    flips: match any_certain {
                        Some(_) => format!(
                            "certain in {certain_cells} of {} cells of the grid: wherever the centres could process at most {:.0} voters after the last bulletin ({:.2} voters a minute per centre)",
                            grid.len(),
                            needed_capacity.max(0.0),
                            needed_capacity.max(0.0) / c as f64 / p.open_minutes_after
                        ),
                        None => format!(
                            "the centres' capacity exceeds the {:.0} late voters less the claim everywhere on the grid: capacity alone cannot prove it",
                            needed_capacity.max(0.0)
                        ),
                    },
                });
            }
            pace_detail = Some(PaceDetail {
                scope: p.scope.clone(),
                last_bulletin: p.last_bulletin.clone(),
                last_bulletin_voters: p.last_bulletin_voters,
                announced_voters: p.final_voters,
                late_voters: p.late_voters,
                minutes_before: p.open_minutes_before,
                minutes_after: p.open_minutes_after,
                voters_per_minute_before: before,
                ratio_needed: r_needed,
                ratio_at_which_claim_fails: r_fail,
                reference,
                probability: prob,
                reference_scopes_above: above,
            });
        }
        _ if bulletins.is_empty() => {}
        _ => lines.push(not_applicable(
            "bulletins.pace",
            if voters_claim {
                "no bulletin before the close with a final announcement (or no polling hours)"
            } else {
                "the pace speaks to voters, not to a contestant's votes"
            },
        )),
    }

    // An independent estimate of true participation.
    match (o.independent_estimate, o.independent_se, announced_total(o, bulletins)) {
        (Some(est), Some(se), Some(a)) if voters_claim && se > 0.0 => {
            let p = phi((a - x - est) / se);
            let z = normal_quantile(0.95);
            lines.push(LineAnswer {
                line: "independent_estimate".into(),
                status: status_of(p, o.probability),
                probability: Some(p),
                certain_at_least: None,
                estimate: Some(a - est),
                ci_low: Some(a - est - z * se),
                ci_high: Some(a - est + z * se),
                assumptions: vec![format!(
                    "true participation is normal around the independent estimate {est:.0} with standard error {se:.0}; announced {a:.0}"
                )],
                flips: format!(
                    "probable ({}) for independent estimates below {:.0}; even odds at {:.0}",
                    o.probability,
                    a - x - normal_quantile(o.probability) * se,
                    a - x
                ),
            });
        }
        (Some(_), _, _) | (_, Some(_), _) if voters_claim => lines.push(not_applicable(
            "independent_estimate",
            "give both --independent-estimate and --independent-se, and an announced total (--announced or a final bulletin)",
        )),
        _ => {}
    }

    // A station file: the verdict's estimates, bounds and reconciliation.
    if let (Some(r), Some(scope), true) = (report, &o.scope, voters_claim) {
        lines.push(region_line(r, scope, x, o.probability));
    } else if let Some(r) = report {
        if voters_claim {
            // The reference subset speaks of the leader's votes, not voters.
            for n in r
                .verdict
                .national
                .iter()
                .filter(|n| n.family != "reference_subset")
            {
                if !n.adequate {
                    lines.push(not_applicable(
                        &format!("verdict.{}", n.family),
                        n.reason.as_deref().unwrap_or("not adequate"),
                    ));
                    continue;
                }
                let (Some(lo), Some(hi)) = (n.ci_low, n.ci_high) else {
                    continue;
                };
                let se = se_of_interval(lo, hi, n.ci_level);
                let mut p = phi((n.estimate - x) / se);
                let mut assumptions = vec![format!(
                    "the family's model ({}) fits the data (its adequacy check passed); its {:.0} % interval read as normal",
                    n.quantity,
                    100.0 * n.ci_level
                )];
                if let Some(h) = n.placebo_high {
                    assumptions.push(format!(
                        "calibrated: clean placebo elections give estimates up to {h:.0}"
                    ));
                    if n.estimate <= h {
                        p = 0.0;
                    }
                }
                lines.push(probable_line(
                    format!("verdict.{}", n.family),
                    p,
                    n.estimate,
                    se,
                    (n.ci_low, n.ci_high),
                    o.probability,
                    assumptions,
                ));
            }
            for b in r
                .verdict
                .lower_bounds
                .iter()
                .filter(|b| b.quantity == crate::verdict::INFLATED)
            {
                let v = b.ballots as f64;
                lines.push(LineAnswer {
                    line: format!("verdict.{}", b.source),
                    status: if v >= x {
                        Status::Certain
                    } else {
                        Status::NotSupported
                    },
                    probability: None,
                    certain_at_least: Some(v),
                    estimate: None,
                    ci_low: None,
                    ci_high: None,
                    assumptions: vec![b.description.clone()],
                    flips: format!("certain for claims up to {v:.0}"),
                });
            }
        }
        match (&o.claim.contestant, o.claim.kind) {
            (Some(c), ClaimKind::Inflated) => {
                lines.push(contestant_line(r, c, x));
                if let Some(l) = reference_line(r, c, x, o.probability) {
                    lines.push(l);
                }
            }
            (Some(c), ClaimKind::Missing) => lines.extend(missing_lines(r, c, x, o.probability)),
            (None, _) => {}
        }
    }
    finish(o, lines, pace_detail, grid)
}

/// The claim for one region (or unit of a finer level) from the verdict's
/// regional estimates (`regions.csv`).
fn region_line(r: &Report, scope: &str, x: f64, threshold: f64) -> LineAnswer {
    let line = format!("verdict.region:{scope}");
    let Some(row) = r.verdict.regions.iter().find(|row| row.region == scope) else {
        return not_applicable(
            &line,
            &format!(
                "no regional estimate for {scope:?} (the regions' own excess-vote lines must be adequate and the region must have one)"
            ),
        );
    };
    let level = r
        .findings
        .excess_votes
        .as_ref()
        .map_or(0.95, |x| x.options.ci_level);
    let (p, flips) = match (row.inflated_low, row.inflated_high) {
        (Some(lo), Some(hi)) => {
            let se = ((hi - lo) / (2.0 * normal_quantile(0.5 + level / 2.0))).max(1e-9);
            (
                phi((row.inflated_ballots - x) / se),
                format!(
                    "probable ({threshold}) for claims up to {:.0}",
                    row.inflated_ballots - normal_quantile(threshold) * se
                ),
            )
        }
        _ => (0.0, "no interval for this unit".to_string()),
    };
    LineAnswer {
        line,
        status: status_of(p, threshold),
        probability: Some(p),
        certain_at_least: None,
        estimate: Some(row.inflated_ballots),
        ci_low: row.inflated_low,
        ci_high: row.inflated_high,
        assumptions: vec![format!(
            "the {} {scope}'s winner votes above its region's own clean-share line (Shpilkin), interval read as normal",
            row.level
        )],
        flips,
    }
}

/// The reference-subset extrapolation, for a claim on the leader's votes.
fn reference_line(r: &Report, c: &str, x: f64, probability: f64) -> Option<LineAnswer> {
    let f = r.findings.reference_subset.as_ref()?;
    let leader = r.summary.contestants.iter().find(|k| k.winner)?;
    if c != leader.name && c != leader.column {
        return None;
    }
    let n = r
        .verdict
        .national
        .iter()
        .find(|n| n.family == "reference_subset")?;
    if !n.adequate {
        return Some(not_applicable(
            "verdict.reference_subset",
            n.reason.as_deref().unwrap_or("not adequate"),
        ));
    }
    let se = se_of_interval(f.ci_low?, f.ci_high?, f.options.ci_level);
    Some(probable_line(
        "verdict.reference_subset".into(),
        phi((f.excess - x) / se),
        f.excess,
        se,
        (f.ci_low, f.ci_high),
        probability,
        vec![format!(
            "the {} vote like the other stations of their {} absent fraud ({} units covered); the bootstrap interval read as normal",
            f.label, f.level, f.units_covered
        )],
    ))
}

/// Independent counts, for a claim that a contestant's votes are missing
/// from the official count: the certain bound and the extrapolation.
fn missing_lines(r: &Report, c: &str, x: f64, probability: f64) -> Vec<LineAnswer> {
    let Some(f) = &r.findings.independent_counts else {
        return vec![not_applicable(
            "independent_counts",
            "no independent counts (the schema's [independent] table)",
        )];
    };
    let Some(k) = f
        .contestants
        .iter()
        .find(|k| k.contestant == c || k.column == c)
    else {
        return vec![not_applicable(
            "independent_counts",
            &format!("no independent figures for {c:?}"),
        )];
    };
    let mut out = Vec::new();
    let bound = k.shortfall as f64;
    if f.certain {
        out.push(LineAnswer {
            line: "independent_counts.bound".into(),
            status: if bound >= x {
                Status::Certain
            } else {
                Status::NotSupported
            },
            probability: None,
            certain_at_least: Some(bound),
            estimate: None,
            ci_low: None,
            ci_high: None,
            assumptions: vec![format!(
                "each {} figure is a lower bound on the true count: official below it at {} of {} stations",
                f.source, k.stations_official_below, k.stations_compared
            )],
            flips: format!("certain for claims up to {bound:.0}"),
        });
    } else {
        out.push(not_applicable(
            "independent_counts.bound",
            "the independent figures are not lower bounds (kind = \"count\"): no certain bound",
        ));
    }
    if let Some(e) = &k.extrapolation {
        let se = e.standard_error.max(1e-9);
        let p = if bound >= x {
            1.0
        } else {
            phi((e.estimate - x) / se)
        };
        out.push(probable_line(
            "independent_counts.extrapolation".into(),
            p,
            e.estimate,
            se,
            (Some(e.ci_low), Some(e.ci_high)),
            probability,
            vec![format!(
                "{} (extrapolated from {} to {} stations)",
                e.assumption, e.sample, e.population
            )],
        ));
    }
    out
}

/// The standard error of an estimate whose `level` interval `[lo, hi]` is
/// read as normal (floored above 0).
fn se_of_interval(lo: f64, hi: f64, level: f64) -> f64 {
    ((hi - lo) / (2.0 * normal_quantile(0.5 + level / 2.0))).max(1e-9)
}

/// A line answered by a model's probability `p` that the claim holds, with
/// the claim size up to which it stays probable (estimate − z·se).
fn probable_line(
    line: String,
    p: f64,
    estimate: f64,
    se: f64,
    (ci_low, ci_high): (Option<f64>, Option<f64>),
    probability: f64,
    assumptions: Vec<String>,
) -> LineAnswer {
    LineAnswer {
        line,
        status: status_of(p, probability),
        probability: Some(p),
        certain_at_least: None,
        estimate: Some(estimate),
        ci_low,
        ci_high,
        assumptions,
        flips: format!(
            "probable ({probability}) for claims up to {:.0}",
            estimate - normal_quantile(probability) * se
        ),
    }
}

fn not_applicable(line: &str, why: &str) -> LineAnswer {
    LineAnswer {
        line: line.into(),
        status: Status::NotApplicable,
        probability: None,
        certain_at_least: None,
        estimate: None,
        ci_low: None,
        ci_high: None,
        assumptions: vec![why.into()],
        flips: String::new(),
    }
}

/// A contestant's announced votes against the station count.
fn contestant_line(r: &Report, c: &str, x: f64) -> LineAnswer {
    let rec = r.findings.hourly.as_ref().and_then(|h| {
        h.reconciliation.iter().rev().find_map(|rec| {
            rec.contestants
                .iter()
                .find(|g| g.column == c || g.name == c)
                .map(|g| (rec, g))
        })
    });
    let Some((rec, g)) = rec else {
        return not_applicable(
            "reconciliation",
            &format!("no announced bulletin gives {c:?}'s votes beside a station count (--bulletins with a column named as the contestant)"),
        );
    };
    let gap = g.gap as f64;
    let by_voters = rec.gap.map(|v| (v.max(0)) as f64);
    let by_electorate = rec.uncovered_electorate.map(|v| v as f64);
    let strong = by_voters.map(|v| gap - v);
    let weak = by_electorate.map(|v| gap - v);
    let status = match strong {
        Some(b) if b >= x => Status::Certain,
        _ => Status::NotSupported,
    };
    let mut assumptions = vec![format!(
        "the count of {} stations is genuine: {} has {} counted votes against {} announced ({}, {})",
        rec.stations_counted, g.name, g.counted, g.announced, rec.scope, rec.time
    )];
    if let Some(v) = by_voters {
        assumptions.push(format!(
            "the uncounted part holds at most the {v:.0} voters the announcement adds to the count (announced voters {} − counted {}), all of them for {}",
            rec.announced_voters,
            rec.counted_voters.unwrap_or(0),
            g.name
        ));
    }
    let flips = match (strong, weak) {
        (Some(s), Some(w)) => format!(
            "certain excess {s:.0} if the announced voter total bounds the uncounted voters; {w:.0} if only the {:.0} registered voters the count does not cover bound them{}",
            by_electorate.unwrap_or(0.0),
            if w >= x {
                " (certain under both)"
            } else {
                " (then the claim is not proven)"
            }
        ),
        (Some(s), None) => format!("certain excess {s:.0} under the announced voter total"),
        _ => "no announced voter total to bound the uncounted part".into(),
    };
    LineAnswer {
        line: "reconciliation".into(),
        status,
        probability: None,
        certain_at_least: strong,
        estimate: Some(gap),
        ci_low: None,
        ci_high: None,
        assumptions,
        flips,
    }
}

fn finish(
    o: &CheckOptions,
    lines: Vec<LineAnswer>,
    pace: Option<PaceDetail>,
    grid: Vec<GridCell>,
) -> ClaimCheck {
    let answer = if lines.iter().any(|l| l.status == Status::Certain) {
        Status::Certain
    } else if lines.iter().any(|l| l.status == Status::Probable) {
        Status::Probable
    } else if lines.iter().any(|l| l.status == Status::NotSupported) {
        Status::NotSupported
    } else {
        Status::NotApplicable
    };
    let holds = matches!(answer, Status::Certain | Status::Probable);
    let mut conflicts = Vec::new();
    if holds {
        for l in &lines {
            if l.probability.is_some_and(|p| p < 0.5) {
                conflicts.push(format!(
                    "{} gives the claim probability {:.3}",
                    l.line,
                    l.probability.unwrap_or(0.0)
                ));
            }
        }
    }
    let mut summary = format!(
        "Claim \"{}\": {}.",
        o.claim.text,
        match answer {
            Status::Certain =>
                "certain on the evidence (a bound that needs no statistical model proves it)",
            Status::Probable => "probable on the evidence",
            Status::NotSupported => "not supported by the evidence",
            Status::NotApplicable => "no line of evidence given speaks to it",
        }
    );
    for l in lines.iter().filter(|l| l.status != Status::NotApplicable) {
        summary.push_str(&format!(" {}: {}", l.line, l.status.words()));
        if let Some(p) = l.probability {
            summary.push_str(&format!(" (probability {})", probability_words(p)));
        }
        if let Some(b) = l.certain_at_least {
            summary.push_str(&format!(" (at least {b:.0})"));
        }
        summary.push('.');
    }
    if !conflicts.is_empty() {
        summary.push_str(&format!(" Lines disagree: {}.", conflicts.join("; ")));
    }
    ClaimCheck {
        schema_version: crate::SCHEMA_VERSION,
        claim: o.claim.clone(),
        answer,
        holds,
        summary,
        probability_threshold: o.probability,
        lines,
        pace,
        grid,
        conflicts,
    }
}

/// A probability as text: "0.973", "> 0.999999", "< 1e-6".
pub fn probability_words(p: f64) -> String {
    if p > 1.0 - 1e-6 {
        "> 0.999999".into()
    } else if p < 1e-6 {
        "< 1e-6".into()
    } else if p > 0.999 {
        format!("{p:.6}")
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_parse() {
        let c: Claim = "inflated >= 1000000".parse().unwrap();
        assert_eq!(c.contestant, None);
        assert_eq!(c.threshold, 1e6);
        let c: Claim = "inflated[NM] ≥ 1_000_000".parse().unwrap();
        assert_eq!(c.contestant.as_deref(), Some("NM"));
        assert_eq!(c.threshold, 1e6);
        assert!("turnout > 5".parse::<Claim>().is_err());
        assert!("inflated >= -3".parse::<Claim>().is_err());
        let r: Range = "15..60".parse().unwrap();
        assert_eq!(r.grid(4), vec![15.0, 30.0, 45.0, 60.0]);
        assert!("60..15".parse::<Range>().is_err());
    }
}
