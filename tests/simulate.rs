//! The simulator produces the distributions it is asked for.
//!
//! Every tolerance is a multiple (4) of a standard error computed from the
//! sample size and the model, never a guessed constant: for a sample mean,
//! SE = sd/√n; for a sample variance of near-normal data, SE ≈ s²·√(2/(n−1));
//! for a count of Bernoulli(p) events, SD = √(n·p·(1−p)). A seed is fixed, so
//! each test is deterministic; 4 SE makes a false alarm under a correct model
//! a 1-in-16,000 event per check.

use crate::common;

use std::process::Command;

use escrutinio::simulate::{simulate, FraudClass, SimParams, SimStation, HOURLY_CURVE};

const Z: f64 = 4.0;

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn var(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
}

/// Asserts |observed − expected| ≤ Z·se.
fn close(what: &str, observed: f64, expected: f64, se: f64) {
    assert!(
        (observed - expected).abs() <= Z * se,
        "{what}: observed {observed:.6}, expected {expected:.6}, tolerance {:.6} (4 SE)",
        Z * se
    );
}

fn clean_params(stations: usize, seed: u64) -> SimParams {
    SimParams {
        stations,
        seed,
        regions: 1,
        region_turnout_sd: 0.0,
        region_share_sd: 0.0,
        ..SimParams::default()
    }
}

fn turnout(s: &SimStation) -> f64 {
    s.ballots as f64 / s.electorate as f64
}

fn share(s: &SimStation) -> f64 {
    s.votes[0] as f64 / s.valid as f64
}

#[test]
fn clean_turnout_and_share_have_the_requested_mean_and_variance() {
    // τ = 0.6, σ_τ = 0.1, ν = 0.5, σ_ν = 0.1: the truncation to [0, 1] is
    // four or more sd away and moves the moments by less than 1e-4 of a sd.
    let p = clean_params(40_000, 11);
    let sim = simulate(&p).unwrap();
    let n = sim.stations.len() as f64;
    let t: Vec<f64> = sim.stations.iter().map(turnout).collect();
    let v: Vec<f64> = sim
        .stations
        .iter()
        .filter(|s| s.valid > 0)
        .map(share)
        .collect();
    // Observed turnout = Bin(N, a)/N with a ~ N(τ, σ_τ): mean τ, variance
    // σ_τ² + E[a(1 − a)/N] (law of total variance).
    let binom_t = mean(
        &sim.stations
            .iter()
            .map(|s| s.clean_turnout * (1.0 - s.clean_turnout) / s.electorate as f64)
            .collect::<Vec<_>>(),
    );
    let var_t = p.turnout_sd.powi(2) + binom_t;
    close("turnout mean", mean(&t), p.turnout_mean, (var_t / n).sqrt());
    close(
        "turnout variance",
        var(&t),
        var_t,
        var_t * (2.0 / (n - 1.0)).sqrt(),
    );
    // Winner share of valid votes: mean ν, variance σ_ν² + E[v(1 − v)/valid].
    let binom_v = mean(
        &sim.stations
            .iter()
            .filter(|s| s.valid > 0)
            .map(|s| s.clean_share * (1.0 - s.clean_share) / s.valid as f64)
            .collect::<Vec<_>>(),
    );
    let var_v = p.share_sd.powi(2) + binom_v;
    let m = v.len() as f64;
    close("share mean", mean(&v), p.share_mean, (var_v / m).sqrt());
    close(
        "share variance",
        var(&v),
        var_v,
        var_v * (2.0 / (m - 1.0)).sqrt(),
    );
    // The latent draws themselves.
    let a: Vec<f64> = sim.stations.iter().map(|s| s.clean_turnout).collect();
    close(
        "latent turnout mean",
        mean(&a),
        p.turnout_mean,
        p.turnout_sd / n.sqrt(),
    );
    close(
        "latent turnout variance",
        var(&a),
        p.turnout_sd.powi(2),
        p.turnout_sd.powi(2) * (2.0 / (n - 1.0)).sqrt(),
    );
    // No fraud was asked for, so none happened.
    assert!(sim
        .stations
        .iter()
        .all(|s| s.fraud == FraudClass::None && s.stuffed == 0 && s.stolen == 0));
}

