//! Synthetic elections with known fraud, after the model of Klimek, Yegorov,
//! Hanel & Thurner, "Statistical detection of systematic election
//! irregularities", PNAS 109(41):16469–16473 (2012), and its supplementary
//! information (SI, section "Fraud model").
//!
//! # Model (per station *i* with electorate *Nᵢ*)
//! - Clean turnout `aᵢ ~ N(τ_r, σ_τ)` and clean winner share `vᵢ ~ N(ν_r, σ_ν)`,
//!   each truncated to [0, 1] by rejection (paper: normal distributions of
//!   turnout and votes; the region means τ_r, ν_r vary around τ and ν with
//!   standard deviations `region_turnout_sd`, `region_share_sd`).
//! - Fraud class: incremental with probability `f_i`, extreme with
//!   probability `f_e`, none otherwise. Fraud intensity `xᵢ = |N(0, θ)|`
//!   restricted to (0, 1) for incremental fraud, `xᵢ = 1 − |N(0, 0.075)|`
//!   restricted to (0, 1) for extreme fraud, 0 without fraud (SI; the 0.075
//!   is the paper's fixed width of the extreme-fraud cluster).
//! - The paper's expected counts (SI eq. for the winner's votes):
//!   `Wᵢ = Nᵢ[aᵢvᵢ + xᵢ(1 − aᵢ) + xᵢ^α(1 − vᵢ)aᵢ]` and
//!   `ballotsᵢ = Nᵢ − Nᵢ(1 − xᵢ)(1 − aᵢ)`: a share xᵢ of the non-voters is
//!   stuffed for the winner (*ballot stuffing*), and a share xᵢ^α of the
//!   other contestants' votes is moved to the winner (*vote stealing*).
//!
//! Here the same expectations are realised with integer counts by binomial
//! draws: clean voters `Vᵢ ~ Bin(Nᵢ, aᵢ)`; invalid ballots `~ Bin(Vᵢ, p_inv)`;
//! the winner's clean votes `~ Bin(valid, vᵢ)`; stuffed ballots
//! `sᵢ ~ Bin(Nᵢ − Vᵢ, xᵢ)`; stolen votes `tᵢ ~ Bin(others, xᵢ^α)`; the other
//! contestants split their remaining votes multinomially with fixed weights.
//! So `E[ballots] = Nᵢ[aᵢ + xᵢ(1 − aᵢ)]` and `E[W] ≈ Nᵢ[aᵢvᵢ + xᵢ(1−aᵢ) + xᵢ^α(1−vᵢ)aᵢ]`
//! (up to invalid ballots), as in the paper.
//!
//! Electorates are heavy-tailed: log-normal with median `electorate_median`
//! and log-sd `electorate_log_sd`, rounded and truncated to [20, 5000] by
//! redrawing (Russian stations run from tens of voters to about three
//! thousand). Truncation, not clamping: a clamp would pile about 1 % of the
//! stations on exactly 5000 voters, a spike the digit tests rightly flag.
//!
//! With `hourly`, cumulative participation is also produced at
//! [`HOURLY_TIMES`], following a daily curve (cumulative share of clean
//! voters `HOURLY_CURVE`); stuffed ballots all arrive after the last
//! intermediate report (between 18:00 and the 20:00 close).
//!
//! # Determinism
//! Station *i* draws from its own stream `rng::stream(seed, STATIONS, i)`; the
//! region parameters from `rng::stream(seed, REGIONS, r)`. Results are the
//! same for any thread count.

use rand::Rng as _;
use rand_distr::{Distribution, Normal};
use rayon::prelude::*;
use serde::Serialize;

use crate::rng::{self, binomial, Purpose};

/// Report times of the simulated hourly participation (local clock).
pub const HOURLY_TIMES: [&str; 5] = ["10:00", "12:00", "15:00", "18:00", "20:00"];
/// Expected cumulative share of clean voters at each report time (polls open 08:00).
pub const HOURLY_CURVE: [f64; 5] = [0.12, 0.33, 0.60, 0.85, 1.0];

