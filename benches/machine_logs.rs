//! Machine-log forensics on a synthetic log of 10,000,000 ballots over
//! 20,000 machines (5,000 stations of 4 machines, 500 ballots each), and the
//! loader on a 1,000,000-row CSV.
//!
//! Run with `cargo bench --bench machine_logs`. The data are built once,
//! deterministically (one random stream per machine), and are not timed.

use std::io::Write;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::io::logs::{load_logs, LogColumns, MachineLogs};
use escrutinio::methods::machine_logs::{analyze_logs, LogOptions};
use escrutinio::rng::stream;
use rand_distr::{Distribution, Exp};
use rayon::prelude::*;

const MACHINES_PER_STATION: usize = 4;

/// `stations` × 4 machines × `ballots` ballots: from 08:00, gaps of
/// 1 s plus an exponential wait (mean 80 s), truncated to whole seconds; every
/// 50th machine also has a burst of 30 ballots 4 s apart at 15:00.
fn synthetic(stations: usize, ballots: usize) -> Vec<(String, String, Vec<i64>)> {
    (0..stations * MACHINES_PER_STATION)
        .into_par_iter()
        .map(|k| {
            let mut rng = stream(1, 0x1065, k as u64);
            let exp = Exp::new(1.0 / 80.0).expect("rate");
            let mut t = 8.0 * 3600.0;
            let mut times: Vec<i64> = (0..ballots)
                .map(|_| {
                    t += 1.0 + exp.sample(&mut rng);
                    t as i64
                })
                .collect();
            if k % 50 == 0 {
                for (j, v) in times.iter_mut().take(30).enumerate() {
                    *v = 15 * 3600 + 4 * j as i64;
                }
            }
            (
                format!("st{}", k / MACHINES_PER_STATION),
                format!("{}", k % MACHINES_PER_STATION),
                times,
            )
        })
        .collect()
}

fn bench_analysis(c: &mut Criterion) {
    let logs = MachineLogs::from_machines(None, synthetic(5_000, 500));
    assert_eq!(logs.rows, 10_000_000);
    assert_eq!(logs.machines.len(), 20_000);
    let opts = LogOptions {
        opens: Some(8 * 3600),
        closes: Some(20 * 3600),
        ..LogOptions::default()
    };
    let mut g = c.benchmark_group("machine_logs");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("analyze_10m_ballots_20k_machines", |b| {
        b.iter(|| {
            let f = analyze_logs(&logs, &opts);
            assert_eq!(f.totals.ballots, 10_000_000);
            f
        })
    });
    g.finish();
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("logs.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("csv"));
        writeln!(out, "station,machine,timestamp").expect("write");
        for (station, machine, times) in synthetic(500, 500) {
            for t in times {
                writeln!(
                    out,
                    "{station},{machine},2024-03-15 {:02}:{:02}:{:02}",
                    t / 3600,
                    t / 60 % 60,
                    t % 60
                )
                .expect("write");
            }
        }
        out.flush().expect("flush");
    }
    let mut g = c.benchmark_group("machine_logs_load");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function("load_1m_rows_csv", |b| {
        b.iter(|| {
            let logs = load_logs(&path, &LogColumns::default()).expect("loads");
            assert_eq!(logs.rows, 1_000_000);
            logs
        })
    });
    g.finish();
}

criterion_group!(benches, bench_analysis, bench_load);
criterion_main!(benches);
