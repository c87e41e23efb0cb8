//! `escrutinio digits FILE [--schema S] [--seed S] [--bootstrap N] [--tests T,..] [--min TEST=N]
//!                      [--regions] [--column NAME] [--json]`
//!
//! Runs the digit tests (Benford first and second digit, last digit, last
//! two digits, 0/5 rounding, digit pairs) on every count column and prints a
//! table: by default the all-stations results; `--regions` adds every region,
//! `--column` keeps one column. `--json` prints the `digits` section of
//! `report.json` instead. Exit code 0, or 2 on unusable input.

use std::path::PathBuf;

use super::emit;

use escrutinio::io::{load, InvalidRows};
use escrutinio::methods::digits::{self, DigitTest, DigitsOptions, ALL_REGIONS};

/// Options of the digit tests, shared by `digits` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct DigitArgs {
    /// Bootstrap replicates for the digit-mean intervals (0: none).
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Level of the bootstrap intervals.
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
    pub fn options(&self, seed: u64) -> escrutinio::Result<DigitsOptions> {
        let bad = |m: String| escrutinio::Error::Options(m);
        let mut o = DigitsOptions {
            bootstrap_replicates: self.bootstrap,
            confidence_level: self.confidence,
            by_region: !self.no_digit_regions,
            seed,
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
    let mut opts = a.digits.options(a.seed)?;
    opts.by_region &= a.regions || a.json;
    let loaded = load(&a.file, a.schema.as_deref(), InvalidRows::Exclude)?;
    let election = loaded.election()?;
    let f = digits::analyse(election, &opts).map_err(escrutinio::Error::Options)?;
    if a.json {
        let s = serde_json::to_string_pretty(&f).expect("finding serialises");
        emit(&format!(
            "{}\n",
            escrutinio::report::json::inline_scalar_arrays(&s)
        ));
        return Ok(0);
    }
    let mut out = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "{}: {} stations, {} rows excluded as invalid",
        election.name,
        election.stations.len(),
        loaded.quality.rows_excluded_invalid
    );
    let _ = writeln!(
        out,
        "{:<16} {:<28} {:<14} {:>7} {:>6} {:>10} {:>3} {:>9} {:>9} {:>8} {:>8} {:>21} {:>7} conformity",
        "test",
        "column",
        "region",
        "n",
        "excl",
        "X2",
        "df",
        "p",
        "q",
        "mean",
        "expect",
        "interval",
        "MAD",
    );
    for r in f
        .results
        .iter()
        .filter(|r| a.regions || r.region == ALL_REGIONS)
        .filter(|r| a.column.as_ref().is_none_or(|c| &r.column == c))
    {
        let fmt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
        let p = |x| escrutinio::report::format_p_value(x, "-");
        let [mean, exp, ci] = r.mean_cells("-");
        let conf = r.conformity_label("");

        let _ = writeln!(
            out,
            "{:<16} {:<28} {:<14} {:>7} {:>6} {:>10} {:>3} {:>9} {:>9} {:>8} {:>8} {:>21} {:>7} {}",
            r.test.name(),
            truncate(&r.column, 28),
            truncate(&r.region, 14),
            r.n,
            r.n_excluded,
            fmt(r.statistic, 2),
            r.df,
            p(r.p_value),
            p(r.q_value),
            mean,
            exp,
            ci,
            fmt(r.mad, 4),
            conf
        );
    }
    let _ = writeln!(out, "\n{}", f.verdict);
    for c in &f.caveats {
        let _ = writeln!(out, "- {c}");
    }
    emit(&out);
    Ok(0)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
