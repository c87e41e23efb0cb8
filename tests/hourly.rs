//! Participation over the day (issue 5): late surges, throughput bounds,
//! bulletins, against simulations with known injected late ballots,
//! hand-built cases and the real intraday data in `../shared/data/`.

mod common;

use escrutinio::io::hourly::{load_long, Hours, Participation};
use escrutinio::io::{load, InvalidRows, Schema};
use escrutinio::methods::hourly::late_surge::{late_surge, LateSurgeOptions};
use escrutinio::methods::hourly::throughput::{throughput, ThroughputOptions};
use escrutinio::simulate::{simulate, SimParams, Simulation};
use escrutinio::Election;

/// A simulated election with hourly reports, loaded through the real
/// loaders from temporary files.
fn sim_loaded(params: &SimParams) -> (Simulation, Election, Participation) {
    let sim = simulate(params).expect("simulates");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    escrutinio::io::write::write_frame(&mut sim.to_frame().unwrap(), &f).unwrap();
    let h = dir.path().join("e.hourly.csv");
    escrutinio::io::write::write_frame(&mut sim.hourly_frame().unwrap().unwrap(), &h).unwrap();
    let e = load(&f, None, InvalidRows::Fail)
        .unwrap()
        .election()
        .unwrap()
        .clone();
    let p = load_long(
        &h,
        &Schema::standard(),
        &e,
        Hours::parse("08:00", "20:00").unwrap(),
        InvalidRows::Fail,
    )
    .unwrap();
    (sim, e, p)
}

fn params(n: usize, seed: u64, fi: f64, fe: f64, theta: f64, spread: f64) -> SimParams {
    SimParams {
        stations: n,
        seed,
        fraud_incremental: fi,
        fraud_extreme: fe,
        theta,
        hourly: true,
        hourly_spread: spread,
        ..SimParams::default()
    }
}

struct Recovery {
    precision: f64,
    recall_big: f64,
    false_positive_rate: f64,
    estimate: f64,
    ci: (f64, f64),
    injected: u64,
}

fn recovery(sim: &Simulation, e: &Election, p: &Participation) -> Recovery {
    let l = late_surge(e, p, &LateSurgeOptions::default()).expect("runs");
    let (mut tp, mut fp, mut big, mut big_found, mut clean) = (0, 0, 0, 0, 0);
    for (i, s) in sim.stations.iter().enumerate() {
        let flagged = l.stations[i].flagged;
        let stuffed = s.stuffed > 0;
        match (flagged, stuffed) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            _ => {}
        }
        if !stuffed {
            clean += 1;
        }
        if s.stuffed as f64 > 0.1 * s.ballots as f64 {
            big += 1;
            big_found += usize::from(flagged);
        }
    }
    Recovery {
        precision: tp as f64 / (tp + fp).max(1) as f64,
        recall_big: big_found as f64 / big.max(1) as f64,
        false_positive_rate: fp as f64 / clean.max(1) as f64,
        estimate: l.excess_ballots.estimate,
        ci: (
            l.excess_ballots.ci_low.unwrap(),
            l.excess_ballots.ci_high.unwrap(),
        ),
        injected: sim.stations.iter().map(|s| s.stuffed).sum(),
    }
}

#[test]
fn late_surges_are_found_and_the_injected_total_recovered() {
    // Several seeds, sizes and fraud mixes; stuffed ballots arrive after 18:00.
    for (n, seed, fi, fe, theta) in [
        (5_000, 1, 0.10, 0.02, 0.4),
        (20_000, 2, 0.10, 0.02, 0.4),
        (20_000, 3, 0.05, 0.01, 0.15),
        (50_000, 4, 0.20, 0.05, 0.3),
    ] {
        let (sim, e, p) = sim_loaded(&params(n, seed, fi, fe, theta, 0.0));
        let r = recovery(&sim, &e, &p);
        let rel = r.estimate / r.injected as f64 - 1.0;
        eprintln!(
            "n {n} seed {seed} f_i {fi} f_e {fe} θ {theta}: precision {:.3} recall(>10 %) {:.3} \
             false positives {:.4}; excess {:.0} [{:.0}, {:.0}] vs injected {} ({:+.1} %)",
            r.precision,
            r.recall_big,
            r.false_positive_rate,
            r.estimate,
            r.ci.0,
            r.ci.1,
            r.injected,
            100.0 * rel
        );
        assert!(r.precision >= 0.9, "precision {}", r.precision);
        assert!(r.recall_big >= 0.9, "recall {}", r.recall_big);
        assert!(r.false_positive_rate <= 0.01);
        assert!(
            rel.abs() <= 0.10,
            "national total off by {:.1} %",
            100.0 * rel
        );
    }
}

