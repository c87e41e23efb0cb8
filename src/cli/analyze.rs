//! `escrutinio analyze FILE [--schema S] [--out DIR] [--seed S] [--invalid-rows exclude|fail]
//!                      [--no-digits] [digit options, as `escrutinio digits`]
//!                      [--no-fingerprint] [--no-excess-votes] [--no-integer-percent]
//!                      [--no-turnout-distribution] [options, as `escrutinio fingerprint`]
//!                      [--hourly REPORTS] [--bulletins B] [--logs L] [--no-hourly]
//!                      [options, as `escrutinio hourly`]`
//!
//! Loads and validates FILE, runs the analysis (summary, digit tests, fingerprints and the Klimek
//! fit, excess votes, integer percentages, turnout distribution) and writes into DIR (default
//! `out/`): `report.json` (the contract), `stations.csv`, `stations.parquet`,
//! `report.html` (self-contained) and `plots/`. Exit code 0 on success, 1 when
//! `--invalid-rows fail` meets an invalid row (or no valid row remains), 2 on
//! unusable input or output.

use std::path::PathBuf;

use escrutinio::analyze::{analyze, AnalyzeOptions};
use escrutinio::io::InvalidRows;

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
    #[arg(long, value_enum, default_value_t = InvalidRows::Exclude)]
    pub invalid_rows: InvalidRows,
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
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let opts = AnalyzeOptions {
        input: a.file,
        schema: a.schema,
        out_dir: a.out,
        seed: a.seed,
        invalid_rows: a.invalid_rows,
        digits: if a.no_digits {
            None
        } else {
            Some(a.digits.options(a.seed)?)
        },
        fingerprint: if a.no_fingerprint {
            None
        } else {
            Some(a.fingerprint.fingerprint(a.seed)?)
        },
        excess_votes: (!a.no_excess_votes).then(|| a.fingerprint.excess(a.seed)),
        integer_percent: if a.no_integer_percent {
            None
        } else {
            Some(a.fingerprint.integer_percent(a.seed)?)
        },
        turnout_distribution: (!a.no_turnout_distribution)
            .then(|| a.fingerprint.turnout_distribution(a.seed)),
        hourly: a.hourly.inputs(a.no_hourly),
    };
    let r = analyze(&opts)?;
    let q = &r.data_quality;
    println!(
        "{}: {} stations, turnout {:.2} %, winner {} ({:.2} %)",
        r.summary.name,
        r.summary.stations,
        100.0 * r.summary.turnout,
        r.summary.winner,
        100.0
            * r.summary
                .contestants
                .iter()
                .find(|c| c.winner)
                .map_or(f64::NAN, |c| c.share)
    );
    println!(
        "rows: {} read, {} used, {} excluded as invalid, {} filtered, {} kept with findings",
        q.rows_read, q.rows_used, q.rows_excluded_invalid, q.rows_excluded_filtered, q.rows_flagged
    );
    if let Some(d) = &r.digits {
        println!("digits: {}", d.verdict);
    }
    if let Some(k) = r.fingerprint.as_ref().and_then(|f| f.klimek.as_ref()) {
        println!("klimek: {}", k.verdict);
    }
    if let Some(x) = &r.excess_votes {
        println!("excess votes: {}", x.verdict);
    }
    if let Some(i) = &r.integer_percent {
        println!("integer percentages: {}", i.verdict);
    }
    if let Some(h) = &r.hourly {
        println!("hourly: {}", h.verdict);
    }
    for s in &r.skipped {
        println!("not run on these data: {}: {}", s.method, s.reason);
    }
    println!("report: {}", opts.out_dir.join("report.html").display());
    Ok(0)
}
