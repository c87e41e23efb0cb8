//! Writes a large station file for the scale measurements of
//! docs/measurements.md ("Big inputs"): N stations × C contestants, clean
//! binomial counts around region-level means (no fraud; what is measured is
//! time and memory, not statistics), streamed to disk row by row.
//!
//! ```text
//! cargo run --release --example big_input -- STATIONS CONTESTANTS OUT.csv [SEED]
//! /usr/bin/time -v target/release/escrutinio analyze OUT.csv --out DIR
//! ```

use std::io::{BufWriter, Write};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Normal};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: big_input STATIONS CONTESTANTS OUT.csv [SEED]");
        std::process::exit(2);
    }
    let stations: usize = args[0].parse().expect("STATIONS");
    let contestants: usize = args[1].parse().expect("CONTESTANTS");
    let seed: u64 = args.get(3).map_or(1, |s| s.parse().expect("SEED"));
    assert!(contestants >= 2, "at least two contestants");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let regions = 80;
    let region_turnout: Vec<f64> = (0..regions)
        .map(|_| Normal::new(0.6, 0.05).unwrap().sample(&mut rng))
        .collect();
    // Contestants' weights fall geometrically; regions tilt them.
    let base: Vec<f64> = (0..contestants).map(|k| 0.7f64.powi(k as i32)).collect();
    let mut out = BufWriter::with_capacity(1 << 22, std::fs::File::create(&args[2]).expect("OUT"));
    write!(out, "station,region,electorate,ballots,valid,invalid").unwrap();
    for k in 0..contestants {
        write!(out, ",party_{k}").unwrap();
    }
    writeln!(out).unwrap();
    let mut votes = vec![0u64; contestants];
    for i in 0..stations {
        let r = i % regions;
        let electorate = (Normal::new(7.0, 0.6).unwrap().sample(&mut rng) as f64)
            .exp()
            .clamp(20.0, 5000.0) as u64;
        let t = (region_turnout[r] + Normal::new(0.0, 0.08).unwrap().sample(&mut rng))
            .clamp(0.05, 0.99);
        let ballots = Binomial::new(electorate, t).unwrap().sample(&mut rng);
        let invalid = Binomial::new(ballots, 0.015).unwrap().sample(&mut rng);
        let valid = ballots - invalid;
        // Multinomial by sequential binomials.
        let weights: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(k, w)| {
                w * (1.0 + 0.3 * (((r * 7 + k * 13) % 11) as f64 / 10.0 - 0.5))
                    * rng.random_range(0.8..1.2)
            })
            .collect();
        let mut left = valid;
        let mut mass: f64 = weights.iter().sum();
        for k in 0..contestants {
            let v = if k + 1 == contestants || left == 0 {
                left
            } else {
                Binomial::new(left, (weights[k] / mass).clamp(0.0, 1.0))
                    .unwrap()
                    .sample(&mut rng)
            };
            votes[k] = v;
            left -= v;
            mass -= weights[k];
        }
        write!(out, "S{i},R{r:02},{electorate},{ballots},{valid},{invalid}").unwrap();
        for v in &votes {
            write!(out, ",{v}").unwrap();
        }
        writeln!(out).unwrap();
    }
    out.flush().unwrap();
}
