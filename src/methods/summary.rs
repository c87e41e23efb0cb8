//! The election summary: exact totals, shares, per-region figures and the
//! turnout distribution. No statistics are tested here; this is the
//! descriptive base every later method and the report stand on.

use serde::Serialize;

use crate::election::{ratio, Election, WinnerRule};

/// Width of a turnout histogram bin: one percentage point.
pub const TURNOUT_BINS: usize = 100;

/// Totals of one contestant.
#[derive(Debug, Clone, Serialize)]
pub struct ContestantTotal {
    pub name: String,
    pub column: String,
    pub votes: u64,
    /// Votes over the summed share denominator (valid ballots, or all votes when
    /// the data have no valid column).
    pub share: f64,
    pub winner: bool,
}

/// Totals over one region.
#[derive(Debug, Clone, Serialize)]
pub struct RegionSummary {
    pub region: String,
    pub stations: usize,
    /// `null` when the data have no registered voters (turnout then `null`).
    pub electorate: Option<u64>,
    pub ballots: u64,
    pub turnout: f64,
    pub winner_votes: u64,
    pub winner_share: f64,
    /// Stations with turnout of 100 % or more.
    pub stations_turnout_100: usize,
}

/// Turnout histogram with 1-percentage-point bins, computed in exact integer
/// arithmetic (`bin = floor(100 * ballots / electorate)`), so that a station at
/// exactly 29 % lands in bin 29 whatever floating-point rounding would do.
#[derive(Debug, Clone, Serialize)]
pub struct TurnoutHistogram {
    /// Lower edges of the bins, in percent: 0, 1, ..., 99, and 100 for "100 % or more".
    pub lower_percent: Vec<u32>,
    /// Stations per bin.
    pub stations: Vec<u64>,
    /// Ballots (voters) per bin.
    pub ballots: Vec<u64>,
}

/// Distribution of station turnout (stations with electorate > 0).
#[derive(Debug, Clone, Serialize)]
pub struct TurnoutDistribution {
    /// Stations with a defined turnout (electorate > 0).
    pub stations: usize,
    pub mean: f64,
    pub sd: f64,
    /// Quantiles (R type 7: linear interpolation between order statistics)
    /// at probabilities 0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.
    pub quantiles: Vec<Quantile>,
    /// Stations with turnout exactly 100 %.
    pub stations_at_100: usize,
    /// Stations with turnout above 100 %.
    pub stations_above_100: usize,
    pub histogram: TurnoutHistogram,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quantile {
    pub p: f64,
    pub turnout: f64,
}

/// The `summary` section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub name: String,
    pub stations: usize,
    pub regions: usize,
    /// `null` when the data have no registered voters (turnout then `null`).
    pub electorate: Option<u64>,
    /// Ballots issued (the turnout numerator).
    pub ballots: u64,
    pub ballots_in_boxes: Option<u64>,
    pub valid: Option<u64>,
    pub invalid: Option<u64>,
    /// Total ballots over total electorate.
    pub turnout: f64,
    pub winner: String,
    pub winner_rule: WinnerRule,
    /// Sorted by votes, largest first.
    pub contestants: Vec<ContestantTotal>,
    pub by_region: Vec<RegionSummary>,
    pub turnout_distribution: TurnoutDistribution,
}

/// Summarises an election. Deterministic and exact: counts are integer sums.
pub fn summarize(e: &Election) -> Summary {
    let electorate: Option<u64> = e.electorate.as_ref().map(|v| v.iter().sum());
    let ballots: u64 = e.ballots.iter().sum();
    let denominator: u64 = e.share_denominator.iter().sum();
    let mut contestants: Vec<ContestantTotal> = e
        .contestants
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let votes: u64 = c.votes.iter().sum();
            ContestantTotal {
                name: c.name.clone(),
                column: c.column.clone(),
                votes,
                share: ratio(votes, denominator),
                winner: i == e.winner,
            }
        })
        .collect();
    contestants.sort_by_key(|c| std::cmp::Reverse(c.votes));
    Summary {
        name: e.name.clone(),
        stations: e.len(),
        regions: e.regions().labels.len(),
        electorate,
        ballots,
        ballots_in_boxes: e.ballots_in_boxes.as_ref().map(|v| v.iter().sum()),
        valid: e.valid.as_ref().map(|v| v.iter().sum()),
        invalid: e.invalid.as_ref().map(|v| v.iter().sum()),
        turnout: electorate.map_or(f64::NAN, |el| ratio(ballots, el)),
        winner: e.contestants[e.winner].name.clone(),
        winner_rule: e.winner_rule,
        contestants,
        by_region: by_region(e),
        turnout_distribution: turnout_distribution(e),
    }
}

