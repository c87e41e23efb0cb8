//! Machine logs: loading (CSV, gzip, Parquet, malformed files) and the
//! forensics of `methods::machine_logs` (exact lower bounds, calibration of
//! the regularity test on simulated Poisson arrivals, power against a
//! metronome, thread independence), through the library API.

use std::io::Write;
use std::path::{Path, PathBuf};

use escrutinio::io::logs::{load_logs, LogColumns, MachineLogs};
use escrutinio::methods::machine_logs::{analyze_logs, excess_lower_bound, LogOptions};
use escrutinio::rng::{stream, Rng};
use escrutinio::Error;
use rand::Rng as _;
use rand_distr::{Distribution, Exp};

const H8: i64 = 8 * 3600;
const H20: i64 = 20 * 3600;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("file written");
    p
}

fn clock(t: i64) -> String {
    format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
}

/// Poisson arrivals from `start` to `end` (seconds) with mean gap `mean` and
/// a rate that varies slowly over the day, λ(t) = (1 + ½ sin(2π(t − start)
/// / (end − start))) / mean (by thinning), truncated to whole seconds.
fn poisson(rng: &mut Rng, mean: f64, start: i64, end: i64) -> Vec<i64> {
    let lmax = 1.5 / mean;
    let exp = Exp::new(lmax).expect("positive rate");
    let span = (end - start) as f64;
    let mut t = start as f64;
    let mut out = Vec::new();
    loop {
        t += exp.sample(rng);
        if t >= end as f64 {
            return out;
        }
        let rate = (1.0 + 0.5 * (std::f64::consts::TAU * (t - start as f64) / span).sin()) / mean;
        if rng.random::<f64>() < rate / lmax {
            out.push(t.floor() as i64);
        }
    }
}

/// A log with honest voters only: gaps of `s` seconds plus an exponential
/// wait (mean 90 s), truncated to whole seconds, so every gap is ≥ `s`.
fn honest(rng: &mut Rng, s: i64, start: i64, end: i64) -> Vec<i64> {
    let exp = Exp::new(1.0 / 90.0).expect("rate");
    let mut t = start as f64;
    let mut out = Vec::new();
    while t < end as f64 {
        out.push(t.floor() as i64);
        t += s as f64 + exp.sample(rng);
    }
    out
}

// ---------------------------------------------------------------- bounds

#[test]
fn hand_built_logs_have_known_bounds() {
    let logs = MachineLogs::from_machines(
        None,
        vec![
            // Gaps 10, 10, 10, 40 s: at most {0, 30, 70} are voters.
            (
                "s1".into(),
                "a".into(),
                vec![H8 + 70, H8, H8 + 10, H8 + 30, H8 + 20],
            ),
            // One ballot: nothing is too fast.
            ("s1".into(), "b".into(), vec![H8 + 5]),
            // Five identical timestamps: at most one voter.
            ("s2".into(), "a".into(), vec![H8 + 100; 5]),
            // 31 s apart: two voters.
            ("s3".into(), "a".into(), vec![H8, H8 + 31]),
        ],
    );
    let f = analyze_logs(&logs, &LogOptions::default());
    let bounds: Vec<u64> = f.machines.iter().map(|m| m.excess_lower_bound).collect();
    assert_eq!(bounds, [2, 0, 4, 0]);
    let per_station: Vec<(&str, u64, u64)> = f
        .stations
        .iter()
        .map(|s| (s.station.as_str(), s.excess_lower_bound, s.longest_burst))
        .collect();
    assert_eq!(per_station, [("s1", 2, 4), ("s2", 4, 5), ("s3", 0, 0)]);
    assert_eq!(f.totals.excess_lower_bound, 6);
    assert_eq!(f.totals.too_fast_ballots, 3 + 4);
    assert_eq!(f.totals.bursts, 2);
    assert_eq!(f.stations[0].longest_burst_start.as_deref(), Some("08:00"));
    assert_eq!(
        f.stations[1].longest_burst_start.as_deref(),
        Some("08:01:40")
    );
    // Three identical stamps make a tied pair, left out of the test.
    assert_eq!(f.stations[1].regularity.tied_pairs, 2);
    assert!(f.verdict.contains("At least 6 ballots"), "{}", f.verdict);
}

