//! Reference-subset extrapolation: the leader's votes per registered voter
//! at a subset of stations trusted to count honestly (scanner-counted,
//! observed), applied to every station of the same unit.
//!
//! # Method
//! Kobak's analysis of the 2018 presidential election in Bashkortostan
//! (Meduza, March 2018; notebook `meduza2018/meduza.ipynb` of
//! `dkobak/elections`): within each unit u of a level (territorial
//! commission) that holds reference stations R_u,
//! `r_u = Σ_{i∈R_u} leader_i / Σ_{i∈R_u} electorate_i` and the unit's
//! expected leader vote is `r_u · Σ_{i∈u} electorate_i`. The excess is the
//! counted leader vote of the covered units minus the sum of expectations
//! (a ratio estimator of the unit's total, Cochran 1977, *Sampling
//! Techniques*, §6.2, with the electorate as auxiliary variable).
//!
//! # Interval
//! Percentile interval of a stratified bootstrap: within every unit n − 1
//! of its n reference stations are drawn with replacement (Davison &
//! Hinkley 1997, §3.7, stratified resampling; n − 1 draws remove the
//! (n − 1)/n shrinkage of the bootstrap variance in small strata:
//! McCarthy & Snowden 1985, Rao & Wu 1988, *JASA* 83: 231–241), and the
//! excess recomputed. It
//! describes the sampling variability of the reference stations only; a
//! unit with one reference station adds none (reported in
//! `units_with_one_reference_station`).
//!
//! # Assumptions
//! Without fraud, the reference stations of a unit have the leader's vote
//! per registered voter of the unit's other stations: they are chosen
//! independently of the local vote (a regulation listing scanner stations,
//! not the results). Where scanners sit in towns and towns vote
//! differently, the estimate carries that difference — which is why the
//! per-unit difference between reference and other stations' turnout and
//! leader's share is reported beside it.

use serde::Serialize;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::io::join::ReferenceSubset;
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use crate::rng::Purpose;
use crate::stats::bootstrap::quantile_sorted;

/// Options of the extrapolation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReferenceOptions {
    /// Bootstrap replicates (0: no interval).
    pub bootstrap: usize,
    /// Level of the percentile interval.
    pub ci_level: f64,
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        ReferenceOptions {
            bootstrap: 1000,
            ci_level: 0.95,
        }
    }
}

/// One unit of the extrapolation level.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceUnit {
    pub unit: String,
    pub stations: usize,
    pub reference_stations: usize,
    pub electorate: u64,
    pub counted: u64,
    /// Ballots issued in the unit.
    pub ballots: u64,
    /// Leader's votes per registered voter at the reference stations.
    pub reference_rate: f64,
    /// `reference_rate × electorate`.
    pub expected: f64,
    /// `counted − expected`.
    pub excess: f64,
    /// Turnout at the reference stations minus at the others (`null`
    /// without other stations).
    pub turnout_difference: Option<f64>,
    /// Leader's share of the valid votes at the reference stations minus
    /// at the others.
    pub leader_share_difference: Option<f64>,
}

/// The `reference_subset` section of `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceFinding {
    pub options: Recorded<ReferenceOptions>,
    /// What the subset is, and where it came from.
    pub label: String,
    pub origin: String,
    pub key_columns: Vec<String>,
    pub level: String,
    pub leader: String,
    pub reference_stations: usize,
    /// Rows of the reference list whose station was excluded from the
    /// analysis (invalid counts).
    pub reference_rows_of_excluded_stations: usize,
    /// Units with at least one reference station (the estimate's scope).
    pub units_covered: usize,
    /// Units without any (not extrapolated).
    pub units_not_covered: usize,
    pub units_with_one_reference_station: usize,
    /// Stations, electorate and ballots in the covered units.
    pub stations_covered: usize,
    pub electorate_covered: u64,
    pub ballots_covered: u64,
    /// The leader's counted votes in the covered units.
    pub counted: u64,
    /// Σ over covered units of `r_u × electorate_u`.
    pub expected: f64,
    /// `counted − expected`: the leader's votes above what the reference
    /// stations imply.
    pub excess: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub units: Vec<ReferenceUnit>,
}

/// The family.
pub struct ReferenceSubsetFamily;

impl Family for ReferenceSubsetFamily {
    const NAME: &'static str = "reference_subset";
    type Options = ReferenceOptions;
    type Finding = ReferenceFinding;

    fn check(o: &ReferenceOptions) -> Result<(), OptionsError> {
        OptionsError::interval_level(Self::NAME, o.ci_level)
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<ReferenceOptions>,
        ctx: &Context,
    ) -> Result<ReferenceFinding, Skip> {
        let e = inputs.station_table()?;
        let subset = inputs
            .reference
            .as_ref()
            .ok_or_else(|| Skip::new("no reference subset (--reference FILE)"))?;
        let electorate = e.electorate()?;
        extrapolate(e, electorate, subset, options, ctx).map_err(Skip::from)
    }

    fn station_columns(inputs: &Inputs, _f: &ReferenceFinding) -> Vec<StationColumn> {
        match &inputs.reference {
            Some(r) => vec![StationColumn {
                name: "reference_subset".into(),
                values: ColumnValues::Bool(r.members.iter().map(|&m| Some(m)).collect()),
            }],
            None => Vec::new(),
        }
    }

    fn without_intervals(o: &ReferenceOptions) -> ReferenceOptions {
        ReferenceOptions { bootstrap: 0, ..*o }
    }
}

/// Per unit: its label and (reference members, other members). A unit is
/// qualified by every coarser level (a commission's name may repeat in
/// another region), labelled `region / unit`.
type Unit = (String, Vec<usize>, Vec<usize>);

