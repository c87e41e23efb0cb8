//! `escrutinio check [FILE] --claim "inflated >= N" [--schema S] [--hourly R] [--bulletins B]
//!                    [--opens HH:MM] [--closes HH:MM] [--centres N]
//!                    [--seconds-per-voter 15..60] [--issuing-points-per-centre 1..4]
//!                    [--independent-estimate N --independent-se S] [--announced N]
//!                    [--scope REGION] [--probability P] [--calibrate R] [--seed N] [--out DIR] [--json]`
//!
//! Checks a claim about inflation on every line of evidence given (see
//! `escrutinio::claim`): announced bulletins alone, an independent estimate,
//! a station file (its verdict, bounds and reconciliation with the
//! bulletins). Prints the answer per line and overall; with `--out` writes
//! `check.json`, `check.html` and `check_grid.svg`; `--json` prints the JSON.
//! Exit code 0 when the claim holds on the evidence (certain or probable),
//! 1 when it does not, 2 on unusable input.

use std::path::PathBuf;

use super::{emit, emit_json, InvalidRowsArg};

use escrutinio::analyze::{build_report, calibrate_report, Plan};
use escrutinio::calibration::CalibrationOptions;
use escrutinio::claim::{check, CheckOptions, Claim, ClaimCheck, Range};
use escrutinio::inputs::{InputFiles, Inputs, ParticipationFiles};
use escrutinio::methods::hourly::HourlyOptions;
use escrutinio::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet); optional with --bulletins or an independent estimate.
    pub file: Option<PathBuf>,
    /// Restrict the claim to one scope: a bulletin scope, or a region (or finer unit) of the station file.
    #[arg(long)]
    pub scope: Option<String>,
    /// The claim: `inflated >= N` (voters), `inflated[CONTESTANT] >= N` (a
    /// contestant's votes) or `missing[CONTESTANT] >= N` (a contestant's
    /// votes missing from the official count: independent counts).
    #[arg(long)]
    pub claim: Claim,
    #[command(flatten)]
    pub companions: super::CompanionArgs,
    /// Schema file (TOML) of the station file.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Participation reports of the station file.
    #[arg(long, value_name = "FILE")]
    pub hourly: Option<PathBuf>,
    /// Announced bulletins: scope, [date,] time (or `final`), cumulative_voters, [electorate, contestants].
    #[arg(long, value_name = "FILE")]
    pub bulletins: Option<PathBuf>,
    /// Daily opening time (default: the schema's, else 08:00).
    #[arg(long, value_name = "HH:MM")]
    pub opens: Option<String>,
    /// Daily closing time (default: the schema's, else 20:00).
    #[arg(long, value_name = "HH:MM")]
    pub closes: Option<String>,
    /// Polling centres of the bulletins' scope (for the capacity grid).
    #[arg(long)]
    pub centres: Option<u64>,
    /// Seconds one issuing point needs per voter: a value or a range LOW..HIGH.
    #[arg(long, default_value = "15..60")]
    pub seconds_per_voter: Range,
    /// Issuing points (machines, booths) per centre: a value or a range LOW..HIGH.
    #[arg(long, default_value = "1..4")]
    pub issuing_points_per_centre: Range,
    /// An independent estimate of true participation (quick count, exit poll, sampled stations).
    #[arg(long, value_name = "N")]
    pub independent_estimate: Option<f64>,
    /// Standard error of the independent estimate.
    #[arg(long, value_name = "S")]
    pub independent_se: Option<f64>,
    /// The announced total of voters, when no final bulletin gives it.
    #[arg(long, value_name = "N")]
    pub announced: Option<f64>,
    /// Probability from which a line calls the claim probable.
    #[arg(long, default_value_t = 0.95)]
    pub probability: f64,
    /// Calibrate the station file's estimates on R placebo elections first.
    #[arg(long, value_name = "R")]
    pub calibrate: Option<usize>,
    /// Seed for every random procedure.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write check.json, check.html and check_grid.svg here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the JSON instead of the text.
    #[arg(long)]
    pub json: bool,
}