#[test]
fn outside_hours_per_day_with_grace() {
    let day = 86_400;
    let logs = MachineLogs::from_machines(
        Some(18_887),
        vec![(
            "s1".into(),
            "m".into(),
            // Day 1: 07:59 (out), 12:00, 20:00:30 (grace), 20:02 (out);
            // day 2: 07:00 (out), 19:59.
            vec![
                H8 - 60,
                12 * 3600,
                H20 + 30,
                H20 + 120,
                day + 7 * 3600,
                day + H20 - 60,
            ],
        )],
    );
    let opts = LogOptions {
        opens: Some(H8 as u32),
        closes: Some(H20 as u32),
        grace_seconds: 60,
        ..LogOptions::default()
    };
    let f = analyze_logs(&logs, &opts);
    assert_eq!(f.totals.outside_hours, Some(3));
    assert_eq!(f.first_day.as_deref(), Some("2021-09-17"));
    let none = analyze_logs(&logs, &LogOptions::default());
    assert_eq!(none.totals.outside_hours, None);
}

#[test]
fn bound_never_exceeds_injected_fakes() {
    let s = 30;
    let (mut total_fakes, mut total_bound) = (0u64, 0u64);
    let mut machines = Vec::new();
    let mut fakes = Vec::new();
    for i in 0..500u64 {
        let mut rng = stream(11, 1, i);
        let mut t = honest(&mut rng, s, H8, H20);
        assert_eq!(excess_lower_bound(&t, s as u32), 0, "honest log {i}");
        let k = rng.random_range(0..25u64);
        for _ in 0..k {
            t.push(rng.random_range(H8..H20));
        }
        fakes.push(k);
        machines.push((format!("s{i}"), "m".to_string(), t));
    }
    let f = analyze_logs(
        &MachineLogs::from_machines(None, machines),
        &LogOptions::default(),
    );
    for (st, &k) in f.stations.iter().zip(&fakes) {
        assert!(
            st.excess_lower_bound <= k,
            "{}: bound {} > {k} fakes",
            st.station,
            st.excess_lower_bound
        );
        total_fakes += k;
        total_bound += st.excess_lower_bound;
    }
    // Not vacuous: randomly placed fakes are mostly caught.
    assert!(
        total_bound > total_fakes / 3,
        "{total_bound} of {total_fakes}"
    );
}

/// k fakes 5 s apart in a quiet period, at least `s` from the real ballots on
/// both sides: the largest valid subset keeps every real ballot and
/// ⌈k/6⌉ of the fakes (one per 30 s), so the bound is k − ⌈k/6⌉, not k — a
/// fake spaced like a voter is indistinguishable from one. It is k exactly
/// when every fake lies within s of a real ballot on each side (k ≤ 6 fakes
/// squeezed in a gap shorter than 2s).
#[test]
fn fixed_spacing_injection_is_bounded_exactly() {
    let s = 30i64;
    for k in 1..=60i64 {
        let mut rng = stream(12, 2, k as u64);
        let before = honest(&mut rng, s, H8, 12 * 3600);
        let a = *before.last().expect("ballots");
        let first_fake = a + s + rng.random_range(0..100);
        let block: Vec<i64> = (0..k).map(|j| first_fake + 5 * j).collect();
        let b = block[block.len() - 1] + s + rng.random_range(0..100);
        let after = honest(&mut rng, s, b, H20);
        let mut t: Vec<i64> = before.iter().chain(&block).chain(&after).copied().collect();
        t.sort_unstable();
        let kept_fakes = (k + 5) / 6;
        assert_eq!(
            excess_lower_bound(&t, s as u32),
            (k - kept_fakes) as u64,
            "k = {k}"
        );

        // Squeezed: real a and a + 31, fakes at a + 2, a + 7, …: each fake is
        // within 30 s of both, so no fake can be a voter.
        if k <= 6 {
            let mut t = before.clone();
            t.push(a + 31);
            t.extend((0..k).map(|j| a + 2 + 5 * j));
            t.extend(honest(&mut rng, s, a + 31 + s, H20));
            t.sort_unstable();
            assert_eq!(
                excess_lower_bound(&t, s as u32),
                k as u64,
                "squeezed k = {k}"
            );
        }
    }
}

// ------------------------------------------------------------ regularity