#[test]
fn invalid_ballots_follow_their_rate() {
    let p = clean_params(20_000, 12);
    let sim = simulate(&p).unwrap();
    let ballots: u64 = sim.stations.iter().map(|s| s.ballots).sum();
    let invalid: u64 = sim.stations.iter().map(|s| s.invalid).sum();
    let b = ballots as f64;
    close(
        "invalid share",
        invalid as f64 / b,
        p.invalid_rate,
        (p.invalid_rate * (1.0 - p.invalid_rate) / b).sqrt(),
    );
}

#[test]
fn electorates_are_heavy_tailed_around_the_median() {
    let p = clean_params(40_000, 13);
    let sim = simulate(&p).unwrap();
    let e: Vec<u64> = sim.stations.iter().map(|s| s.electorate).collect();
    assert!(e.iter().all(|&x| (20..=5000).contains(&x)));
    assert!(*e.iter().min().unwrap() < 150, "small rural stations exist");
    assert!(*e.iter().max().unwrap() > 4000, "large stations exist");
    // ln N ~ N(ln m, σ) truncated to the values that round into [20, 5000]:
    // the share below the median m is ½ / P(19.5 ≤ N < 5000.5), not ½.
    let sd = p.electorate_log_sd;
    let std = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    let z_of = |x: f64| (x / p.electorate_median).ln() / sd;
    let (lo, hi) = (std.cdf(z_of(19.5)), std.cdf(z_of(5000.5)));
    let kept = hi - lo;
    let below = e
        .iter()
        .filter(|&&x| (x as f64) < p.electorate_median)
        .count() as f64;
    let n = e.len() as f64;
    let want = (0.5 - lo) / kept;
    close(
        "share below the median",
        below / n,
        want,
        (want * (1.0 - want) / n).sqrt(),
    );
    // log-sd of the electorate: compare the interquartile range of ln N with
    // σ·(z₇₅ − z₂₅), the truncated normal's quartiles zₚ = Φ⁻¹(lo + p·kept)
    // (close to ±0.6745), SE by the delta method
    // for sample quantiles: var(q̂_p) = p(1−p)/(n f²), cov(q̂_p, q̂_r) = p(1−r)/(n f_p f_r)
    // for p < r; with f = φ(z)/σ at both quartiles, var(q̂_.75 − q̂_.25) = σ²·(2·3/16 − 2/16)/(n φ²) = σ²/(4nφ²).
    let mut l: Vec<f64> = e.iter().map(|&x| (x as f64).ln()).collect();
    l.sort_by(f64::total_cmp);
    let q = |p: f64| l[((n - 1.0) * p).round() as usize];
    let z = 0.674_489_75_f64;
    let phi = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let se_iqr = sd / (2.0 * phi * n.sqrt());
    let (z25, z75) = (
        std.inverse_cdf(lo + 0.25 * kept),
        std.inverse_cdf(lo + 0.75 * kept),
    );
    // Rounding to integers adds at most 0.5/N to a log; negligible above 100 voters.
    close(
        "interquartile range of ln N",
        q(0.75) - q(0.25),
        sd * (z75 - z25),
        se_iqr,
    );
}

