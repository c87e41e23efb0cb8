//! Participation over the day: curves, late surges, physically impossible
//! throughput, announced-versus-counted gaps (`hourly` in report.json).
//!
//! Inputs are validated [`Participation`] reports (see [`crate::io::hourly`]),
//! announced [`Bulletin`]s (see [`crate::io::bulletins`]) and, optionally,
//! per-ballot machine logs; any of them may be absent, and each part of the
//! finding runs on what it needs:
//! - [`curves`]: national and regional cumulative curves, typical shapes,
//!   a shape score per station;
//! - [`late_surge`]: ballots after the last intermediate report beyond the
//!   prediction, with scores, q-values and excess-ballot estimates;
//! - [`throughput`]: capacity violations and certain lower bounds on
//!   inflated ballots;
//! - [`bulletins`]: the pace an announced total implies, and the
//!   reconciliation of bulletins with station-level counts.

pub mod bulletins;
pub mod curves;
pub mod late_surge;
pub mod throughput;

use serde::Serialize;

use crate::inputs::Inputs;
use crate::io::bulletins::Bulletin;
use crate::io::clock::format_clock;
use crate::io::hourly::{hourly_flag_names, Hours, Participation};
use crate::io::validate::DataQuality;
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use crate::methods::machine_logs::{analyze_logs, LogOptions, LogsFinding};
use crate::Election;

pub use bulletins::{AnnouncedPace, PaceOptions, Reconciliation};
pub use curves::Curves;
pub use late_surge::{LateSurge, LateSurgeOptions};
pub use throughput::{Throughput, ThroughputOptions};

/// Bias replicates of the late-surge estimate in placebo elections.
pub const PLACEBO_BIAS_REPLICATES: usize = 5;

/// Options of the hourly family.
#[derive(Debug, Clone, Serialize)]
pub struct HourlyOptions {
    pub late_surge: LateSurgeOptions,
    pub throughput: ThroughputOptions,
    pub pace: PaceOptions,
    /// Stations listed in each "most anomalous" table.
    pub top: usize,
    /// Machine-log options (opening hours are set from the schedule).
    pub logs: LogOptions,
}

impl Default for HourlyOptions {
    fn default() -> Self {
        HourlyOptions {
            late_surge: LateSurgeOptions::default(),
            throughput: ThroughputOptions::default(),
            pace: PaceOptions {
                min_seconds_per_voter: ThroughputOptions::default().min_seconds_per_voter,
                ..Default::default()
            },
            top: 20,
            logs: LogOptions::default(),
        }
    }
}

impl HourlyOptions {
    /// Checks every option's domain.
    pub fn check(&self) -> Result<(), String> {
        let l = &self.late_surge;
        if !(l.alpha > 0.0 && l.alpha < 1.0) {
            return Err(format!(
                "late-surge alpha must be in (0, 1), not {}",
                l.alpha
            ));
        }
        if !(l.level > 0.0 && l.level < 1.0) {
            return Err(format!("interval level must be in (0, 1), not {}", l.level));
        }
        if l.bias_replicates == 0 {
            return Err("late-surge bias replicates must be at least 1".into());
        }
        let s = self.throughput.min_seconds_per_voter;
        if !(s.is_finite() && s > 0.0) {
            return Err(format!("minimum seconds per voter must be > 0, not {s}"));
        }
        if self.throughput.booths == 0 {
            return Err("booths per station must be at least 1".into());
        }
        if let Some(b) = self.pace.issuing_points_per_centre {
            if !(b.is_finite() && b > 0.0) {
                return Err(format!("issuing points per centre must be > 0, not {b}"));
            }
        }
        if self.pace.centres == Some(0) {
            return Err("centres must be at least 1".into());
        }
        Ok(())
    }
}

/// The options an hourly finding ran with (the late-surge test's with the
/// seed of its bootstrap).
#[derive(Debug, Clone, Serialize)]
pub struct HourlyRecord {
    pub late_surge: Recorded<LateSurgeOptions>,
    pub throughput: ThroughputOptions,
    pub pace: PaceOptions,
    pub top: usize,
    pub logs: LogOptions,
}

/// Participation over the day as a family (see [`crate::methods::Family`]):
/// runs when participation reports, bulletins or machine logs were loaded.
pub struct Hourly;

impl Family for Hourly {
    const NAME: &'static str = "hourly";
    type Options = HourlyOptions;
    type Finding = HourlyFinding;

