//! Participation reports: cumulative voters per station at report times,
//! read, validated and joined to the station table.
//!
//! Two layouts (schema `[hourly]`, [`HourlySpec`]):
//! - **long**: a separate file, one row per station and report time
//!   (default columns `station`, optional `date`, `time`, `cumulative_voters`;
//!   `time` may also hold a whole timestamp). Multi-day votes are ordered by
//!   (date, time).
//! - **wide**: columns of the station file itself, one per report time
//!   (`columns = { "14:00" = "voters_14h", ... }`).
//!
//! Validation is as strict as for the station file, and every problem names
//! the file, the data row (and CSV line) and the column:
//! - rows that cannot be used are excluded and counted (or fail the load under
//!   [`InvalidRows::Fail`]): unreadable counts, empty keys, unknown stations,
//!   missing or unreadable times, times outside opening hours, a second report
//!   for the same station and time;
//! - inconsistent stations are kept and flagged ([`HOURLY_FLAGS`]): a
//!   cumulative count that falls, an intermediate report above the final
//!   count, a report at closing time that differs from the station table.
//!   Real data break these (Spain 2019: at 208 tables the 18:00 advance
//!   exceeds the final count); they are reported, not dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::cell::CellError;
use super::clock::{format_clock, format_date, parse_clock, parse_stamp, Stamp};
use super::schema::{HourlySpec, OneOrMany, Schema};
use super::table::{FileInfo, RawTable};
use super::validate::{DataQuality, InvalidRows, ProblemKind, ProblemLog, RowProblem, Severity};
use crate::election::Election;
use crate::error::{Error, Result};

/// Longest vote, in days after the first: dates beyond the densest window
/// of this many days are stray (their rows are excluded).
pub const MAX_VOTING_DAYS: i32 = 30;

/// Default daily opening time when neither the schema nor the options give one.
pub const DEFAULT_OPENS: &str = "08:00";
/// Default daily closing time.
pub const DEFAULT_CLOSES: &str = "20:00";

/// Per-station flag bits of participation findings, and their names.
pub const HOURLY_FLAGS: [(u8, ProblemKind); 3] = [
    (1, ProblemKind::DecreasingReport),
    (2, ProblemKind::ReportAboveFinal),
    (4, ProblemKind::FinalMismatch),
];

/// Names of the participation findings set in `bits`, joined with `;`.
pub fn hourly_flag_names(bits: u8) -> String {
    HOURLY_FLAGS
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, k)| k.name())
        .collect::<Vec<_>>()
        .join(";")
}

/// Opening hours of every voting day, in seconds after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hours {
    pub opens: u32,
    pub closes: u32,
}

impl Hours {
    /// Parses `HH:MM` opening and closing times.
    pub fn parse(opens: &str, closes: &str) -> std::result::Result<Hours, String> {
        let o = parse_clock(opens).ok_or_else(|| format!("opening time {opens:?} is not HH:MM"))?;
        let c =
            parse_clock(closes).ok_or_else(|| format!("closing time {closes:?} is not HH:MM"))?;
        if c <= o {
            return Err(format!("polls close ({closes}) before they open ({opens})"));
        }
        if c >= 86_400 {
            return Err(format!(
                "closing time {closes}: give a time within the day (23:59 for midnight)"
            ));
        }
        Ok(Hours {
            opens: o,
            closes: c,
        })
    }

    /// Seconds during which polls are open between two instants (seconds from
    /// the first day's midnight), summed over the days in between.
    pub fn open_seconds(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let (d0, d1) = (from.div_euclid(86_400), to.div_euclid(86_400));
        (d0..=d1)
            .map(|d| {
                let (o, c) = (
                    d * 86_400 + i64::from(self.opens),
                    d * 86_400 + i64::from(self.closes),
                );
                (to.min(c) - from.max(o)).max(0)
            })
            .sum()
    }
}

