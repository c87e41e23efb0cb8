//! Times a calibration: 100 placebo elections of every family on a
//! simulated election of 100,000 stations (issue 17's speed goal: at most
//! 3 minutes on 2 cores), without and with participation reports.
//!
//! ```sh
//! cargo run --release --example calibration_speed [-- STATIONS REPLICATES]
//! ```

use std::time::Instant;

use escrutinio::analyze::{build_report, calibrate_report, Plan};
use escrutinio::calibration::CalibrationOptions;
use escrutinio::inputs::{InputFiles, Inputs, ParticipationFiles};
use escrutinio::simulate::{simulate, SimParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let stations = args.first().copied().unwrap_or(100_000);
    let replicates = args.get(1).copied().unwrap_or(100);
    let dir = tempfile::tempdir()?;
    let f = dir.path().join("e.csv");
    simulate(&SimParams {
        stations,
        regions: 40,
        fraud_incremental: 0.1,
        fraud_extreme: 0.02,
        theta: 0.4,
        hourly: true,
        hourly_spread: 0.25,
        ..SimParams::default()
    })?
    .write_files(&f)?;
    for hourly in [false, true] {
        let inputs = Inputs::load(&InputFiles {
            stations: Some(f.clone()),
            participation: ParticipationFiles {
                reports: hourly.then(|| dir.path().join("e.csv.hourly.csv")),
                ..ParticipationFiles::default()
            },
            ..InputFiles::default()
        })?;
        let plan = Plan::default().check()?;
        let t = Instant::now();
        let mut report = build_report(&inputs, &plan, 1)?;
        let analysis = t.elapsed().as_secs_f64();
        let t = Instant::now();
        calibrate_report(
            &inputs,
            &plan,
            &mut report,
            &CalibrationOptions {
                replicates,
                ..CalibrationOptions::default()
            },
        )?;
        let calibration = t.elapsed().as_secs_f64();
        println!(
            "{stations} stations{}: analysis {analysis:.2} s; {replicates} placebo elections of every family {calibration:.1} s ({:.2} s each); verdict {:?}",
            if hourly { " with participation reports" } else { "" },
            calibration / replicates as f64,
            report.verdict.evidence
        );
    }
    Ok(())
}
