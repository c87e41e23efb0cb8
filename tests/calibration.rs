//! Calibration on placebo elections (issue 17): calibrated tests hold their
//! level on clean elections the null did not generate, the homogeneous-size
//! first-digit trap is caught, Spain stays clean, Russia's estimates lie far
//! above their placebo bands.

use crate::common;

use escrutinio::analyze::{build_report, calibrate_report};
use escrutinio::calibration::{binomial_band, CalibrationOptions};
use escrutinio::inputs::{InputFiles, Inputs};
use escrutinio::methods::registry::Plan;
use escrutinio::report::Report;
use escrutinio::simulate::{simulate, SimParams};
use escrutinio::verdict::Evidence;

/// The tests only (digits, integer percentages, turnout distribution): the
/// estimating families' bootstraps are not what these studies measure.
fn tests_plan() -> Plan {
    Plan {
        fingerprint: None,
        excess_votes: None,
        hourly: None,
        ..Plan::default()
    }
}

fn calibrated(inputs: &Inputs, plan: &Plan, seed: u64, replicates: usize) -> Report {
    let plan = plan.check().expect("valid plan");
    let mut r = build_report(inputs, &plan, seed).expect("runs");
    calibrate_report(
        inputs,
        &plan,
        &mut r,
        &CalibrationOptions {
            replicates,
            ..CalibrationOptions::default()
        },
    )
    .expect("calibrates");
    r
}

/// A simulated election written to `dir` and loaded as a user would.
fn sim_loaded(p: &SimParams, dir: &std::path::Path) -> Inputs {
    let f = dir.join(format!("e{}.csv", p.seed));
    simulate(p).unwrap().write_files(&f).unwrap();
    Inputs::load(&InputFiles {
        stations: Some(f),
        ..InputFiles::default()
    })
    .expect("loads")
}

/// Clean elections whose stations all have about 1,000 voters: the counts
/// span less than a decade, so the first-digit (Benford) test rejects on
/// clean data (Mebane 2006; ElectionForensics.jl measured 100 %). The
/// calibrated test, read against placebos with the same station sizes,
/// must reject at about its level.
#[test]
fn homogeneous_station_sizes_first_digit_rejects_only_uncalibrated() {
    let elections = common::size(60, 12);
    let replicates = 19; // calibrated p = (1 + k) / 20: rejects at 0.05 only when k = 0
    let dir = tempfile::tempdir().unwrap();
    let mut nominal = 0;
    let mut calibrated_rejections = 0;
    for m in 0..elections {
        let p = SimParams {
            stations: 3_000,
            seed: 1_000 + m as u64,
            regions: 6,
            electorate_log_sd: 0.05,
            ..SimParams::default()
        };
        let inputs = sim_loaded(&p, dir.path());
        let r = calibrated(&inputs, &tests_plan(), m as u64, replicates);
        let c = r.calibration.as_ref().unwrap();
        let t = c
            .tests
            .iter()
            .find(|t| t.test == "first_digit:winner")
            .expect("first-digit test calibrated");
        nominal += t.rejects_at_nominal as usize;
        calibrated_rejections += t.rejects_at_calibrated as usize;
    }
    let (_, hi) = binomial_band(elections, 0.05, 0.99);
    eprintln!(
        "homogeneous stations, {elections} clean elections: first digit rejects {nominal} uncalibrated, {calibrated_rejections} calibrated (99 % band up to {hi})"
    );
    assert_eq!(
        nominal, elections,
        "the uncalibrated test should reject every time"
    );
    assert!(calibrated_rejections <= hi);
}