/// 1,000 stations of Poisson voters (1 to 3 machines each, mean gaps 30 to
/// 300 s, rate varying over the day), whole-second stamps: the test at 0.05
/// must reject between 33 and 69 times (the exact Binomial(1000, 0.05) 99 %
/// interval). Whole seconds make it slightly conservative (see the method's
/// documentation), which this range allows for.
#[test]
fn regularity_test_is_calibrated_on_poisson_arrivals() {
    let mut machines = Vec::new();
    for i in 0..1000u64 {
        let mut rng = stream(2024, 3, i);
        for m in 0..(1 + i % 3) {
            let mean = (30f64.ln() + rng.random::<f64>() * (10f64).ln()).exp();
            machines.push((
                format!("s{i}"),
                format!("m{m}"),
                poisson(&mut rng, mean, H8, H20),
            ));
        }
    }
    let f = analyze_logs(
        &MachineLogs::from_machines(None, machines),
        &LogOptions::default(),
    );
    assert_eq!(f.totals.stations_tested, 1000);
    let rejected = f
        .stations
        .iter()
        .filter(|s| s.regularity.p_value.expect("tested") < 0.05)
        .count();
    eprintln!("calibration: {rejected} of 1000 Poisson stations rejected at 0.05");
    assert!((33..=69).contains(&rejected), "{rejected} rejections");
    assert_eq!(f.totals.stations_too_regular, 0);
    // Gaps relative to their machine's mean: with the rate λ(1 + ½ sin), a
    // gap is exponential given the rate, and the gaps are rate-weighted, so
    // CV² = 2·E[λ]·E[1/λ] − 1 = 2/√(1 − ¼) − 1, CV = 1.144; far above 0.3.
    let cvs: Vec<f64> = f
        .stations
        .iter()
        .map(|s| s.regularity.cv.expect("cv"))
        .collect();
    let mean_cv = cvs.iter().sum::<f64>() / 1000.0;
    eprintln!(
        "mean CV {mean_cv}, least {:?}",
        cvs.iter().copied().reduce(f64::min)
    );
    assert!((1.10..1.19).contains(&mean_cv), "{mean_cv}");
    assert!(cvs.iter().all(|&c| c > 0.7), "{cvs:?}");
}

#[test]
fn metronome_is_flagged_and_a_queue_is_not() {
    let mut machines = Vec::new();
    for i in 0..40u64 {
        let mut rng = stream(7, 4, i);
        machines.push((
            format!("poisson{i}"),
            "m".into(),
            poisson(&mut rng, 90.0, H8, H20),
        ));
    }
    // A ballot every 45 s ± 2 s for two hours.
    let mut rng = stream(7, 5, 0);
    let metronome: Vec<i64> = (0..160)
        .map(|j| (10.0 * 3600.0 + 45.0 * j as f64 + rng.random_range(-2.0..2.0)).floor() as i64)
        .collect();
    machines.push(("metronome".into(), "m".into(), metronome));
    // A permanent queue: service times Gamma(shape 4, mean 60 s), CV 0.5.
    let gamma = rand_distr::Gamma::new(4.0, 15.0).expect("gamma");
    let mut t = H8 as f64;
    let mut queue = Vec::new();
    while t < H20 as f64 {
        queue.push(t.floor() as i64);
        t += gamma.sample(&mut rng);
    }
    machines.push(("queue".into(), "m".into(), queue));

    let f = analyze_logs(
        &MachineLogs::from_machines(None, machines),
        &LogOptions::default(),
    );
    let get = |name: &str| {
        f.stations
            .iter()
            .find(|s| s.station == name)
            .expect("station")
    };
    let m = &get("metronome").regularity;
    assert!(m.too_regular, "{m:?}");
    assert!(m.cv.expect("cv") < 0.1 && m.z.expect("z") < -5.0, "{m:?}");
    let q = &get("queue").regularity;
    assert!(
        q.q_value.expect("q") < 0.01,
        "a queue is more regular than Poisson: {q:?}"
    );
    assert!(!q.too_regular && q.cv.expect("cv") > 0.3, "{q:?}");
    assert_eq!(f.totals.stations_too_regular, 1);
    assert!(
        f.verdict.contains("1 of 42 tested stations"),
        "{}",
        f.verdict
    );
}

