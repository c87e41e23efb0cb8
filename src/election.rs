//! The validated election: one column per quantity, one entry per station.

use serde::Serialize;

/// A grouping level (region, district, ...): each station's code and the labels.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// Level name (`region`, or as the schema says).
    pub name: String,
    /// Distinct labels in order of first appearance.
    pub labels: Vec<String>,
    /// Per station, the index into `labels`.
    pub codes: Vec<u32>,
}

impl Level {
    /// Builds a level from one label per station (codes by first appearance).
    pub fn from_labels<'s>(name: &str, per_station: impl IntoIterator<Item = &'s str>) -> Level {
        let mut index: std::collections::HashMap<&str, u32, foldhash::fast::FixedState> =
            Default::default();
        let mut labels = Vec::new();
        let codes = per_station
            .into_iter()
            .map(|l| {
                *index.entry(l).or_insert_with(|| {
                    labels.push(l.to_string());
                    (labels.len() - 1) as u32
                })
            })
            .collect();
        Level {
            name: name.to_string(),
            labels,
            codes,
        }
    }
}

/// A contestant (party, candidate, or referendum option) and its votes per station.
#[derive(Debug, Clone, Serialize)]
pub struct Contestant {
    /// The source column (or the long layout's contestant value).
    pub column: String,
    /// Display name (the schema's label, or the column).
    pub name: String,
    #[serde(skip)]
    pub votes: Vec<u64>,
}

/// How the winner was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WinnerRule {
    /// Named in the schema.
    Named,
    /// Largest national total (ties: first in column order).
    LargestTotal,
}

/// The counts of an election, before derived quantities are computed.
#[derive(Debug, Clone, Default)]
pub struct ElectionParts {
    pub name: String,
    pub stations: Vec<String>,
    pub source_rows: Vec<usize>,
    pub levels: Vec<Level>,
    pub electorate: Option<Vec<u64>>,
    pub ballots: Vec<u64>,
    pub ballots_in_boxes: Option<Vec<u64>>,
    pub valid: Option<Vec<u64>>,
    pub invalid: Option<Vec<u64>>,
    pub machines: Option<Vec<u64>>,
    /// Opening and closing times, minutes after midnight (`None` where empty).
    pub opens: Option<Vec<Option<u16>>>,
    pub closes: Option<Vec<Option<u16>>>,
    pub contestants: Vec<Contestant>,
    /// Column of the winner, when named.
    pub winner: Option<String>,
    pub quality_flags: Vec<u16>,
}

/// A validated election at station level.
///
/// Invariants (established by [`Election::new`]): every per-station vector has
/// one entry per station; there is at least one station and one contestant;
/// `levels[0]` is the region level; the derived quantities below are
/// computed once, here, and nowhere else:
/// - `turnout[i] = ballots[i] / electorate[i]` (ballots *issued*; `NaN` when the
///   electorate is 0, flagged `zero_electorate`, and at every station when
///   the data have no electorate: tally sheets without registered voters);
/// - `share_denominator[i]` = valid ballots when the data have them, else the
///   sum of the contestants' votes;
/// - `shares[c][i] = votes[c][i] / share_denominator[i]` (`NaN` when 0).
///
/// The turnout numerator and share denominator follow the Russian protocol
/// conventions used by Kobak, Shpilkin & Pshenichnikov only when the schema
/// maps them so; methods that reproduce a paper with another convention say
/// so in their options (Kobak et al.'s notebooks take ballots issued over
/// valid + invalid; the R Election Forensics Toolkit of Kalinin & Mebane
/// takes total votes for both).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Election {
    pub name: String,
    pub stations: Vec<String>,
    /// 1-based data row of each station in its source file.
    pub source_rows: Vec<usize>,
    pub levels: Vec<Level>,
    /// Registered voters per station; `None` when the data have none (the
    /// families that need turnout are skipped: [`Election::electorate`]).
    pub electorate: Option<Vec<u64>>,
    pub ballots: Vec<u64>,
    pub ballots_in_boxes: Option<Vec<u64>>,
    pub valid: Option<Vec<u64>>,
    pub invalid: Option<Vec<u64>>,
    pub machines: Option<Vec<u64>>,
    /// Opening time per station, in minutes after midnight (`None` where the
    /// cell was empty or unreadable); `None` when the data have no such column.
    pub opens: Option<Vec<Option<u16>>>,
    /// Closing time per station, as `opens`.
    pub closes: Option<Vec<Option<u16>>>,
    pub contestants: Vec<Contestant>,
    pub winner: usize,
    pub winner_rule: WinnerRule,
    /// Per station, bitmask of data-quality findings (see `io::validate::FLAG_KINDS`).
    pub quality_flags: Vec<u16>,
    pub turnout: Vec<f64>,
    pub share_denominator: Vec<u64>,
    pub shares: Vec<Vec<f64>>,
}

