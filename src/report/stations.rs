//! The per-station table written as `stations.csv` and `stations.parquet`.
//!
//! Columns (contract, see `docs/report.md`): `station`, `source_row`, one
//! column per level (`region`, then the schema's finer levels), `electorate`,
//! `ballots`, `ballots_in_boxes`, `valid`, `invalid`, `machines`, `opens`,
//! `closes` (each only when the data have it), `turnout`, `winner_votes`, `winner_share`,
//! `quality_flags` (`;`-separated finding names, empty when clean); then,
//! when those methods ran (schema 1.2.0): `integer_turnout`,
//! `integer_leader` (booleans, null where the inclusion rules leave the
//! station out), `excess_votes` (the station's winner votes above the
//! clean-share line, 0 below the clean peak), `klimek_p_incremental`,
//! `klimek_p_extreme` (posterior probability of the station's fingerprint
//! cell under the fitted model's fraud components); and, when the hourly
//! family ran with participation reports (schema 1.3.0): `hourly_flags`
//! (participation findings), `late_share`, `late_z`, `late_q`,
//! `late_excess`, `late_surge` (flagged), `capacity_violations`,
//! `throughput_excess` (certain lower bound on inflated ballots).

use polars::prelude::*;

use crate::election::Election;
use crate::io::validate::flag_names;
use crate::methods::family::{ColumnValues, StationColumn};

/// Builds the station table: the election's columns, then the per-station
/// columns the families computed (in registry order).
pub fn station_frame(e: &Election, columns: &[StationColumn]) -> PolarsResult<DataFrame> {
    let n = e.len();
    let mut cols: Vec<Column> = vec![
        Column::new("station".into(), e.stations.clone()),
        Column::new(
            "source_row".into(),
            e.source_rows.iter().map(|&r| r as u64).collect::<Vec<_>>(),
        ),
    ];
    for level in &e.levels {
        let labels: Vec<&str> = level
            .codes
            .iter()
            .map(|&c| level.labels[c as usize].as_str())
            .collect();
        cols.push(Column::new(level.name.as_str().into(), labels));
    }
    // Always present (the contract): null when the data have no electorate.
    cols.push(match &e.electorate {
        Some(v) => Column::new("electorate".into(), v.clone()),
        None => Column::new("electorate".into(), vec![None::<u64>; e.len()]),
    });
    cols.push(Column::new("ballots".into(), e.ballots.clone()));
    for (name, v) in [
        ("ballots_in_boxes", &e.ballots_in_boxes),
        ("valid", &e.valid),
        ("invalid", &e.invalid),
        ("machines", &e.machines),
    ] {
        if let Some(v) = v {
            cols.push(Column::new(name.into(), v.clone()));
        }
    }
    for (name, v) in [("opens", &e.opens), ("closes", &e.closes)] {
        if let Some(v) = v {
            let t: Vec<Option<String>> = v
                .iter()
                .map(|t| t.map(crate::io::cell::format_time))
                .collect();
            cols.push(Column::new(name.into(), t));
        }
    }
    let nan_null = |v: &[f64]| {
        v.iter()
            .map(|x| x.is_finite().then_some(*x))
            .collect::<Vec<Option<f64>>>()
    };
    cols.push(Column::new("turnout".into(), nan_null(&e.turnout)));
    cols.push(Column::new(
        "winner_votes".into(),
        e.winner_votes().to_vec(),
    ));
    cols.push(Column::new(
        "winner_share".into(),
        nan_null(e.winner_share()),
    ));
    cols.push(Column::new(
        "quality_flags".into(),
        e.quality_flags
            .iter()
            .map(|&b| flag_names(b))
            .collect::<Vec<_>>(),
    ));
    for c in columns {
        let name = c.name.as_ref().into();
        cols.push(match &c.values {
            ColumnValues::Bool(v) => Column::new(name, v),
            ColumnValues::Float(v) => Column::new(name, v),
            ColumnValues::Count(v) => Column::new(name, v),
            ColumnValues::Unsigned(v) => Column::new(name, v),
            ColumnValues::Text(v) => Column::new(name, v),
        });
    }
    DataFrame::new(n, cols)
}

/// Every station's validated participation curve in long layout, written as
/// `curves.csv` and `curves.parquet` when participation reports were given:
/// `station`, `time` (a report time, then `close` with the final count),
/// `cumulative_voters`, `share_of_electorate`, `share_of_final` (empty when
/// the electorate or the final count is 0). Stations without a report at a
/// time have no row for it.
pub fn curves_frame(
    e: &Election,
    h: &crate::methods::hourly::HourlyFinding,
) -> Option<PolarsResult<DataFrame>> {
    let schedule = h.schedule.as_ref()?;
    let (mut st, mut tm, mut cv, mut se, mut sf) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..e.len() {
        let points = schedule
            .report_times
            .iter()
            .zip(&h.station_reports)
            .filter_map(|(t, r)| r[i].map(|c| (t.as_str(), c)))
            .chain(std::iter::once(("close", e.ballots[i])));
        for (t, c) in points {
            st.push(e.stations[i].as_str());
            tm.push(t);
            cv.push(c);
            let share = |d: u64| (d > 0).then(|| c as f64 / d as f64);
            se.push(e.electorate.as_ref().and_then(|v| share(v[i])));
            sf.push(share(e.ballots[i]));
        }
    }
    let n = st.len();
    Some(DataFrame::new(
        n,
        vec![
            Column::new("station".into(), st),
            Column::new("time".into(), tm),
            Column::new("cumulative_voters".into(), cv),
            Column::new("share_of_electorate".into(), se),
            Column::new("share_of_final".into(), sf),
        ],
    ))
}

/// The per-region table written as `regions.csv` and `regions.parquet`:
/// `level`, `region`, `stations`, `electorate`, `ballots`,
/// `inflated_ballots`, `inflated_low`, `inflated_high`,
/// `inflated_per_voter`, `inflated_share`, `rank` (see `crate::verdict`).
pub fn regions_frame(rows: &[crate::verdict::RegionRow]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "level".into(),
                rows.iter().map(|r| r.level.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "region".into(),
                rows.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "stations".into(),
                rows.iter().map(|r| r.stations as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                "electorate".into(),
                rows.iter().map(|r| r.electorate).collect::<Vec<_>>(),
            ),
            Column::new(
                "ballots".into(),
                rows.iter().map(|r| r.ballots).collect::<Vec<_>>(),
            ),
            Column::new(
                "inflated_ballots".into(),
                rows.iter().map(|r| r.inflated_ballots).collect::<Vec<_>>(),
            ),
            Column::new(
                "inflated_low".into(),
                rows.iter().map(|r| r.inflated_low).collect::<Vec<_>>(),
            ),
            Column::new(
                "inflated_high".into(),
                rows.iter().map(|r| r.inflated_high).collect::<Vec<_>>(),
            ),
            Column::new(
                "inflated_per_voter".into(),
                rows.iter()
                    .map(|r| r.inflated_per_voter)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "inflated_share".into(),
                rows.iter().map(|r| r.inflated_share).collect::<Vec<_>>(),
            ),
            Column::new(
                "rank".into(),
                rows.iter().map(|r| r.rank as u64).collect::<Vec<_>>(),
            ),
        ],
    )
}