/// Simulation parameters (all recorded in the truth file).
#[derive(Debug, Clone, Serialize)]
pub struct SimParams {
    pub stations: usize,
    pub seed: u64,
    pub regions: usize,
    /// Mean clean turnout τ.
    pub turnout_mean: f64,
    /// Station-level sd of clean turnout σ_τ.
    pub turnout_sd: f64,
    /// Mean clean winner share ν.
    pub share_mean: f64,
    /// Station-level sd of clean winner share σ_ν.
    pub share_sd: f64,
    /// Sd of the region means of turnout around τ.
    pub region_turnout_sd: f64,
    /// Sd of the region means of winner share around ν.
    pub region_share_sd: f64,
    /// Probability of incremental fraud f_i.
    pub fraud_incremental: f64,
    /// Probability of extreme fraud f_e.
    pub fraud_extreme: f64,
    /// Width θ of the incremental fraud intensity |N(0, θ)|.
    pub theta: f64,
    /// Vote-stealing exponent α.
    pub alpha: f64,
    /// Width of the extreme fraud intensity 1 − |N(0, ·)| (paper: 0.075).
    pub extreme_sd: f64,
    /// Share of clean ballots that are invalid.
    pub invalid_rate: f64,
    pub electorate_median: f64,
    pub electorate_log_sd: f64,
    /// Weights splitting the non-winner votes among the other contestants.
    pub others: Vec<f64>,
    pub hourly: bool,
    /// Share of regions with a regional party (0: none). In those regions a
    /// contestant `regional_party` takes a share ρ ~ N(`regional_party_share`,
    /// 0.1) (truncated to [0.05, 0.9]) of each station's clean valid votes,
    /// proportionally from the winner and the others: a lower winner share
    /// that is not fraud.
    pub regional_party_regions: f64,
    /// Mean share of the regional party where it stands.
    pub regional_party_share: f64,
    /// Share of regions where fraud happens (1: everywhere). Fraud regions
    /// are drawn per region; elsewhere every station is clean.
    pub fraud_regions: f64,
    /// Sd of a per-station shift of the daily curve on the log-odds scale
    /// (0: every station follows [`HOURLY_CURVE`] up to multinomial noise;
    /// about 0.25 matches the spread of late shares between tables in
    /// Spain 2019 beyond binomial noise).
    pub hourly_spread: f64,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            stations: 10_000,
            seed: 1,
            regions: 10,
            turnout_mean: 0.6,
            turnout_sd: 0.1,
            share_mean: 0.5,
            share_sd: 0.1,
            region_turnout_sd: 0.05,
            region_share_sd: 0.05,
            fraud_incremental: 0.0,
            fraud_extreme: 0.0,
            theta: 0.15,
            alpha: 2.0,
            extreme_sd: 0.075,
            invalid_rate: 0.015,
            electorate_median: 1000.0,
            electorate_log_sd: 0.7,
            others: vec![0.5, 0.3, 0.2],
            hourly: false,
            hourly_spread: 0.0,
            regional_party_regions: 0.0,
            regional_party_share: 0.3,
            fraud_regions: 1.0,
        }
    }
}

impl SimParams {
    /// Checks that every parameter is in its domain.
    pub fn check(&self) -> Result<(), String> {
        let unit = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must lie in [0, 1], not {v}"))
            }
        };
        if self.stations == 0 {
            return Err("stations must be at least 1".into());
        }
        if self.regions == 0 {
            return Err("regions must be at least 1".into());
        }
        unit("turnout_mean", self.turnout_mean)?;
        unit("share_mean", self.share_mean)?;
        unit("fraud_incremental", self.fraud_incremental)?;
        unit("fraud_extreme", self.fraud_extreme)?;
        unit("invalid_rate", self.invalid_rate)?;
        unit("regional_party_regions", self.regional_party_regions)?;
        unit("regional_party_share", self.regional_party_share)?;
        unit("fraud_regions", self.fraud_regions)?;
        if self.fraud_incremental + self.fraud_extreme > 1.0 {
            return Err("fraud_incremental + fraud_extreme must not exceed 1".into());
        }
        for (n, v) in [
            ("turnout_sd", self.turnout_sd),
            ("share_sd", self.share_sd),
            ("region_turnout_sd", self.region_turnout_sd),
            ("region_share_sd", self.region_share_sd),
            ("theta", self.theta),
            ("extreme_sd", self.extreme_sd),
            ("electorate_log_sd", self.electorate_log_sd),
            ("hourly_spread", self.hourly_spread),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{n} must be finite and non-negative, not {v}"));
            }
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(format!("alpha must be positive, not {}", self.alpha));
        }
        if !(self.electorate_median >= 20.0 && self.electorate_median <= 5000.0) {
            return Err("electorate_median must lie in [20, 5000]".into());
        }
        if self.others.is_empty() || self.others.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return Err("others must be one or more positive weights".into());
        }
        Ok(())
    }
}