    /// No bootstrap of the late-surge excess, and its bias correction (part
    /// of the point estimate) from 5 replicates instead of 25: a placebo's
    /// estimate then carries the bias estimate's Monte Carlo noise with an
    /// sd √5 ≈ 2.2 times larger, which widens the placebo band (the
    /// conservative side) and keeps 100 placebos with participation
    /// reports within minutes.
    fn without_intervals(o: &HourlyOptions) -> HourlyOptions {
        let mut o = o.clone();
        o.late_surge.bootstrap = 0;
        o.late_surge.bias_replicates = o.late_surge.bias_replicates.min(PLACEBO_BIAS_REPLICATES);
        o
    }

    fn check(options: &HourlyOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())?;
        options.logs.validate().map_err(|e| {
            OptionsError::new(
                Self::NAME,
                match e {
                    crate::Error::Options(m) => m,
                    other => other.to_string(),
                },
            )
        })
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<HourlyOptions>,
        ctx: &Context,
    ) -> Result<HourlyFinding, Skip> {
        let hours = inputs
            .hours
            .ok_or_else(|| Skip::new("no participation reports, bulletins or machine logs"))?;

        let mut finding = analyze_hourly(
            inputs.election(),
            inputs.participation.as_ref(),
            &inputs.bulletins,
            hours,
            options,
            ctx,
        );
        if let Some(logs) = &inputs.logs {
            let lo = LogOptions {
                opens: Some(hours.opens),
                closes: Some(hours.closes),
                ..options.logs
            };
            let m = analyze_logs(logs, &lo);
            finding
                .verdict
                .push_str(&format!(" Machine logs: {}", m.verdict));
            finding.machine_logs = Some(m);
        }
        Ok(finding)
    }

    fn station_columns(inputs: &Inputs, finding: &HourlyFinding) -> Vec<StationColumn> {
        let Some(e) = inputs.election() else {
            return Vec::new();
        };
        if finding.curves.is_none() {
            return Vec::new();
        }
        let n = e.len();
        let c = finding.station_columns(n);
        let flags = (0..n)
            .map(|i| hourly_flag_names(finding.station_flags.get(i).copied().unwrap_or(0)))
            .collect();
        let col = |name: &'static str, values| StationColumn {
            name: name.into(),
            values,
        };
        vec![
            col("hourly_flags", ColumnValues::Text(flags)),
            col("late_share", ColumnValues::Float(c.late_share)),
            col("late_z", ColumnValues::Float(c.late_z)),
            col("late_q", ColumnValues::Float(c.late_q)),
            col("late_excess", ColumnValues::Float(c.late_excess)),
            col("late_surge", ColumnValues::Bool(c.late_surge)),
            col(
                "capacity_violations",
                ColumnValues::Count(c.capacity_violations),
            ),
            col(
                "throughput_excess",
                ColumnValues::Unsigned(c.throughput_excess),
            ),
        ]
    }
}

/// The schedule the reports were read against.
#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    pub opens: String,
    pub closes: String,
    /// Voting days (1 for a single-day vote).
    pub days: i64,
    /// Report times before the close.
    pub report_times: Vec<String>,
    pub close: String,
}

/// A station in the "most anomalous" lists, with its curve.
#[derive(Debug, Clone, Serialize)]
pub struct AnomalousStation {
    pub station: String,
    pub region: String,
    pub electorate: Option<u64>,
    pub final_count: u64,
    /// Cumulative reports at the schedule's report times (`null` = none).
    pub reports: Vec<Option<u64>>,
    pub late_share: Option<f64>,
    pub late_z: Option<f64>,
    pub late_q: Option<f64>,
    pub late_excess: Option<f64>,
    pub capacity_violations: u32,
    pub excess_lower_bound: u64,
    pub shape_z: Option<f64>,
    pub shape_time: Option<String>,
    /// Participation data-quality flags of the station.
    pub flags: String,
}

/// Participation reports: where they came from and what validation found.
#[derive(Debug, Clone, Serialize)]
pub struct ReportsInput {
    pub path: String,
    pub sha256: String,
    pub layout: &'static str,
    pub stations_without_reports: usize,
    pub data_quality: DataQuality,
}

/// The `hourly` section of report.json.
#[derive(Debug, Clone, Serialize)]
pub struct HourlyFinding {
    pub reports: Option<ReportsInput>,
    pub schedule: Option<Schedule>,
    pub curves: Option<Curves>,
    pub late_surge: Option<LateSurge>,
    pub throughput: Option<Throughput>,
    pub announced_pace: Vec<AnnouncedPace>,
    pub reconciliation: Vec<Reconciliation>,
    /// Per-ballot machine-log forensics (with `--logs`).
    pub machine_logs: Option<LogsFinding>,
    /// Stations with the smallest late-surge p-values.
    pub top_late_surge: Vec<AnomalousStation>,
    /// Stations with the largest throughput lower bounds.
    pub top_throughput: Vec<AnomalousStation>,
    /// Stations whose curve lies farthest from their region's (|shape z|).
    pub top_shape: Vec<AnomalousStation>,
    pub options: HourlyRecord,
    pub verdict: String,
    /// Per station, participation data-quality flags (election order).
    #[serde(skip)]
    pub station_flags: Vec<u8>,
    /// `station_reports[t][s]`: the validated cumulative report of station
    /// `s` at `schedule.report_times[t]` (for `curves.csv`).
    #[serde(skip)]
    pub station_reports: Vec<Vec<Option<u64>>>,
}

