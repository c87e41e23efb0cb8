//! How the late-surge test degrades when stations' daily curves differ more
//! than binomial noise (the simulator's `hourly_spread`, the sd of each
//! station's shift of the curve on the log-odds scale; about 0.25 matches
//! Spain 2019's spread of late shares between tables).
//!
//! `cargo run --release --example late_surge_spread -- [STATIONS] [SEEDS]`
//! (defaults 20000 and 2). For each spread it prints precision (flagged
//! stations with any stuffing), recall among stations whose stuffing
//! exceeds 10 % of their ballots, the false-positive rate among clean
//! stations, and the national excess against the injected total.

use escrutinio::io::hourly::{load_long, Hours};
use escrutinio::io::{load, InvalidRows, Schema};
use escrutinio::methods::hourly::late_surge::{late_surge, LateSurgeOptions};
use escrutinio::simulate::{simulate, SimParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let seeds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2);
    println!("spread seed precision recall(>10%) fp_rate tail_df excess injected rel");
    for spread in [0.0, 0.1, 0.25] {
        for seed in 1..=seeds {
            let sim = simulate(&SimParams {
                stations: n,
                seed,
                fraud_incremental: 0.1,
                fraud_extreme: 0.02,
                theta: 0.4,
                hourly: true,
                hourly_spread: spread,
                ..SimParams::default()
            })
            .expect("simulates");
            let dir = tempfile::tempdir().expect("temp dir");
            let f = dir.path().join("e.csv");
            let h = dir.path().join("e.hourly.csv");
            escrutinio::io::write::write_frame(&mut sim.to_frame().unwrap(), &f).unwrap();
            escrutinio::io::write::write_frame(&mut sim.hourly_frame().unwrap().unwrap(), &h)
                .unwrap();
            let e = load(&f, None, InvalidRows::Fail)
                .unwrap()
                .election()
                .unwrap()
                .clone();
            let hours = Hours::parse("08:00", "20:00").unwrap();
            let p = load_long(&h, &Schema::standard(), &e, hours, InvalidRows::Fail).unwrap();
            let l = late_surge(
                &e,
                &p,
                &LateSurgeOptions::default(),
                &escrutinio::methods::Context::new(1),
            )
            .unwrap();
            let (mut tp, mut fp, mut big, mut found, mut clean) = (0, 0, 0, 0, 0);
            for (i, s) in sim.stations.iter().enumerate() {
                let flagged = l.stations[i].flagged;
                match (flagged, s.stuffed > 0) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    _ => {}
                }
                clean += usize::from(s.stuffed == 0);
                if s.stuffed as f64 > 0.1 * s.ballots as f64 {
                    big += 1;
                    found += usize::from(flagged);
                }
            }
            let injected: u64 = sim.stations.iter().map(|s| s.stuffed).sum();
            println!(
                "{spread} {seed} {:.3} {:.3} {:.4} {:?} {:.0} {injected} {:+.3}",
                tp as f64 / (tp + fp).max(1) as f64,
                found as f64 / big.max(1) as f64,
                fp as f64 / clean.max(1) as f64,
                l.tail_df,
                l.excess_ballots.estimate,
                l.excess_ballots.estimate / injected as f64 - 1.0
            );
        }
    }
}