fn units(e: &Election, level: usize, members: &[bool]) -> Vec<Unit> {
    let mut index: std::collections::HashMap<Vec<u32>, usize> = Default::default();
    let mut out: Vec<Unit> = Vec::new();
    for (i, &member) in members.iter().enumerate() {
        let key: Vec<u32> = e.levels[..=level].iter().map(|l| l.codes[i]).collect();
        let u = *index.entry(key).or_insert_with(|| {
            let label = e.levels[..=level]
                .iter()
                .filter(|l| !(l.name == "region" && l.labels.len() == 1))
                .map(|l| l.labels[l.codes[i] as usize].as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            out.push((label, Vec::new(), Vec::new()));
            out.len() - 1
        });
        if member {
            out[u].1.push(i);
        } else {
            out[u].2.push(i);
        }
    }
    out
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Computes the extrapolation (see the module documentation).
pub fn extrapolate(
    e: &Election,
    electorate: &[u64],
    subset: &ReferenceSubset,
    options: &ReferenceOptions,
    ctx: &Context,
) -> Result<ReferenceFinding, String> {
    let level = e
        .levels
        .iter()
        .position(|l| l.name == subset.level)
        .ok_or_else(|| format!("no level {:?} in the election", subset.level))?;
    let leader = e.winner_votes();
    let groups = units(e, level, &subset.members);
    let sum = |idx: &[usize], v: &dyn Fn(usize) -> u64| idx.iter().map(|&i| v(i)).sum::<u64>();
    let mut rows = Vec::new();
    let mut covered: Vec<(Vec<usize>, u64)> = Vec::new();
    let (mut not_covered, mut single) = (0, 0);
    for (label, refs, others) in &groups {
        if refs.is_empty() {
            not_covered += usize::from(!others.is_empty());
            continue;
        }
        let el_ref = sum(refs, &|i| electorate[i]);
        let el_all = el_ref + sum(others, &|i| electorate[i]);
        let counted = sum(refs, &|i| leader[i]) + sum(others, &|i| leader[i]);
        let Some(r) = rate(sum(refs, &|i| leader[i]), el_ref) else {
            // Reference stations without registered voters give no rate.
            not_covered += 1;
            continue;
        };
        single += usize::from(refs.len() == 1);
        let turnout =
            |idx: &[usize]| rate(sum(idx, &|i| e.ballots[i]), sum(idx, &|i| electorate[i]));
        let share = |idx: &[usize]| {
            rate(
                sum(idx, &|i| leader[i]),
                sum(idx, &|i| e.share_denominator[i]),
            )
        };
        let diff = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
        let expected = r * el_all as f64;
        rows.push(ReferenceUnit {
            unit: label.clone(),
            stations: refs.len() + others.len(),
            reference_stations: refs.len(),
            electorate: el_all,
            counted,
            ballots: sum(refs, &|i| e.ballots[i]) + sum(others, &|i| e.ballots[i]),
            reference_rate: r,
            expected,
            excess: counted as f64 - expected,
            turnout_difference: diff(turnout(refs), turnout(others)),
            leader_share_difference: diff(share(refs), share(others)),
        });
        covered.push((refs.clone(), el_all));
    }
    if rows.is_empty() {
        return Err(format!(
            "no unit of level {:?} has a reference station with registered voters",
            subset.level
        ));
    }
    let counted: u64 = rows.iter().map(|r| r.counted).sum();
    // The expectation summed in unit order (reproducible to the last bit).
    let expected: f64 = rows.iter().map(|r| r.expected).sum();
    let excess = counted as f64 - expected;
    let (ci_low, ci_high) = if options.bootstrap > 0 {
        let mut draws: Vec<f64> = (0..options.bootstrap)
            .map(|b| {
                let mut g = ctx.stream(Purpose::ReferenceBootstrap, b as u64);
                let exp: f64 = covered
                    .iter()
                    .map(|(refs, el_all)| {
                        let (mut l, mut el) = (0u64, 0u64);
                        // n − 1 draws from n (McCarthy & Snowden 1985; Rao &
                        // Wu 1988 with m = n − 1): the bootstrap variance of a
                        // stratum mean is then unbiased, not (n − 1)/n of it.
                        for _ in 0..refs.len().saturating_sub(1).max(1) {
                            let i = refs[rand::Rng::random_range(&mut g, 0..refs.len())];
                            l += leader[i];
                            el += electorate[i];
                        }
                        rate(l, el).unwrap_or(0.0) * *el_all as f64
                    })
                    .sum();
                counted as f64 - exp
            })
            .collect();
        draws.sort_by(f64::total_cmp);
        let a = (1.0 - options.ci_level) / 2.0;
        (
            Some(quantile_sorted(&draws, a)),
            Some(quantile_sorted(&draws, 1.0 - a)),
        )
    } else {
        (None, None)
    };
    Ok(ReferenceFinding {
        options: Recorded::new(options, ctx),
        label: subset.label.clone(),
        origin: subset.origin.clone(),
        key_columns: subset.key_columns.clone(),
        level: subset.level.clone(),
        leader: e.contestants[e.winner].name.clone(),
        reference_stations: subset.members.iter().filter(|&&m| m).count(),
        reference_rows_of_excluded_stations: subset.rows_of_excluded_stations,
        units_covered: rows.len(),
        units_not_covered: not_covered,
        units_with_one_reference_station: single,
        stations_covered: rows.iter().map(|r| r.stations).sum(),
        electorate_covered: rows.iter().map(|r| r.electorate).sum(),
        ballots_covered: rows.iter().map(|r| r.ballots).sum(),
        counted,
        expected,
        excess,
        ci_low,
        ci_high,
        units: rows,
    })
}