/// Every test, calibrated, on clean simulated elections of several shapes
/// (heterogeneous sizes; homogeneous sizes; strong regional structure with
/// regional parties): the calibrated rejections of each test lie within the
/// 99 % binomial band of the nominal 5 %.
#[test]
fn calibrated_tests_hold_their_level_on_clean_elections_of_several_shapes() {
    let elections = common::size(40, 6);
    let replicates = 19;
    let dir = tempfile::tempdir().unwrap();
    let shapes: [(&str, SimParams); 3] = [
        (
            "heterogeneous sizes",
            SimParams {
                stations: 3_000,
                regions: 6,
                ..SimParams::default()
            },
        ),
        (
            "homogeneous sizes",
            SimParams {
                stations: 3_000,
                regions: 6,
                electorate_log_sd: 0.05,
                ..SimParams::default()
            },
        ),
        (
            "regional parties",
            SimParams {
                stations: 3_000,
                regions: 12,
                region_turnout_sd: 0.08,
                region_share_sd: 0.08,
                regional_party_regions: 0.3,
                ..SimParams::default()
            },
        ),
    ];
    let (_, hi) = binomial_band(elections, 0.05, 0.99);
    for (name, shape) in shapes {
        let mut counts: Vec<(String, usize, usize)> = Vec::new();
        for m in 0..elections {
            let p = SimParams {
                seed: 5_000 + m as u64,
                ..shape.clone()
            };
            let inputs = sim_loaded(&p, dir.path());
            let r = calibrated(&inputs, &tests_plan(), 77 + m as u64, replicates);
            for t in &r.calibration.as_ref().unwrap().tests {
                let key = format!("{}/{}", t.family, t.test);
                match counts.iter_mut().find(|(k, _, _)| *k == key) {
                    Some(c) => {
                        c.1 += t.rejects_at_calibrated as usize;
                        c.2 += t.rejects_at_nominal as usize;
                    }
                    None => counts.push((
                        key,
                        t.rejects_at_calibrated as usize,
                        t.rejects_at_nominal as usize,
                    )),
                }
            }
        }
        let over: Vec<&(String, usize, usize)> =
            counts.iter().filter(|(_, k, _)| *k > hi).collect();
        eprintln!(
            "{name}: {} tests × {elections} clean elections; calibrated rejections above the 99 % band (> {hi}): {over:?}; uncalibrated rejections: {:?}",
            counts.len(),
            counts
                .iter()
                .filter(|(_, _, n)| *n > hi)
                .map(|(k, _, n)| (k.as_str(), *n))
                .collect::<Vec<_>>()
        );
        // Per shape, at most one test outside its 99 % band (about 40
        // tests: 0.4 expected by chance).
        assert!(over.len() <= 1, "{name}: {over:?}");
    }
}

#[test]
fn spain_2019_calibrated_stays_clean() {
    let Some(path) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let inputs = Inputs::load(&InputFiles {
        stations: Some(path),
        schema: Some(common::schema("spain-2019.toml")),
        ..InputFiles::default()
    })
    .unwrap();
    let r = calibrated(&inputs, &Plan::default(), 1, common::size(40, 8));
    let c = r.calibration.as_ref().unwrap();
    eprintln!("{}", escrutinio::report::text::calibration(c));
    assert_eq!(
        r.verdict.evidence,
        Evidence::NoEvidence,
        "{}",
        r.verdict.summary
    );
    assert!(r.verdict.national.iter().all(|n| !n.evidence));
}

#[test]
fn russia_estimates_lie_far_above_their_placebo_bands() {
    for year in [2011, 2018] {
        let Some(path) = common::shared(&format!("russia/{year}.csv.gz")) else {
            return;
        };
        let inputs = Inputs::load(&InputFiles {
            stations: Some(path),
            schema: Some(common::schema(&format!("russia-{year}.toml"))),
            ..InputFiles::default()
        })
        .unwrap();
        let plan = Plan {
            digits: None,
            ..Plan::default()
        };
        let r = calibrated(&inputs, &plan, 1, common::size(20, 4));
        let c = r.calibration.as_ref().unwrap();
        eprintln!(
            "Russia {year}\n{}",
            escrutinio::report::text::calibration(c)
        );
        let b = c
            .estimates
            .iter()
            .find(|b| b.family == "excess_votes.regions")
            .expect("regional excess-vote band");
        let obs = b.observed.unwrap();
        let width = (b.placebo_high - b.placebo_low).max(1.0);
        assert!(
            b.above_band && obs - b.placebo_high > 10.0 * width,
            "{year}: {obs} against [{}, {}]",
            b.placebo_low,
            b.placebo_high
        );
        assert_eq!(r.verdict.evidence, Evidence::Inflation);
    }
}