/// Fraud class of a simulated station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FraudClass {
    None,
    Incremental,
    Extreme,
}

/// One simulated station, with its truth.
#[derive(Debug, Clone, Serialize)]
pub struct SimStation {
    pub station: String,
    pub region: String,
    pub electorate: u64,
    /// Ballots issued = clean voters + stuffed.
    pub ballots: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Votes per contestant, winner first.
    pub votes: Vec<u64>,
    /// Clean turnout aᵢ and winner share vᵢ drawn for the station.
    pub clean_turnout: f64,
    pub clean_share: f64,
    pub fraud: FraudClass,
    /// Fraud intensity xᵢ.
    pub intensity: f64,
    /// Ballots stuffed (inflated participation).
    pub stuffed: u64,
    /// Votes moved from other contestants to the winner.
    pub stolen: u64,
    /// Cumulative participation at [`HOURLY_TIMES`] (with `hourly`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cumulative: Option<Vec<u64>>,
    /// Issuing points: ⌈electorate / 1000⌉, so that at 180 voters an hour
    /// per point a station could process its whole electorate in under six
    /// open hours (written with `hourly`).
    pub machines: u64,
}

/// A simulated election.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub params: SimParams,
    pub contestants: Vec<String>,
    pub region_turnout: Vec<f64>,
    pub region_share: Vec<f64>,
    pub stations: Vec<SimStation>,
}

/// Draws from N(mean, sd) truncated to [lo, hi] by rejection (a point mass at
/// the mean when sd is 0).
fn truncated_normal(rng: &mut rng::Rng, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
    if sd == 0.0 {
        return mean.clamp(lo, hi);
    }
    let n = Normal::new(mean, sd).expect("finite sd");
    for _ in 0..10_000 {
        let x = n.sample(rng);
        if (lo..=hi).contains(&x) {
            return x;
        }
    }
    mean.clamp(lo, hi)
}

