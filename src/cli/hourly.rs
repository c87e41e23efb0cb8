//! `escrutinio hourly [FILE] [--schema S] [--hourly REPORTS] [--bulletins B] [--logs L]
//!                     [--opens HH:MM] [--closes HH:MM] [hourly options] [--json]`
//!
//! Participation over the day: curves, late surges, throughput bounds, the
//! pace announced totals imply and their reconciliation with station counts.
//! FILE (the station table) is needed for everything but the announced pace,
//! which runs on bulletins alone (`escrutinio hourly --bulletins B`).
//! Prints a short report, or with `--json` the `hourly` section of
//! report.json. Exit code 0, or 2 on unusable input or options.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::emit;

use escrutinio::analyze::{run_hourly, HourlyInputs};
use escrutinio::io::{load, InvalidRows, Schema};
use escrutinio::methods::hourly::{
    HourlyFinding, HourlyOptions, LateSurgeOptions, PaceOptions, ThroughputOptions,
};
use escrutinio::methods::machine_logs::LogOptions;
use escrutinio::report::format_p_value;

/// Participation inputs and options, shared by `hourly` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct HourlyArgs {
    /// Participation reports: station, [date,] time, cumulative_voters (names via the schema's [hourly]).
    #[arg(long, value_name = "FILE")]
    pub hourly: Option<PathBuf>,
    /// Announced bulletins: scope, [date,] time (or `final`), cumulative_voters, [electorate, contestants, kind, source].
    #[arg(long, value_name = "FILE")]
    pub bulletins: Option<PathBuf>,
    /// Per-ballot machine logs: station, [machine,] timestamp.
    #[arg(long, value_name = "FILE")]
    pub logs: Option<PathBuf>,
    /// Daily opening time (default: the schema's [hourly] opens, else 08:00).
    #[arg(long, value_name = "HH:MM")]
    pub opens: Option<String>,
    /// Daily closing time (default: the schema's [hourly] closes, else 20:00).
    #[arg(long, value_name = "HH:MM")]
    pub closes: Option<String>,
    /// Late surges: flag stations with a Benjamini–Hochberg q-value below this.
    #[arg(long, default_value_t = 0.05)]
    pub late_alpha: f64,
    /// Late surges: bootstrap replicates of the regional and national excess.
    #[arg(long, default_value_t = 200)]
    pub late_bootstrap: usize,
    /// Late surges: level of the intervals.
    #[arg(long, default_value_t = 0.90)]
    pub late_level: f64,
    /// Throughput: minimum seconds one issuing point needs per voter.
    #[arg(long, default_value_t = 20.0)]
    pub min_seconds_per_voter: f64,
    /// Throughput: issuing points per station where the data give no `machines`.
    #[arg(long, default_value_t = 1)]
    pub booths: u64,
    /// Announced pace: polling centres in the bulletins' scope.
    #[arg(long)]
    pub centres: Option<u64>,
    /// Announced pace: issuing points (machines) per centre.
    #[arg(long)]
    pub issuing_points_per_centre: Option<f64>,
    /// Stations in each "most anomalous" list.
    #[arg(long, default_value_t = 20)]
    pub hourly_top: usize,
    /// Machine logs: minimum seconds between two ballots on one machine.
    #[arg(long, default_value_t = 30)]
    pub log_min_seconds: u32,
}

impl HourlyArgs {
    pub fn inputs(&self, off: bool) -> HourlyInputs {
        HourlyInputs {
            reports: self.hourly.clone(),
            bulletins: self.bulletins.clone(),
            logs: self.logs.clone(),
            opens: self.opens.clone(),
            closes: self.closes.clone(),
            off,
            options: HourlyOptions {
                late_surge: LateSurgeOptions {
                    alpha: self.late_alpha,
                    bootstrap: self.late_bootstrap,
                    level: self.late_level,
                    ..Default::default()
                },
                throughput: ThroughputOptions {
                    min_seconds_per_voter: self.min_seconds_per_voter,
                    booths: self.booths,
                },
                pace: PaceOptions {
                    centres: self.centres,
                    issuing_points_per_centre: self.issuing_points_per_centre,
                    min_seconds_per_voter: self.min_seconds_per_voter,
                },
                top: self.hourly_top,
                logs: LogOptions {
                    min_seconds_per_voter: self.log_min_seconds,
                    ..LogOptions::default()
                },
            },
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet); optional with --bulletins alone.
    pub file: Option<PathBuf>,
    /// Schema file (TOML) mapping columns to roles, with an optional [hourly] section.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// What to do with invalid rows.
    #[arg(long, value_enum, default_value_t = InvalidRows::Exclude)]
    pub invalid_rows: InvalidRows,
    /// Print the `hourly` section of report.json instead of the table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub hourly: HourlyArgs,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let schema = match &a.schema {
        Some(p) => Schema::from_file(p)?,
        None => Schema::standard(),
    };
    let inputs = a.hourly.inputs(false);
    let loaded = match &a.file {
        Some(f) => Some(load(f, a.schema.as_deref(), a.invalid_rows)?),
        None => None,
    };
    let election = match &loaded {
        Some(l) => Some(l.election()?),
        None => None,
    };
    if election.is_none() && inputs.bulletins.is_none() {
        return Err(escrutinio::Error::Options(
            "give a station file, or bulletins (--bulletins) for the announced pace alone".into(),
        ));
    }
    let f = run_hourly(
        a.file.as_deref(),
        &schema,
        election,
        &inputs,
        a.invalid_rows,
        a.seed,
    )?;
    if a.json {
        let s = serde_json::to_string_pretty(&f).expect("finding serialises");
        emit(&format!(
            "{}\n",
            escrutinio::report::json::inline_scalar_arrays(&s)
        ));
    } else {
        emit(&table(&f));
    }
    Ok(0)
}

