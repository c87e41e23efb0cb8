//! Participation over the day on a simulated election of 100,000 stations
//! (40 regions, incremental and extreme fraud, stuffed ballots after 18:00)
//! with six intermediate reports per station.
//!
//! Run with `cargo bench --bench hourly`. Measurements:
//! - `load_100k_x6`: reading and validating the long participation file
//!   (600,000 rows) and joining it to the station table;
//! - `family_100k_x6`: curves, the late-surge test (200 bootstrap
//!   replicates, 40 clean-model replicates), the throughput bound and the
//!   most-anomalous lists, what `analyze --hourly` runs;
//! - `late_surge_100k_x6`, `throughput_100k_x6`: the two detections alone.
//!
//! The simulator reports at 10:00, 12:00, 15:00 and 18:00; two more
//! reports (09:00 and 16:30) are interpolated from its curve, so every
//! station has six reports before the 20:00 close. The machine-log bench
//! (10,000,000 ballots) is `benches/machine_logs.rs`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::io::hourly::{load_long, Hours};
use escrutinio::io::{load, InvalidRows, Schema};
use escrutinio::methods::hourly::{self, late_surge, throughput, HourlyOptions};
use escrutinio::methods::Context;
use escrutinio::simulate::{simulate, SimParams};

fn bench_hourly(c: &mut Criterion) {
    let params = SimParams {
        stations: 100_000,
        seed: 1,
        regions: 40,
        fraud_incremental: 0.1,
        fraud_extreme: 0.02,
        theta: 0.4,
        hourly: true,
        ..SimParams::default()
    };
    let sim = simulate(&params).expect("simulates");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    escrutinio::io::write::write_frame(&mut sim.to_frame().unwrap(), &f).unwrap();
    // Six reports: the simulator's four, plus 09:00 and 16:30 interpolated.
    let h = dir.path().join("e.hourly.csv");
    let mut text = String::from("station,time,cumulative_voters\n");
    for s in &sim.stations {
        let c = s.cumulative.as_ref().unwrap();
        let points = [
            ("09:00", c[0] / 2),
            ("10:00", c[0]),
            ("12:00", c[1]),
            ("15:00", c[2]),
            ("16:30", (c[2] + c[3]) / 2),
            ("18:00", c[3]),
            ("20:00", c[4]),
        ];
        for (t, v) in points {
            text.push_str(&format!("{},{t},{v}\n", s.station));
        }
    }
    std::fs::write(&h, text).unwrap();
    let e = load(&f, None, InvalidRows::Fail)
        .unwrap()
        .election()
        .unwrap()
        .clone();
    let hours = Hours::parse("08:00", "20:00").unwrap();
    let schema = Schema::standard();
    let p = load_long(&h, &schema, &e, hours, InvalidRows::Fail).unwrap();
    assert_eq!(p.times.len(), 6);
    let opts = HourlyOptions::default();
    let ctx = Context::new(1);

    let mut g = c.benchmark_group("hourly");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("load_100k_x6", |b| {
        b.iter(|| load_long(&h, &schema, &e, hours, InvalidRows::Fail).unwrap())
    });
    g.bench_function("family_100k_x6", |b| {
        b.iter(|| hourly::analyze_hourly(Some(&e), Some(&p), &[], hours, &opts, &ctx))
    });
    g.bench_function("late_surge_100k_x6", |b| {
        b.iter(|| late_surge::late_surge(&e, &p, &opts.late_surge, &ctx).unwrap())
    });
    g.bench_function("throughput_100k_x6", |b| {
        b.iter(|| throughput::throughput(&e, &p, &opts.throughput))
    });
    g.finish();
}

criterion_group!(benches, bench_hourly);
criterion_main!(benches);