#[test]
fn few_pairs_are_insufficient_data() {
    let logs = MachineLogs::from_machines(
        None,
        vec![(
            "s".into(),
            "m".into(),
            (0..40).map(|i| H8 + 45 * i).collect(),
        )],
    );
    let r = &analyze_logs(&logs, &LogOptions::default()).stations[0].regularity;
    // 39 gaps: 19 pairs.
    assert_eq!(r.pairs, 19);
    assert!(r.insufficient_data && r.p_value.is_none() && r.q_value.is_none() && !r.too_regular);
}

#[test]
fn identical_output_for_one_and_three_threads() {
    let mut machines = Vec::new();
    for i in 0..300u64 {
        let mut rng = stream(9, 6, i);
        for m in 0..(1 + i % 4) {
            let mut t = poisson(&mut rng, 20.0 + (i % 50) as f64 * 5.0, H8 - 600, H20 + 600);
            if i % 7 == 0 {
                t.extend((0..20).map(|j| 15 * 3600 + 3 * j));
            }
            machines.push((format!("s{i}"), format!("m{m}"), t));
        }
    }
    machines.push((
        "metronome".into(),
        "m".into(),
        (0..200).map(|j| 9 * 3600 + 45 * j).collect(),
    ));
    let logs = MachineLogs::from_machines(None, machines);
    let opts = LogOptions {
        opens: Some(H8 as u32),
        closes: Some(H20 as u32),
        ..LogOptions::default()
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| serde_json::to_string(&analyze_logs(&logs, &opts)).expect("json"))
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert!(one.contains("\"too_regular\":true"));
}

// --------------------------------------------------------------- loading

const HEADER: &str = "station,machine,timestamp";

#[test]
fn csv_gzip_and_parquet_load_alike() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rng = stream(3, 7, 0);
    let mut rows: Vec<(String, String, i64)> = Vec::new();
    for s in 0..20 {
        for m in 0..2 {
            for t in poisson(&mut rng, 300.0, H8, H20) {
                rows.push((format!("st{s}"), format!("{m}"), t));
            }
        }
    }
    // Unsorted on purpose.
    rows.reverse();
    let mut text = format!("{HEADER}\n");
    for (s, m, t) in &rows {
        text.push_str(&format!("{s},{m},2024-03-15 {}\n", clock(*t)));
    }
    let csv = write(dir.path(), "logs.csv", &text);
    let gz = dir.path().join("logs.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("gz"),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).expect("gz written");
    enc.finish().expect("gz finished");
    let pq = dir.path().join("logs.parquet");
    {
        use polars::prelude::*;
        let mut df = df!(
            "station" => rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            "machine" => rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            "timestamp" => rows.iter().map(|r| format!("2024-03-15T{}", clock(r.2))).collect::<Vec<_>>(),
        )
        .expect("frame");
        escrutinio::io::write::write_frame(&mut df, &pq).expect("parquet written");
    }
    let cols = LogColumns::default();
    let a = load_logs(&csv, &cols).expect("csv");
    let b = load_logs(&gz, &cols).expect("gz");
    let c = load_logs(&pq, &cols).expect("parquet");
    assert_eq!(a.rows, rows.len());
    assert_eq!(a.first_day, escrutinio::io::clock::parse_date("2024-03-15"));
    assert!(a.machines_known);
    for other in [&b, &c] {
        assert_eq!(a.stations, other.stations);
        assert_eq!(a.machines, other.machines);
        assert_eq!(a.first_day, other.first_day);
    }
    // Cumulative counts against a direct count, with a station not in the log.
    let order: Vec<String> = ["st3", "nowhere", "st0"].map(String::from).to_vec();
    let cutoffs = [H8 + 3600, 12 * 3600, H20];
    let cum = a.cumulative_at(&order, &cutoffs);
    for (k, name) in order.iter().enumerate() {
        for (j, &c) in cutoffs.iter().enumerate() {
            let direct = rows.iter().filter(|r| &r.0 == name && r.2 <= c).count() as u64;
            assert_eq!(cum[k][j], direct, "{name} at {c}");
        }
    }
    assert!(cum[0][2] > 0);
    let cov = a.coverage(&order);
    assert_eq!(cov.absent_from_logs, ["nowhere"]);
    assert_eq!(cov.absent_from_list.len(), 18);
}

