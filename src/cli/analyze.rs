//! `escrutinio analyze FILE [--schema S] [--out DIR] [--seed S] [--invalid-rows exclude|fail]
//!                      [--no-plots] [--no-digits] [digit options, as `escrutinio digits`]
//!                      [--no-fingerprint] [--no-excess-votes] [--no-integer-percent]
//!                      [--no-turnout-distribution] [options, as `escrutinio fingerprint`]
//!                      [--hourly REPORTS] [--bulletins B] [--logs L] [--no-hourly]
//!                      [options, as `escrutinio hourly`]`
//!
//! Loads and validates FILE, runs every registered family (digit tests,
//! fingerprints and the Klimek fit, excess votes, integer percentages,
//! turnout distribution, and participation over the day when participation
//! data were given), prints each family's text (the same its own subcommand
//! prints) and writes into DIR (default `out/`): `report.json` (the
//! contract), `stations.csv`, `stations.parquet`, `report.html`
//! (self-contained) and `plots/`. Exit code 0 on success, 1 when
//! `--invalid-rows fail` meets an invalid row (or no valid row remains), 2 on
//! unusable input or output.

use std::path::PathBuf;

use super::{emit, InvalidRowsArg};

use escrutinio::analyze::{analyze, AnalyzeOptions, Plan};
use escrutinio::calibration::CalibrationOptions;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet).
    pub file: PathBuf,
    /// Schema file (TOML) mapping columns to roles.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Seed for every random procedure.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// What to do with invalid rows.
    #[arg(long, value_enum, default_value_t = InvalidRowsArg::Exclude)]
    pub invalid_rows: InvalidRowsArg,
    /// Write no plots (report.html then has no figures).
    #[arg(long)]
    pub no_plots: bool,
    /// Stop before loading when the analysis is estimated to need more
    /// memory than this (e.g. 8G; default: what the system can give;
    /// CSV inputs only, see docs/measurements.md "Big inputs").
    #[arg(long, value_name = "SIZE", value_parser = escrutinio::batch::parse_memory)]
    pub max_memory: Option<u64>,
    /// Which files to write: a comma-separated list of json, csv, parquet,
    /// html, plots (default all).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub outputs: escrutinio::report::Outputs,
    /// Skip the digit tests.
    #[arg(long)]
    pub no_digits: bool,
    #[command(flatten)]
    pub digits: super::digits::DigitArgs,
    /// Skip the fingerprints and the Klimek fit.
    #[arg(long)]
    pub no_fingerprint: bool,
    /// Skip the excess-vote estimate.
    #[arg(long)]
    pub no_excess_votes: bool,
    /// Skip the integer-percentage test.
    #[arg(long)]
    pub no_integer_percent: bool,
    /// Skip the turnout-distribution tests.
    #[arg(long)]
    pub no_turnout_distribution: bool,
    #[command(flatten)]
    pub fingerprint: super::fingerprint::FingerprintArgs,
    /// Skip the hourly family even when the schema names participation columns.
    #[arg(long)]
    pub no_hourly: bool,
    #[command(flatten)]
    pub hourly: super::hourly::HourlyArgs,
    #[command(flatten)]
    pub companions: super::CompanionArgs,
    /// Calibrate on R placebo elections drawn from a clean model fitted to
    /// FILE (adds `calibration` to report.json; the verdict then counts an
    /// estimate only above its placebo band).
    #[arg(long, value_name = "R")]
    pub calibrate: Option<usize>,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let max_memory = a.max_memory;
    let opts = a.options()?;
    escrutinio::memory::check_files(&opts.files, max_memory)?;
    let (_, report) = analyze(&opts)?;
    let mut out = escrutinio::report::text::report(&report);
    out.push_str(&format!(
        "report: {}\n",
        opts.out_dir.join("report.html").display()
    ));
    emit(&out);
    Ok(0)
}

impl Args {
    /// The library's options for these arguments.
    pub fn options(self) -> escrutinio::Result<AnalyzeOptions> {
        let a = self;
        let f = &a.fingerprint;
        let plan = Plan {
            digits: (!a.no_digits).then(|| a.digits.options()).transpose()?,
            fingerprint: (!a.no_fingerprint).then(|| f.fingerprint()),
            excess_votes: (!a.no_excess_votes).then(|| f.excess()),
            integer_percent: (!a.no_integer_percent).then(|| f.integer_percent()),
            turnout_distribution: (!a.no_turnout_distribution).then(|| f.turnout_distribution()),
            hourly: (!a.no_hourly).then(|| a.hourly.options()),
            reference_subset: Some(a.companions.reference_options()),
            independent_counts: Some(Default::default()),
        };
        let opts = AnalyzeOptions {
            files: super::input_files(
                a.file,
                a.schema,
                a.invalid_rows,
                &a.hourly,
                a.no_hourly,
                a.companions,
            ),
            out_dir: a.out,
            seed: a.seed,
            plan,
            outputs: escrutinio::report::Outputs {
                plots: a.outputs.plots && !a.no_plots,
                ..a.outputs
            },
            calibration: a.calibrate.map(|r| CalibrationOptions {
                replicates: r,
                ..CalibrationOptions::default()
            }),
        };
        Ok(opts)
    }
}