/// Runs the simulation.
pub fn simulate(params: &SimParams) -> Result<Simulation, String> {
    params.check()?;
    let p = params;
    let (region_turnout, region_share): (Vec<f64>, Vec<f64>) = (0..p.regions)
        .map(|r| {
            let mut g = rng::stream_for(p.seed, Purpose::SimulateRegions, r as u64);
            (
                truncated_normal(&mut g, p.turnout_mean, p.region_turnout_sd, 0.05, 0.95),
                truncated_normal(&mut g, p.share_mean, p.region_share_sd, 0.05, 0.95),
            )
        })
        .unzip();
    // Regional parties and fraud regions, from a stream of their own.
    let (party_region, fraud_region): (Vec<bool>, Vec<bool>) = (0..p.regions)
        .map(|r| {
            let mut g = rng::stream_for(p.seed, Purpose::SimulateRegionalStructure, r as u64);
            let party: f64 = g.random();
            let fraud: f64 = g.random();
            (party < p.regional_party_regions, fraud < p.fraud_regions)
        })
        .unzip();
    let regional_party = p.regional_party_regions > 0.0;
    let mut contestants = vec!["winner".to_string()];
    contestants.extend((1..=p.others.len()).map(|k| format!("party_{k}")));
    if regional_party {
        contestants.push("regional_party".into());
    }
    let weight_sum: f64 = p.others.iter().sum();
    let width = p.stations.to_string().len();
    let stations = (0..p.stations)
        .into_par_iter()
        .map(|i| {
            let mut g = rng::stream_for(p.seed, Purpose::SimulateStations, i as u64);
            let r = i % p.regions;
            let ln = Normal::new(p.electorate_median.ln(), p.electorate_log_sd).expect("sd");
            let electorate = loop {
                let x = ln.sample(&mut g).exp().round();
                if (20.0..=5000.0).contains(&x) {
                    break x as u64;
                }
            };
            let a = truncated_normal(&mut g, region_turnout[r], p.turnout_sd, 0.0, 1.0);
            let v = truncated_normal(&mut g, region_share[r], p.share_sd, 0.0, 1.0);
            let u: f64 = g.random();
            // Outside the fraud regions no station is stuffed (the draw is
            // still made, so that the station's other draws do not move).
            let u = if fraud_region[r] { u } else { 2.0 };
            // The regional party's share of this station's clean valid votes.
            let rho = if party_region[r] {
                let mut h = rng::stream_for(
                    p.seed,
                    Purpose::SimulateRegionalStructure,
                    (1 << 32) | i as u64,
                );
                truncated_normal(&mut h, p.regional_party_share, 0.1, 0.05, 0.9)
            } else {
                0.0
            };
            let (fraud, x) = if u < p.fraud_incremental {
                let x = loop {
                    let x = truncated_normal(&mut g, 0.0, p.theta, -1.0, 1.0).abs();
                    if x > 0.0 && x < 1.0 {
                        break x;
                    }
                };
                (FraudClass::Incremental, x)
            } else if u < p.fraud_incremental + p.fraud_extreme {
                let x = loop {
                    let x = 1.0 - truncated_normal(&mut g, 0.0, p.extreme_sd, -1.0, 1.0).abs();
                    if x > 0.0 && x < 1.0 {
                        break x;
                    }
                };
                (FraudClass::Extreme, x)
            } else {
                (FraudClass::None, 0.0)
            };
            let voters = binomial(&mut g, electorate, a);
            let invalid = binomial(&mut g, voters, p.invalid_rate);
            let valid_clean = voters - invalid;
            let winner_clean = binomial(&mut g, valid_clean, v * (1.0 - rho));
            let regional = if rho > 0.0 {
                let mut h = rng::stream_for(
                    p.seed,
                    Purpose::SimulateRegionalStructure,
                    (2 << 32) | i as u64,
                );
                binomial(
                    &mut h,
                    valid_clean - winner_clean,
                    rho / (1.0 - v * (1.0 - rho)),
                )
            } else {
                0
            };
            let others_clean = valid_clean - winner_clean - regional;
            let stuffed = binomial(&mut g, electorate - voters, x);
            let stolen = if x > 0.0 {
                binomial(&mut g, others_clean, x.powf(p.alpha))
            } else {
                0
            };
            // Split the others' remaining votes multinomially (sequential binomials).
            let mut remaining = others_clean - stolen;
            let mut left_weight = weight_sum;
            let mut votes = vec![winner_clean + stuffed + stolen];
            for (k, w) in p.others.iter().enumerate() {
                let take = if k + 1 == p.others.len() {
                    remaining
                } else {
                    binomial(&mut g, remaining, w / left_weight)
                };
                votes.push(take);
                remaining -= take;
                left_weight -= w;
            }
            if regional_party {
                votes.push(regional);
            }
            let cumulative = p.hourly.then(|| {
                // Clean voters arrive along the daily curve (multinomial over
                // intervals), shifted per station on the log-odds scale by
                // N(0, hourly_spread); stuffed ballots all arrive in the last
                // interval.
                let shift = if p.hourly_spread > 0.0 {
                    Normal::new(0.0, p.hourly_spread)
                        .expect("finite sd")
                        .sample(&mut g)
                } else {
                    0.0
                };
                let curve = HOURLY_CURVE.map(|c| {
                    if c >= 1.0 || shift == 0.0 {
                        c
                    } else {
                        1.0 / (1.0 + (1.0 - c) / c * shift.exp())
                    }
                });
                let mut cum = Vec::with_capacity(HOURLY_CURVE.len());
                let mut left = voters;
                let mut prev = 0.0;
                let mut total = 0u64;
                for (k, &c) in curve.iter().enumerate() {
                    let add = if k + 1 == HOURLY_CURVE.len() {
                        left
                    } else {
                        binomial(&mut g, left, (c - prev) / (1.0 - prev))
                    };
                    left -= add;
                    total += add;
                    prev = c;
                    cum.push(total);
                }
                *cum.last_mut().expect("non-empty") += stuffed;
                cum
            });
            SimStation {
                station: format!("S{:0width$}", i + 1),
                region: format!("R{:02}", r + 1),
                electorate,
                ballots: voters + stuffed,
                valid: valid_clean + stuffed,
                invalid,
                votes,
                clean_turnout: a,
                clean_share: v,
                fraud,
                intensity: x,
                stuffed,
                stolen,
                cumulative,
                machines: electorate.div_ceil(1000),
            }
        })
        .collect();
    Ok(Simulation {
        params: p.clone(),
        contestants,
        region_turnout,
        region_share,
        stations,
    })
}

