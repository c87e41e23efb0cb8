//! Companion files joined to the station file: a reference subset (stations
//! counted by scanners, stations with observers) and independent counts
//! (photographed ballots, observers' protocol copies). Rows are matched on
//! columns the companion file shares with the station file (for example
//! `region` and `uik`, which together identify a Russian station although
//! the station key also has `tik`).
//!
//! Every row must match exactly one analysed station: a row whose key is
//! not in the station file, a key that matches several stations, and a
//! key listed twice are errors naming the file, the row and the line. A
//! row whose station was excluded from the analysis (invalid counts) is not
//! an error: it is counted and reported.

use std::collections::HashMap;
use std::path::Path;

pub use super::schema::IndependentKind;
use super::table::RawTable;
use crate::election::Election;
use crate::error::{Error, Result};

/// A companion file matched to the stations.
pub struct Joined {
    /// The companion file as read.
    pub table: RawTable,
    /// The columns it was matched on.
    pub key_columns: Vec<String>,
    /// Per companion row, the analysed station it belongs to (`None`: the
    /// station's row was excluded from the analysis).
    pub stations: Vec<Option<usize>>,
    /// Rows whose station was excluded from the analysis.
    pub rows_of_excluded_stations: usize,
}

/// Separator of key parts in lookups (cannot occur in a trimmed cell that
/// was read as text from CSV or Parquet without control characters).
const SEP: char = '\u{1f}';

fn key_of(cols: &[polars::prelude::StringChunked], row: usize) -> String {
    let mut k = String::new();
    for (j, c) in cols.iter().enumerate() {
        if j > 0 {
            k.push(SEP);
        }
        k.push_str(c.get(row).unwrap_or("").trim());
    }
    k
}

