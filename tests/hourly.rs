//! Participation over the day (issue 5): late surges, throughput bounds,
//! bulletins, against simulations with known injected late ballots,
//! hand-built cases and the real intraday data in `../shared/data/`.

use crate::common;

use escrutinio::io::hourly::{load_long, Hours, Participation};
use escrutinio::io::{load, InvalidRows, Schema};
use escrutinio::methods::hourly::late_surge::{late_surge, LateSurgeOptions};
use escrutinio::methods::hourly::throughput::{throughput, ThroughputOptions};
use escrutinio::simulate::{simulate, SimParams, Simulation};
use escrutinio::stats::bootstrap::BootstrapMethod;
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
    let l = late_surge(e, p, &LateSurgeOptions::default(), &common::ctx(1)).expect("runs");
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
    // stations within about 3.3 binomial sd), flags at most 1 %. The fast
    // tier runs one of the three elections.
    for seed in common::size(&[11, 12, 13][..], &[11][..]).iter().copied() {
        let (_, e, p) = sim_loaded(&params(20_000, seed, 0.0, 0.0, 0.15, 0.0));
        let l = late_surge(&e, &p, &LateSurgeOptions::default(), &common::ctx(1)).unwrap();
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
    // heterogeneity) is covered too. Fast tier: 6 elections, at least 3
    // covered (P(X ≤ 2) = 0.13 % for Binomial(6, 0.9)). The studies tier
    // runs both bootstrap methods (the linearised default and the full
    // refit) on the same elections and prints both coverages.
    let n = common::size(20u64, 6);
    let methods: &[BootstrapMethod] = common::size(
        &[BootstrapMethod::Linearised, BootstrapMethod::Refit][..],
        &[BootstrapMethod::Linearised][..],
    );
    let mut covered = vec![0; methods.len()];
    for seed in 100..100 + n {
        let spread = if seed % 2 == 0 { 0.0 } else { 0.25 };
        let (_, e, p) = sim_loaded(&params(5_000, seed, 0.0, 0.0, 0.15, spread));
        for (k, &bootstrap_method) in methods.iter().enumerate() {
            let opts = LateSurgeOptions {
                bootstrap_method,
                ..LateSurgeOptions::default()
            };
            let l = late_surge(&e, &p, &opts, &common::ctx(1)).unwrap();
            let (lo, hi) = (
                l.excess_ballots.ci_low.unwrap(),
                l.excess_ballots.ci_high.unwrap(),
            );
            covered[k] += usize::from(lo <= 0.0 && hi >= 0.0);
            eprintln!(
                "seed {seed} {bootstrap_method:?}: {:.0} [{lo:.0}, {hi:.0}]",
                l.excess_ballots.estimate
            );
            assert!(
                l.flag_rate <= 0.01,
                "seed {seed}: flag rate {}",
                l.flag_rate
            );
        }
    }
    for (m, c) in methods.iter().zip(&covered) {
        eprintln!("clean excess intervals covering 0 ({m:?} bootstrap): {c}/{n}");
    }
    for (m, c) in methods.iter().zip(&covered) {
        assert!(*c >= common::size(15, 3), "{m:?}: {c}/{n}");
    }
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

// ---------------------------------------------------------------------------
// Hand-built and malformed participation files, through the binary.

const STATIONS: &str = "station,region,electorate,ballots,valid,invalid,A,B\n\
s1,R1,1000,600,590,10,300,290\n\
s2,R1,800,500,495,5,200,295\n\
s3,R2,1200,700,690,10,400,290\n";

struct Run {
    code: i32,
    text: String,
}

fn run(args: &[&str]) -> Run {
    let out = std::process::Command::new(common::bin())
        .args(args)
        .output()
        .expect("the binary runs");
    let code = out.status.code().expect("exited");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "panic for {args:?}:\n{text}");
    assert_ne!(code, 101);
    Run { code, text }
}

