//! Election fingerprints: two-dimensional histograms of turnout × vote
//! share (Klimek, Yegorov, Hanel & Thurner, *PNAS* 109(41): 16469–16473,
//! 2012, Fig. 1), counted by stations and weighted by voters, for every
//! contestant nationally and for the winner per region, with the Klimek
//! model fitted to the national winner's fingerprint ([`super::klimek`]).
//!
//! Turnout is ballots / electorate and share is votes / share denominator
//! (as [`crate::Election`] defines them). Stations whose turnout or share is
//! undefined or above 1 are counted in `excluded`, not binned. The voter
//! weight of a station is its ballots (Kobak et al.'s weighting).

use serde::Serialize;

use super::klimek::{self, KlimekFit, KlimekOptions};
use crate::election::Election;
use crate::inputs::Inputs;
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use crate::stats::histogram::{Histogram2d, SparseHistogram};

/// Options.
#[derive(Debug, Clone, Serialize)]
pub struct FingerprintOptions {
    /// Bins per axis of the national fingerprints (100: 1-point bins).
    pub bins: usize,
    /// Bins per axis of the regional fingerprints (20: 5-point bins).
    pub region_bins: usize,
    /// The Klimek fit (`None`: not fitted).
    pub klimek: Option<KlimekOptions>,
}

impl Default for FingerprintOptions {
    fn default() -> Self {
        FingerprintOptions {
            bins: 100,
            region_bins: 20,
            klimek: Some(KlimekOptions::default()),
        }
    }
}

/// One contestant's national fingerprints.
#[derive(Debug, Clone, Serialize)]
pub struct ContestantFingerprint {
    pub contestant: String,
    pub winner: bool,
    /// Stations binned.
    pub stations: usize,
    /// Stations with turnout or share undefined or above 1.
    pub excluded: usize,
    /// Counted by stations.
    pub by_stations: SparseHistogram,
    /// Weighted by ballots.
    pub by_voters: SparseHistogram,
}

/// The winner's fingerprint in one region (by stations).
#[derive(Debug, Clone, Serialize)]
pub struct RegionFingerprint {
    pub region: String,
    pub stations: usize,
    pub by_stations: SparseHistogram,
}

impl FingerprintOptions {
    /// Checks every option's domain (the Klimek fit's too).
    pub fn check(&self) -> Result<(), String> {
        for (what, b) in [("bins", self.bins), ("region bins", self.region_bins)] {
            if !(2..=1000).contains(&b) {
                return Err(format!("fingerprint {what} must lie in [2, 1000], not {b}"));
            }
        }
        match &self.klimek {
            Some(k) => k.check(),
            None => Ok(()),
        }
    }
}

/// The options a fingerprint finding ran with (the Klimek fit's with the
/// seed of its bootstrap).
#[derive(Debug, Clone, Serialize)]
pub struct FingerprintRecord {
    pub bins: usize,
    pub region_bins: usize,
    pub klimek: Option<Recorded<KlimekOptions>>,
}

/// The finding.
#[derive(Debug, Clone, Serialize)]
pub struct FingerprintFinding {
    pub options: FingerprintRecord,
    pub contestants: Vec<ContestantFingerprint>,
    pub regions: Vec<RegionFingerprint>,
    pub klimek: Option<KlimekFit>,
    /// Why the fit did not run on these data (too few stations, no clean
    /// mode), when it was asked for; `null` otherwise.
    pub klimek_skipped: Option<String>,
}

/// One contestant's fingerprints over a subset of stations.
fn fingerprint(
    e: &Election,
    c: usize,
    bins: usize,
    pick: impl Fn(usize) -> bool,
) -> (Histogram2d, Histogram2d, usize, usize) {
    let share = &e.shares[c];
    let (mut hs, mut hv) = (Histogram2d::new(bins), Histogram2d::new(bins));
    let (mut kept, mut excluded) = (0, 0);
    for i in (0..e.len()).filter(|&i| pick(i)) {
        if hs.add(e.turnout[i], share[i], 1.0) {
            hv.add(e.turnout[i], share[i], e.ballots[i] as f64);
            kept += 1;
        } else {
            excluded += 1;
        }
    }
    (hs, hv, kept, excluded)
}