/// Validated participation reports joined to a station table.
#[derive(Debug, Clone)]
pub struct Participation {
    /// The file the reports came from (the station file for the wide layout).
    pub input: FileInfo,
    /// `"long"` or `"wide"`.
    pub layout: &'static str,
    /// The first voting day (days from 1970-01-01), when the reports have dates.
    pub first_day: Option<i32>,
    pub hours: Hours,
    /// Polls close for good at this instant (seconds from the first day's
    /// midnight): the last voting day's closing time.
    pub close_at: i64,
    /// Report instants before the close, sorted (seconds from the first day's midnight).
    pub times: Vec<i64>,
    /// Their labels (`HH:MM`, or `YYYY-MM-DD HH:MM` over several days).
    pub labels: Vec<String>,
    /// `reports[t][s]`: cumulative voters of station `s` at `times[t]`.
    pub reports: Vec<Vec<Option<u64>>>,
    /// The count reported at the close, per station, when the file has one.
    pub at_close: Vec<Option<u64>>,
    /// Per station, participation findings ([`HOURLY_FLAGS`] bits).
    pub flags: Vec<u8>,
    /// Stations of the station table without any usable report.
    pub stations_without_reports: usize,
    /// Rows read, used, excluded, and every problem found.
    pub quality: DataQuality,
}

impl Participation {
    /// The label of an instant (seconds from the first day's midnight).
    pub fn label_of(&self, at: i64) -> String {
        label(self.first_day, at)
    }
}

/// Report instants are within a voting day (polls close before 24:00), so
/// the undated form is always a clock time.
fn label(first_day: Option<i32>, at: i64) -> String {
    super::clock::format_instant(first_day, at)
}

/// Opening hours from options, else the schema's `[hourly]`, else the defaults.
pub fn resolve_hours(
    spec: Option<&HourlySpec>,
    opens: Option<&str>,
    closes: Option<&str>,
) -> std::result::Result<Hours, String> {
    let o = opens
        .or(spec.and_then(|s| s.opens.as_deref()))
        .unwrap_or(DEFAULT_OPENS);
    let c = closes
        .or(spec.and_then(|s| s.closes.as_deref()))
        .unwrap_or(DEFAULT_CLOSES);
    Hours::parse(o, c)
}

/// The voting days among dated counts (`day -> reports or ballots`): the
/// days holding at least 0.1 % of the total within the window of
/// [`MAX_VOTING_DAYS`]` + 1` consecutive days that holds the most (earliest on
/// ties). Days outside are stray.
fn voting_days(per_day: &BTreeMap<i64, u64>) -> Vec<i64> {
    let total: u64 = per_day.values().sum();
    let min = (total / 1000).max(1);
    let span = i64::from(MAX_VOTING_DAYS);
    let best = per_day
        .keys()
        .map(|&d| (per_day.range(d..=d + span).map(|(_, c)| c).sum::<u64>(), d))
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    match best {
        None => Vec::new(),
        Some((_, start)) => per_day
            .range(start..=start + span)
            .filter(|(_, &c)| c >= min)
            .map(|(&d, _)| d)
            .collect(),
    }
}

/// Records an invalid report row (excluded and counted), or fails the load
/// with it under [`InvalidRows::Fail`].
fn exclude(
    p: RowProblem,
    policy: InvalidRows,
    path: &str,
    log: &mut ProblemLog,
    excluded: &mut Vec<usize>,
) -> Result<()> {
    if policy == InvalidRows::Fail {
        return Err(Error::InvalidRows {
            path: path.to_string(),
            count: 1,
            first: p.to_string(),
        });
    }
    excluded.push(p.row);
    log.push(p);
    Ok(())
}

/// A report cell after deduplication: (station, instant) -> (count, data
/// row, column).
type CellEntry = ((usize, i64), (u64, usize, Arc<str>));

/// One report as read: its station, instant and count, with its origin.
struct Report {
    station: usize,
    stamp: Stamp,
    count: u64,
    row: usize,
    /// Shared among the reports of one column.
    column: Arc<str>,
}