/// Writes the station table and an hourly file; returns the JSON of
/// `escrutinio hourly --json` (or the failed run).
fn hourly_case(hourly: &str, extra: &[&str]) -> (Run, Option<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("stations.csv");
    std::fs::write(&st, STATIONS).unwrap();
    let h = dir.path().join("hourly.csv");
    std::fs::write(&h, hourly).unwrap();
    let mut args = vec![
        "hourly",
        st.to_str().unwrap(),
        "--hourly",
        h.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    let v = (r.code == 0).then(|| serde_json::from_str(&r.text).expect("json"));
    (r, v)
}

fn problem<'a>(v: &'a serde_json::Value, kind: &str) -> Option<&'a serde_json::Value> {
    v["reports"]["data_quality"]["problems"]
        .as_array()?
        .iter()
        .find(|p| p["kind"] == kind)
}

const GOOD: &str = "station,time,cumulative_voters\n\
s1,12:00,200\ns1,18:00,450\ns1,20:00,600\n\
s2,12:00,150\ns2,18:00,400\ns2,20:00,500\n\
s3,12:00,250\ns3,18:00,560\ns3,20:00,700\n";

#[test]
fn clean_hourly_file_loads_without_problems() {
    let (r, v) = hourly_case(GOOD, &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v = v.unwrap();
    let q = &v["reports"]["data_quality"];
    assert_eq!(q["rows_read"], 9);
    assert_eq!(q["rows_used"], 9);
    assert_eq!(q["rows_excluded_invalid"], 0);
    assert_eq!(
        v["schedule"]["report_times"],
        serde_json::json!(["12:00", "18:00"])
    );
    // National curve: 600 voters at 12:00 of 1,800 final.
    assert_eq!(v["curves"]["national"][0]["voters"], 600);
    assert_eq!(v["curves"]["national"][2]["voters"], 1800);
}

#[test]
fn every_bad_row_is_named_and_counted() {
    for (row, kind, column) in [
        ("s9,18:00,10", "unknown_station", "station"),
        ("s1,25:00,10", "unreadable_time", "time"),
        ("s1,,10", "missing_time", "time"),
        ("s1,21:00,600", "outside_hours", "cumulative_voters"),
        ("s1,07:00,0", "outside_hours", "cumulative_voters"),
        ("s1,15:00,-5", "negative", "cumulative_voters"),
        ("s1,15:00,NaN", "not_finite", "cumulative_voters"),
        ("s1,15:00,abc", "non_numeric", "cumulative_voters"),
        ("s1,15:00,", "missing_value", "cumulative_voters"),
        ("s1,12:00,201", "duplicate_report", "cumulative_voters"),
        (",15:00,3", "missing_key", "station"),
    ] {
        let text = format!("{GOOD}{row}\n");
        let (r, v) = hourly_case(&text, &[]);
        assert_eq!(r.code, 0, "{row}: {}", r.text);
        let v = v.unwrap();
        let p = problem(&v, kind).unwrap_or_else(|| panic!("{row}: no {kind}"));
        let ex = &p["examples"][0];
        assert_eq!(ex["row"], 10, "{row}");
        assert_eq!(ex["line"], 11, "{row}");
        assert_eq!(ex["column"], column, "{row}");
        assert_eq!(
            v["reports"]["data_quality"]["rows_excluded_invalid"], 1,
            "{row}"
        );
        assert_eq!(
            v["reports"]["data_quality"]["excluded_rows"],
            serde_json::json!([10])
        );
        // Under --invalid-rows fail the same row stops the run, named.
        let (f, _) = hourly_case(&text, &["--invalid-rows", "fail"]);
        assert_eq!(f.code, 1, "{row}: {}", f.text);
        assert!(
            f.text.contains("row 10") && f.text.contains("hourly.csv"),
            "{}",
            f.text
        );
    }
}

#[test]
fn inconsistent_stations_are_kept_and_flagged() {
    // s1 falls from 450 to 300; s2 reports 520 at 18:00 above its final 500;
    // s3 reports 690 at the close against 700 in the station table.
    let text = "station,time,cumulative_voters\n\
s1,12:00,450\ns1,18:00,300\ns1,20:00,600\n\
s2,12:00,150\ns2,18:00,520\ns2,20:00,500\n\
s3,12:00,250\ns3,18:00,560\ns3,20:00,690\n";
    let (r, v) = hourly_case(text, &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v = v.unwrap();
    for (kind, row) in [
        ("decreasing_report", 2),
        ("report_above_final", 5),
        ("final_mismatch", 9),
    ] {
        let p = problem(&v, kind).unwrap_or_else(|| panic!("no {kind}"));
        assert_eq!(p["examples"][0]["row"], row, "{kind}");
    }
    assert_eq!(v["reports"]["data_quality"]["rows_flagged"], 3);
    assert_eq!(v["reports"]["data_quality"]["rows_excluded_invalid"], 0);
}

#[test]
fn unusable_hourly_files_are_errors_not_panics() {
    for (text, needle) in [
        ("", "hourly.csv"),
        ("station,time,cumulative_voters\n", "no data rows"),
        ("station,time,voters\ns1,12:00,5\n", "cumulative_voters"),
        ("station,voters\ns1,5\n", "\"time\""),
        (
            "station,time,cumulative_voters\ns1,2021-09-17 12:00,5\ns2,12:00,5\n",
            "some reports have a date",
        ),
    ] {
        let (r, _) = hourly_case(text, &[]);
        assert_eq!(r.code, 2, "{text:?}: {}", r.text);
        assert!(r.text.contains(needle), "{text:?}: {}", r.text);
    }
}

#[test]
fn bad_options_and_bulletins_exit_two() {
    let (r, _) = hourly_case(GOOD, &["--late-alpha", "2"]);
    assert_eq!(r.code, 2);
    assert!(r.text.contains("alpha"), "{}", r.text);
    let (r, _) = hourly_case(GOOD, &["--opens", "21:00"]);
    assert_eq!(r.code, 2, "{}", r.text);
    let (r, _) = hourly_case(GOOD, &["--min-seconds-per-voter", "0"]);
    assert_eq!(r.code, 2);
    assert_eq!(run(&["hourly"]).code, 2);
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.csv");
    std::fs::write(
        &b,
        "scope,time,cumulative_voters\nnational,17:30,100\nnational,soon,200\n",
    )
    .unwrap();
    let r = run(&["hourly", "--bulletins", b.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.text.contains("row 2") && r.text.contains("\"time\"") && r.text.contains("soon"),
        "{}",
        r.text
    );
}

#[test]
fn hand_built_pace_and_reconciliation_are_exact() {
    // Polls 08:00–20:00; 600 voters by 18:00 (10 open hours: 1 a minute),
    // 1,800 announced at the close (1,200 in 120 minutes: 10 a minute).
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.csv");
    std::fs::write(
        &b,
        "scope,time,cumulative_voters,kind\nnational,18:00,600,internal\nnational,final,1800,announced\n",
    )
    .unwrap();
    let r = run(&[
        "hourly",
        "--bulletins",
        b.to_str().unwrap(),
        "--centres",
        "2",
        "--json",
        "--issuing-points-per-centre",
        "1",
        "--min-seconds-per-voter",
        "30",
    ]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let p = &v["announced_pace"][0];
    assert_eq!(p["late_voters"], 1200);
    assert_eq!(p["voters_per_minute_before"], 1.0);
    assert_eq!(p["voters_per_minute_after"], 10.0);
    assert_eq!(p["acceleration"], 10.0);
    // 2 centres × 1 point × 7,200 s / 30 s = 480 voters of capacity.
    assert_eq!(p["excess_lower_bound"], 720);
    assert_eq!(p["issuing_points_needed_per_centre"], 2.5);
    // Against the station table: 1,800 counted at the close, 1,410 at 18:00
    // from the reports (GOOD: 450 + 400 + 560 = 1,410), so gaps −810 and 0.
    let st = dir.path().join("st.csv");
    std::fs::write(&st, STATIONS).unwrap();
    let h = dir.path().join("h.csv");
    std::fs::write(&h, GOOD).unwrap();
    let r = run(&[
        "hourly",
        st.to_str().unwrap(),
        "--hourly",
        h.to_str().unwrap(),
        "--bulletins",
        b.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let rec = &v["reconciliation"];
    assert_eq!(rec[0]["counted_voters"], 1410);
    assert_eq!(rec[0]["gap"], 600 - 1410);
    assert_eq!(rec[0]["below_counted"], true);
    assert_eq!(rec[1]["counted_voters"], 1800);
    assert_eq!(rec[1]["gap"], 0);
    assert_eq!(rec[1]["exceeds_max"], false);
}

// ---------------------------------------------------------------------------
// Real intraday data in ../shared/data/.

fn hourly_json(args: &[&str]) -> serde_json::Value {
    let mut a = vec!["hourly"];
    a.extend_from_slice(args);
    a.push("--json");
    let r = run(&a);
    assert_eq!(r.code, 0, "{}", r.text);
    serde_json::from_str(&r.text).expect("json")
}

#[test]
fn spain_2019_clean_control() {
    let Some(f) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let schema = common::schema("spain-2019.toml");
    let v = hourly_json(&[f.to_str().unwrap(), "--schema", schema.to_str().unwrap()]);
    // The README's totals for the 59,555 resident tables, exactly.
    let nat = &v["curves"]["national"];
    assert_eq!(nat[0]["stations_reporting"], 59_555);
    assert_eq!(nat[0]["voters"], 13_222_643);
    assert_eq!(nat[1]["voters"], 19_825_270);
    assert_eq!(nat[2]["voters"], 24_361_807);
    // Its known defects, reported and kept.
    assert_eq!(problem(&v, "report_above_final").unwrap()["rows"], 208);
    assert_eq!(problem(&v, "decreasing_report").unwrap()["rows"], 5);
    let l = &v["late_surge"];
    // Stale 18:00 advances (equal to the 14:00 one) are reported, not scored.
    assert!(l["unscored"]["stale_last_report"].as_u64().unwrap() > 0);
    let rate = l["flag_rate"].as_f64().unwrap();
    let late = l["late_ballots"].as_f64().unwrap();
    let est = l["excess_ballots"]["estimate"].as_f64().unwrap();
    eprintln!(
        "Spain: median late share {}, flag rate {rate:.4}, excess {est:.0} [{}, {}] of {late} late",
        l["median_late_share"], l["excess_ballots"]["ci_low"], l["excess_ballots"]["ci_high"]
    );
    // METHODS.md baseline: median late share 0.184.
    assert!((l["median_late_share"].as_f64().unwrap() - 0.184).abs() < 0.002);
    // The flag rate stays under the 1 % false-positive ceiling of the
    // simulations, and the national excess is within 0.5 % of the late ballots.
    assert!(rate <= 0.01, "flag rate {rate}");
    assert!(est.abs() <= 0.005 * late, "excess {est} of {late}");
    // No certain inflation without assumptions.
    assert_eq!(v["throughput"]["whole_day_lower_bound"], 0);
}

#[test]
fn st_petersburg_2021_three_day_vote() {
    let Some(st) = common::shared("st-petersburg-2021/spb-2021-duma-party-list.csv") else {
        return;
    };
    let Some(t) = common::shared("st-petersburg-2021/spb-2021-duma-party-list-turnout.csv") else {
        return;
    };
    let schema = common::schema("st-petersburg-2021.toml");
    let v = hourly_json(&[
        st.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--hourly",
        t.to_str().unwrap(),
    ]);
    assert_eq!(v["schedule"]["days"], 3);
    assert_eq!(v["schedule"]["report_times"].as_array().unwrap().len(), 8);
    assert_eq!(v["schedule"]["close"], "2021-09-19 20:00");
    let q = &v["reports"]["data_quality"];
    assert_eq!(q["rows_read"], 17_425);
    // Day-level records without a time and empty counts are reported.
    assert!(
        problem(&v, "missing_time").unwrap()["rows"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        q["rows_used"].as_u64().unwrap() + q["rows_excluded_invalid"].as_u64().unwrap(),
        17_425
    );
    // Station 573: 60 % of its final count by 15:00 on the first of three
    // days, 99.8 % turnout: among the curves farthest from their region's.
    let shape = v["top_shape"].as_array().unwrap();
    let s573 = shape
        .iter()
        .position(|s| s["station"] == "17 / 573")
        .expect("station 573 among the most anomalous curves");
    assert!(s573 < 10);
    assert_eq!(shape[s573]["reports"][0], 1166);
    // The late-surge flag rate is far above the clean control's.
    let rate = v["late_surge"]["flag_rate"].as_f64().unwrap();
    eprintln!(
        "St Petersburg: flag rate {rate:.4}, excess {}",
        v["late_surge"]["excess_ballots"]
    );
    assert!(rate > 0.03);
    assert!(
        v["late_surge"]["excess_ballots"]["ci_low"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn venezuela_2024_announced_against_counted() {
    let Some(f) = common::shared("venezuela-2024/actas-v1.csv") else {
        return;
    };
    let schema = common::schema("venezuela-2024.toml");
    let b = common::root().join("data/bulletins/venezuela-2024-cne.csv");
    let v = hourly_json(&[
        f.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--bulletins",
        b.to_str().unwrap(),
    ]);
    let r = &v["reconciliation"][0];
    // README: opposition sheets 10,660,267 voters of 17,745,239 registered;
    // CNE 12,386,669 voters of 21,321,805.
    assert_eq!(r["counted_voters"], 10_660_267);
    assert_eq!(r["gap"], 1_726_402);
    assert_eq!(r["uncovered_electorate"], 21_321_805u64 - 17_745_239);
    assert_eq!(r["exceeds_max"], false);
    let c = r["contestants"].as_array().unwrap();
    let nm = c.iter().find(|c| c["column"] == "NM").unwrap();
    assert_eq!(nm["gap"], 6_408_844 - 3_241_461);
    assert_eq!(nm["explainable_max"], 1_726_402);
    assert_eq!(nm["exceeds_max"], true);
    let eg = c.iter().find(|c| c["column"] == "EG").unwrap();
    assert_eq!(eg["below_counted"], true);
    assert_eq!(eg["gap"], 5_326_104 - 7_156_462);
}

#[test]
fn venezuela_2017_announced_pace() {
    let Some(b) = common::shared("venezuela-2017/bulletins.csv") else {
        return;
    };
    let v = hourly_json(&[
        "--bulletins",
        b.to_str().unwrap(),
        "--opens",
        "06:00",
        "--closes",
        "19:00",
        "--centres",
        "14515",
    ]);
    let p = &v["announced_pace"][0];
    // METHODS.md: 4,368,855 in the last 90 minutes, 54 % of all votes,
    // 3.3 a minute per centre against 0.37 before: a 9× acceleration.
    assert_eq!(p["late_voters"], 4_368_855);
    assert_eq!(p["open_minutes_after"], 90.0);
    assert!((p["late_share"].as_f64().unwrap() - 0.540).abs() < 0.001);
    assert!((p["per_centre_per_minute_after"].as_f64().unwrap() - 3.344).abs() < 0.001);
    assert!((p["per_centre_per_minute_before"].as_f64().unwrap() - 0.3715).abs() < 0.0005);
    assert!((p["acceleration"].as_f64().unwrap() - 9.00).abs() < 0.01);
}

#[test]
fn hourly_json_is_identical_for_any_thread_count() {
    let f = common::root().join("data/sample/election.csv");
    let h = common::root().join("data/sample/election.csv.hourly.csv");
    let out = |threads: &str| {
        std::process::Command::new(common::bin())
            .args([
                "hourly",
                f.to_str().unwrap(),
                "--hourly",
                h.to_str().unwrap(),
                "--json",
            ])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
            .stdout
    };
    let one = out("1");
    assert!(!one.is_empty());
    assert_eq!(one, out("3"));
}

// ---------------------------------------------------------------------------
// Regression cases from the second review (adversarial inputs).

fn write_tmp(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_bad_date_excludes_its_row_and_a_stray_date_is_not_a_voting_day() {
    let mut text = String::from("station,date,time,cumulative_voters\n");
    for (s, a, b) in [("s1", 200, 450), ("s2", 150, 400), ("s3", 250, 560)] {
        text.push_str(&format!(
            "{s},2021-09-17,12:00,{a}\n{s},2021-09-18,18:00,{b}\n"
        ));
    }
    // Row 7: an impossible date; row 8: a stray date months away.
    text.push_str("s1,2021-13-01,15:00,300\ns2,2021-12-19,15:00,300\n");
    let (r, v) = hourly_case(&text, &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v = v.unwrap();
    assert_eq!(
        problem(&v, "unreadable_time").unwrap()["examples"][0]["row"],
        7
    );
    let stray = problem(&v, "outside_hours").unwrap();
    assert_eq!(stray["examples"][0]["row"], 8);
    assert!(stray["examples"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not a voting day"));
    assert_eq!(v["schedule"]["days"], 2);
    assert_eq!(v["schedule"]["close"], "2021-09-18 20:00");
}

#[test]
fn a_station_without_late_ballots_has_a_finite_score() {
    // s1's 18:00 report equals its final count: p = 1, z finite.
    let text = "station,time,cumulative_voters\n\
s1,12:00,200\ns1,18:00,600\n\
s2,12:00,150\ns2,18:00,400\n\
s3,12:00,250\ns3,18:00,560\n";
    let (r, v) = hourly_case(text, &[]);
    assert_eq!(r.code, 0, "{}", r.text);
    assert!(!r.text.contains("NaN"));
    let top = v.unwrap()["top_late_surge"].clone();
    let s1 = top
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station"] == "s1")
        .unwrap()
        .clone();
    assert!(s1["late_z"].as_f64().unwrap().is_finite(), "{s1}");
    // A close at midnight is refused with a clear message.
    let (r, _) = hourly_case(GOOD, &["--closes", "24:00"]);
    assert_eq!(r.code, 2);
    assert!(r.text.contains("23:59"), "{}", r.text);
}

#[test]
fn bulletins_per_scope_opening_and_unknown_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let st = write_tmp(dir.path(), "st.csv", STATIONS);
    // R1 votes on 09-17, R2 on 09-19: each scope's pace uses its own day.
    let b = write_tmp(
        dir.path(),
        "b.csv",
        "scope,date,time,cumulative_voters\n\
R1,2021-09-17,15:00,700\nR1,2021-09-17,final,1100\n\
R2,2021-09-19,08:00,0\nR2,2021-09-19,final,700\n\
R9,2021-09-19,final,500\n",
    );
    let r = run(&["hourly", &st, "--bulletins", &b, "--json"]);
    assert_eq!(r.code, 0, "{}", r.text);
    assert!(!r.text.contains("NaN"));
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let pace = v["announced_pace"].as_array().unwrap();
    let r1 = pace.iter().find(|p| p["scope"] == "R1").unwrap();
    assert_eq!(r1["open_minutes_before"], 420.0);
    assert_eq!(r1["open_minutes_after"], 300.0);
    // A bulletin at the opening has no pace before it.
    let r2 = pace.iter().find(|p| p["scope"] == "R2").unwrap();
    assert!(r2["acceleration"].is_null() && r2["voters_per_minute_before"].is_null());
    // A scope that matches no station is not a gap.
    let rec = v["reconciliation"].as_array().unwrap();
    let r9 = rec.iter().find(|r| r["scope"] == "R9").unwrap();
    assert!(r9["counted_voters"].is_null());
    assert_eq!(r9["exceeds_max"], false);
    assert!(r9["verdict"]
        .as_str()
        .unwrap()
        .contains("matches no station"));
    assert!(!v["verdict"].as_str().unwrap().contains("R9"));
}

#[test]
fn bulletin_columns_that_name_no_contestant_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let st = write_tmp(dir.path(), "st.csv", STATIONS);
    let b = write_tmp(
        dir.path(),
        "b.csv",
        "scope,time,cumulative_voters,A,partyX\nnational,final,1800,900,5\n",
    );
    let r = run(&["hourly", &st, "--bulletins", &b, "--json"]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let rec = &v["reconciliation"][0];
    assert_eq!(rec["unmatched_columns"], serde_json::json!(["partyX"]));
    assert_eq!(rec["contestants"][0]["counted"], 900);
    // A text column is an error naming the row and column.
    let b = write_tmp(
        dir.path(),
        "b2.csv",
        "scope,time,cumulative_voters,notes\nnational,final,1800,see page 2\n",
    );
    let r = run(&["hourly", &st, "--bulletins", &b]);
    assert_eq!(r.code, 2);
    assert!(
        r.text.contains("row 1") && r.text.contains("notes"),
        "{}",
        r.text
    );
}

#[test]
fn logs_close_with_their_total_and_queues_are_not_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let st = write_tmp(
        dir.path(),
        "st.csv",
        "station,region,electorate,ballots,A,B\ns1,R1,100,4,2,2\ns2,R1,100,3,2,1\n",
    );
    // s1's fourth voter was still in the queue at 20:00 and voted at 20:10.
    let logs = write_tmp(
        dir.path(),
        "logs.csv",
        "station,timestamp\ns1,09:00:00\ns1,12:00:00\ns1,19:00:00\ns1,20:10:00\n\
s2,10:00:00\ns2,11:00:00\ns2,15:00:00\n",
    );
    let r = run(&["hourly", &st, "--logs", &logs, "--json"]);
    assert_eq!(r.code, 0, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(v["reports"]["layout"], "logs");
    assert!(problem(&v, "final_mismatch").is_none(), "{}", v["reports"]);
    assert_eq!(v["machine_logs"]["totals"]["ballots"], 7);
    assert_eq!(v["machine_logs"]["totals"]["outside_hours"], 1);
    // 11 hourly cutoffs (09:00 … 19:00) before the close.
    assert_eq!(v["schedule"]["report_times"].as_array().unwrap().len(), 11);
}

#[test]
fn analyze_writes_the_hourly_outputs_and_schemas_map_bulletin_and_log_columns() {
    let dir = tempfile::tempdir().unwrap();
    let st = write_tmp(dir.path(), "st.csv", STATIONS);
    let h = write_tmp(dir.path(), "h.csv", GOOD);
    let b = write_tmp(
        dir.path(),
        "b.csv",
        "ambito,hora,votantes,fuente\nnational,18:00,1500,consejo\nnational,final,1900,consejo\n",
    );
    let logs = write_tmp(
        dir.path(),
        "logs.csv",
        "mesa,hora_voto\ns1,09:00:00\ns1,09:00:10\n",
    );
    let schema = write_tmp(
        dir.path(),
        "schema.toml",
        "[hourly]\nbulletins = { scope = \"ambito\", time = \"hora\", cumulative = \"votantes\", source = \"fuente\" }\n\
logs = { station = \"mesa\", timestamp = \"hora_voto\" }\n",
    );
    let out = dir.path().join("out");
    let r = run(&[
        "analyze",
        &st,
        "--schema",
        &schema,
        "--hourly",
        &h,
        "--bulletins",
        &b,
        "--logs",
        &logs,
        "--out",
        out.to_str().unwrap(),
        "--no-digits",
        "--no-fingerprint",
        "--no-excess-votes",
        "--no-integer-percent",
        "--no-turnout-distribution",
    ]);
    assert_eq!(r.code, 0, "{}", r.text);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema_version"], escrutinio::SCHEMA_VERSION);
    let h = &report["hourly"];
    assert_eq!(h["reconciliation"][1]["gap"], 100);
    assert_eq!(h["reconciliation"][0]["source"], "consejo");
    // Two ballots 10 s apart on one machine: one is impossible at 30 s.
    assert_eq!(h["machine_logs"]["totals"]["excess_lower_bound"], 1);
    // Per-station columns and curves.
    let stations = std::fs::read_to_string(out.join("stations.csv")).unwrap();
    let header = stations.lines().next().unwrap();
    for c in [
        "late_share",
        "late_surge",
        "capacity_violations",
        "throughput_excess",
        "hourly_flags",
    ] {
        assert!(header.contains(c), "{header}");
    }
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    assert_eq!(curves.lines().count(), 1 + 3 * 3);
    assert!(curves.contains("s1,12:00,200,0.2,0.333"));
    assert!(curves.contains("s3,close,700,"));
    assert!(out.join("curves.parquet").exists());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Participation over the day") && html.contains("Machine logs"));
}
