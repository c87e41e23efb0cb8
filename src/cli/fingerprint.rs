//! `escrutinio fingerprint FILE [--schema S] [--seed S] [--json] [fingerprint options]`
//!
//! The turnout-versus-vote-share family on one election: the Klimek et al.
//! fraud-model fit of the winner's fingerprint, Shpilkin-style excess votes,
//! the integer-percentage test and the turnout distribution, printed as a
//! short report (or, with `--json`, the four sections of `report.json`).
//! Exit code 0, or 2 on unusable input or options.

use std::path::PathBuf;

use super::emit;

use escrutinio::io::{load, InvalidRows};
use escrutinio::methods::excess::{self, ExcessOptions};
use escrutinio::methods::fingerprint::{self, FingerprintOptions};
use escrutinio::methods::integer_percent::{self, IntegerPercentOptions};
use escrutinio::methods::klimek::{Distance, KlimekOptions, Procedure};
use escrutinio::methods::turnout_distribution::{self, TurnoutDistributionOptions};
use escrutinio::report::format_p_value;

/// Options of the fingerprint family, shared by `fingerprint` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct FingerprintArgs {
    /// Bins per axis of the national fingerprints.
    #[arg(long, default_value_t = 100)]
    pub fingerprint_bins: usize,
    /// Skip the Klimek model fit.
    #[arg(long)]
    pub no_klimek: bool,
    /// Bootstrap replicates of the Klimek fit (each refits the model).
    #[arg(long, default_value_t = 100)]
    pub klimek_bootstrap: usize,
    /// Bins per axis of the fingerprint the Klimek model is fitted to.
    #[arg(long, default_value_t = 50)]
    pub klimek_bins: usize,
    /// Distance of the Klimek fit: multinomial (binned likelihood) or rss.
    #[arg(long, default_value = "multinomial")]
    pub klimek_distance: String,
    /// Procedure of the Klimek fit: scoring (escrutinio's maximum likelihood
    /// over all eight parameters) or grid-2018 (Klimek et al. 2018: Kobak's
    /// clean reading and θ fixed, RSS on 1 % cells, grids over f and α).
    #[arg(long, default_value = "scoring")]
    pub klimek_procedure: String,
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
    pub fn fingerprint(&self, seed: u64) -> escrutinio::Result<FingerprintOptions> {
        let distance = match self.klimek_distance.as_str() {
            "multinomial" => Distance::Multinomial,
            "rss" => Distance::Rss,
            d => {
                return Err(escrutinio::Error::Options(format!(
                    "unknown Klimek distance {d:?} (multinomial or rss)"
                )))
            }
        };
        let procedure = match self.klimek_procedure.as_str() {
            "scoring" => Procedure::Scoring,
            "grid-2018" => Procedure::Grid2018,
            p => {
                return Err(escrutinio::Error::Options(format!(
                    "unknown Klimek procedure {p:?} (scoring or grid-2018)"
                )))
            }
        };
        Ok(FingerprintOptions {
            bins: self.fingerprint_bins,
            klimek: (!self.no_klimek).then(|| KlimekOptions {
                procedure,
                bins: self.klimek_bins,
                bootstrap: self.klimek_bootstrap,
                ci_level: self.interval_level,
                distance,
                theta: self.klimek_theta,
                seed,
                ..KlimekOptions::default()
            }),
            ..FingerprintOptions::default()
        })
    }

    pub fn excess(&self, seed: u64) -> ExcessOptions {
        ExcessOptions {
            peak: self.excess_peak,
            bootstrap: self.excess_bootstrap,
            ci_level: self.interval_level,
            seed,
            ..ExcessOptions::default()
        }
    }

    pub fn integer_percent(&self, seed: u64) -> escrutinio::Result<IntegerPercentOptions> {
        if !(self.integer_max_rate > 0.0 && self.integer_max_rate <= 1.0) {
            return Err(escrutinio::Error::Options(format!(
                "--integer-max-rate must lie in (0, 1], not {}",
                self.integer_max_rate
            )));
        }
        if !(self.integer_tolerance > 0.0 && self.integer_tolerance < 0.5) {
            return Err(escrutinio::Error::Options(format!(
                "--integer-tolerance must lie in (0, 0.5), not {}",
                self.integer_tolerance
            )));
        }
        Ok(IntegerPercentOptions {
            min_electorate: self.integer_min_electorate,
            max_rate: self.integer_max_rate,
            tolerance: self.integer_tolerance,
            monte_carlo: self.integer_monte_carlo,
            seed,
        })
    }

    pub fn turnout_distribution(&self, seed: u64) -> TurnoutDistributionOptions {
        TurnoutDistributionOptions {
            ci_level: self.interval_level,
            seed,
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
    let (fo, xo, io, to) = (
        o.fingerprint(a.seed)?,
        o.excess(a.seed),
        o.integer_percent(a.seed)?,
        o.turnout_distribution(a.seed),
    );
    let loaded = load(&a.file, a.schema.as_deref(), InvalidRows::Exclude)?;
    let e = loaded.election()?;
    let bad = escrutinio::Error::Options;
    let f = fingerprint::analyse(e, &fo).map_err(bad)?;
    let x = excess::analyse(e, &xo).map_err(bad)?;
    let ip = integer_percent::analyse(e, &io);
    let td = turnout_distribution::analyse(e, &to).map_err(bad)?;
    use std::fmt::Write as _;
    let mut out = String::new();
    if a.json {
        let v = serde_json::json!({
            "fingerprint": f,
            "excess_votes": x,
            "integer_percent": ip,
            "turnout_distribution": td,
        });
        let s = serde_json::to_string_pretty(&v).expect("findings serialise");
        out.push_str(&escrutinio::report::json::inline_scalar_arrays(&s));
        out.push('\n');
        emit(&out);
        return Ok(0);
    }
    let _ = writeln!(
        out,
        "{}: {} stations, winner {}",
        e.name,
        e.len(),
        e.contestants[e.winner].name
    );
    if let Some(k) = &f.klimek {
        let _ = writeln!(
            out,
            "\nKlimek fit ({} stations, {} excluded, {} bootstrap replicates):",
            k.stations, k.excluded, k.bootstrap_replicates
        );
        let _ = writeln!(
            out,
            "  incremental fraud f_i  {}",
            k.incremental_fraud.display(4)
        );
        let _ = writeln!(
            out,
            "  extreme fraud f_e      {}",
            k.extreme_fraud.display(4)
        );
        let _ = writeln!(
            out,
            "  theta, alpha           {}, {}",
            k.theta.display(3),
            k.alpha.display(2)
        );
        let _ = writeln!(
            out,
            "  clean turnout, share   {}, {}",
            k.turnout_mean.display(3),
            k.share_mean.display(3)
        );
        let _ = writeln!(
            out,
            "  manufactured ballots   {}",
            k.manufactured_ballots.display(0)
        );
        let _ = writeln!(out, "  {}", k.verdict);
    }
    let n = &x.national;
    let _ = writeln!(
        out,
        "\nExcess votes (clean peak {:.0} %, clean share {:.3}): {:.0} [{}, {}]; stuffing {:.0}, switching {:.0}\n  {}",
        100.0 * n.peak_turnout,
        n.clean_share,
        n.estimate,
        n.ci_low.map_or("-".into(), |v| format!("{v:.0}")),
        n.ci_high.map_or("-".into(), |v| format!("{v:.0}")),
        n.stuffing,
        n.switching,
        x.verdict
    );
    let _ = writeln!(
        out,
        "\nInteger percentages ({} stations kept, {} excluded):",
        ip.stations, ip.excluded
    );
    for (name, c) in [
        ("turnout", &ip.turnout),
        ("leader", &ip.leader),
        ("either", &ip.either),
    ] {
        let _ = writeln!(
            out,
            "  {name:<8} observed {:>7} expected {:>9.1} sd {:>6.1} excess {:>8.1} p {}",
            c.observed,
            c.expected,
            c.sd,
            c.excess,
            format_p_value(Some(c.p_value), "-")
        );
    }
    let _ = writeln!(out, "  {}", ip.verdict);
    let _ = writeln!(
        out,
        "\nTurnout distribution: skewness {:.3}, kurtosis {:.3}, dip {:.4} (p {}), corr(turnout, winner share) {:.3}",
        td.skewness.estimate,
        td.kurtosis.estimate,
        td.dip_test.dip,
        format_p_value(Some(td.dip_test.p_value), "-"),
        td.turnout_share_correlation.estimate
    );
    for s in &td.slopes {
        let _ = writeln!(
            out,
            "  votes/electorate on turnout: {:<28} slope {:>7.3} [{:.3}, {:.3}] {:?}",
            s.contestant, s.slope, s.ci_low, s.ci_high, s.reading
        );
    }
    emit(&out);
    Ok(0)
}
