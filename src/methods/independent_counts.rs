//! Independent counts against the official ones, per station and
//! contestant: photographed ballots (a hard lower bound on a contestant's
//! true count), observers' protocol copies, a parallel tabulation.
//!
//! # What is computed
//! At each station with both figures, the gap `official − independent`.
//! When the independent figure is a lower bound (`kind = "lower_bound"`),
//! every station whose official count is below it undercounted the
//! contestant with certainty, by at least `independent − official`; the sum
//! of these shortfalls over stations is a **certain lower bound** on the
//! votes missing from the contestant's official total (nothing is assumed
//! about stations without independent figures). This is the comparison the
//! Voice (Golos) platform made for Belarus 2020.
//!
//! # Extrapolation
//! The shortfall is extrapolated to the population of stations (the
//! schema's `independent.population`, default the analysed stations) by
//! the expansion estimator of a total under simple random sampling without
//! replacement (Cochran 1977, *Sampling Techniques*, 3rd ed., Theorems 2.1
//! and 2.2): `T̂ = N·ȳ`, `Var T̂ = N²(1 − n/N)·s²/n`, with a normal
//! interval whose lower end is never below the certain bound.
//!
//! # Assumptions
//! The extrapolation assumes the stations with independent figures are a
//! simple random sample of the population. Volunteer platforms and
//! observers are not placed at random (Voice's users were opposition
//! voters, more numerous in cities), so the extrapolated figure is a
//! scenario under that assumption, and the certain bound is the finding.

use serde::Serialize;

use crate::election::Election;
use crate::inputs::Inputs;
use crate::io::join::{IndependentCounts, IndependentKind};
use crate::methods::family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use crate::stats::gof::normal_quantile;

/// Options of the comparison.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IndependentOptions {
    /// Level of the extrapolation's interval.
    pub ci_level: f64,
}

impl Default for IndependentOptions {
    fn default() -> Self {
        IndependentOptions { ci_level: 0.95 }
    }
}

/// The extrapolation of a contestant's shortfall.
#[derive(Debug, Clone, Serialize)]
pub struct Extrapolation {
    /// Stations in the population (N) and with both figures (n).
    pub population: u64,
    pub sample: usize,
    pub estimate: f64,
    pub standard_error: f64,
    /// Never below the certain bound.
    pub ci_low: f64,
    pub ci_high: f64,
    pub assumption: &'static str,
}

/// One region's comparison for a contestant.
#[derive(Debug, Clone, Serialize)]
pub struct IndependentRegion {
    pub region: String,
    pub stations_compared: usize,
    pub stations_official_below: usize,
    pub shortfall: u64,
}

/// One contestant's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct IndependentContestant {
    pub contestant: String,
    pub column: String,
    pub independent_column: String,
    /// Stations with both an official and an independent figure.
    pub stations_compared: usize,
    pub official_total: u64,
    pub independent_total: u64,
    /// Stations whose official count is below the independent figure.
    pub stations_official_below: usize,
    /// Stations whose official count is above it.
    pub stations_official_above: usize,
    /// Σ max(0, independent − official): with `kind = "lower_bound"`, a
    /// certain lower bound on the votes missing from the official count.
    pub shortfall: u64,
    /// Σ (official − independent).
    pub net_gap: i64,
    pub extrapolation: Option<Extrapolation>,
    pub regions: Vec<IndependentRegion>,
    /// (official, independent) per compared station, for the plot.
    #[serde(skip)]
    pub points: Vec<(f64, f64)>,
}

/// The `independent_counts` section of `report.json`.
#[derive(Debug, Clone, Serialize)]
pub struct IndependentFinding {
    pub options: Recorded<IndependentOptions>,
    pub source: String,
    pub origin: String,
    pub kind: IndependentKind,
    /// Whether `shortfall` is a certain bound (`kind = "lower_bound"`).
    pub certain: bool,
    pub rows_of_excluded_stations: usize,
    pub contestants: Vec<IndependentContestant>,
}

/// The family.
pub struct IndependentCountsFamily;

impl Family for IndependentCountsFamily {
    const NAME: &'static str = "independent_counts";
    type Options = IndependentOptions;
    type Finding = IndependentFinding;

    fn check(o: &IndependentOptions) -> Result<(), OptionsError> {
        OptionsError::interval_level(Self::NAME, o.ci_level)
    }

    fn run(
        inputs: &Inputs,
        options: &Checked<IndependentOptions>,
        ctx: &Context,
    ) -> Result<IndependentFinding, Skip> {
        let e = inputs.station_table()?;
        let ind = inputs
            .independent
            .as_ref()
            .ok_or_else(|| Skip::new("no independent counts"))?;
        Ok(compare(e, ind, options, ctx))
    }

