//! The whole `analyze` pipeline (every family at its defaults; plots, HTML,
//! CSV and Parquet written) on a simulated election, beside loading and
//! validating the same files: 100,000 stations without and with four
//! participation reports per station (the hourly family), and 1,000,000
//! stations without.
//!
//! Run with `cargo bench --bench analyze` (both sizes) or
//! `cargo bench --bench analyze -- 100k` (the 100,000-station group only).
//! The data are simulated once into a temporary directory (seed 1) and are
//! not timed. Medians are recorded in the README ("Benchmarks").

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::analyze::{analyze, AnalyzeOptions};
use escrutinio::inputs::{InputFiles, Inputs, ParticipationFiles};
use escrutinio::simulate::{simulate, SimParams};

/// Simulates `stations` stations (40 regions per 100,000, some fraud, four
/// participation reports) into `dir`; returns the station and report files.
fn write_election(dir: &Path, stations: usize) -> (PathBuf, PathBuf) {
    let params = SimParams {
        stations,
        seed: 1,
        regions: (stations / 2500).max(2),
        fraud_incremental: 0.1,
        fraud_extreme: 0.02,
        theta: 0.4,
        hourly: true,
        ..SimParams::default()
    };
    let sim = simulate(&params).expect("valid parameters");
    let f = dir.join("election.csv");
    sim.write_files(&f).expect("written");
    let h = dir.join("election.csv.hourly.csv");
    (f, h)
}

fn files(stations: PathBuf, hourly: Option<PathBuf>) -> InputFiles {
    InputFiles {
        stations: Some(stations),
        participation: ParticipationFiles {
            reports: hourly,
            ..ParticipationFiles::default()
        },
        ..InputFiles::default()
    }
}

/// `participation`: also load the four participation reports and run the
/// hourly family.
fn bench_size(c: &mut Criterion, label: &str, stations: usize, participation: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (f, h) = write_election(dir.path(), stations);
    let files = files(f, participation.then_some(h));
    let mut g = c.benchmark_group(format!("analyze_{label}"));
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("load_and_validate", |b| {
        b.iter(|| Inputs::load(&files).expect("loads"))
    });
    let out = dir.path().join("out");
    let opts = AnalyzeOptions {
        files: files.clone(),
        out_dir: out,
        seed: 1,
        plan: Default::default(),
        outputs: escrutinio::report::Outputs::default(),
        calibration: None,
    };
    g.bench_function("analyze_all_families", |b| {
        b.iter(|| analyze(&opts).expect("analyses"))
    });
    g.finish();
}

fn bench_analyze(c: &mut Criterion) {
    bench_size(c, "100k", 100_000, false);
    bench_size(c, "100k_with_participation", 100_000, true);
    bench_size(c, "1m", 1_000_000, false);
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