#[test]
fn clean_simulations_have_calibrated_p_values_and_few_flags() {
    // Fraud-free: p-values uniform (rejections at 0.05 and 0.01 of 20,000
    // stations within about 3.3 binomial sd), flags at most 1 %.
    for seed in [11, 12, 13] {
        let (_, e, p) = sim_loaded(&params(20_000, seed, 0.0, 0.0, 0.15, 0.0));
        let l = late_surge(&e, &p, &LateSurgeOptions::default()).unwrap();
        let pv: Vec<f64> = l.stations.iter().filter_map(|s| s.p_value).collect();
        let n = pv.len() as f64;
        let at = |a: f64| pv.iter().filter(|&&p| p < a).count() as f64 / n;
        eprintln!(
            "clean seed {seed}: P(p<0.05) {:.4}, P(p<0.01) {:.4}, flagged {}, excess {}",
            at(0.05),
            at(0.01),
            l.flagged,
            l.excess_ballots.display(0)
        );
        // Binomial(20000, 0.05): sd 0.00154; Binomial(20000, 0.01): sd 0.0007.
        assert!((at(0.05) - 0.05).abs() < 0.0051, "{}", at(0.05));
        assert!((at(0.01) - 0.01).abs() < 0.0024, "{}", at(0.01));
        assert!(l.flag_rate <= 0.01);
    }
}

#[test]
fn clean_excess_interval_covers_zero_at_its_level() {
    // 20 clean elections of 5,000 stations: the 90 % interval of the
    // national excess covers the true 0 in at least 15 (P(X ≤ 14) = 1.1 %
    // for Binomial(20, 0.9)), and the spread setting (Spain-like
    // heterogeneity) is covered too.
    let mut covered = 0;
    for seed in 100..120u64 {
        let spread = if seed % 2 == 0 { 0.0 } else { 0.25 };
        let (_, e, p) = sim_loaded(&params(5_000, seed, 0.0, 0.0, 0.15, spread));
        let l = late_surge(&e, &p, &LateSurgeOptions::default()).unwrap();
        let (lo, hi) = (
            l.excess_ballots.ci_low.unwrap(),
            l.excess_ballots.ci_high.unwrap(),
        );
        covered += usize::from(lo <= 0.0 && hi >= 0.0);
        assert!(
            l.flag_rate <= 0.01,
            "seed {seed}: flag rate {}",
            l.flag_rate
        );
    }
    eprintln!("clean excess intervals covering 0: {covered}/20");
    assert!(covered >= 15, "{covered}/20");
}

#[test]
fn throughput_bound_never_exceeds_the_injected_ballots() {
    for (seed, fi, fe) in [(21, 0.1, 0.05), (22, 0.0, 0.1), (23, 0.2, 0.0)] {
        let (sim, e, p) = sim_loaded(&params(10_000, seed, fi, fe, 0.4, 0.0));
        let t = throughput(&e, &p, &ThroughputOptions::default());
        let mut positive = 0;
        for (i, s) in sim.stations.iter().enumerate() {
            let b = t.stations[i];
            assert!(
                b.excess_lower_bound <= s.stuffed && b.whole_day_lower_bound <= s.stuffed,
                "station {}: bound {} > stuffed {}",
                s.station,
                b.excess_lower_bound,
                s.stuffed
            );
            positive += usize::from(b.excess_lower_bound > 0);
        }
        let injected: u64 = sim.stations.iter().map(|s| s.stuffed).sum();
        eprintln!(
            "seed {seed}: bound {} of {injected} injected, {positive} stations",
            t.excess_lower_bound
        );
        assert!(t.excess_lower_bound <= injected);
        if fe > 0.0 {
            // Extreme fraud fills stations in two hours: the bound must bite.
            assert!(positive > 0 && t.excess_lower_bound > 0);
        }
    }
}