    /// Per mapped contestant `independent_<column>` (the figure) and
    /// `gap_<column>` (official − independent), then
    /// `independent_shortfall` (Σ over contestants of max(0, independent −
    /// official)); empty where a station has no independent figure.
    fn station_columns(inputs: &Inputs, _f: &IndependentFinding) -> Vec<StationColumn> {
        let (Some(e), Some(ind)) = (inputs.election(), &inputs.independent) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in &ind.columns {
            let official = &e.contestants[c.contestant];
            out.push(StationColumn {
                name: format!("independent_{}", official.column).into(),
                values: ColumnValues::Unsigned(c.counts.clone()),
            });
            out.push(StationColumn {
                name: format!("gap_{}", official.column).into(),
                values: ColumnValues::Float(
                    c.counts
                        .iter()
                        .zip(&official.votes)
                        .map(|(x, &o)| x.map(|x| o as f64 - x as f64))
                        .collect(),
                ),
            });
        }
        let shortfall = (0..e.len())
            .map(|i| {
                let mut any = false;
                let mut s = 0u64;
                for c in &ind.columns {
                    if let Some(x) = c.counts[i] {
                        any = true;
                        s += x.saturating_sub(e.contestants[c.contestant].votes[i]);
                    }
                }
                any.then_some(s)
            })
            .collect();
        out.push(StationColumn {
            name: "independent_shortfall".into(),
            values: ColumnValues::Unsigned(shortfall),
        });
        out
    }
}

/// Compares the official counts with the independent ones.
pub fn compare(
    e: &Election,
    ind: &IndependentCounts,
    options: &IndependentOptions,
    ctx: &Context,
) -> IndependentFinding {
    let regions = e.regions();
    let contestants = ind
        .columns
        .iter()
        .map(|col| {
            let official = &e.contestants[col.contestant].votes;
            let mut by_region = vec![(0usize, 0usize, 0u64); regions.labels.len()];
            let mut y = Vec::new();
            let mut points = Vec::new();
            let (mut off_total, mut ind_total, mut below, mut above, mut net) =
                (0u64, 0u64, 0usize, 0usize, 0i64);
            for (i, x) in col.counts.iter().enumerate() {
                let Some(x) = *x else { continue };
                let o = official[i];
                let short = x.saturating_sub(o);
                off_total += o;
                ind_total += x;
                below += usize::from(x > o);
                above += usize::from(o > x);
                net += o as i64 - x as i64;
                y.push(short as f64);
                points.push((o as f64, x as f64));
                let r = &mut by_region[regions.codes[i] as usize];
                r.0 += 1;
                r.1 += usize::from(x > o);
                r.2 += short;
            }
            let shortfall: u64 = y.iter().map(|&v| v as u64).sum();
            let population = ind.population.unwrap_or(e.len() as u64);
            IndependentContestant {
                contestant: e.contestants[col.contestant].name.clone(),
                column: e.contestants[col.contestant].column.clone(),
                independent_column: col.column.clone(),
                stations_compared: y.len(),
                official_total: off_total,
                independent_total: ind_total,
                stations_official_below: below,
                stations_official_above: above,
                shortfall,
                net_gap: net,
                extrapolation: expand(&y, population, shortfall, options.ci_level),
                regions: regions
                    .labels
                    .iter()
                    .zip(by_region)
                    .filter(|(_, r)| r.0 > 0)
                    .map(|(name, r)| IndependentRegion {
                        region: name.clone(),
                        stations_compared: r.0,
                        stations_official_below: r.1,
                        shortfall: r.2,
                    })
                    .collect(),
                points,
            }
        })
        .collect();
    IndependentFinding {
        options: Recorded::new(options, ctx),
        source: ind.source.clone(),
        origin: ind.origin.clone(),
        kind: ind.kind,
        certain: ind.kind == IndependentKind::LowerBound,
        rows_of_excluded_stations: ind.rows_of_excluded_stations,
        contestants,
    }
}

/// The expansion estimator of a total under simple random sampling
/// without replacement (Cochran 1977, Theorems 2.1–2.2); `None` with fewer
/// than two sampled stations or a population smaller than the sample.
pub fn expand(y: &[f64], population: u64, bound: u64, level: f64) -> Option<Extrapolation> {
    let n = y.len();
    if n < 2 || population < n as u64 {
        return None;
    }
    let big_n = population as f64;
    let mean = y.iter().sum::<f64>() / n as f64;
    let s2 = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let estimate = big_n * mean;
    let se = big_n * ((1.0 - n as f64 / big_n) * s2 / n as f64).max(0.0).sqrt();
    let z = normal_quantile(0.5 + level / 2.0);
    Some(Extrapolation {
        population,
        sample: n,
        estimate,
        standard_error: se,
        ci_low: (estimate - z * se).max(bound as f64),
        ci_high: estimate + z * se,
        assumption:
            "the stations with independent figures are a simple random sample of the population",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_estimator_closed_form() {
        // y = 0, 2, 4, 6 from N = 8: mean 3, s² = 20/3, T = 24,
        // Var = 64 · (1 − 1/2) · (20/3) / 4 = 160/3.
        let x = expand(&[0.0, 2.0, 4.0, 6.0], 8, 12, 0.95).unwrap();
        assert_eq!(x.estimate, 24.0);
        assert!((x.standard_error - (160.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((x.ci_low - 12.0f64.max(24.0 - 1.959964 * x.standard_error)).abs() < 1e-4);
        // A census has no sampling error.
        let c = expand(&[1.0, 3.0], 2, 4, 0.95).unwrap();
        assert_eq!((c.estimate, c.standard_error), (4.0, 0.0));
        assert!(expand(&[1.0], 10, 1, 0.95).is_none());
    }
}
