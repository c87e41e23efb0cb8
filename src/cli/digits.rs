//! `escrutinio digits FILE [--schema S] [--seed S] [--bootstrap N] [--tests T,..] [--min TEST=N]
//!                      [--regions] [--column NAME] [--json]`
//!
//! Runs the digit tests (Benford first and second digit, last digit, last
//! two digits, 0/5 rounding, digit pairs) on every count column and prints a
//! table: by default the all-stations results; `--regions` adds every region,
//! `--column` keeps one column. `--json` prints the `digits` section of
//! `report.json` instead. Exit code 0, or 2 on unusable input.

use std::path::PathBuf;

use super::{emit, emit_json};

use escrutinio::analyze::run_one;
use escrutinio::inputs::InputFiles;
use escrutinio::methods::digits::{DigitTest, Digits, DigitsOptions};
use escrutinio::report::text::{self, DigitRows};

/// Options of the digit tests, shared by `digits` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct DigitArgs {
    /// Bootstrap replicates for the digit-mean intervals (0: the
    /// closed-form normal interval, the default).
    #[arg(long, default_value_t = 0)]
    pub bootstrap: usize,
    /// Level of the digit-mean intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Tests to run (comma-separated): first_digit, second_digit, last_digit,
    /// last_two_digits, zero_five, digit_pairs. Default: all.
    #[arg(long, value_delimiter = ',')]
    pub tests: Vec<String>,
    /// Smallest eligible count of a test, as TEST=N (repeatable), e.g.
    /// `--min last_digit=100`. Defaults: first 1, second 10, last 10, last two 100, pairs 10.
    #[arg(long = "min", value_name = "TEST=N")]
    pub min: Vec<String>,
    /// Do not test regions separately.
    #[arg(long)]
    pub no_digit_regions: bool,
}

impl DigitArgs {
    /// The library options these arguments describe.
    pub fn options(&self) -> escrutinio::Result<DigitsOptions> {
        let bad = |m: String| escrutinio::Error::Options(m);
        let mut o = DigitsOptions {
            bootstrap_replicates: self.bootstrap,
            confidence_level: self.confidence,
            by_region: !self.no_digit_regions,
            ..DigitsOptions::default()
        };
        if !self.tests.is_empty() {
            o.tests = self
                .tests
                .iter()
                .map(|t| {
                    DigitTest::from_name(t.trim())
                        .ok_or_else(|| bad(format!("unknown digit test {t:?}")))
                })
                .collect::<Result<_, _>>()?;
        }
        for m in &self.min {
            let (t, n) = m
                .split_once('=')
                .ok_or_else(|| bad(format!("--min wants TEST=N, got {m:?}")))?;
            let n: u64 = n
                .trim()
                .parse()
                .map_err(|_| bad(format!("--min {m:?}: {n:?} is not a count")))?;
            let test = DigitTest::from_name(t.trim())
                .ok_or_else(|| bad(format!("unknown digit test {t:?} in --min")))?;
            *o.eligibility.of_mut(test) = n;
        }
        Ok(o)
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet).
    pub file: PathBuf,
    /// Schema file (TOML) mapping columns to roles.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub digits: DigitArgs,
    /// Print every region's results too.
    #[arg(long)]
    pub regions: bool,
    /// Print only this column (a contestant's name, or electorate, ballots, valid, invalid).
    #[arg(long)]
    pub column: Option<String>,
    /// Print the `digits` section as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let mut opts = a.digits.options()?;
    opts.by_region &= a.regions || a.json;
    let files = InputFiles {
        stations: Some(a.file),
        schema: a.schema,
        ..InputFiles::default()
    };
    let (inputs, found) = run_one::<Digits>(&files, opts, a.seed)?;
    let election = inputs.require_election()?;
    let f = found.map_err(escrutinio::Error::Options)?;
    if a.json {
        emit_json(&f);
        return Ok(0);
    }
    let excluded = inputs
        .source
        .as_ref()
        .map_or(0, |s| s.quality.rows_excluded_invalid);
    emit(&format!(
        "{}: {} stations, {} rows excluded as invalid\n{}",
        election.name,
        election.stations.len(),
        excluded,
        text::digits(
            &f,
            &DigitRows {
                regions: a.regions,
                column: a.column,
            }
        )
    ));
    Ok(0)
}
