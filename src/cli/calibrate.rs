//! `escrutinio calibrate FILE [--schema S] [--replicates R] [--level A] [--seed N] [--out DIR]
//!                        [--hourly REPORTS] [--no-hourly] [hourly options]`
//!
//! Analyses FILE with every family at its defaults, fits a clean null to it,
//! runs every family on R placebo elections drawn from the null and writes
//! `DIR/calibration.json` (the `calibration` section of `report.json`, with
//! `schema_version`): per test its false-positive rate on the placebos and
//! its calibrated p-value, per estimate its placebo band. Prints the same
//! as a table. Exit code 0, 1 when no valid row remains, 2 on unusable
//! input or output.

use std::path::PathBuf;

use super::{emit, InvalidRowsArg};

use escrutinio::analyze::{build_report, calibrate_report, Plan};
use escrutinio::calibration::CalibrationOptions;
use escrutinio::inputs::Inputs;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet).
    pub file: PathBuf,
    /// Schema file (TOML) mapping columns to roles.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Placebo elections.
    #[arg(long, default_value_t = 100)]
    pub replicates: usize,
    /// Nominal level of every test.
    #[arg(long, default_value_t = 0.05)]
    pub level: f64,
    /// Seed for every random procedure.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (calibration.json).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// What to do with invalid rows.
    #[arg(long, value_enum, default_value_t = InvalidRowsArg::Exclude)]
    pub invalid_rows: InvalidRowsArg,
    /// Leave the participation family out even when the schema names reports.
    #[arg(long)]
    pub no_hourly: bool,
    #[command(flatten)]
    pub hourly: super::hourly::HourlyArgs,
    #[command(flatten)]
    pub companions: super::CompanionArgs,
}

#[derive(serde::Serialize)]
struct CalibrationFile<'a> {
    schema_version: &'static str,
    input: &'a escrutinio::io::table::FileInfo,
    verdict: &'a escrutinio::verdict::Verdict,
    calibration: &'a escrutinio::calibration::Calibration,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let options = CalibrationOptions {
        replicates: a.replicates,
        level: a.level,
        ..CalibrationOptions::default()
    };
    options.check().map_err(escrutinio::Error::Options)?;
    let mut plan = Plan::default();
    if a.no_hourly {
        plan.hourly = None;
    } else {
        plan.hourly = Some(a.hourly.options());
    }
    let plan = plan.check()?;
    let inputs = Inputs::load(&super::input_files(
        a.file,
        a.schema,
        a.invalid_rows,
        &a.hourly,
        a.no_hourly,
        a.companions,
    ))?;
    let mut report = build_report(&inputs, &plan, a.seed)?;
    calibrate_report(&inputs, &plan, &mut report, &options)?;
    let c = report.calibration.as_ref().expect("calibrated");
    let file = CalibrationFile {
        schema_version: escrutinio::SCHEMA_VERSION,
        input: &report.input,
        verdict: &report.verdict,
        calibration: c,
    };
    let s = serde_json::to_string_pretty(&file).expect("calibration serialises");
    let mut s = escrutinio::report::json::inline_scalar_arrays(&s);
    s.push('\n');
    let path = a.out.join("calibration.json");
    let output_error = |e: std::io::Error| escrutinio::Error::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&a.out).map_err(output_error)?;
    std::fs::write(&path, s).map_err(output_error)?;
    let mut out = escrutinio::report::text::verdict(&report.verdict);
    out.push('\n');
    out.push_str(&escrutinio::report::text::calibration(c));
    out.push_str(&format!("calibration: {}\n", path.display()));
    emit(&out);
    Ok(0)
}
