//! Loading and validating a simulated election of 1,000,000 stations with 10
//! contestants, from CSV and from Parquet (standard column names, no schema).
//!
//! Run with `cargo bench --bench load`. The data are generated once into a
//! temporary directory by the simulator (seed 1) and are not timed.

use std::path::Path;
use std::time::Duration;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::io::write::write_frame;
use escrutinio::io::{load, InvalidRows};
use escrutinio::simulate::simulate;

const STATIONS: usize = 1_000_000;

fn write_election(dir: &Path) {
    let params = common::million_stations();
    let sim = simulate(&params).expect("valid parameters");
    let mut df = sim.to_frame().expect("frame");
    write_frame(&mut df, &dir.join("election.csv")).expect("csv written");
    write_frame(&mut df, &dir.join("election.parquet")).expect("parquet written");
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_election(dir.path());
    let mut g = c.benchmark_group("load_1m_stations_10_contestants");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for name in ["election.csv", "election.parquet"] {
        let path = dir.path().join(name);
        g.bench_function(name, |b| {
            b.iter(|| {
                let l = load(&path, None, InvalidRows::Exclude).expect("loads");
                assert_eq!(l.quality.rows_used, STATIONS);
                l
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