#[test]
fn fraud_classes_and_intensities_follow_the_model() {
    let p = SimParams {
        stations: 40_000,
        seed: 14,
        fraud_incremental: 0.2,
        fraud_extreme: 0.05,
        ..SimParams::default()
    };
    let sim = simulate(&p).unwrap();
    let n = sim.stations.len() as f64;
    let count = |c| sim.stations.iter().filter(|s| s.fraud == c).count() as f64;
    for (c, f) in [
        (FraudClass::Incremental, p.fraud_incremental),
        (FraudClass::Extreme, p.fraud_extreme),
    ] {
        close(
            &format!("{c:?} stations"),
            count(c),
            n * f,
            (n * f * (1.0 - f)).sqrt(),
        );
    }
    // Incremental intensity x = |N(0, θ)|: mean θ√(2/π), sd θ√(1 − 2/π)
    // (half-normal; the restriction to (0, 1) is 6.7 θ away for θ = 0.15).
    let xi: Vec<f64> = sim
        .stations
        .iter()
        .filter(|s| s.fraud == FraudClass::Incremental)
        .map(|s| s.intensity)
        .collect();
    let hn_mean = (2.0 / std::f64::consts::PI).sqrt();
    let hn_sd = (1.0 - 2.0 / std::f64::consts::PI).sqrt();
    close(
        "incremental intensity",
        mean(&xi),
        p.theta * hn_mean,
        p.theta * hn_sd / (xi.len() as f64).sqrt(),
    );
    // Extreme intensity x = 1 − |N(0, 0.075)|.
    let xe: Vec<f64> = sim
        .stations
        .iter()
        .filter(|s| s.fraud == FraudClass::Extreme)
        .map(|s| s.intensity)
        .collect();
    close(
        "extreme intensity",
        mean(&xe),
        1.0 - p.extreme_sd * hn_mean,
        p.extreme_sd * hn_sd / (xe.len() as f64).sqrt(),
    );

    // Ballot stuffing: given the station, stuffed ~ Bin(N − V, x) with V the
    // clean voters = ballots − stuffed. Sum over stations: mean Σ(N − V)x,
    // variance Σ(N − V)x(1 − x).
    let (mut e_stuffed, mut v_stuffed, mut stuffed) = (0.0, 0.0, 0.0);
    let (mut e_stolen, mut v_stolen, mut stolen) = (0.0, 0.0, 0.0);
    for s in &sim.stations {
        let clean = (s.ballots - s.stuffed) as f64;
        let abstainers = s.electorate as f64 - clean;
        e_stuffed += abstainers * s.intensity;
        v_stuffed += abstainers * s.intensity * (1.0 - s.intensity);
        stuffed += s.stuffed as f64;
        // Vote stealing: stolen ~ Bin(others' clean votes, x^α), others' clean
        // votes = their final votes + stolen.
        if s.intensity > 0.0 {
            let others = (s.votes[1..].iter().sum::<u64>() + s.stolen) as f64;
            let q = s.intensity.powf(p.alpha);
            e_stolen += others * q;
            v_stolen += others * q * (1.0 - q);
            stolen += s.stolen as f64;
        }
    }
    close("stuffed ballots", stuffed, e_stuffed, v_stuffed.sqrt());
    close("stolen votes", stolen, e_stolen, v_stolen.sqrt());
    // Klimek et al.'s expected ballots, N − N(1 − x)(1 − a), summed.
    let expected_ballots: f64 = sim
        .stations
        .iter()
        .map(|s| {
            let n = s.electorate as f64;
            n - n * (1.0 - s.intensity) * (1.0 - s.clean_turnout)
        })
        .sum();
    // Variance: clean voters Bin(N, a) then stuffing Bin(N − V, x): the total
    // ballots count is Bin(N, 1 − (1 − a)(1 − x)) per station.
    let var_ballots: f64 = sim
        .stations
        .iter()
        .map(|s| {
            let q = 1.0 - (1.0 - s.intensity) * (1.0 - s.clean_turnout);
            s.electorate as f64 * q * (1.0 - q)
        })
        .sum();
    let ballots: f64 = sim.stations.iter().map(|s| s.ballots as f64).sum();
    close(
        "ballots (Klimek et al. expectation)",
        ballots,
        expected_ballots,
        var_ballots.sqrt(),
    );
}

#[test]
fn regions_differ_as_asked() {
    let p = SimParams {
        stations: 30_000,
        seed: 15,
        regions: 6,
        ..SimParams::default()
    };
    let sim = simulate(&p).unwrap();
    // Region means are distinct draws around τ and ν.
    let spread = sim.region_turnout.iter().cloned().fold(f64::NAN, f64::max)
        - sim.region_turnout.iter().cloned().fold(f64::NAN, f64::min);
    assert!(spread > 0.0);
    for (r, (&tau_r, &nu_r)) in sim.region_turnout.iter().zip(&sim.region_share).enumerate() {
        let name = format!("R{:02}", r + 1);
        let st: Vec<&SimStation> = sim.stations.iter().filter(|s| s.region == name).collect();
        let k = st.len() as f64;
        let t: Vec<f64> = st.iter().map(|s| turnout(s)).collect();
        let a_var = p.turnout_sd.powi(2)
            + mean(
                &st.iter()
                    .map(|s| s.clean_turnout * (1.0 - s.clean_turnout) / s.electorate as f64)
                    .collect::<Vec<_>>(),
            );
        close(
            &format!("{name} turnout mean"),
            mean(&t),
            tau_r,
            (a_var / k).sqrt(),
        );
        let v: Vec<f64> = st
            .iter()
            .filter(|s| s.valid > 0)
            .map(|s| share(s))
            .collect();
        let v_var = p.share_sd.powi(2)
            + mean(
                &st.iter()
                    .filter(|s| s.valid > 0)
                    .map(|s| s.clean_share * (1.0 - s.clean_share) / s.valid as f64)
                    .collect::<Vec<_>>(),
            );
        close(
            &format!("{name} share mean"),
            mean(&v),
            nu_r,
            (v_var / v.len() as f64).sqrt(),
        );
    }
}

