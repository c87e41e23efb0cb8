//! Announced aggregate bulletins: what an electoral authority (or an
//! internal count) said about participation for a scope at a time.
//!
//! A CSV (or Parquet) file with the columns
//! - `scope`: `national`, or a region label of the station table;
//! - `time`: `HH:MM`, a timestamp, or `final` (the final announcement);
//! - `cumulative_voters`: the announced cumulative number of voters;
//! - optional `date`, `kind` (e.g. `announced`, `internal count`),
//!   `source` (where the figure was published), `electorate` (announced
//!   registered voters), and any number of further columns, each read as
//!   a count: announced votes, named after a contestant column (or display
//!   name) of the station table. Columns that name no contestant are listed
//!   in the reconciliation (`unmatched_columns`), not dropped silently; a
//!   column of text is an error.
//!
//! Every row is checked; a bad cell is an error naming the file, the row,
//! the line and the column: bulletins are few and each one matters.

use std::path::Path;

use serde::Serialize;

use super::clock::{parse_date, parse_stamp};
use super::table::RawTable;
use crate::error::{Error, Result};

/// One announced figure.
#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    /// 1-based data row in the bulletin file.
    pub row: usize,
    pub scope: String,
    /// Day (from 1970-01-01), when given.
    #[serde(skip)]
    pub day: Option<i32>,
    /// Seconds after midnight; `None` for the final announcement.
    #[serde(skip)]
    pub second: Option<u32>,
    /// As written in the file (`17:30`, `final`, ...).
    pub time: String,
    pub date: Option<String>,
    pub voters: u64,
    pub electorate: Option<u64>,
    /// Announced votes per contestant column.
    pub votes: Vec<(String, u64)>,
    pub kind: Option<String>,
    pub source: Option<String>,
}

/// Column names of a bulletin file (schema `[hourly.bulletins]`); the
/// defaults are the names above.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct BulletinColumns {
    pub scope: String,
    pub date: String,
    pub time: String,
    pub cumulative: String,
    pub electorate: String,
    pub kind: String,
    pub source: String,
}

impl Default for BulletinColumns {
    fn default() -> Self {
        BulletinColumns {
            scope: "scope".into(),
            date: "date".into(),
            time: "time".into(),
            cumulative: "cumulative_voters".into(),
            electorate: "electorate".into(),
            kind: "kind".into(),
            source: "source".into(),
        }
    }
}

/// Reads and checks a bulletin file whose columns are named as `cols` says.
pub fn load_bulletins(path: &Path, cols: &BulletinColumns) -> Result<Vec<Bulletin>> {
    let table = RawTable::read(path, None, None)?;
    if table.height() == 0 {
        return Err(Error::input(path, "the bulletin file has no data rows"));
    }
    let need = |name: &str| {
        table.index_of(name).ok_or_else(|| {
            Error::input(
                path,
                format!(
                    "no column {name:?}; a bulletin file needs its scope, time and cumulative \
                     voters (names in the schema's [hourly.bulletins]; its columns are {:?})",
                    table.columns
                ),
            )
        })
    };
    let (scope, time, voters) = (
        need(&cols.scope)?,
        need(&cols.time)?,
        need(&cols.cumulative)?,
    );
    let opt = |name: &str| table.index_of(name);
    let (date, kind, source, electorate) = (
        opt(&cols.date),
        opt(&cols.kind),
        opt(&cols.source),
        opt(&cols.electorate),
    );
    let known = [
        &cols.scope,
        &cols.date,
        &cols.time,
        &cols.cumulative,
        &cols.electorate,
        &cols.kind,
        &cols.source,
    ];
    let extra: Vec<(usize, String)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !known.contains(c))
        .map(|(i, c)| (i, c.clone()))
        .collect();
    let at = |r: usize, col: usize, msg: String| {
        Error::input(
            path,
            format!(
                "{}, column {:?}: {msg} ({:?})",
                table.row_label(r),
                table.columns[col],
                table.cell_text(col, r)
            ),
        )
    };
    let count = |r: usize, col: usize| -> Result<u64> {
        table.counts(col)[r].map_err(|e| {
            at(
                r,
                col,
                crate::io::validate::ProblemKind::from_cell(e)
                    .description()
                    .to_string(),
            )
        })
    };
    let text = |col: Option<usize>, r: usize| {
        col.map(|c| table.cell_text(c, r).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut out = Vec::with_capacity(table.height());
    for r in 0..table.height() {
        let sc = text(Some(scope), r).ok_or_else(|| at(r, scope, "the scope is empty".into()))?;
        let t = text(Some(time), r).ok_or_else(|| at(r, time, "the time is empty".into()))?;
        let (mut day, second) = if t.eq_ignore_ascii_case("final") {
            (None, None)
        } else {
            let st = parse_stamp(&t)
                .ok_or_else(|| at(r, time, "not a time HH:MM, a timestamp, or `final`".into()))?;
            (st.day, Some(st.second))
        };
        let d = text(date, r);
        if let (Some(dt), None) = (&d, day) {
            day = Some(
                parse_date(dt)
                    .ok_or_else(|| at(r, date.expect("date column"), "not a date".into()))?,
            );
        }
        out.push(Bulletin {
            row: r + 1,
            scope: sc,
            day,
            second,
            time: t,
            date: d,
            voters: count(r, voters)?,
            electorate: match electorate {
                Some(c) if text(Some(c), r).is_some() => Some(count(r, c)?),
                _ => None,
            },
            votes: extra
                .iter()
                .filter(|(c, _)| text(Some(*c), r).is_some())
                .map(|(c, name)| Ok((name.clone(), count(r, *c)?)))
                .collect::<Result<Vec<_>>>()?,
            kind: text(kind, r),
            source: text(source, r),
        });
    }
    Ok(out)
}