#[test]
fn calibration_is_reproducible_across_thread_counts() {
    let p = SimParams {
        stations: 2_000,
        seed: 3,
        regions: 4,
        fraud_incremental: 0.05,
        ..SimParams::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let inputs = sim_loaded(&p, dir.path());
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| calibrated(&inputs, &Plan::default(), 9, 6).to_json())
    };
    assert_eq!(run(1), run(2));
}

/// Spain 2019 as the clean data the calibration is about: pseudo-elections
/// drawn from the clean null fitted to Spain (its stations, sizes, provinces
/// and spreads) are each calibrated on their own refitted null, as a user
/// would calibrate Spain itself; each test's calibrated rejections must lie
/// within the 99 % binomial band of the nominal 5 %.
#[test]
fn spain_2019_like_elections_calibrated_tests_hold_their_level() {
    use escrutinio::calibration::{calibrate, NullModel};
    use escrutinio::methods::Context;
    let Some(path) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let spain = Inputs::load(&InputFiles {
        stations: Some(path),
        schema: Some(common::schema("spain-2019.toml")),
        participation: escrutinio::inputs::ParticipationFiles {
            off: true,
            ..Default::default()
        },
        ..InputFiles::default()
    })
    .unwrap();
    let null = NullModel::fit(&spain).unwrap();
    let plan = tests_plan().check().unwrap();
    let elections = common::size(30, 3);
    let mut counts: Vec<(String, usize)> = Vec::new();
    for m in 0..elections {
        let pseudo = null.placebo(&spain, 4242, m as u64);
        let outcome = plan.run(&pseudo, &Context::new(m as u64));
        let verdict = escrutinio::verdict::compose(pseudo.election().unwrap(), &outcome.findings);
        let c = calibrate(
            &pseudo,
            &plan,
            &outcome.findings.tests(),
            &verdict,
            100 + m as u64,
            &CalibrationOptions {
                replicates: 19,
                ..CalibrationOptions::default()
            },
        )
        .unwrap();
        for t in &c.tests {
            let key = format!("{}/{}", t.family, t.test);
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some(k) => k.1 += t.rejects_at_calibrated as usize,
                None => counts.push((key, t.rejects_at_calibrated as usize)),
            }
        }
    }
    let (_, hi) = binomial_band(elections, 0.05, 0.99);
    let over: Vec<&(String, usize)> = counts.iter().filter(|(_, k)| *k > hi).collect();
    eprintln!(
        "Spain-like clean elections: {} tests × {elections}; calibrated rejections above the 99 % band (> {hi}): {over:?}; total rejections {} of {}",
        counts.len(),
        counts.iter().map(|c| c.1).sum::<usize>(),
        counts.len() * elections
    );
    // About 300 tests, each outside its 99 % band with probability at most
    // 0.01 on calibrated data: the count outside is at most the 99 % upper
    // limit of Bin(tests, 0.01). All rejections together near 5 %.
    let (_, most) = binomial_band(counts.len(), 0.01, 0.99);
    assert!(
        over.len() <= most,
        "{} outside, at most {most}: {over:?}",
        over.len()
    );
    let total: usize = counts.iter().map(|c| c.1).sum();
    let rate = total as f64 / (counts.len() * elections) as f64;
    assert!(rate < 0.08, "overall calibrated rejection rate {rate}");
}