fn table(f: &HourlyFinding) -> String {
    let mut out = String::new();
    if let (Some(r), Some(s)) = (&f.reports, &f.schedule) {
        let q = &r.data_quality;
        let _ = writeln!(
            out,
            "Participation reports ({}, {} layout): {} rows read, {} used, {} excluded, {} stations flagged, {} stations without reports",
            r.path, r.layout, q.rows_read, q.rows_used, q.rows_excluded_invalid, q.rows_flagged, r.stations_without_reports
        );
        for p in &q.problems {
            let _ = writeln!(
                out,
                "  {:<20} {:>7} rows  {}",
                p.kind.name(),
                p.rows,
                p.description
            );
        }
        let _ = writeln!(
            out,
            "Schedule: polls {}–{} over {} day(s); reports at {}; close {}",
            s.opens,
            s.closes,
            s.days,
            s.report_times.join(", "),
            s.close
        );
    }
    if let Some(c) = &f.curves {
        let _ = writeln!(out, "\nNational curve (reporting stations):");
        for p in &c.national {
            let _ = writeln!(
                out,
                "  {:<18} {:>7} stations {:>11} voters  {:>6.2} % of electorate  {:>6.2} % of final",
                p.time,
                p.stations_reporting,
                p.voters,
                100.0 * p.share_of_electorate,
                100.0 * p.share_of_final
            );
        }
    }
    if let Some(l) = &f.late_surge {
        let _ = writeln!(
            out,
            "\nLate surges after {} (pace from {}): {} stations scored, {} flagged ({:.2} %); median late share {:.3}, tau {:.3}, pace slope {:.3}",
            l.last_report,
            l.earlier_report.as_deref().unwrap_or("-"),
            l.scored,
            l.flagged,
            100.0 * l.flag_rate,
            l.median_late_share,
            l.tau,
            l.pace_slope
        );
        let _ = writeln!(
            out,
            "  late ballots {} observed, {:.0} expected; excess {} ({:.0} % interval); at flagged stations {:.0}",
            l.late_ballots,
            l.expected_late_ballots,
            l.excess_ballots.display(0),
            100.0 * l.options.level,
            l.excess_ballots_flagged
        );
    }
    if let Some(t) = &f.throughput {
        let _ = writeln!(
            out,
            "\nThroughput ({} issuing point(s), {} s per voter): {} stations with {} impossible intervals; lower bound on inflated ballots {} ({} without assumptions)",
            t.options.booths,
            t.options.min_seconds_per_voter,
            t.stations_with_violations,
            t.interval_violations,
            t.excess_lower_bound,
            t.whole_day_lower_bound
        );
    }
    for (title, list) in [
        ("late surge", &f.top_late_surge),
        ("throughput", &f.top_throughput),
        ("curve shape", &f.top_shape),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\nMost anomalous stations by {title}:");
        for s in list.iter().take(10) {
            let reports: Vec<String> = s
                .reports
                .iter()
                .map(|r| r.map_or("-".into(), |v| v.to_string()))
                .collect();
            let _ = writeln!(
                out,
                "  {:<14} {:<22} electorate {:>5} final {:>5} curve [{}] late {} q {} bound {} shape z {}",
                s.station,
                s.region,
                s.electorate,
                s.final_count,
                reports.join(" "),
                s.late_share.map_or("-".into(), |v| format!("{v:.3}")),
                format_p_value(s.late_q, "-"),
                s.excess_lower_bound,
                s.shape_z.map_or("-".into(), |v| format!("{v:+.1}"))
            );
        }
    }
    if let Some(m) = &f.machine_logs {
        let t = &m.totals;
        let _ = writeln!(
            out,
            "\nMachine logs: {} ballots on {} machines at {} stations; {} too fast, lower bound on inflated ballots {}, {} outside hours, {} stations too regular",
            t.ballots,
            t.machines,
            t.stations,
            t.too_fast_ballots,
            t.excess_lower_bound,
            t.outside_hours.map_or("-".into(), |v| v.to_string()),
            t.stations_too_regular
        );
    }
    for p in &f.announced_pace {
        let _ = writeln!(out, "\nAnnounced pace ({}): {}", p.scope, p.verdict);
    }
    for r in &f.reconciliation {
        let _ = writeln!(out, "\nBulletin row {}: {}", r.row, r.verdict);
    }
    let _ = writeln!(out, "\n{}", f.verdict);
    out
}
