//! `escrutinio fingerprint FILE [--schema S] [--seed S] [--json] [fingerprint options]`
//!
//! The turnout-versus-vote-share family on one election: the Klimek et al.
//! fraud-model fit of the winner's fingerprint, Shpilkin-style excess votes,
//! the integer-percentage test and the turnout distribution, printed as a
//! short report (or, with `--json`, the four sections of `report.json`).
//! Exit code 0, or 2 on unusable input or options.

use std::path::PathBuf;

use super::{emit, emit_json};

use escrutinio::analyze::Plan;
use escrutinio::inputs::{InputFiles, Inputs};
use escrutinio::methods::excess::{ExcessOptions, Resampling};
use escrutinio::methods::fingerprint::FingerprintOptions;
use escrutinio::methods::integer_percent::IntegerPercentOptions;
use escrutinio::methods::klimek::{BootstrapMethod, Distance, KlimekOptions, Procedure};
use escrutinio::methods::turnout_distribution::TurnoutDistributionOptions;
use escrutinio::methods::Context;
use escrutinio::report::text;

/// Options of the fingerprint family, shared by `fingerprint` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct FingerprintArgs {
    /// Bins per axis of the national fingerprints.
    #[arg(long, default_value_t = 100)]
    pub fingerprint_bins: usize,
    /// Skip the Klimek model fit.
    #[arg(long)]
    pub no_klimek: bool,
    /// Bootstrap replicates of the Klimek fit.
    #[arg(long, default_value_t = 100)]
    pub klimek_bootstrap: usize,
    /// How each Klimek bootstrap replicate is fitted: linearised (the model
    /// linearised at the point estimate with its curvature term; default)
    /// or refit (damped Fisher scoring, about 9× slower).
    #[arg(long, default_value = "linearised")]
    pub klimek_bootstrap_method: BootstrapMethod,
    /// Bins per axis of the fingerprint the Klimek model is fitted to.
    #[arg(long, default_value_t = 50)]
    pub klimek_bins: usize,
    /// Distance of the Klimek fit: multinomial (binned likelihood) or rss.
    #[arg(long, default_value = "multinomial")]
    pub klimek_distance: Distance,
    /// Procedure of the Klimek fit: scoring (escrutinio's maximum likelihood
    /// over all eight parameters) or grid-2018 (Klimek et al. 2018: Kobak's
    /// clean reading and θ fixed, RSS on 1 % cells, grids over f and α).
    #[arg(long, default_value = "scoring")]
    pub klimek_procedure: Procedure,
    /// Fix the incremental-fraud width θ instead of fitting it.
    #[arg(long)]
    pub klimek_theta: Option<f64>,
    /// Level of every interval of the family.
    #[arg(long, default_value_t = 0.95)]
    pub interval_level: f64,
    /// Fixed clean peak of the excess-vote estimate, in percent.
    #[arg(long)]
    pub excess_peak: Option<f64>,
    /// Bootstrap replicates of the excess-vote estimate.
    #[arg(long, default_value_t = 1000)]
    pub excess_bootstrap: usize,
    /// How an excess-vote bootstrap replicate is drawn: cells (the station
    /// bootstrap on per-cell sums; default) or stations (every station drawn).
    #[arg(long, default_value = "cells")]
    pub excess_resampling: Resampling,
    /// How a bootstrap replicate of the turnout distribution's skewness and
    /// kurtosis is drawn: cells (the station bootstrap of the power sums per
    /// 0.5 % turnout bin; default) or stations (every station drawn).
    #[arg(long, default_value = "cells")]
    pub turnout_resampling: Resampling,
    /// Integer-percentage test: smallest electorate kept.
    #[arg(long, default_value_t = 100)]
    pub integer_min_electorate: u64,
    /// Integer-percentage test: largest turnout and leader's result kept.
    #[arg(long, default_value_t = 0.99)]
    pub integer_max_rate: f64,
    /// Integer-percentage test: half-width of "integer", in points.
    #[arg(long, default_value_t = 0.05)]
    pub integer_tolerance: f64,
    /// Integer-percentage test: replicates of the paper's Monte Carlo null
    /// (0: exact null only).
    #[arg(long, default_value_t = 0)]
    pub integer_monte_carlo: usize,
}

impl FingerprintArgs {
    pub fn fingerprint(&self) -> FingerprintOptions {
        FingerprintOptions {
            bins: self.fingerprint_bins,
            klimek: (!self.no_klimek).then(|| KlimekOptions {
                procedure: self.klimek_procedure,
                bins: self.klimek_bins,
                bootstrap: self.klimek_bootstrap,
                bootstrap_method: self.klimek_bootstrap_method,
                ci_level: self.interval_level,
                distance: self.klimek_distance,
                theta: self.klimek_theta,
                ..KlimekOptions::default()
            }),
            ..FingerprintOptions::default()
        }
    }

    pub fn excess(&self) -> ExcessOptions {
        ExcessOptions {
            peak: self.excess_peak,
            bootstrap: self.excess_bootstrap,
            resampling: self.excess_resampling,
            ci_level: self.interval_level,
            ..ExcessOptions::default()
        }
    }

    pub fn integer_percent(&self) -> IntegerPercentOptions {
        IntegerPercentOptions {
            min_electorate: self.integer_min_electorate,
            max_rate: self.integer_max_rate,
            tolerance: self.integer_tolerance,
            monte_carlo: self.integer_monte_carlo,
        }
    }

    pub fn turnout_distribution(&self) -> TurnoutDistributionOptions {
        TurnoutDistributionOptions {
            ci_level: self.interval_level,
            resampling: self.turnout_resampling,
            ..TurnoutDistributionOptions::default()
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Station-results file (CSV, .csv.gz or Parquet).
    pub file: PathBuf,
    /// Schema file (TOML) mapping columns to roles.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Seed of every random procedure.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub options: FingerprintArgs,
    /// Print the four sections as JSON instead of a report.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> escrutinio::Result<i32> {
    let o = &a.options;
    let plan = Plan {
        fingerprint: Some(o.fingerprint()),
        excess_votes: Some(o.excess()),
        integer_percent: Some(o.integer_percent()),
        turnout_distribution: Some(o.turnout_distribution()),
        ..Plan::none()
    }
    .check()?;
    let inputs = Inputs::load(&InputFiles {
        stations: Some(a.file),
        schema: a.schema,
        ..InputFiles::default()
    })?;
    let e = inputs.require_election()?;
    let outcome = plan.run(&inputs, &Context::new(a.seed));
    // The four sections, or the first reason one could not run.
    if let Some(s) = outcome
        .skipped
        .iter()
        .find(|s| s.method != "fingerprint.klimek")
    {
        return Err(escrutinio::Error::Options(s.reason.clone()));
    }
    let f = outcome.findings;
    let (Some(fp), Some(x), Some(ip), Some(td)) = (
        &f.fingerprint,
        &f.excess_votes,
        &f.integer_percent,
        &f.turnout_distribution,
    ) else {
        return Err(escrutinio::Error::Options(
            "a fingerprint family neither ran nor reported why".into(),
        ));
    };
    if a.json {
        emit_json(&serde_json::json!({
            "fingerprint": fp,
            "excess_votes": x,
            "integer_percent": ip,
            "turnout_distribution": td,
        }));
        return Ok(0);
    }
    emit(&format!(
        "{}: {} stations, winner {}\n{}{}{}{}",
        e.name,
        e.len(),
        e.contestants[e.winner].name,
        text::klimek(fp),
        text::excess_votes(x),
        text::integer_percent(ip),
        text::turnout_distribution(td)
    ));
    Ok(0)
}