/// Reads a long participation file (CSV, gzip CSV or Parquet) and joins it
/// to `election` through the schema's `[hourly]` section (or the default
/// column names).
pub fn load_long(
    path: &Path,
    schema: &Schema,
    election: &Election,
    hours: Hours,
    policy: InvalidRows,
) -> Result<Participation> {
    let spec = schema.hourly.clone().unwrap_or_default();
    let table = RawTable::read(path, schema.delimiter_byte()?, schema.encoding()?)?;
    if table.height() == 0 {
        return Err(Error::input(
            path,
            "the participation file has no data rows",
        ));
    }
    let find = |name: &str, what: &str| {
        table.index_of(name).ok_or_else(|| {
            Error::input(
                path,
                format!(
                    "no column {name:?} ({what}) in the participation file; its columns are {:?}{}",
                    table.columns, " (name the columns in the schema's [hourly] section)"
                ),
            )
        })
    };
    let key_names = match (&spec.key, &schema.station.key) {
        (Some(k), _) | (None, Some(k)) => match k {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        },
        (None, None) => vec!["station".to_string()],
    };
    let key_cols = key_names
        .iter()
        .map(|k| find(k, "station key"))
        .collect::<Result<Vec<_>>>()?;
    let time_name = spec.time.clone().unwrap_or_else(|| "time".into());
    let time_col = find(&time_name, "report time")?;
    let date_col = match &spec.date {
        Some(d) => Some(find(d, "report date")?),
        None => table.index_of("date"),
    };
    let count_name = spec
        .cumulative
        .clone()
        .unwrap_or_else(|| "cumulative_voters".into());
    let count_col = find(&count_name, "cumulative voters")?;
    let count_column: Arc<str> = Arc::from(count_name.as_str());

    let index: HashMap<&str, usize> = election
        .stations
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let keys: Vec<_> = key_cols.iter().map(|&c| table.text_column(c)).collect();
    let times = table.text_column(time_col);
    let dates = date_col.map(|c| table.text_column(c));
    let counts = table.counts(count_col);
    let mut log = ProblemLog::default();
    let mut excluded = Vec::new();
    let mut reports = Vec::with_capacity(table.height());
    let problem = |kind, r: usize, column: &str, value: String, message: String| RowProblem {
        kind,
        row: r + 1,
        line: table.line_of_row(r),
        column: column.to_string(),
        value,
        message,
    };
    let mut dated: Option<(bool, usize)> = None;
    for r in 0..table.height() {
        let mut bad: Option<RowProblem> = None;
        // Station key.
        let mut key = String::new();
        for (k, col) in keys.iter().enumerate() {
            match col.get(r).map(str::trim) {
                Some(v) if !v.is_empty() => {
                    if k > 0 {
                        key.push_str(" / ");
                    }
                    key.push_str(v);
                }
                _ => {
                    bad.get_or_insert(problem(
                        ProblemKind::MissingKey,
                        r,
                        &key_names[k],
                        String::new(),
                        "the station key is empty".into(),
                    ));
                }
            }
        }
        let station = if bad.is_none() {
            match index.get(key.as_str()) {
                Some(&s) => Some(s),
                None => {
                    bad = Some(problem(
                        ProblemKind::UnknownStation,
                        r,
                        &key_names.join("+"),
                        key.clone(),
                        format!("station {key:?} is not in the station table"),
                    ));
                    None
                }
            }
        } else {
            None
        };
        // Time (and date).
        let time_text = times.get(r).unwrap_or("").trim();
        let stamp = if time_text.is_empty() {
            bad.get_or_insert(problem(
                ProblemKind::MissingTime,
                r,
                &time_name,
                String::new(),
                "the report has no time (a day-level record cannot enter a curve)".into(),
            ));
            None
        } else {
            match parse_stamp(time_text) {
                None => {
                    bad.get_or_insert(problem(
                        ProblemKind::UnreadableTime,
                        r,
                        &time_name,
                        time_text.into(),
                        "not a clock time HH:MM[:SS] or timestamp YYYY-MM-DD HH:MM within the day"
                            .into(),
                    ));
                    None
                }
                Some(mut st) => {
                    if st.day.is_none() {
                        if let Some(d) = &dates {
                            let dt = d.get(r).unwrap_or("").trim();
                            match super::clock::parse_date(dt) {
                                Some(day) => st.day = Some(day),
                                None => {
                                    bad.get_or_insert(problem(
                                        ProblemKind::UnreadableTime,
                                        r,
                                        spec.date.as_deref().unwrap_or("date"),
                                        dt.into(),
                                        "not a date YYYY-MM-DD or DD.MM.YYYY".into(),
                                    ));
                                }
                            }
                        }
                    }
                    Some(st)
                }
            }
        };
        if let (Some(st), None) = (stamp, &bad) {
            let has = st.day.is_some();
            match dated {
                None => dated = Some((has, r)),
                Some((d, first)) if d != has => {
                    return Err(Error::input(
                        path,
                        format!(
                            "{}, column {time_name:?}: some reports have a date and \
                             others do not (row {} {}); give every report a date, or none",
                            table.row_label(r),
                            first + 1,
                            if d { "has one" } else { "has none" }
                        ),
                    ))
                }
                _ => {}
            }
        }
        // Count.
        let count = match counts[r] {
            Ok(c) => Some(c),
            Err(e) => {
                bad.get_or_insert(problem(
                    ProblemKind::from_cell(e),
                    r,
                    &count_name,
                    table.cell_text(count_col, r),
                    match e {
                        CellError::Missing => "the cumulative count is empty".into(),
                        _ => ProblemKind::from_cell(e).description().into(),
                    },
                ));
                None
            }
        };
        match (bad, station, stamp, count) {
            (None, Some(station), Some(stamp), Some(count)) => reports.push(Report {
                station,
                stamp,
                count,
                row: r,
                column: count_column.clone(),
            }),
            (bad, ..) => {
                let p = bad.expect("a row that is not pushed has a problem");
                exclude(
                    p,
                    policy,
                    &path.display().to_string(),
                    &mut log,
                    &mut excluded,
                )?;
            }
        }
    }
    let input = table.info.clone();
    assemble(
        input,
        "long",
        reports,
        table.height(),
        election,
        hours,
        policy,
        log,
        excluded,
        &|r| table.line_of_row(r),
    )
}