impl HourlyFinding {
    /// Per-station columns for stations.csv, in election order.
    pub fn station_columns(&self, n: usize) -> StationHourly {
        let late = self.late_surge.as_ref();
        let tp = self.throughput.as_ref();
        StationHourly {
            late_share: (0..n)
                .map(|i| late.and_then(|l| l.stations[i].late_share))
                .collect(),
            late_z: (0..n).map(|i| late.and_then(|l| l.stations[i].z)).collect(),
            late_q: (0..n)
                .map(|i| late.and_then(|l| l.stations[i].q_value))
                .collect(),
            late_excess: (0..n)
                .map(|i| late.and_then(|l| l.stations[i].excess))
                .collect(),
            late_surge: (0..n)
                .map(|i| late.map(|l| l.stations[i].flagged))
                .collect(),
            capacity_violations: (0..n)
                .map(|i| tp.map(|t| t.stations[i].violations))
                .collect(),
            throughput_excess: (0..n)
                .map(|i| tp.map(|t| t.stations[i].excess_lower_bound))
                .collect(),
        }
    }
}

/// Per-station hourly columns.
pub struct StationHourly {
    pub late_share: Vec<Option<f64>>,
    pub late_z: Vec<Option<f64>>,
    pub late_q: Vec<Option<f64>>,
    pub late_excess: Vec<Option<f64>>,
    pub late_surge: Vec<Option<bool>>,
    pub capacity_violations: Vec<Option<u32>>,
    pub throughput_excess: Vec<Option<u64>>,
}

fn anomalous(
    e: &Election,
    p: &Participation,
    late: Option<&LateSurge>,
    tp: Option<&Throughput>,
    curves: Option<&Curves>,
    i: usize,
) -> AnomalousStation {
    let ls = late.map(|l| l.stations[i]);
    let ts = tp.map(|t| t.stations[i]);
    let shape = curves.and_then(|c| c.shape_score[i]);
    AnomalousStation {
        station: e.stations[i].clone(),
        region: e.levels[0].labels[e.levels[0].codes[i] as usize].clone(),
        electorate: e.electorate.as_ref().map(|v| v[i]),
        final_count: e.ballots[i],
        reports: (0..p.times.len()).map(|t| p.reports[t][i]).collect(),
        late_share: ls.and_then(|s| s.late_share),
        late_z: ls.and_then(|s| s.z),
        late_q: ls.and_then(|s| s.q_value),
        late_excess: ls.and_then(|s| s.excess),
        capacity_violations: ts.map_or(0, |t| t.violations),
        excess_lower_bound: ts.map_or(0, |t| t.excess_lower_bound),
        shape_z: shape.map(|s| s.0),
        shape_time: shape.map(|s| p.labels[s.1].clone()),
        flags: hourly_flag_names(p.flags[i]),
    }
}

/// The first `top` of the stations `0..n` that pass `keep`, ordered by
/// `before` (ties by station order, so lists do not depend on sorting).
fn ranked(
    n: usize,
    top: usize,
    keep: impl Fn(usize) -> bool,
    before: impl Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).filter(|&i| keep(i)).collect();
    idx.sort_by(|&a, &b| before(a, b).then(a.cmp(&b)));
    idx.truncate(top);
    idx
}