fn by_region(e: &Election) -> Vec<RegionSummary> {
    let level = e.regions();
    let k = level.labels.len();
    let mut acc = vec![(0usize, 0u64, 0u64, 0u64, 0u64, 0usize); k];
    let w = e.winner_votes();
    for i in 0..e.len() {
        let a = &mut acc[level.codes[i] as usize];
        a.0 += 1;
        let el = e.electorate.as_ref().map(|v| v[i]);
        a.1 += el.unwrap_or(0);
        a.2 += e.ballots[i];
        a.3 += w[i];
        a.4 += e.share_denominator[i];
        a.5 += usize::from(el.is_some_and(|el| el > 0 && e.ballots[i] >= el));
    }
    level
        .labels
        .iter()
        .zip(acc)
        .map(|(name, a)| RegionSummary {
            region: name.clone(),
            stations: a.0,
            electorate: e.electorate.as_ref().map(|_| a.1),
            ballots: a.2,
            turnout: if e.electorate.is_some() {
                ratio(a.2, a.1)
            } else {
                f64::NAN
            },
            winner_votes: a.3,
            winner_share: ratio(a.3, a.4),
            stations_turnout_100: a.5,
        })
        .collect()
}

/// Linear-interpolation quantile of sorted data (R type 7, Hyndman & Fan 1996, definition 7).
pub use crate::stats::bootstrap::quantile_sorted;

fn turnout_distribution(e: &Election) -> TurnoutDistribution {
    let mut t: Vec<f64> = e
        .turnout
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    t.sort_by(f64::total_cmp);
    let n = t.len();
    let mean = t.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (t.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    let quantiles = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0]
        .iter()
        .map(|&p| Quantile {
            p,
            turnout: quantile_sorted(&t, p),
        })
        .collect();
    let mut stations = vec![0u64; TURNOUT_BINS + 1];
    let mut ballots = vec![0u64; TURNOUT_BINS + 1];
    let (mut at, mut above) = (0, 0);
    let electorate = e.electorate.as_deref().unwrap_or(&[]);
    for (i, &el) in electorate.iter().enumerate() {
        let b = e.ballots[i];
        if el == 0 {
            continue;
        }
        let bin = ((100 * b as u128) / el as u128).min(TURNOUT_BINS as u128) as usize;
        stations[bin] += 1;
        ballots[bin] += b;
        at += usize::from(b == el);
        above += usize::from(b > el);
    }
    TurnoutDistribution {
        stations: n,
        mean,
        sd,
        quantiles,
        stations_at_100: at,
        stations_above_100: above,
        histogram: TurnoutHistogram {
            lower_percent: (0..=TURNOUT_BINS as u32).collect(),
            stations,
            ballots,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::election::{Contestant, ElectionParts, Level};

    fn tiny() -> Election {
        Election::new(ElectionParts {
            name: "t".into(),
            stations: vec!["a".into(), "b".into(), "c".into()],
            source_rows: vec![1, 2, 3],
            levels: vec![Level::from_labels("region", ["N", "S", "N"])],
            electorate: Some(vec![100, 200, 0]),
            ballots: vec![29, 200, 5],
            valid: Some(vec![29, 190, 5]),
            contestants: vec![
                Contestant {
                    column: "x".into(),
                    name: "X".into(),
                    votes: vec![20, 100, 5],
                },
                Contestant {
                    column: "y".into(),
                    name: "Y".into(),
                    votes: vec![9, 90, 0],
                },
            ],
            quality_flags: vec![0, 0, 1],
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn hand_computed_totals() {
        let s = summarize(&tiny());
        assert_eq!((s.stations, s.electorate, s.ballots), (3, Some(300), 234));
        assert_eq!(s.turnout, 234.0 / 300.0);
        assert_eq!(s.winner, "X");
        assert_eq!(s.contestants[0].votes, 125);
        assert_eq!(s.contestants[0].share, 125.0 / 224.0);
        assert_eq!(s.by_region[0].region, "N");
        assert_eq!(s.by_region[0].ballots, 34);
        assert_eq!(s.by_region[1].stations_turnout_100, 1);
        let d = &s.turnout_distribution;
        assert_eq!(d.stations, 2);
        // 29/100 is exactly 29 %: integer binning puts it in bin 29.
        assert_eq!(d.histogram.stations[29], 1);
        assert_eq!(d.histogram.stations[100], 1);
        assert_eq!(d.stations_at_100, 1);
        assert!((d.mean - 0.645).abs() < 1e-15);
    }

    #[test]
    fn type7_quantiles() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
        assert!((quantile_sorted(&v, 0.25) - 1.75).abs() < 1e-15);
    }
}