/// The fingerprints and the Klimek fit as a family (see
/// [`crate::methods::Family`]).
pub struct Fingerprint;

impl Family for Fingerprint {
    const NAME: &'static str = "fingerprint";
    type Options = FingerprintOptions;
    type Finding = FingerprintFinding;

    /// No bootstrap of the Klimek fit.
    fn without_intervals(o: &FingerprintOptions) -> FingerprintOptions {
        let mut o = o.clone();
        if let Some(k) = &mut o.klimek {
            k.bootstrap = 0;
        }
        o
    }

    fn check(options: &FingerprintOptions) -> Result<(), OptionsError> {
        OptionsError::lift(Self::NAME, options.check())
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<FingerprintOptions>,
        ctx: &Context,
    ) -> Result<FingerprintFinding, Skip> {
        let e = inputs.station_table()?;
        e.electorate()?;
        Ok(analyse(e, options, ctx))
    }

    fn partial_skips(finding: &FingerprintFinding) -> Vec<(&'static str, String)> {
        finding
            .klimek_skipped
            .iter()
            .map(|r| ("fingerprint.klimek", r.clone()))
            .collect()
    }

    fn station_columns(inputs: &Inputs, finding: &FingerprintFinding) -> Vec<StationColumn> {
        let (Some(e), Some(k)) = (inputs.election(), finding.klimek.as_ref()) else {
            return Vec::new();
        };
        let post: Vec<Option<(f64, f64)>> = (0..e.len())
            .map(|i| k.posterior(e.turnout[i], k.options.share_base.winner_share(e, i)))
            .collect();
        vec![
            StationColumn {
                name: "klimek_p_incremental".into(),
                values: ColumnValues::Float(post.iter().map(|p| p.map(|p| p.0)).collect()),
            },
            StationColumn {
                name: "klimek_p_extreme".into(),
                values: ColumnValues::Float(post.iter().map(|p| p.map(|p| p.1)).collect()),
            },
        ]
    }
}

/// Builds the fingerprints and fits the model.
pub fn analyse(
    e: &Election,
    opts: &Checked<FingerprintOptions>,
    ctx: &Context,
) -> FingerprintFinding {
    let contestants = (0..e.contestants.len())
        .map(|c| {
            let (hs, hv, stations, excluded) = fingerprint(e, c, opts.bins, |_| true);
            ContestantFingerprint {
                contestant: e.contestants[c].name.clone(),
                winner: c == e.winner,
                stations,
                excluded,
                by_stations: hs.sparse(),
                by_voters: hv.sparse(),
            }
        })
        .collect();
    let level = e.regions();
    let regions = if level.labels.len() > 1 {
        (0..level.labels.len())
            .map(|r| {
                let (hs, _, stations, _) = fingerprint(e, e.winner, opts.region_bins, |i| {
                    level.codes[i] as usize == r
                });
                RegionFingerprint {
                    region: level.labels[r].clone(),
                    stations,
                    by_stations: hs.sparse(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // Bad options are errors; data the model cannot be fitted to are a
    // recorded skip, so that the rest of the analysis still runs.
    let (klimek, klimek_skipped) = match &opts.klimek {
        Some(k) => match klimek::analyse(e, k, ctx) {
            Ok(f) => (Some(f), None),
            Err(m) => (None, Some(m)),
        },
        None => (None, None),
    };
    FingerprintFinding {
        options: FingerprintRecord {
            bins: opts.bins,
            region_bins: opts.region_bins,
            klimek: opts.klimek.as_ref().map(|k| Recorded::new(k, ctx)),
        },
        contestants,
        regions,
        klimek,
        klimek_skipped,
    }
}