/// Reads the wide participation columns of the station file (schema
/// `[hourly] columns`), row by row for the stations of `election`, from the
/// table the stations were loaded from (the file is not read again).
pub fn load_wide(
    table: &RawTable,
    schema: &Schema,
    election: &Election,
    hours: Hours,
    policy: InvalidRows,
) -> Result<Participation> {
    let spec = schema.hourly.clone().unwrap_or_default();
    if spec.columns.is_empty() {
        return Err(Error::Options(
            "the schema's [hourly] section names no participation columns".into(),
        ));
    }
    let path = table.path.as_path();
    let schema_path = schema
        .path
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("<schema>"));
    let mut cols = Vec::new();
    for (time, column) in &spec.columns {
        let second = parse_clock(time).ok_or_else(|| {
            Error::schema(
                &schema_path,
                format!("[hourly] columns: {time:?} is not a time HH:MM"),
            )
        })?;
        let c = table.index_of(column).ok_or_else(|| {
            Error::schema(
                &schema_path,
                format!(
                    "[hourly] columns: no column {column:?} in {}",
                    path.display()
                ),
            )
        })?;
        cols.push((second, column.clone(), table.counts(c), c));
    }
    let mut log = ProblemLog::default();
    let mut excluded = Vec::new();
    let shared: Vec<Arc<str>> = cols.iter().map(|c| Arc::from(c.1.as_str())).collect();
    let mut reports = Vec::new();
    let mut rows_read = 0;
    for (s, &row1) in election.source_rows.iter().enumerate() {
        let r = row1 - 1;
        for (k, (second, column, counts, c)) in cols.iter().enumerate() {
            rows_read += 1;
            match counts.get(r).copied().unwrap_or(Err(CellError::Missing)) {
                Ok(count) => reports.push(Report {
                    station: s,
                    stamp: Stamp {
                        day: None,
                        second: *second,
                    },
                    count,
                    row: r,
                    column: shared[k].clone(),
                }),
                Err(e) => {
                    let p = RowProblem {
                        kind: ProblemKind::from_cell(e),
                        row: row1,
                        line: table.line_of_row(r),
                        column: column.clone(),
                        value: table.cell_text(*c, r),
                        message: ProblemKind::from_cell(e).description().into(),
                    };
                    exclude(
                        p,
                        policy,
                        &path.display().to_string(),
                        &mut log,
                        &mut excluded,
                    )?;
                }
            }
        }
    }
    let cells_excluded = excluded.len();
    let mut p = assemble(
        table.info.clone(),
        "wide",
        reports,
        rows_read,
        election,
        hours,
        policy,
        log,
        excluded,
        &|r| table.line_of_row(r),
    )?;
    // In the wide layout a "row" of the quality record is one (station, time)
    // cell; `excluded_rows` lists the station rows those cells are on.
    p.quality.rows_read = rows_read;
    p.quality.rows_excluded_invalid = cells_excluded;
    Ok(p)
}