/// Any failure to use the input is exit code 2 here (1 means "the claim
/// does not hold").
fn unusable(e: Error) -> Error {
    match e {
        Error::InvalidRows { path, count, first } => Error::Input {
            path,
            message: format!("{count} invalid row(s), no usable station left; first: {first}"),
        },
        e => e,
    }
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let c = evaluate(&a)?;
    if let Some(dir) = &a.out {
        write_outputs(&c, dir)?;
    }
    if a.json {
        emit_json(&c);
    } else {
        emit(&escrutinio::report::check::text(&c));
    }
    Ok(if c.holds { 0 } else { 1 })
}

/// Checks the claim of these arguments on every line of evidence they give
/// (loads the files; writes nothing).
pub fn evaluate(a: &Args) -> escrutinio::Result<ClaimCheck> {
    if !(a.probability > 0.5 && a.probability < 1.0) {
        return Err(Error::Options(format!(
            "--probability must lie in (0.5, 1), not {}",
            a.probability
        )));
    }
    if a.file.is_none() && a.bulletins.is_none() && a.independent_estimate.is_none() {
        return Err(Error::Options(
            "give some evidence: a station file, --bulletins, or --independent-estimate".into(),
        ));
    }
    let options = CheckOptions {
        claim: a.claim.clone(),
        probability: a.probability,
        independent_estimate: a.independent_estimate,
        independent_se: a.independent_se,
        announced: a.announced,
        seconds_per_voter: a.seconds_per_voter,
        issuing_points_per_centre: a.issuing_points_per_centre,
        centres: a.centres,
        scope: a.scope.clone(),
    };
    let inputs = if a.file.is_some() || a.bulletins.is_some() || a.hourly.is_some() {
        Some(
            Inputs::load(&InputFiles {
                stations: a.file.clone(),
                schema: a.schema.clone(),
                invalid_rows: InvalidRowsArg::Exclude.into(),
                participation: ParticipationFiles {
                    reports: a.hourly.clone(),
                    bulletins: a.bulletins.clone(),
                    logs: None,
                    opens: a.opens.clone(),
                    closes: a.closes.clone(),
                    off: false,
                },
                independent: a.companions.independent.clone(),
                reference: a.companions.reference.clone(),
            })
            .map_err(unusable)?,
        )
    } else {
        None
    };
    let report = match (&inputs, &a.file) {
        (Some(inputs), Some(_)) => {
            inputs.require_election().map_err(unusable)?;
            let plan = Plan {
                hourly: Some(HourlyOptions {
                    pace: escrutinio::methods::hourly::bulletins::PaceOptions {
                        centres: a.centres,
                        ..Default::default()
                    },
                    ..HourlyOptions::default()
                }),
                ..Plan::default()
            }
            .check()?;
            let mut r = build_report(inputs, &plan, a.seed).map_err(unusable)?;
            if let Some(n) = a.calibrate {
                calibrate_report(
                    inputs,
                    &plan,
                    &mut r,
                    &CalibrationOptions {
                        replicates: n,
                        ..CalibrationOptions::default()
                    },
                )?;
            }
            Some(r)
        }
        _ => None,
    };
    let (bulletins, hours) = match &inputs {
        Some(i) => (i.bulletins.as_slice(), i.hours),
        None => (&[][..], None),
    };
    Ok(check(&options, bulletins, hours, report.as_ref()))
}

/// Writes `check.json`, `check.html` and `check_grid.svg` into `dir`.
pub fn write_outputs(c: &ClaimCheck, dir: &std::path::Path) -> escrutinio::Result<()> {
    let out_err = |p: &std::path::Path, e: std::io::Error| Error::Output {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e))?;
    let json = serde_json::to_string_pretty(c).expect("check serialises");
    let mut json = escrutinio::report::json::inline_scalar_arrays(&json);
    json.push('\n');
    for (name, body) in [
        ("check.json", Some(json)),
        ("check.html", Some(escrutinio::report::check::html(c))),
        ("check_grid.svg", escrutinio::report::check::grid_svg(c)),
    ] {
        if let Some(body) = body {
            let p = dir.join(name);
            std::fs::write(&p, body).map_err(|e| out_err(&p, e))?;
        }
    }
    Ok(())
}
