//! The per-station table written as `stations.csv` and `stations.parquet`.
//!
//! Columns (contract, see `docs/report.md`): `station`, `source_row`, one
//! column per level (`region`, then the schema's finer levels), `electorate`,
//! `ballots`, `ballots_in_boxes`, `valid`, `invalid`, `machines`, `opens`,
//! `closes` (each only when the data have it), `turnout`, `winner_votes`, `winner_share`,
//! `quality_flags` (`;`-separated finding names, empty when clean).

use polars::prelude::*;

use crate::election::Election;
use crate::io::validate::flag_names;

/// Builds the station table.
pub fn station_frame(e: &Election) -> PolarsResult<DataFrame> {
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
    cols.push(Column::new("electorate".into(), e.electorate.clone()));
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
    DataFrame::new(n, cols)
}