/// Orders reports in time, checks them against opening hours and the
/// station table, and builds the report matrix.
#[allow(clippy::too_many_arguments)]
fn assemble(
    input: FileInfo,
    layout: &'static str,
    reports: Vec<Report>,
    rows_read: usize,
    election: &Election,
    hours: Hours,
    policy: InvalidRows,
    mut log: ProblemLog,
    mut excluded: Vec<usize>,
    line_of: &dyn Fn(usize) -> Option<usize>,
) -> Result<Participation> {
    let path = input.path.clone();
    // Voting days: within the densest window of MAX_VOTING_DAYS + 1 days,
    // the dates holding at least 0.1 % of the reports. A stray date (a
    // typo, a test record) would otherwise stretch the vote over months;
    // its rows are excluded as `outside_hours`.
    let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
    for r in &reports {
        if let Some(d) = r.stamp.day {
            *per_day.entry(i64::from(d)).or_default() += 1;
        }
    }
    let dated: u64 = per_day.values().sum();
    let voting = voting_days(&per_day);
    let first_day = voting.first().map(|&d| d as i32);
    let last_day = voting.last().map(|&d| d as i32);
    let fd = first_day.unwrap_or(0);
    let close_at = i64::from(last_day.unwrap_or(0) - fd) * 86_400 + i64::from(hours.closes);
    // (station, instant) -> first report; instants within opening hours only.
    let mut cells: BTreeMap<(usize, i64), (u64, usize, Arc<str>)> = BTreeMap::new();
    let n = election.stations.len();
    for rep in reports {
        let at = rep.stamp.seconds_from(fd);
        let sec = rep.stamp.second;
        let mk = |kind, message: String| RowProblem {
            kind,
            row: rep.row.wrapping_add(1),
            line: line_of(rep.row),
            column: rep.column.to_string(),
            value: label(first_day, at),
            message,
        };
        if let Some(d) = rep.stamp.day {
            if !voting.contains(&i64::from(d)) {
                let c = per_day.get(&i64::from(d)).copied().unwrap_or(0);
                exclude(
                    mk(
                        ProblemKind::OutsideHours,
                        format!(
                            "dated {}, a day with only {c} of {dated} reports: not a voting day",
                            format_date(d)
                        ),
                    ),
                    policy,
                    &path,
                    &mut log,
                    &mut excluded,
                )?;
                continue;
            }
        }
        if sec < hours.opens || sec > hours.closes {
            exclude(
                mk(
                    ProblemKind::OutsideHours,
                    format!(
                        "reported at {} while polls are open {}–{}",
                        label(first_day, at),
                        format_clock(hours.opens),
                        format_clock(hours.closes)
                    ),
                ),
                policy,
                &path,
                &mut log,
                &mut excluded,
            )?;
            continue;
        }
        match cells.entry((rep.station, at)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert((rep.count, rep.row, rep.column));
            }
            std::collections::btree_map::Entry::Occupied(o) => {
                exclude(
                    mk(
                        ProblemKind::DuplicateReport,
                        format!(
                            "station {:?} already has a report at {} (row {})",
                            election.stations[rep.station],
                            label(first_day, at),
                            o.get().1.wrapping_add(1)
                        ),
                    ),
                    policy,
                    &path,
                    &mut log,
                    &mut excluded,
                )?;
            }
        }
    }
    let mut instants: Vec<i64> = cells
        .keys()
        .map(|&(_, at)| at)
        .filter(|&at| at < close_at)
        .collect();
    instants.sort_unstable();
    instants.dedup();
    let slot: HashMap<i64, usize> = instants.iter().enumerate().map(|(k, &a)| (a, k)).collect();
    let mut matrix = vec![vec![None; n]; instants.len()];
    let mut at_close = vec![None; n];
    let used = cells.len();
    // In key order: station by station, each station's reports by time
    // (the closing report, at `close_at`, last).
    let entries: Vec<CellEntry> = cells.into_iter().collect();
    for &((s, at), (count, _, _)) in &entries {
        if at >= close_at {
            at_close[s] = Some(count);
        } else {
            matrix[slot[&at]][s] = Some(count);
        }
    }
    let mut cursor = 0;
    // Station-level consistency: findings, kept and flagged.
    let mut flags = vec![0u8; n];
    let mut without = 0;
    for (s, flag) in flags.iter_mut().enumerate() {
        let mut prev: Option<(i64, u64)> = None;
        let mut any = false;
        let final_count = election.ballots[s];
        let start = cursor;
        while cursor < entries.len() && entries[cursor].0 .0 == s {
            cursor += 1;
        }
        for &((_, at), (c, row, ref column)) in &entries[start..cursor] {
            any = true;
            let mk = |kind, message: String| RowProblem {
                kind,
                row: row.wrapping_add(1),
                line: line_of(row),
                column: column.to_string(),
                value: c.to_string(),
                message,
            };
            if let Some((pat, pc)) = prev {
                if c < pc {
                    *flag |= 1;
                    log.push(mk(
                        ProblemKind::DecreasingReport,
                        format!(
                            "station {:?}: {c} voters at {} after {pc} at {}",
                            election.stations[s],
                            label(first_day, at),
                            label(first_day, pat)
                        ),
                    ));
                }
            }
            if at < close_at && c > final_count {
                *flag |= 2;
                log.push(mk(
                    ProblemKind::ReportAboveFinal,
                    format!(
                        "station {:?}: {c} voters at {} but {final_count} in the final count",
                        election.stations[s],
                        label(first_day, at)
                    ),
                ));
            }
            if at >= close_at && c != final_count {
                *flag |= 4;
                log.push(mk(
                    ProblemKind::FinalMismatch,
                    format!(
                        "station {:?}: {c} voters reported at the close, {final_count} in the station table",
                        election.stations[s]
                    ),
                ));
            }
            prev = Some((at, c));
        }
        if !any {
            without += 1;
        }
    }
    excluded.sort_unstable();
    excluded.dedup();
    let summaries = log.summaries();
    let quality = DataQuality {
        policy,
        rows_read,
        rows_used: used,
        rows_excluded_invalid: excluded.len(),
        rows_excluded_filtered: 0,
        rows_flagged: flags.iter().filter(|&&f| f != 0).count(),
        problems: summaries,
        excluded_rows: excluded,
        filters: Vec::new(),
    };
    debug_assert!(quality
        .problems
        .iter()
        .all(|p| p.severity != Severity::Filtered));
    Ok(Participation {
        input,
        layout,
        first_day,
        hours,
        close_at,
        labels: instants.iter().map(|&a| label(first_day, a)).collect(),
        times: instants,
        reports: matrix,
        at_close,
        flags,
        stations_without_reports: without,
        quality,
    })
}

