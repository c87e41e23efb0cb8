//! The `analyze` pipeline: load, validate, run the methods, write the report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::{load, InvalidRows, Loaded};
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
}

/// Builds the report for an already loaded data set (no files written).
pub fn build_report(loaded: &Loaded, opts: &AnalyzeOptions) -> Result<Report> {
    let election = loaded.election()?;
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
        methods: vec!["summary"],
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
    let hist = &report.summary.turnout_distribution.histogram;
    plots::turnout_histogram_files(
        hist,
        "Turnout distribution",
        &plots_dir.join("turnout_histogram"),
    )?;
    let svg = plots::turnout_histogram_svg(hist, "Turnout distribution")?;
    write("report.html", &html::render(report, &svg))?;
    Ok(())
}