/// The truth file written beside a simulated election (`FILE.truth.json`):
/// the parameters, the region means, the totals and, per station, the latent
/// draws and the injected ballots. The station counts themselves are in the
/// election file (and the hourly file), keyed by `station`.
#[derive(Debug, Serialize)]
pub struct Truth<'a> {
    pub schema_version: &'static str,
    pub generator: String,
    pub model: &'static str,
    pub parameters: &'a SimParams,
    pub contestants: &'a [String],
    pub region_turnout_mean: &'a [f64],
    pub region_share_mean: &'a [f64],
    pub totals: TruthTotals,
    pub hourly_times: Option<&'static [&'static str]>,
    #[serde(skip)]
    pub stations: Vec<TruthStation<'a>>,
}

/// One station's truth.
#[derive(Debug, Serialize)]
pub struct TruthStation<'a> {
    pub station: &'a str,
    pub fraud: FraudClass,
    /// Fraud intensity xᵢ (0 without fraud).
    pub intensity: f64,
    /// Clean turnout aᵢ and winner share vᵢ drawn for the station.
    pub clean_turnout: f64,
    pub clean_share: f64,
    /// Ballots stuffed: the inflation of participation.
    pub stuffed: u64,
    /// Votes moved to the winner from the other contestants.
    pub stolen: u64,
}

#[derive(Debug, Serialize)]
pub struct TruthTotals {
    pub stations: usize,
    pub stations_incremental: usize,
    pub stations_extreme: usize,
    pub stuffed: u64,
    pub stolen: u64,
    pub ballots: u64,
    pub electorate: u64,
}

impl Truth<'_> {
    /// The truth as JSON: the header pretty-printed, then `stations` with one
    /// station per line (compact, still valid JSON), and a trailing newline.
    pub fn to_json(&self) -> String {
        let head = serde_json::to_string_pretty(self).expect("truth serialises");
        let mut out = head.trim_end().trim_end_matches('}').trim_end().to_string();
        out.push_str(",\n  \"stations\": [");
        for (k, s) in self.stations.iter().enumerate() {
            out.push_str(if k == 0 { "\n    " } else { ",\n    " });
            out.push_str(&serde_json::to_string(s).expect("station serialises"));
        }
        out.push_str("\n  ]\n}\n");
        out
    }
}

impl Simulation {
    /// The simulated election as a validated [`crate::Election`] (what
    /// loading its CSV would give, without the file), the first contestant
    /// the winner.
    pub fn to_election(&self) -> Result<crate::Election, String> {
        use crate::election::{Contestant, ElectionParts, Level};
        let st = &self.stations;
        let col = |f: &dyn Fn(&SimStation) -> u64| st.iter().map(f).collect::<Vec<u64>>();
        crate::Election::new(ElectionParts {
            name: "simulation".into(),
            stations: st.iter().map(|s| s.station.clone()).collect(),
            source_rows: (1..=st.len()).collect(),
            levels: vec![Level::from_labels(
                "region",
                st.iter().map(|s| s.region.as_str()),
            )],
            electorate: Some(col(&|s| s.electorate)),
            ballots: col(&|s| s.ballots),
            valid: Some(col(&|s| s.valid)),
            invalid: Some(col(&|s| s.invalid)),
            machines: self.params.hourly.then(|| col(&|s| s.machines)),
            contestants: self
                .contestants
                .iter()
                .enumerate()
                .map(|(k, c)| Contestant {
                    column: c.clone(),
                    name: c.clone(),
                    votes: col(&|s| s.votes[k]),
                })
                .collect(),
            winner: self.contestants.first().cloned(),
            quality_flags: vec![0; st.len()],
            ..ElectionParts::default()
        })
    }