#[test]
fn regional_parties_and_fraud_regions_as_asked() {
    let p = SimParams {
        stations: 40_000,
        seed: 16,
        regions: 20,
        regional_party_regions: 0.3,
        regional_party_share: 0.3,
        fraud_incremental: 0.2,
        fraud_regions: 0.5,
        ..SimParams::default()
    };
    let sim = simulate(&p).unwrap();
    assert_eq!(
        sim.contestants.last().map(String::as_str),
        Some("regional_party")
    );
    let party = sim.contestants.len() - 1;
    let (mut with_party, mut with_fraud) = (0, 0);
    for r in 0..p.regions {
        let name = format!("R{:02}", r + 1);
        let st: Vec<&SimStation> = sim.stations.iter().filter(|s| s.region == name).collect();
        let fraud_region = st.iter().any(|s| s.fraud != FraudClass::None);
        if fraud_region {
            with_fraud += 1;
            // Incremental fraud at its rate inside a fraud region.
            let k = st.len() as f64;
            let inc = st
                .iter()
                .filter(|s| s.fraud == FraudClass::Incremental)
                .count() as f64;
            close(
                &format!("{name} incremental rate"),
                inc / k,
                0.2,
                (0.2 * 0.8 / k).sqrt(),
            );
        } else {
            assert!(st.iter().all(|s| s.stuffed == 0 && s.stolen == 0), "{name}");
        }
        let votes: u64 = st.iter().map(|s| s.votes[party]).sum();
        if votes == 0 {
            continue;
        }
        with_party += 1;
        // The regional party's share of clean stations' valid votes: mean
        // 0.3 (truncation at [0.05, 0.9] moves it by under 0.002), station
        // sd about 0.1 plus binomial noise.
        let clean: Vec<f64> = st
            .iter()
            .filter(|s| s.fraud == FraudClass::None && s.valid > 0)
            .map(|s| s.votes[party] as f64 / s.valid as f64)
            .collect();
        let se = (var(&clean) / clean.len() as f64).sqrt();
        close(
            &format!("{name} regional party share"),
            mean(&clean),
            0.3,
            se + 0.0005,
        );
        // Where it stands, the winner's share falls by the party's share.
        let winner: f64 = mean(
            &st.iter()
                .filter(|s| s.fraud == FraudClass::None && s.valid > 0)
                .map(|s| s.votes[0] as f64 / s.valid as f64)
                .collect::<Vec<_>>(),
        );
        let clean_share = mean(
            &st.iter()
                .filter(|s| s.fraud == FraudClass::None)
                .map(|s| s.clean_share)
                .collect::<Vec<_>>(),
        );
        assert!(
            (winner - clean_share * 0.7).abs() < 0.02,
            "{name}: winner {winner}, clean share {clean_share}"
        );
    }
    assert!((1..p.regions).contains(&with_party), "{with_party}");
    assert!((1..p.regions).contains(&with_fraud), "{with_fraud}");
}

#[test]
fn counts_are_consistent_and_stuffing_arrives_late() {
    let p = SimParams {
        stations: 20_000,
        seed: 16,
        fraud_incremental: 0.1,
        fraud_extreme: 0.02,
        hourly: true,
        ..SimParams::default()
    };
    let sim = simulate(&p).unwrap();
    let mut shares = vec![Vec::new(); HOURLY_CURVE.len()];
    for s in &sim.stations {
        assert!(s.ballots <= s.electorate, "{}", s.station);
        assert_eq!(s.valid + s.invalid, s.ballots, "{}", s.station);
        assert_eq!(s.votes.iter().sum::<u64>(), s.valid, "{}", s.station);
        assert_eq!(s.fraud == FraudClass::None, s.intensity == 0.0);
        if s.fraud == FraudClass::None {
            assert_eq!((s.stuffed, s.stolen), (0, 0));
        }
        let c = s.cumulative.as_ref().unwrap();
        assert!(
            c.windows(2).all(|w| w[0] <= w[1]),
            "{}: cumulative counts decrease",
            s.station
        );
        assert_eq!(*c.last().unwrap(), s.ballots);
        // Every stuffed ballot arrives after the last intermediate report.
        let clean = s.ballots - s.stuffed;
        assert!(c[c.len() - 2] <= clean);
        if clean > 0 {
            for (k, &v) in c.iter().enumerate() {
                let clean_k = if k + 1 == c.len() { clean } else { v };
                shares[k].push((clean_k as f64, clean as f64));
            }
        }
    }
    // The clean arrivals follow the daily curve: Σ cumulative_k / Σ clean = curve_k,
    // binomial variance Σ clean·c(1 − c) given each station's clean voters.
    for (k, &c) in HOURLY_CURVE.iter().enumerate().take(HOURLY_CURVE.len() - 1) {
        let num: f64 = shares[k].iter().map(|x| x.0).sum();
        let den: f64 = shares[k].iter().map(|x| x.1).sum();
        close(
            &format!("cumulative share at report {k}"),
            num / den,
            c,
            (c * (1.0 - c) / den).sqrt(),
        );
    }
}