#[test]
fn custom_columns_and_no_machine_column() {
    let dir = tempfile::tempdir().expect("dir");
    let p = write(
        dir.path(),
        "l.csv",
        "uik;when\n101;19.09.2021 08:00:05\n101;19.09.2021 08:00:10\n102;18.09.2021 23:59:59\n",
    );
    let cols = LogColumns {
        station: "uik".into(),
        machine: None,
        timestamp: "when".into(),
    };
    let logs = load_logs(&p, &cols).expect("loads");
    assert!(!logs.machines_known);
    assert_eq!(logs.machines.len(), 2);
    assert_eq!(logs.machines[0].times, [86_400 + H8 + 5, 86_400 + H8 + 10]);
    let f = analyze_logs(&logs, &LogOptions::default());
    assert!(f.verdict.contains("names no machines"), "{}", f.verdict);
    // A machine column that was asked for must exist.
    let cols = LogColumns {
        machine: Some("device".into()),
        ..cols
    };
    let e = load_logs(&p, &cols).unwrap_err().to_string();
    assert!(e.contains("no column \"device\""), "{e}");
}

/// The error message of a load that must fail (and must not panic).
fn load_error(dir: &Path, name: &str, text: &str) -> String {
    let p = write(dir, name, text);
    match load_logs(&p, &LogColumns::default()) {
        Err(e @ Error::Input { .. }) => {
            let m = e.to_string();
            assert!(m.starts_with(&p.display().to_string()), "{m}");
            m
        }
        other => panic!("{name}: expected an input error, got {other:?}"),
    }
}

#[test]
fn malformed_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let ok = "s1,1,08:00:00\ns1,1,08:01:00\n";

    let e = load_error(d, "missing.csv", &format!("station,machine,time\n{ok}"));
    assert!(e.contains("no column \"timestamp\""), "{e}");

    let e = load_error(d, "bad.csv", &format!("{HEADER}\n{ok}s2,1,25:61\n"));
    assert!(
        e.ends_with("row 3 (line 4), column \"timestamp\": not a timestamp (\"25:61\")"),
        "{e}"
    );
    let e = load_error(
        d,
        "bad-date.csv",
        &format!("{HEADER}\ns1,1,2021-02-30 08:00\n"),
    );
    assert!(e.contains("row 1 (line 2), column \"timestamp\""), "{e}");

    let e = load_error(d, "empty.csv", "");
    assert!(e.contains("empty"), "{e}");
    let e = load_error(d, "header-only.csv", &format!("{HEADER}\n"));
    assert!(e.contains("no data rows"), "{e}");

    let e = load_error(
        d,
        "no-station.csv",
        &format!("{HEADER}\n{ok} ,1,08:02:00\n"),
    );
    assert!(
        e.ends_with("row 3 (line 4), column \"station\": the station is empty"),
        "{e}"
    );
    let e = load_error(d, "no-time.csv", &format!("{HEADER}\n{ok}s1,1,\n"));
    assert!(
        e.contains("row 3 (line 4), column \"timestamp\": the timestamp is empty"),
        "{e}"
    );
    let e = load_error(d, "no-machine.csv", &format!("{HEADER}\ns1,,08:00\n"));
    assert!(e.contains("row 1 (line 2), column \"machine\""), "{e}");

    let e = load_error(
        d,
        "mixed.csv",
        &format!("{HEADER}\n{ok}s1,1,2021-09-19 08:03\n"),
    );
    assert!(e.contains("row 3 (line 4)") && e.contains("date"), "{e}");

    let e = load_error(d, "ragged.csv", &format!("{HEADER}\n{ok}s1,1\n"));
    assert!(
        e.contains("row 3 (line 4)") && e.contains("2 fields"),
        "{e}"
    );
}

/// Random bytes shaped like a log: every load ends in `Ok` or an error.
#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().expect("dir");
    let alphabet: Vec<char> = "station,machine,timestamp\n\"\r :.-T0123456789Zé\u{0}"
        .chars()
        .collect();
    for i in 0..300u64 {
        let mut rng = stream(13, 8, i);
        let mut text = String::from(if i % 2 == 0 {
            "station,timestamp\n"
        } else {
            ""
        });
        let n = rng.random_range(0..200);
        for _ in 0..n {
            text.push(alphabet[rng.random_range(0..alphabet.len())]);
        }
        let p = write(dir.path(), &format!("g{i}.csv"), &text);
        if let Ok(logs) = load_logs(&p, &LogColumns::default()) {
            let f = analyze_logs(&logs, &LogOptions::default());
            assert_eq!(f.totals.ballots as usize, logs.rows);
        }
    }
}
