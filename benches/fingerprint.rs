//! The turnout-versus-vote-share family on a simulated election of 100,000
//! stations (40 regions, incremental and extreme fraud with θ = 0.4).
//!
//! Run with `cargo bench --bench fingerprint`. Measurements:
//! - `family_klimek_100_replicates`: fingerprints, the Klimek fit with 100
//!   bootstrap replicates, excess votes with 1,000 replicates, the
//!   integer-percentage test and the turnout distribution (what `analyze`
//!   runs with `--klimek-bootstrap 100`);
//! - `klimek_point_fit`: the Klimek fit alone, without bootstrap;
//! - `excess_votes_1000`, `integer_percent_exact`,
//!   `turnout_distribution_1000`: the other members alone.
//!
//! Measured here (2 cores), criterion medians: `klimek_point_fit` 339 ms,
//! `family_klimek_100_replicates` 8.33 s (the target: under 10 s),
//! `excess_votes_1000` (national + 40 regions) 2.98 s,
//! `integer_percent_exact` 332 ms, `turnout_distribution_1000` 508 ms
//! (docs/measurements.md: on the same day plain Fisher scoring, without the
//! secant correction, took 274 ms and 7.54 s).
//! Before the quadrature model (schema 1.x) the point fit alone took
//! 16.6 s and each bootstrap replicate about 7 s.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use escrutinio::methods::excess::ExcessVotes;
use escrutinio::methods::excess::{self, ExcessOptions};
use escrutinio::methods::fingerprint::Fingerprint;
use escrutinio::methods::fingerprint::{self, FingerprintOptions};
use escrutinio::methods::integer_percent;
use escrutinio::methods::integer_percent::IntegerPercent;
use escrutinio::methods::klimek::{self, KlimekOptions};
use escrutinio::methods::turnout_distribution::TurnoutDistribution;
use escrutinio::methods::turnout_distribution::{self, TurnoutDistributionOptions};
use escrutinio::methods::{Context, Family};
use escrutinio::simulate::{simulate, SimParams};

fn bench_family(c: &mut Criterion) {
    let params = SimParams {
        stations: 100_000,
        seed: 1,
        regions: 40,
        fraud_incremental: 0.2,
        fraud_extreme: 0.02,
        theta: 0.4,
        ..SimParams::default()
    };
    let e = simulate(&params)
        .expect("valid")
        .to_election()
        .expect("election");
    let ctx = Context::new(1);
    let xo = ExcessVotes::checked(ExcessOptions::default()).expect("valid");
    let io = IntegerPercent::checked(Default::default()).expect("valid");
    let to = TurnoutDistribution::checked(TurnoutDistributionOptions::default()).expect("valid");
    let mut g = c.benchmark_group("fingerprint_family_100k_stations");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("klimek_point_fit", |b| {
        let o = KlimekOptions {
            bootstrap: 0,
            ..KlimekOptions::default()
        };
        b.iter(|| klimek::analyse(&e, &o, &ctx).expect("fit"))
    });
    g.bench_function("excess_votes_1000", |b| {
        b.iter(|| excess::analyse(&e, &xo, &ctx).expect("excess"))
    });
    g.bench_function("integer_percent_exact", |b| {
        b.iter(|| integer_percent::analyse(&e, &io, &ctx))
    });
    g.bench_function("turnout_distribution_1000", |b| {
        b.iter(|| turnout_distribution::analyse(&e, &to, &ctx).expect("distribution"))
    });
    g.bench_function("family_klimek_100_replicates", |b| {
        let f = Fingerprint::checked(FingerprintOptions {
            klimek: Some(KlimekOptions {
                bootstrap: 100,
                ..KlimekOptions::default()
            }),
            ..FingerprintOptions::default()
        })
        .expect("valid");
        b.iter(|| {
            (
                fingerprint::analyse(&e, &f, &ctx),
                excess::analyse(&e, &xo, &ctx).expect("excess"),
                integer_percent::analyse(&e, &io, &ctx),
                turnout_distribution::analyse(&e, &to, &ctx).expect("distribution"),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench_family);
criterion_main!(benches);
