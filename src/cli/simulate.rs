//! `escrutinio simulate --stations N --seed S [--regions R] [--fraud-incremental F_I]
//! [--fraud-extreme F_E] [--hourly] --out FILE`
//!
//! Writes a synthetic election (Klimek et al. 2012 fraud model; see the
//! library's `simulate` module) to FILE (`.csv`, `.csv.gz` or `.parquet`),
//! its truth to `FILE.truth.json` and, with `--hourly`, cumulative
//! participation to `FILE.hourly.csv`. Deterministic for a seed, whatever the
//! thread count.

use std::path::PathBuf;

use super::emit;
use escrutinio::simulate::{simulate, SimParams};
use escrutinio::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 10_000)]
    pub stations: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 10)]
    pub regions: usize,
    /// Probability of incremental fraud per station (f_i).
    #[arg(long, default_value_t = 0.0)]
    pub fraud_incremental: f64,
    /// Probability of extreme fraud per station (f_e).
    #[arg(long, default_value_t = 0.0)]
    pub fraud_extreme: f64,
    /// Mean clean turnout (τ).
    #[arg(long, default_value_t = 0.6)]
    pub turnout_mean: f64,
    /// Station sd of clean turnout (σ_τ).
    #[arg(long, default_value_t = 0.1)]
    pub turnout_sd: f64,
    /// Mean clean winner share (ν).
    #[arg(long, default_value_t = 0.5)]
    pub share_mean: f64,
    /// Station sd of clean winner share (σ_ν).
    #[arg(long, default_value_t = 0.1)]
    pub share_sd: f64,
    /// Width θ of incremental fraud intensity.
    #[arg(long, default_value_t = 0.15)]
    pub theta: f64,
    /// Vote-stealing exponent α.
    #[arg(long, default_value_t = 2.0)]
    pub alpha: f64,
    /// Also write cumulative participation at report times (and a `machines` column).
    #[arg(long)]
    pub hourly: bool,
    /// Sd of each station's shift of the daily curve on the log-odds scale.
    #[arg(long, default_value_t = 0.0)]
    pub hourly_spread: f64,
    /// Sd of the region means of clean turnout around --turnout-mean.
    #[arg(long, default_value_t = 0.05)]
    pub region_turnout_sd: f64,
    /// Sd of the region means of the clean winner share around --share-mean.
    #[arg(long, default_value_t = 0.05)]
    pub region_share_sd: f64,
    /// Share of regions with a regional party (a contestant `regional_party`).
    #[arg(long, default_value_t = 0.0)]
    pub regional_party_regions: f64,
    /// Mean share of the clean valid votes the regional party takes where it stands.
    #[arg(long, default_value_t = 0.3)]
    pub regional_party_share: f64,
    /// Share of regions where fraud happens (elsewhere every station is clean).
    #[arg(long, default_value_t = 1.0)]
    pub fraud_regions: f64,
    /// Output file (.csv, .csv.gz or .parquet).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let params = a.params();
    let sim = simulate(&params).map_err(|m| Error::Input {
        path: "simulate".into(),
        message: m,
    })?;
    let truth_path = sim.write_files(&a.out)?;
    let t = sim.truth().totals;
    emit(&format!(
        "{}: {} stations, {} with incremental and {} with extreme fraud, {} ballots stuffed, {} votes stolen; truth in {}",
        a.out.display(),
        t.stations,
        t.stations_incremental,
        t.stations_extreme,
        t.stuffed,
        t.stolen,
        truth_path.display()
    ));
    Ok(0)
}

impl Args {
    /// The simulator's parameters for these arguments.
    pub fn params(&self) -> SimParams {
        let a = self;
        SimParams {
            stations: a.stations,
            seed: a.seed,
            regions: a.regions,
            fraud_incremental: a.fraud_incremental,
            fraud_extreme: a.fraud_extreme,
            turnout_mean: a.turnout_mean,
            turnout_sd: a.turnout_sd,
            share_mean: a.share_mean,
            share_sd: a.share_sd,
            theta: a.theta,
            alpha: a.alpha,
            hourly: a.hourly,
            hourly_spread: a.hourly_spread,
            region_turnout_sd: a.region_turnout_sd,
            region_share_sd: a.region_share_sd,
            regional_party_regions: a.regional_party_regions,
            regional_party_share: a.regional_party_share,
            fraud_regions: a.fraud_regions,
            ..SimParams::default()
        }
    }
}