#[test]
fn simulation_is_deterministic_and_seed_dependent() {
    let p = SimParams {
        stations: 3_000,
        seed: 99,
        fraud_incremental: 0.1,
        hourly: true,
        ..SimParams::default()
    };
    let a = simulate(&p).unwrap().truth().to_json();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| simulate(&p).unwrap().truth().to_json());
    assert_eq!(a, b, "one thread and many give the same simulation");
    let c = simulate(&SimParams {
        seed: 100,
        ..p.clone()
    })
    .unwrap()
    .truth()
    .to_json();
    assert_ne!(a, c);
}

#[test]
fn bad_parameters_are_refused() {
    for p in [
        SimParams {
            stations: 0,
            ..SimParams::default()
        },
        SimParams {
            fraud_incremental: 0.7,
            fraud_extreme: 0.5,
            ..SimParams::default()
        },
        SimParams {
            turnout_mean: 1.5,
            ..SimParams::default()
        },
        SimParams {
            turnout_sd: f64::NAN,
            ..SimParams::default()
        },
        SimParams {
            alpha: 0.0,
            ..SimParams::default()
        },
    ] {
        assert!(simulate(&p).is_err());
    }
}

// ---- end to end through the binary ----

fn escrutinio(args: &[&str], threads: &str) -> std::process::Output {
    let out = Command::new(common::bin())
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn simulate_then_analyze_is_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut reports = Vec::new();
    let mut elections = Vec::new();
    for threads in ["1", "2"] {
        let file = d.join(format!("sim{threads}.csv"));
        let f = file.to_str().unwrap();
        escrutinio(
            &[
                "simulate",
                "--stations",
                "5000",
                "--seed",
                "7",
                "--fraud-incremental",
                "0.1",
                "--fraud-extreme",
                "0.02",
                "--hourly",
                "--out",
                f,
            ],
            threads,
        );
        elections.push((
            std::fs::read(&file).unwrap(),
            std::fs::read(d.join(format!("sim{threads}.csv.truth.json"))).unwrap(),
        ));
    }
    assert_eq!(
        elections[0], elections[1],
        "simulate output depends on the thread count"
    );
    // Analyse the same file (same path, so input.path agrees) with 1 and 2 threads.
    let input = d.join("sim1.csv");
    for threads in ["1", "2"] {
        let out = d.join(format!("out{threads}"));
        escrutinio(
            &[
                "analyze",
                input.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--seed",
                "3",
            ],
            threads,
        );
        reports.push(std::fs::read(out.join("report.json")).unwrap());
        assert!(out.join("stations.csv").exists() && out.join("stations.parquet").exists());
        assert!(
            out.join("report.html").exists() && out.join("plots/turnout_histogram.png").exists()
        );
    }
    assert_eq!(
        reports[0], reports[1],
        "report.json depends on the thread count"
    );

    // The report agrees with the truth file.
    let report: serde_json::Value = serde_json::from_slice(&reports[0]).unwrap();
    let truth: serde_json::Value = serde_json::from_slice(&elections[0].1).unwrap();
    assert_eq!(report["summary"]["stations"], truth["totals"]["stations"]);
    assert_eq!(report["summary"]["ballots"], truth["totals"]["ballots"]);
    assert_eq!(
        report["summary"]["electorate"],
        truth["totals"]["electorate"]
    );
    assert_eq!(report["summary"]["winner"], "winner");
    assert_eq!(report["data_quality"]["rows_excluded_invalid"], 0);
    let per_station: u64 = truth["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stuffed"].as_u64().unwrap())
        .sum();
    assert_eq!(per_station, truth["totals"]["stuffed"].as_u64().unwrap());
    assert_eq!(truth["stations"].as_array().unwrap().len(), 5000);
}
