//! The options of the Klimek fit: the distance between fingerprints, the
//! procedure (escrutinio's scoring fit or the grid preset of Klimek et al.
//! 2018, *PLOS ONE* 13(8): e0201882), the denominator of the winner's
//! share, the search box and the bootstrap, with their defaults and the
//! check of their domains.

use std::str::FromStr;

use serde::Serialize;

use crate::election::Election;

/// The distance between the observed and the model's fingerprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// Multinomial log-likelihood of the station counts per cell (binned
    /// maximum likelihood): weighs sparse cells, where fraud shows, by
    /// their information.
    Multinomial,
    /// Residual sum of squares of station proportions per cell (Klimek et
    /// al. 2018).
    Rss,
}

impl FromStr for Distance {
    type Err = String;

    /// `multinomial` or `rss`.
    fn from_str(s: &str) -> Result<Distance, String> {
        match s {
            "multinomial" => Ok(Distance::Multinomial),
            "rss" => Ok(Distance::Rss),
            _ => Err(format!(
                "unknown Klimek distance {s:?} (multinomial or rss)"
            )),
        }
    }
}

/// How the parameters are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// escrutinio's: all eight parameters by binned maximum likelihood (or
    /// the RSS), a (θ, α) grid then Fisher scoring (the module doc).
    Scoring,
    /// Klimek et al. (2018) as a replication describes it: Kobak's clean
    /// reading and θ held fixed, the RSS between 1 %-binned fingerprints,
    /// f_i and f_e on a 0.01 grid, α in 0.1 steps on [0, 5]. Sets `bins`
    /// to 100 and `distance` to `rss`.
    Grid2018,
}

impl FromStr for Procedure {
    type Err = String;

    /// `scoring` or `grid-2018`.
    fn from_str(s: &str) -> Result<Procedure, String> {
        match s {
            "scoring" => Ok(Procedure::Scoring),
            "grid-2018" => Ok(Procedure::Grid2018),
            _ => Err(format!(
                "unknown Klimek procedure {s:?} (scoring or grid-2018)"
            )),
        }
    }
}

/// How a bootstrap replicate of the scoring fit is computed (the 2018
/// grid preset always reruns its whole procedure): `Linearised` maximises
/// the replicate's distance over the model linearised at the point
/// estimate, m̂ + J(θ − θ̂), to convergence within the box, then evaluates
/// the model once at the result; `Refit` refits each replicate by damped
/// Fisher scoring from the point estimate, up to
/// `max_iterations_bootstrap` iterations.
pub use crate::stats::bootstrap::BootstrapMethod;

/// The denominator of the winner's share in the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBase {
    /// Valid + invalid ballots (Kobak, Shpilkin & Pshenichnikov's
    /// convention; with it the clean parameters reproduce Kobak's values).
    /// Falls back to the election's share denominator without an invalid
    /// column.
    ValidAndInvalid,
    /// The election's share denominator (valid votes, or the sum of votes).
    Valid,
}

impl ShareBase {
    /// The winner's share at station `i` under this base (NaN when the
    /// denominator is 0).
    pub fn winner_share(self, e: &Election, i: usize) -> f64 {
        let d = e.share_denominator[i]
            + match (self, &e.invalid) {
                (ShareBase::ValidAndInvalid, Some(inv)) => inv[i],
                _ => 0,
            };
        if d == 0 {
            f64::NAN
        } else {
            e.winner_votes()[i] as f64 / d as f64
        }
    }
}

/// Options of the fit.
#[derive(Debug, Clone, Serialize)]
pub struct KlimekOptions {
    pub procedure: Procedure,
    /// Bins per axis of the fitted fingerprint (default 50: 2-point cells).
    pub bins: usize,
    pub distance: Distance,
    pub share_base: ShareBase,
    /// Bootstrap replicates (0: no intervals).
    pub bootstrap: usize,
    /// How each replicate of the scoring fit is computed.
    pub bootstrap_method: BootstrapMethod,
    /// Level of the percentile intervals.
    pub ci_level: f64,
    /// Width of the extreme-fraud intensity 1 − |N(0, ·)| (paper: 0.075).
    pub extreme_sd: f64,
    pub theta_max: f64,
    pub alpha_max: f64,
    /// Fixed θ (`None`: fitted within [`theta_min`, `theta_max`]).
    pub theta: Option<f64>,
    /// Smallest θ searched: below it incremental fraud is indistinguishable
    /// from a wider clean mode, and f_i is not identified.
    pub theta_min: f64,
    /// Fisher-scoring iterations from each start of the point fit, and for
    /// each bootstrap replicate refitted (`BootstrapMethod::Refit`).
    pub max_iterations: usize,
    pub max_iterations_bootstrap: usize,
}

impl Default for KlimekOptions {
    fn default() -> Self {
        KlimekOptions {
            procedure: Procedure::Scoring,
            bins: 50,
            distance: Distance::Multinomial,
            share_base: ShareBase::ValidAndInvalid,
            bootstrap: 100,
            bootstrap_method: BootstrapMethod::Linearised,
            ci_level: 0.95,
            extreme_sd: 0.075,
            theta_max: 0.6,
            alpha_max: 5.0,
            theta: None,
            theta_min: 0.2,
            max_iterations: 60,
            max_iterations_bootstrap: 30,
        }
    }
}

impl KlimekOptions {
    pub fn check(&self) -> Result<(), String> {
        if !(10..=400).contains(&self.bins) {
            return Err(format!(
                "klimek bins must lie in [10, 400], not {}",
                self.bins
            ));
        }
        if !(self.ci_level > 0.0 && self.ci_level < 1.0) {
            return Err(format!(
                "ci level must lie in (0, 1), not {}",
                self.ci_level
            ));
        }
        if !(self.theta_max > 0.05 && self.theta_max <= 1.0) {
            return Err("theta_max must lie in (0.05, 1]".into());
        }
        if !(self.alpha_max > 0.5 && self.alpha_max <= 20.0) {
            return Err("alpha_max must lie in (0.5, 20]".into());
        }
        if !(self.extreme_sd > 0.0 && self.extreme_sd < 1.0) {
            return Err("extreme_sd must lie in (0, 1)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_and_procedure_parse_their_names() {
        assert_eq!("multinomial".parse(), Ok(Distance::Multinomial));
        assert_eq!("rss".parse(), Ok(Distance::Rss));
        assert_eq!(
            "RSS".parse::<Distance>(),
            Err("unknown Klimek distance \"RSS\" (multinomial or rss)".to_string())
        );
        assert_eq!("linearised".parse(), Ok(BootstrapMethod::Linearised));
        assert_eq!("refit".parse(), Ok(BootstrapMethod::Refit));
        assert!("linearized".parse::<BootstrapMethod>().is_err());
        assert_eq!("scoring".parse(), Ok(Procedure::Scoring));
        assert_eq!("grid-2018".parse(), Ok(Procedure::Grid2018));
        assert_eq!(
            "grid".parse::<Procedure>(),
            Err("unknown Klimek procedure \"grid\" (scoring or grid-2018)".to_string())
        );
    }

    #[test]
    fn defaults_pass_the_check() {
        assert_eq!(KlimekOptions::default().check(), Ok(()));
        let bad = KlimekOptions {
            bins: 5,
            ..KlimekOptions::default()
        };
        assert_eq!(
            bad.check(),
            Err("klimek bins must lie in [10, 400], not 5".to_string())
        );
    }
}
