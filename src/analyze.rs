//! The `analyze` pipeline: load every input once, run the chosen families
//! in a loop, render.
//!
//! ```text
//! InputFiles ──Inputs::load──► Inputs ──CheckedPlan::run(ctx)──► Findings ──report::write_outputs──► files
//! ```
//!
//! The families and their order come from the registry,
//! [`crate::methods::registry`].

use std::path::PathBuf;

use crate::calibration::CalibrationOptions;
use crate::error::{Error, Result};
use crate::inputs::{InputFiles, Inputs};
use crate::methods::family::{Context, Family, OptionsError};
pub use crate::methods::registry::{CheckedPlan, Findings, Plan};
use crate::methods::summary::summarize;
use crate::report::json::{Report, RunOptions, Tool};
use crate::report::SCHEMA_VERSION;

/// Options of an analysis: the files, the seed and the plan.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub files: InputFiles,
    pub out_dir: PathBuf,
    /// Seed of every random procedure.
    pub seed: u64,
    pub plan: Plan,
    /// Which files to write (default all; without `plots` the HTML has no
    /// figures).
    pub outputs: crate::report::Outputs,
    /// Calibrate on placebo elections (`None`: no calibration).
    pub calibration: Option<CalibrationOptions>,
}

impl AnalyzeOptions {
    /// Every family at its defaults, on one station file.
    pub fn new(input: PathBuf, out_dir: PathBuf) -> AnalyzeOptions {
        AnalyzeOptions {
            files: InputFiles {
                stations: Some(input),
                ..InputFiles::default()
            },
            out_dir,
            seed: 1,
            plan: Plan::default(),
            outputs: crate::report::Outputs::default(),
            calibration: None,
        }
    }
}

/// Builds the report of loaded inputs (no files written). The hourly family
/// runs only when participation data were loaded.
pub fn build_report(inputs: &Inputs, plan: &CheckedPlan, seed: u64) -> Result<Report> {
    let election = inputs.require_election()?;
    let source = inputs
        .source
        .as_ref()
        .ok_or_else(|| Error::Options("a report needs a station file".into()))?;
    let mut plan = plan.clone();
    if !inputs.has_participation() {
        plan.hourly = None;
    }
    // The companion families run only beside their files.
    if inputs.reference.is_none() {
        plan.reference_subset = None;
    }
    if inputs.independent.is_none() {
        plan.independent_counts = None;
    }
    let ctx = Context::new(seed);
    let progress = crate::progress::task("analysing", None);
    let outcome = plan.run(inputs, &ctx);
    drop(progress);
    let mut methods = vec!["summary"];
    methods.extend(outcome.ran);
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        verdict: crate::verdict::compose(election, &outcome.findings),
        calibration: None,
        input: source.input.clone(),
        schema: source.schema.clone(),
        options: RunOptions {
            seed,
            invalid_rows: source.quality.policy,
        },
        data_quality: source.quality.clone(),
        summary: summarize(election),
        methods,
        findings: outcome.findings,
        skipped: outcome.skipped,
        station_columns: outcome.station_columns,
    })
}

/// Checks the options, loads the inputs, runs the plan and writes
/// `report.json`, `stations.csv`, `stations.parquet`, `report.html` and
/// `plots/` into the output directory.
pub fn analyze(opts: &AnalyzeOptions) -> Result<(Inputs, Report)> {
    let (inputs, report) = compute(opts, None)?;
    crate::report::write_outputs(&inputs, &report, &opts.out_dir, opts.outputs)?;
    Ok((inputs, report))
}

/// [`analyze`] without writing anything: checks the options, loads the
/// inputs (the station table from `opts.files.stations`, or `stations`
/// already in memory), builds the report and calibrates it when asked. The
/// tables of the outputs come from [`crate::report::stations`].
pub fn compute(
    opts: &AnalyzeOptions,
    stations: Option<crate::io::table::RawTable>,
) -> Result<(Inputs, Report)> {
    let plan = opts.plan.check()?;
    let inputs = Inputs::load_with(&opts.files, stations)?;
    let mut report = build_report(&inputs, &plan, opts.seed)?;
    if let Some(c) = &opts.calibration {
        calibrate_report(&inputs, &plan, &mut report, c)?;
    }
    Ok((inputs, report))
}

/// Calibrates a report on placebo elections: fits the clean null to the
/// inputs, runs `plan` on `options.replicates` placebos, records the
/// `calibration` section and recomputes the verdict with the placebo bands.
pub fn calibrate_report(
    inputs: &Inputs,
    plan: &CheckedPlan,
    report: &mut Report,
    options: &CalibrationOptions,
) -> Result<()> {
    options.check().map_err(Error::Options)?;
    let observed = report.findings.tests();
    let c = crate::calibration::calibrate(
        inputs,
        plan,
        &observed,
        &report.verdict,
        report.options.seed,
        options,
    )
    .ok_or_else(|| {
        Error::Options(
            "calibration needs a station table with registered voters (the clean null draws turnout)"
                .into(),
        )
    })?;
    crate::calibration::apply_to_verdict(&mut report.verdict, &c);
    report.calibration = Some(c);
    Ok(())
}

/// Loads the inputs and runs one family on them (the subcommands' path).
pub fn run_one<F: Family>(
    files: &InputFiles,
    options: F::Options,
    seed: u64,
) -> Result<(Inputs, std::result::Result<F::Finding, String>)> {
    let checked = F::checked(options)?;
    let inputs = Inputs::load(files)?;
    let found = F::run(&inputs, &checked, &Context::new(seed)).map_err(|s| s.reason);
    Ok((inputs, found))
}

impl From<OptionsError> for Error {
    fn from(e: OptionsError) -> Error {
        Error::Options(e.message)
    }
}