    pub fn truth(&self) -> Truth<'_> {
        let count = |c: FraudClass| self.stations.iter().filter(|s| s.fraud == c).count();
        Truth {
            schema_version: "1",
            generator: format!("escrutinio {} simulate", env!("CARGO_PKG_VERSION")),
            model: "Klimek, Yegorov, Hanel & Thurner (PNAS 2012) fraud model, binomial counts",
            parameters: &self.params,
            contestants: &self.contestants,
            region_turnout_mean: &self.region_turnout,
            region_share_mean: &self.region_share,
            totals: TruthTotals {
                stations: self.stations.len(),
                stations_incremental: count(FraudClass::Incremental),
                stations_extreme: count(FraudClass::Extreme),
                stuffed: self.stations.iter().map(|s| s.stuffed).sum(),
                stolen: self.stations.iter().map(|s| s.stolen).sum(),
                ballots: self.stations.iter().map(|s| s.ballots).sum(),
                electorate: self.stations.iter().map(|s| s.electorate).sum(),
            },
            hourly_times: self.params.hourly.then_some(&HOURLY_TIMES[..]),
            stations: self
                .stations
                .iter()
                .map(|s| TruthStation {
                    station: &s.station,
                    fraud: s.fraud,
                    intensity: s.intensity,
                    clean_turnout: s.clean_turnout,
                    clean_share: s.clean_share,
                    stuffed: s.stuffed,
                    stolen: s.stolen,
                })
                .collect(),
        }
    }
}

impl Simulation {
    /// Writes the election (`out`, CSV or Parquet by extension), its truth
    /// (`out.truth.json`) and, when simulated, its participation
    /// (`out.hourly.csv`); returns the truth file's path.
    pub fn write_files(&self, out: &std::path::Path) -> crate::Result<std::path::PathBuf> {
        use crate::error::Error;
        use crate::io::write::write_frame;
        let output = |p: &std::path::Path, e: &dyn std::fmt::Display| Error::Output {
            path: p.display().to_string(),
            message: e.to_string(),
        };
        let mut df = self.to_frame().map_err(|e| output(out, &e))?;
        write_frame(&mut df, out)?;
        let truth_path = std::path::PathBuf::from(format!("{}.truth.json", out.display()));
        std::fs::write(&truth_path, self.truth().to_json()).map_err(|e| output(&truth_path, &e))?;
        if let Some(h) = self.hourly_frame() {
            let path = std::path::PathBuf::from(format!("{}.hourly.csv", out.display()));
            let mut h = h.map_err(|e| output(&path, &e))?;
            write_frame(&mut h, &path)?;
        }
        Ok(truth_path)
    }

    /// The election as a table in the standard layout (no schema needed):
    /// `station, region, electorate, ballots, valid, invalid, <contestants>`.
    pub fn to_frame(&self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        use polars::prelude::*;
        let s = &self.stations;
        let mut cols: Vec<Column> = vec![
            Column::new(
                "station".into(),
                s.iter().map(|x| x.station.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "region".into(),
                s.iter().map(|x| x.region.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "electorate".into(),
                s.iter().map(|x| x.electorate).collect::<Vec<_>>(),
            ),
            Column::new(
                "ballots".into(),
                s.iter().map(|x| x.ballots).collect::<Vec<_>>(),
            ),
            Column::new(
                "valid".into(),
                s.iter().map(|x| x.valid).collect::<Vec<_>>(),
            ),
            Column::new(
                "invalid".into(),
                s.iter().map(|x| x.invalid).collect::<Vec<_>>(),
            ),
        ];
        if self.params.hourly {
            cols.push(Column::new(
                "machines".into(),
                s.iter().map(|x| x.machines).collect::<Vec<_>>(),
            ));
        }
        for (k, name) in self.contestants.iter().enumerate() {
            cols.push(Column::new(
                name.as_str().into(),
                s.iter().map(|x| x.votes[k]).collect::<Vec<_>>(),
            ));
        }
        DataFrame::new(s.len(), cols)
    }

    /// Cumulative participation in long layout: `station, time, cumulative_voters`
    /// (only with `hourly`).
    pub fn hourly_frame(
        &self,
    ) -> Option<polars::prelude::PolarsResult<polars::prelude::DataFrame>> {
        use polars::prelude::*;
        if !self.params.hourly {
            return None;
        }
        let (mut st, mut tm, mut cv) = (Vec::new(), Vec::new(), Vec::new());
        for s in &self.stations {
            for (t, &c) in HOURLY_TIMES
                .iter()
                .zip(s.cumulative.as_deref().unwrap_or(&[]))
            {
                st.push(s.station.as_str());
                tm.push(*t);
                cv.push(c);
            }
        }
        let n = st.len();
        Some(DataFrame::new(
            n,
            vec![
                Column::new("station".into(), st),
                Column::new("time".into(), tm),
                Column::new("cumulative_voters".into(), cv),
            ],
        ))
    }
}