impl Election {
    /// Checks the parts' shapes and computes the derived quantities.
    pub fn new(p: ElectionParts) -> Result<Election, String> {
        let n = p.stations.len();
        if n == 0 {
            return Err("no stations left to analyse".into());
        }
        if p.contestants.is_empty() {
            return Err("no contestants".into());
        }
        let check = |what: &str, len: usize| {
            if len != n {
                Err(format!("{what} has {len} entries for {n} stations"))
            } else {
                Ok(())
            }
        };
        check("source_rows", p.source_rows.len())?;
        check("ballots", p.ballots.len())?;
        check("quality_flags", p.quality_flags.len())?;
        for (what, v) in [
            ("electorate", &p.electorate),
            ("ballots_in_boxes", &p.ballots_in_boxes),
            ("valid", &p.valid),
            ("invalid", &p.invalid),
            ("machines", &p.machines),
        ] {
            if let Some(v) = v {
                check(what, v.len())?;
            }
        }
        for (what, v) in [("opens", &p.opens), ("closes", &p.closes)] {
            if let Some(v) = v {
                check(what, v.len())?;
            }
        }
        for c in &p.contestants {
            check(&c.column, c.votes.len())?;
        }
        if p.levels.is_empty() {
            return Err("no region level".into());
        }
        for l in &p.levels {
            check(&l.name, l.codes.len())?;
        }
        let (winner, winner_rule) = match &p.winner {
            Some(w) => (
                p.contestants
                    .iter()
                    .position(|c| &c.column == w)
                    .ok_or_else(|| format!("winner {w:?} is not a contestant"))?,
                WinnerRule::Named,
            ),
            None => {
                let totals: Vec<u64> = p.contestants.iter().map(|c| c.votes.iter().sum()).collect();
                let mut best = 0;
                for (i, &t) in totals.iter().enumerate() {
                    if t > totals[best] {
                        best = i;
                    }
                }
                (best, WinnerRule::LargestTotal)
            }
        };
        let turnout = match &p.electorate {
            Some(el) => p
                .ballots
                .iter()
                .zip(el)
                .map(|(&b, &e)| ratio(b, e))
                .collect(),
            None => vec![f64::NAN; n],
        };
        let share_denominator: Vec<u64> = match &p.valid {
            Some(v) => v.clone(),
            None => (0..n)
                .map(|i| p.contestants.iter().map(|c| c.votes[i]).sum())
                .collect(),
        };
        let shares = p
            .contestants
            .iter()
            .map(|c| {
                c.votes
                    .iter()
                    .zip(&share_denominator)
                    .map(|(&v, &d)| ratio(v, d))
                    .collect()
            })
            .collect();
        Ok(Election {
            name: p.name,
            stations: p.stations,
            source_rows: p.source_rows,
            levels: p.levels,
            electorate: p.electorate,
            ballots: p.ballots,
            ballots_in_boxes: p.ballots_in_boxes,
            valid: p.valid,
            invalid: p.invalid,
            machines: p.machines,
            opens: p.opens,
            closes: p.closes,
            contestants: p.contestants,
            winner,
            winner_rule,
            quality_flags: p.quality_flags,
            turnout,
            share_denominator,
            shares,
        })
    }

    /// Number of stations.
    pub fn len(&self) -> usize {
        self.stations.len()
    }

    /// Always false: an election has at least one station.
    pub fn is_empty(&self) -> bool {
        self.stations.is_empty()
    }

    /// Registered voters per station, or an error message saying why
    /// turnout is undefined (the data have no electorate).
    pub fn electorate(&self) -> Result<&[u64], String> {
        self.electorate.as_deref().ok_or_else(|| {
            "the data have no registered voters (no electorate column): turnout is undefined"
                .to_string()
        })
    }

    /// The region level.
    pub fn regions(&self) -> &Level {
        &self.levels[0]
    }

    /// The winner's votes per station.
    pub fn winner_votes(&self) -> &[u64] {
        &self.contestants[self.winner].votes
    }

    /// The winner's share of the valid votes per station.
    pub fn winner_share(&self) -> &[f64] {
        &self.shares[self.winner]
    }
}

/// `a / b` as f64, `NaN` when `b` is 0.
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}