fn show(columns: &[String], key: &str) -> String {
    columns
        .iter()
        .zip(key.split(SEP))
        .map(|(c, v)| format!("{c}={v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads `path` and matches each of its rows to a station of `e` (read
/// from `stations`, the station file's table) on `key` (default: every
/// column of the companion file that the station file also has, less
/// `value_columns`).
pub fn join(
    path: &Path,
    stations: &RawTable,
    e: &Election,
    key: Option<&[String]>,
    value_columns: &[String],
) -> Result<Joined> {
    let table = RawTable::read(path, None, None)?;
    let key_columns: Vec<String> = match key {
        Some(k) => k.to_vec(),
        None => table
            .columns
            .iter()
            .filter(|c| !value_columns.contains(c) && stations.index_of(c).is_some())
            .cloned()
            .collect(),
    };
    if key_columns.is_empty() {
        return Err(Error::input(
            path,
            format!(
                "no column to match stations on: none of its columns ({}) is in the station file {}",
                table.columns.join(", "),
                stations.path.display()
            ),
        ));
    }
    let mut own = Vec::new();
    let mut theirs = Vec::new();
    for k in &key_columns {
        let a = table.index_of(k).ok_or_else(|| {
            Error::input(path, format!("the key column {k:?} is not in its header"))
        })?;
        let b = stations.index_of(k).ok_or_else(|| {
            Error::input(
                path,
                format!(
                    "the key column {k:?} is not in the station file {}",
                    stations.path.display()
                ),
            )
        })?;
        own.push(table.text_column(a));
        theirs.push(stations.text_column(b));
    }
    // Station-file rows by key: the analysed station of each (first) row.
    let mut station_of_row: HashMap<usize, usize> = HashMap::with_capacity(e.len());
    for (i, &r) in e.source_rows.iter().enumerate() {
        station_of_row.insert(r - 1, i);
    }
    // Key -> (first station-file row, analysed station, further stations).
    let mut by_key: HashMap<String, (usize, Option<usize>, bool)> = HashMap::new();
    for row in 0..stations.info.rows {
        let k = key_of(&theirs, row);
        let st = station_of_row.get(&row).copied();
        match by_key.get_mut(&k) {
            None => {
                by_key.insert(k, (row, st, false));
            }
            Some(entry) => {
                // Several rows of one station (long layout) are one station;
                // rows of different stations under one key are ambiguous.
                match (entry.1, st) {
                    (Some(a), Some(b)) if a != b => entry.2 = true,
                    (None, Some(b)) => entry.1 = Some(b),
                    _ => {}
                }
            }
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(table.info.rows);
    let mut excluded = 0;
    for row in 0..table.info.rows {
        let k = key_of(&own, row);
        if let Some(first) = seen.insert(k.clone(), row) {
            return Err(Error::input(
                path,
                format!(
                    "{}: station ({}) is listed twice (first at {})",
                    table.row_label(row),
                    show(&key_columns, &k),
                    table.row_label(first)
                ),
            ));
        }
        match by_key.get(&k) {
            None => {
                return Err(Error::input(
                    path,
                    format!(
                        "{}: no station ({}) in the station file {}",
                        table.row_label(row),
                        show(&key_columns, &k),
                        stations.path.display()
                    ),
                ))
            }
            Some((_, _, true)) => {
                return Err(Error::input(
                    path,
                    format!(
                        "{}: ({}) matches several stations of {}; match on more columns \
                         (the schema's `key`)",
                        table.row_label(row),
                        show(&key_columns, &k),
                        stations.path.display()
                    ),
                ))
            }
            Some((_, st, false)) => {
                excluded += usize::from(st.is_none());
                out.push(*st);
            }
        }
    }
    Ok(Joined {
        table,
        key_columns,
        stations: out,
        rows_of_excluded_stations: excluded,
    })
}

/// The reference subset: which analysed stations belong to it.
#[derive(Debug, Clone)]
pub struct ReferenceSubset {
    /// What the subset is (the schema's `label`, e.g. "scanner-counted").
    pub label: String,
    /// The file it came from, or the station file's marker column.
    pub origin: String,
    /// Columns the file was matched on (empty for a marker column).
    pub key_columns: Vec<String>,
    /// The grouping level within which the subset's rates are extrapolated.
    pub level: String,
    /// Per analysed station, whether it is in the subset.
    pub members: Vec<bool>,
    /// Rows of the file (or marked rows) whose station was excluded from
    /// the analysis.
    pub rows_of_excluded_stations: usize,
}

fn resolve_level(e: &Election, level: Option<&str>, what: &str) -> Result<String> {
    match level {
        None => Ok(e.levels.last().map(|l| l.name.clone()).unwrap_or_default()),
        Some(l) if e.levels.iter().any(|x| x.name == l) => Ok(l.to_string()),
        Some(l) => Err(Error::Options(format!(
            "{what}.level {l:?} is not a level of the station file (levels: {})",
            e.levels
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Whether a marker cell puts its station in the subset: anything but
/// empty, `0`, `false`, `no`, `n` (case-insensitive).
fn truthy(v: &str) -> bool {
    !matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "no" | "n"
    )
}

/// Loads the reference subset from a file (`path`, matched on shared
/// columns) or from the station file's marker column (`spec.column`).
pub fn load_reference(
    path: Option<&Path>,
    stations: &RawTable,
    e: &Election,
    spec: &super::schema::ReferenceSpec,
) -> Result<ReferenceSubset> {
    let level = resolve_level(e, spec.level.as_deref(), "reference")?;
    let label = spec
        .label
        .clone()
        .unwrap_or_else(|| "reference stations".into());
    let mut members = vec![false; e.len()];
    match (path, &spec.column) {
        (Some(p), _) => {
            let key = spec.key.as_ref().map(|k| k.to_vec());
            let j = join(p, stations, e, key.as_deref(), &[])?;
            for s in j.stations.iter().flatten() {
                members[*s] = true;
            }
            Ok(ReferenceSubset {
                label,
                origin: p.display().to_string(),
                key_columns: j.key_columns,
                level,
                members,
                rows_of_excluded_stations: j.rows_of_excluded_stations,
            })
        }
        (None, Some(c)) => {
            let col = stations.index_of(c).ok_or_else(|| {
                Error::input(
                    &stations.path,
                    format!("reference.column {c:?} is not in the station file's header"),
                )
            })?;
            let cells = stations.text_column(col);
            for (i, &r) in e.source_rows.iter().enumerate() {
                members[i] = cells.get(r - 1).is_some_and(truthy);
            }
            let kept: usize = members.iter().filter(|&&m| m).count();
            let all = cells.iter().flatten().filter(|v| truthy(v)).count();
            Ok(ReferenceSubset {
                label,
                origin: format!("column {c:?} of {}", stations.path.display()),
                key_columns: Vec::new(),
                level,
                members,
                rows_of_excluded_stations: all.saturating_sub(kept),
            })
        }
        (None, None) => Err(Error::Options(
            "a reference subset needs a file (--reference FILE) or the schema's reference.column"
                .into(),
        )),
    }
}

/// One contestant's independent figures per analysed station.
#[derive(Debug, Clone)]
pub struct IndependentColumn {
    /// Index of the contestant in the election.
    pub contestant: usize,
    /// The source column of the independent figures.
    pub column: String,
    /// Per analysed station (`None`: no independent figure there).
    pub counts: Vec<Option<u64>>,
}

/// Independent counts per station and contestant.
#[derive(Debug, Clone)]
pub struct IndependentCounts {
    /// What they are (the schema's `source`).
    pub source: String,
    /// The station file, or the separate file they came from.
    pub origin: String,
    pub kind: IndependentKind,
    /// Stations in the population the extrapolation speaks for (default:
    /// the analysed stations).
    pub population: Option<u64>,
    pub columns: Vec<IndependentColumn>,
    /// Rows of a separate file whose station was excluded from the analysis.
    pub rows_of_excluded_stations: usize,
}

/// Loads independent counts from the station file's columns, or from a
/// separate file (`path`) matched on `spec.key` (default: the columns it
/// shares with the station file, less the count columns).
pub fn load_independent(
    path: Option<&Path>,
    stations: &RawTable,
    e: &Election,
    spec: &super::schema::IndependentSpec,
) -> Result<IndependentCounts> {
    if spec.columns.is_empty() {
        return Err(Error::Options(
            "[independent] needs `columns`: contestant column = independent column".into(),
        ));
    }
    let values: Vec<String> = spec.columns.values().cloned().collect();
    let joined = match path {
        Some(p) => {
            let key = spec.key.as_ref().map(|k| k.to_vec());
            Some(join(p, stations, e, key.as_deref(), &values)?)
        }
        None => None,
    };
    let (table, origin) = match &joined {
        Some(j) => (&j.table, j.table.path.display().to_string()),
        None => (stations, stations.path.display().to_string()),
    };
    let mut columns = Vec::new();
    for (contestant_column, ind) in &spec.columns {
        let contestant = e
            .contestants
            .iter()
            .position(|c| &c.column == contestant_column)
            .ok_or_else(|| {
                Error::Options(format!(
                    "independent.columns: {contestant_column:?} is not a contestant column \
                     (contestants: {})",
                    e.contestants
                        .iter()
                        .map(|c| c.column.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let col = table.index_of(ind).ok_or_else(|| {
            Error::input(
                &table.path,
                format!("independent.columns names {ind:?}, which is not in its header"),
            )
        })?;
        let cells = table.counts(col);
        let read = |row: usize| -> Result<Option<u64>> {
            match &cells[row] {
                Ok(v) => Ok(Some(*v)),
                Err(super::cell::CellError::Missing) => Ok(None),
                Err(err) => Err(Error::input(
                    &table.path,
                    format!(
                        "{}, column {ind:?}: {:?} is not a count ({err:?})",
                        table.row_label(row),
                        table.cell_text(col, row)
                    ),
                )),
            }
        };
        let mut counts = vec![None; e.len()];
        match &joined {
            Some(j) => {
                for (row, st) in j.stations.iter().enumerate() {
                    if let Some(s) = st {
                        counts[*s] = read(row)?;
                    }
                }
            }
            None => {
                for (i, &r) in e.source_rows.iter().enumerate() {
                    counts[i] = read(r - 1)?;
                }
            }
        }
        columns.push(IndependentColumn {
            contestant,
            column: ind.clone(),
            counts,
        });
    }
    Ok(IndependentCounts {
        source: spec
            .source
            .clone()
            .unwrap_or_else(|| "independent counts".into()),
        origin,
        kind: spec.kind,
        population: spec.population,
        columns,
        rows_of_excluded_stations: joined.map_or(0, |j| j.rows_of_excluded_stations),
    })
}
