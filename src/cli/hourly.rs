//! `escrutinio hourly [FILE] [--schema S] [--hourly REPORTS] [--bulletins B] [--logs L]
//!                     [--opens HH:MM] [--closes HH:MM] [hourly options] [--json]`
//!
//! Participation over the day: curves, late surges, throughput bounds, the
//! pace announced totals imply and their reconciliation with station counts.
//! FILE (the station table) is needed for everything but the announced pace,
//! which runs on bulletins alone (`escrutinio hourly --bulletins B`).
//! Prints a short report, or with `--json` the `hourly` section of
//! report.json. Exit code 0, or 2 on unusable input or options.

use std::path::PathBuf;

use super::{emit, emit_json, InvalidRowsArg};

use escrutinio::analyze::run_one;
use escrutinio::inputs::{InputFiles, ParticipationFiles};
use escrutinio::methods::hourly::{
    Hourly, HourlyOptions, LateSurgeOptions, PaceOptions, ThroughputOptions,
};
use escrutinio::methods::machine_logs::LogOptions;
use escrutinio::report::text;
use escrutinio::stats::bootstrap::BootstrapMethod;

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
    /// Late surges: how each bootstrap replicate is computed: linearised
    /// (one centred scoring step from the point fit; default) or refit (the
    /// whole trimmed fit, about 50× slower).
    #[arg(long, default_value = "linearised")]
    pub late_bootstrap_method: BootstrapMethod,
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
    /// The participation files (`off`: ignore them all).
    pub fn files(&self, off: bool) -> ParticipationFiles {
        ParticipationFiles {
            reports: self.hourly.clone(),
            bulletins: self.bulletins.clone(),
            logs: self.logs.clone(),
            opens: self.opens.clone(),
            closes: self.closes.clone(),
            off,
        }
    }

    /// The hourly family's options.
    pub fn options(&self) -> HourlyOptions {
        HourlyOptions {
            late_surge: LateSurgeOptions {
                alpha: self.late_alpha,
                bootstrap: self.late_bootstrap,
                bootstrap_method: self.late_bootstrap_method,
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
    #[arg(long, value_enum, default_value_t = InvalidRowsArg::Exclude)]
    pub invalid_rows: InvalidRowsArg,
    /// Print the `hourly` section of report.json instead of the table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub hourly: HourlyArgs,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    if a.file.is_none() && a.hourly.bulletins.is_none() {
        return Err(escrutinio::Error::Options(
            "give a station file, or bulletins (--bulletins) for the announced pace alone".into(),
        ));
    }
    let files = InputFiles {
        stations: a.file,
        schema: a.schema,
        invalid_rows: a.invalid_rows.into(),
        participation: a.hourly.files(false),
        ..InputFiles::default()
    };
    let (inputs, found) = run_one::<Hourly>(&files, a.hourly.options(), a.seed)?;
    if files.stations.is_some() {
        inputs.require_election()?;
    }
    let f = found.map_err(|reason| {
        escrutinio::Error::Options(format!(
            "{reason}: give participation reports (--hourly), bulletins, machine logs, or a schema naming participation columns"
        ))
    })?;
    if a.json {
        emit_json(&f);
    } else {
        emit(&text::hourly(&f));
    }
    Ok(0)
}
