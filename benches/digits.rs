//! Digit tests on a simulated election of 1,000,000 stations with 10
//! contestants (plus electorate, ballots, valid, invalid: 14 columns), 80
//! regions: every test on every column, nationally and per region.
//!
//! Run with `cargo bench --bench digits`. Three measurements:
//! - `all_tests_no_bootstrap`: tallies, X², G, MAD, mean z-tests, shape
//!   checks and BH q-values for all 6 tests × 14 columns × 81 scopes;
//! - `all_tests_national_no_bootstrap`: the same without the regions;
//! - `bootstrap_1000`: one digit-mean interval with 1,000 replicates.

use std::time::Duration;

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::methods::digits::{analyse, Digits, DigitsOptions};
use escrutinio::methods::{Context, Family};
use escrutinio::simulate::simulate;
use escrutinio::stats::bootstrap::categorical_mean_interval;

fn bench_digits(c: &mut Criterion) {
    let params = common::million_stations();
    let election = simulate(&params)
        .expect("valid")
        .to_election()
        .expect("election");
    let mut g = c.benchmark_group("digits_1m_stations_10_contestants");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let ctx = Context::new(1);
    let no_boot = DigitsOptions {
        bootstrap_replicates: 0,
        ..DigitsOptions::default()
    };
    let national = Digits::checked(DigitsOptions {
        by_region: false,
        ..no_boot.clone()
    })
    .expect("valid");
    let no_boot = Digits::checked(no_boot).expect("valid");
    g.bench_function("all_tests_no_bootstrap", |b| {
        b.iter(|| analyse(&election, &no_boot, &ctx))
    });
    g.bench_function("all_tests_national_no_bootstrap", |b| {
        b.iter(|| analyse(&election, &national, &ctx))
    });
    g.finish();
    // One bootstrap interval of a last-digit mean over 1,000,000 counts.
    let counts = [
        100_512u64, 99_870, 100_203, 99_911, 100_054, 99_780, 100_101, 99_987, 100_033, 99_549,
    ];
    let values: Vec<f64> = (0..10).map(f64::from).collect();
    let mut g = c.benchmark_group("digit_mean_bootstrap");
    g.sample_size(20);
    g.bench_function("bootstrap_1000", |b| {
        b.iter(|| categorical_mean_interval(&counts, &values, 1000, 0.95, 1, 1))
    });
    g.finish();
}

criterion_group!(benches, bench_digits);
criterion_main!(benches);