/// Participation curves built from per-ballot machine logs: cumulative
/// ballots of every logged station at each full hour while polls are open
/// (and at the close), checked like reports from a file. Stations of the
/// table absent from the logs have no reports (counted in
/// `stations_without_reports`); logged stations absent from the table are
/// `unknown_station` problems. A log total that differs from the station
/// table's final count is a `final_mismatch` finding: logged against
/// counted, at station level. Voting days are chosen as for reports
/// (`voting_days`); ballots on stray days still count in the log total. Problems name the station; `row` is 0
/// (a curve point is not a file row).
pub fn from_logs(
    logs: &super::logs::MachineLogs,
    election: &Election,
    hours: Hours,
    input: FileInfo,
) -> Result<Participation> {
    let first = logs.first_day;
    // Voting days: those holding at least 0.1 % of the ballots (a stray
    // timestamp must not stretch the curves over months); one day for an
    // undated log.
    let (d0, d1) = if first.is_none() {
        (0, 0)
    } else {
        let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
        for m in &logs.machines {
            for &t in &m.times {
                *per_day.entry(t.div_euclid(86_400)).or_default() += 1;
            }
        }
        let days = voting_days(&per_day);
        (
            days.first().copied().unwrap_or(0),
            days.last().copied().unwrap_or(0),
        )
    };
    let mut cutoffs = Vec::new();
    let mut stamps = Vec::new();
    for d in d0..=d1 {
        let mut t = hours.opens.div_ceil(3600) * 3600;
        if t == hours.opens {
            t += 3600;
        }
        while t < hours.closes {
            cutoffs.push(d * 86_400 + i64::from(t));
            stamps.push((d, t));
            t += 3600;
        }
        cutoffs.push(d * 86_400 + i64::from(hours.closes));
        stamps.push((d, hours.closes));
    }
    // The close takes every logged ballot of the station (late queues and
    // stray stamps included): the log total, set against the station table.
    if let Some(last) = cutoffs.last_mut() {
        *last = i64::MAX;
    }
    let counts = logs.cumulative_at(&election.stations, &cutoffs);
    let cov = logs.coverage(&election.stations);
    let absent: std::collections::HashSet<&str> =
        cov.absent_from_logs.iter().map(String::as_str).collect();
    let mut log = ProblemLog::default();
    for s in &cov.absent_from_list {
        log.push(RowProblem {
            kind: ProblemKind::UnknownStation,
            row: 0,
            line: None,
            column: "station".into(),
            value: s.clone(),
            message: format!("logged station {s:?} is not in the station table"),
        });
    }
    let logs_column: Arc<str> = Arc::from("logs");
    let mut reports = Vec::new();
    for (i, name) in election.stations.iter().enumerate() {
        if absent.contains(name.as_str()) {
            continue;
        }
        for (k, &(d, t)) in stamps.iter().enumerate() {
            reports.push(Report {
                station: i,
                stamp: Stamp {
                    day: first.map(|f| f + d as i32),
                    second: t,
                },
                count: counts[i][k],
                row: usize::MAX,
                column: logs_column.clone(),
            });
        }
    }
    let n = reports.len();
    assemble(
        input,
        "logs",
        reports,
        n,
        election,
        hours,
        InvalidRows::Exclude,
        log,
        Vec::new(),
        &|_| None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_seconds_count_only_opening_hours() {
        let h = Hours::parse("08:00", "20:00").unwrap();
        let at = |d: i64, hh: i64| d * 86_400 + hh * 3600;
        assert_eq!(h.open_seconds(at(0, 15), at(0, 20)), 5 * 3600);
        // Overnight: 20:00 day 0 to 15:00 day 1 is 7 open hours.
        assert_eq!(h.open_seconds(at(0, 20), at(1, 15)), 7 * 3600);
        // Three whole days.
        assert_eq!(h.open_seconds(at(0, 0), at(3, 0)), 36 * 3600);
        assert_eq!(h.open_seconds(at(0, 21), at(0, 22)), 0);
        assert_eq!(h.open_seconds(at(0, 9), at(0, 9)), 0);
        assert!(Hours::parse("20:00", "08:00").is_err());
    }
}
