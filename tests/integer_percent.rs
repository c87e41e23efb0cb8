//! Integer-percentage peaks (Kobak, Shpilkin & Pshenichnikov 2016) on the
//! Russian elections: the observed counts equal the published ones exactly,
//! and the exact null gives the published anomalies (observed − null mean)
//! within ±15, the Monte Carlo noise of the paper's 1,000 replicates
//! (`../shared/data/README.md`).

mod common;

use escrutinio::io::{load, InvalidRows};
use escrutinio::methods::integer_percent::{analyse, IntegerPercentOptions};

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
            &IntegerPercentOptions::default(),
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
