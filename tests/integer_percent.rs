//! Integer-percentage peaks (Kobak, Shpilkin & Pshenichnikov 2016) on the
//! Russian elections: the observed counts equal the published ones exactly,
//! and the exact null gives the published anomalies (observed − null mean)
//! within ±15, the Monte Carlo noise of the paper's 1,000 replicates
//! (`../shared/data/README.md`).

use crate::common;

use escrutinio::io::{load, InvalidRows};
use escrutinio::methods::integer_percent::{analyse, IntegerPercent, IntegerPercentOptions};

struct Published {
    year: &'static str,
    kept: usize,
    observed: [u64; 3], // either / leader / turnout
    anomaly: [f64; 3],
}

const PUBLISHED: [Published; 5] = [
    Published {
        year: "2011",
        kept: 86_718,
        observed: [17_803, 9_708, 9_216],
        anomaly: [1003.5, 767.1, 449.3],
    },
    Published {
        year: "2012",
        kept: 87_623,
        observed: [18_025, 9_662, 9_476],
        anomaly: [1159.6, 734.6, 634.6],
    },
    Published {
        year: "2018",
        kept: 91_152,
        observed: [19_271, 10_116, 10_543],
        anomaly: [1708.8, 859.0, 1296.2],
    },
    Published {
        year: "2004",
        kept: 85_457,
        observed: [17_393, 9_283, 9_214],
        anomaly: [933.7, 591.6, 562.2],
    },
    Published {
        year: "2008",
        kept: 86_309,
        observed: [18_394, 10_019, 9_631],
        anomaly: [1722.8, 1211.7, 870.4],
    },
];

#[test]
fn reproduces_the_published_integer_percentage_anomalies() {
    for p in &PUBLISHED {
        let Some(path) = common::shared(&format!("russia/{}.csv.gz", p.year)) else {
            return;
        };
        let schema = common::schema(&format!("russia-{}.toml", p.year));
        let loaded = load(&path, Some(&schema), InvalidRows::Exclude).unwrap();
        let f = analyse(
            loaded.election().unwrap(),
            &common::checked::<IntegerPercent>(IntegerPercentOptions::default()),
            &common::ctx(1),
        );
        eprintln!(
            "{}: kept {}, either {} − {:.1} = {:.1} (sd {:.1}), leader {} − {:.1} = {:.1}, turnout {} − {:.1} = {:.1}",
            p.year, f.stations, f.either.observed, f.either.expected, f.either.excess, f.either.sd,
            f.leader.observed, f.leader.expected, f.leader.excess,
            f.turnout.observed, f.turnout.expected, f.turnout.excess
        );
        assert_eq!(f.stations, p.kept, "{}: stations kept", p.year);
        let got = [&f.either, &f.leader, &f.turnout];
        for (k, what) in ["either", "leader", "turnout"].iter().enumerate() {
            assert_eq!(
                got[k].observed, p.observed[k],
                "{} {what}: observed",
                p.year
            );
            assert!(
                (got[k].excess - p.anomaly[k]).abs() <= 15.0,
                "{} {what}: anomaly {:.1}, published {}",
                p.year,
                got[k].excess,
                p.anomaly[k]
            );
            assert!(
                got[k].p_value < 1e-6,
                "{} {what}: p {}",
                p.year,
                got[k].p_value
            );
        }
    }
}

/// The exact null is calibrated: on fraud-free simulated elections (binomial
/// counts, no rounding), the p-values of the three counts are uniform — the
/// rejection rate at 0.05 over 1,000 elections lies in the exact
/// Binomial(1000, 0.05) 99 % interval [33, 69]. The fast tier runs 200
/// elections, band [3, 19] (the Binomial(200, 0.05) 99 % interval).
#[test]
fn exact_null_is_calibrated_on_clean_simulations() {
    use escrutinio::simulate::{simulate, SimParams};
    let runs = common::size(1000u64, 200);
    let band = common::size(33..=69, 3..=19);
    let mut rejections = [0u64; 3];
    for seed in 0..runs {
        let sim = simulate(&SimParams {
            stations: 3000,
            seed: 10_000 + seed,
            regions: 4,
            ..SimParams::default()
        })
        .unwrap();
        let f = analyse(
            &sim.to_election().unwrap(),
            &common::checked::<IntegerPercent>(IntegerPercentOptions::default()),
            &common::ctx(1),
        );
        for (k, c) in [&f.either, &f.leader, &f.turnout].iter().enumerate() {
            rejections[k] += (c.p_value <= 0.05) as u64;
        }
    }
    eprintln!(
        "rejections at 0.05 in {runs} clean elections (either, leader, turnout): {rejections:?}"
    );
    for (k, what) in ["either", "leader", "turnout"].iter().enumerate() {
        assert!(
            band.contains(&rejections[k]),
            "{what}: {} rejections in {runs}, 99% interval {band:?}",
            rejections[k]
        );
    }
}

/// Power: setting the ballots of 2 % of 50,000 clean stations so that their
/// turnout is a whole percentage is detected (turnout count, p ≤ 0.05) in at
/// least 90 % of elections.
#[test]
fn two_percent_rounded_turnouts_are_detected_at_50000_stations() {
    use escrutinio::methods::integer_percent::is_integer_percent;
    use escrutinio::simulate::{simulate, SimParams};
    let runs = 20;
    let mut detected = 0;
    for seed in 0..runs {
        let sim = simulate(&SimParams {
            stations: 50_000,
            seed: 20_000 + seed,
            ..SimParams::default()
        })
        .unwrap();
        let mut e = sim.to_election().unwrap();
        let mut rounded = 0;
        for i in (0..e.stations.len()).step_by(50) {
            let n = e.electorate.as_ref().unwrap()[i];
            let j = (100.0 * e.ballots[i] as f64 / n as f64).round() as i64;
            // The nearest whole percentage this electorate can show.
            let k = [0i64, 1, -1, 2, -2, 3, -3]
                .iter()
                .map(|d| ((n as f64 * (j + d) as f64 / 100.0).round()) as u64)
                .find(|&k| k <= n && is_integer_percent(k, n, 0.05));
            if let Some(k) = k {
                e.ballots[i] = k;
                rounded += 1;
            }
        }
        assert!(rounded >= 900, "only {rounded} stations could be rounded");
        let f = analyse(
            &e,
            &common::checked::<IntegerPercent>(IntegerPercentOptions::default()),
            &common::ctx(1),
        );
        detected += (f.turnout.p_value <= 0.05) as u32;
        if seed == 0 {
            eprintln!(
                "seed 0: {rounded} stations rounded; turnout integer count {} vs null {:.1} ± {:.1}, p {:.2e}",
                f.turnout.observed, f.turnout.expected, f.turnout.sd, f.turnout.p_value
            );
        }
    }
    assert!(detected >= 18, "detected in {detected} of {runs} elections");
}
