//! The `analyze` pipeline: load, validate, run the methods, write the report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::{load, InvalidRows, Loaded};
use crate::methods::digits::{self, DigitsOptions};
use crate::methods::summary::summarize;
use crate::report::json::{Report, RunOptions, Tool};
use crate::report::{html, plots, stations, SCHEMA_VERSION};

/// Options of an analysis.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub input: PathBuf,
    pub schema: Option<PathBuf>,
    pub out_dir: PathBuf,
    /// Seed of every random procedure (none in the summary; later methods use it).
    pub seed: u64,
    pub invalid_rows: InvalidRows,
    /// Digit tests (`None`: skipped). Their seed is overridden by `seed`.
    pub digits: Option<DigitsOptions>,
}

/// Builds the report for an already loaded data set (no files written).
pub fn build_report(loaded: &Loaded, opts: &AnalyzeOptions) -> Result<Report> {
    let election = loaded.election()?;
    let mut methods = vec!["summary"];
    let digits = match &opts.digits {
        Some(d) => {
            let d = DigitsOptions {
                seed: opts.seed,
                ..d.clone()
            };
            methods.push("digits");
            Some(digits::analyse(election, &d).map_err(Error::Options)?)
        }
        None => None,
    };
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        input: loaded.input.clone(),
        schema: loaded.schema.clone(),
        options: RunOptions {
            seed: opts.seed,
            invalid_rows: opts.invalid_rows,
        },
        data_quality: loaded.quality.clone(),
        summary: summarize(election),
        methods,
        digits,
    })
}

/// Runs the pipeline and writes `report.json`, `stations.csv`,
/// `stations.parquet`, `report.html` and `plots/` into the output directory.
pub fn analyze(opts: &AnalyzeOptions) -> Result<Report> {
    let loaded = load(&opts.input, opts.schema.as_deref(), opts.invalid_rows)?;
    let report = build_report(&loaded, opts)?;
    write_outputs(&loaded, &report, &opts.out_dir)?;
    Ok(report)
}

/// Writes every output of a report.
pub fn write_outputs(loaded: &Loaded, report: &Report, dir: &Path) -> Result<()> {
    let election = loaded.election()?;
    let plots_dir = dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| Error::output(&plots_dir, e))?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::output(&p, e))
    };
    write("report.json", &report.to_json())?;
    let mut df = stations::station_frame(election).map_err(|e| Error::output(dir, e))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.csv"))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.parquet"))?;
    let turnout = plots::TurnoutFigure {
        histogram: &report.summary.turnout_distribution.histogram,
        title: "Turnout distribution",
    };
    let mut figures = html::Figures {
        turnout: plots::figure_files(&turnout, &plots_dir.join("turnout_histogram"))?,
        digits: Vec::new(),
    };
    if let Some(d) = &report.digits {
        for (stem, fig) in digit_figures(d, &report.summary.winner) {
            let svg = plots::figure_files(&fig, &plots_dir.join(&stem))?;
            figures.digits.push((stem, svg));
        }
    }
    write("report.html", &html::render(report, &figures))?;
    Ok(())
}

/// The digit plots of the report: each test on the winner's national counts.
fn digit_figures<'a>(
    d: &'a digits::DigitsFinding,
    winner: &str,
) -> Vec<(String, plots::DigitFigure<'a>)> {
    d.results
        .iter()
        .filter(|r| r.region == digits::ALL_REGIONS && r.column == winner)
        .filter(|r| r.column_role == digits::ColumnRole::Contestant && r.n > 0)
        .filter_map(|r| {
            let info = d.tests.iter().find(|t| t.test == r.test)?;
            let mut p = r
                .p_value
                .map_or("insufficient data".to_string(), |p| format!("p = {p:.3}"));
            if !r.reliable {
                p.push_str("; unreliable: counts too small for this law");
            }
            Some((
                format!("digits_{}", r.test.name()),
                plots::DigitFigure {
                    title: format!("{}: {} (n = {}, {p})", r.test.name(), r.column, r.n),
                    x_desc: x_desc(r.test),
                    categories: &info.categories,
                    observed: &r.observed_frequencies,
                    expected: &r.expected_frequencies,
                    n: r.n,
                },
            ))
        })
        .collect()
}

fn x_desc(t: digits::DigitTest) -> &'static str {
    use digits::DigitTest::*;
    match t {
        FirstDigit => "first digit",
        SecondDigit => "second digit",
        LastDigit => "last digit",
        LastTwoDigits => "last two digits",
        ZeroFive => "last digit",
        DigitPairs => "last two digits form a pair that is",
    }
}