/// Runs every part of the family that its inputs allow. `election` is needed
/// for everything but the announced pace; `reports` for curves, late surges
/// and throughput.
pub fn analyze_hourly(
    election: Option<&Election>,
    reports: Option<&Participation>,
    bulletins: &[Bulletin],
    hours: Hours,
    opts: &HourlyOptions,
    ctx: &Context,
) -> HourlyFinding {
    let pairs = election.zip(reports);
    let curves = pairs.map(|(e, p)| curves::curves(e, p));
    let late = pairs.and_then(|(e, p)| late_surge::late_surge(e, p, &opts.late_surge, ctx));
    let tp = pairs.map(|(e, p)| throughput::throughput(e, p, &opts.throughput));
    let pace = bulletins::announced_pace(bulletins, hours, &opts.pace);
    let reconciliation = election
        .map(|e| bulletins::reconcile(bulletins, e, reports))
        .unwrap_or_default();
    let (mut top_late, mut top_tp, mut top_shape) = (Vec::new(), Vec::new(), Vec::new());
    if let Some((e, p)) = pairs {
        let n = e.stations.len();
        let list = |idx: Vec<usize>| -> Vec<AnomalousStation> {
            idx.into_iter()
                .map(|i| anomalous(e, p, late.as_ref(), tp.as_ref(), curves.as_ref(), i))
                .collect()
        };
        if let Some(l) = &late {
            let z = |i: usize| l.stations[i].z.unwrap_or(f64::NEG_INFINITY);
            top_late = list(ranked(
                n,
                opts.top,
                |i| l.stations[i].z.is_some(),
                |a, b| z(b).total_cmp(&z(a)),
            ));
        }
        if let Some(t) = &tp {
            let key = |i: usize| {
                let s = t.stations[i];
                (s.excess_lower_bound, s.max_interval_excess)
            };
            top_tp = list(ranked(
                n,
                opts.top,
                |i| t.stations[i].violations > 0,
                |a, b| key(b).cmp(&key(a)),
            ));
        }
        if let Some(c) = &curves {
            let key = |i: usize| c.shape_score[i].map_or(0.0, |s| s.0.abs());
            top_shape = list(ranked(
                n,
                opts.top,
                |i| c.shape_score[i].is_some(),
                |a, b| key(b).total_cmp(&key(a)),
            ));
        }
    }
    let verdict = verdict(late.as_ref(), tp.as_ref(), &pace, &reconciliation);
    HourlyFinding {
        reports: reports.map(|p| ReportsInput {
            path: p.input.path.clone(),
            sha256: p.input.sha256.clone(),
            layout: p.layout,
            stations_without_reports: p.stations_without_reports,
            data_quality: p.quality.clone(),
        }),
        schedule: reports.map(|p| Schedule {
            opens: format_clock(p.hours.opens),
            closes: format_clock(p.hours.closes),
            days: p.close_at.div_euclid(86_400) + 1,
            report_times: p.labels.clone(),
            close: p.label_of(p.close_at),
        }),
        curves,
        late_surge: late,
        throughput: tp,
        announced_pace: pace,
        reconciliation,
        machine_logs: None,
        top_late_surge: top_late,
        top_throughput: top_tp,
        top_shape,
        options: HourlyRecord {
            late_surge: Recorded::new(&opts.late_surge, ctx),
            throughput: opts.throughput.clone(),
            pace: opts.pace.clone(),
            top: opts.top,
            logs: opts.logs,
        },
        verdict,
        station_flags: reports.map(|p| p.flags.clone()).unwrap_or_default(),
        station_reports: reports.map(|p| p.reports.clone()).unwrap_or_default(),
    }
}

fn verdict(
    late: Option<&LateSurge>,
    tp: Option<&Throughput>,
    pace: &[AnnouncedPace],
    rec: &[Reconciliation],
) -> String {
    let mut parts = Vec::new();
    if let Some(l) = late {
        parts.push(format!(
            "Late surges: {} of {} stations flagged (q < {}, {:.2} %); late ballots above the \
             prediction {} ({:.0} % interval), {:.0} of them at flagged stations.",
            l.flagged,
            l.scored,
            l.options.alpha,
            100.0 * l.flag_rate,
            l.excess_ballots.display(0),
            100.0 * l.options.level,
            l.excess_ballots_flagged
        ));
    }
    if let Some(t) = tp {
        parts.push(
            if t.excess_lower_bound > 0 || t.stations_with_violations > 0 {
                format!(
                    "Throughput: {} stations report more voters in some interval than {} issuing \
                 point(s) at {} s per voter can process; at least {} ballots in final counts are \
                 physically impossible (if intermediate reports do not understate), {} even \
                 without that assumption.",
                    t.stations_with_violations,
                    t.options.booths,
                    t.options.min_seconds_per_voter,
                    t.excess_lower_bound,
                    t.whole_day_lower_bound
                )
            } else {
                "Throughput: no station reports more voters than its capacity.".into()
            },
        );
    }
    parts.extend(pace.iter().map(|p| p.verdict.clone()));
    parts.extend(
        rec.iter()
            .filter(|r| {
                r.exceeds_max
                    || r.below_counted
                    || r.contestants
                        .iter()
                        .any(|c| c.exceeds_max || c.below_counted)
            })
            .map(|r| r.verdict.clone()),
    );
    if parts.is_empty() {
        "No participation data to judge.".into()
    } else {
        parts.join(" ")
    }
}
