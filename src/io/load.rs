//! Loading: file + schema -> validated [`Election`] + [`DataQuality`].

use std::borrow::Cow;
use std::collections::HashMap as StdHashMap;
use std::path::Path;

use polars::prelude::StringChunked;

use rayon::prelude::*;
use serde::Serialize;

use super::cell::CellError;
use super::schema::{EmptyCells, Layout, Resolved, ResolvedRole, Schema};
use super::table::{sha256_hex, FileInfo, RawTable};
use super::validate::{DataQuality, FilterCount, InvalidRows, ProblemKind, ProblemLog, RowProblem};
use crate::election::{Contestant, Election, ElectionParts, Level};
use crate::error::{Error, Result};

/// Hash map with a fixed-seed fast hasher: station keys are looked up once
/// per row, and a fixed seed keeps every run identical.
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::FixedState>;

/// `str::trim`, with a fast path for the common cell that has no surrounding
/// white space.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// The schema file used, as recorded in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaInfo {
    /// Path of the schema file, or `null` for the standard schema.
    pub path: Option<String>,
    pub sha256: Option<String>,
    /// The schema as resolved against the file's header.
    pub resolved: Resolved,
}

/// A loaded data set.
pub struct Loaded {
    pub input: FileInfo,
    pub schema: SchemaInfo,
    pub quality: DataQuality,
    /// `None` when no row survived validation.
    pub election: Option<Election>,
}

impl Loaded {
    /// The election, or an error when every row was excluded.
    pub fn election(&self) -> Result<&Election> {
        self.election.as_ref().ok_or_else(|| Error::InvalidRows {
            path: self.input.path.clone(),
            count: self.quality.rows_excluded_invalid,
            first: "no valid station rows remain to analyse".into(),
        })
    }
}

/// Loads a station-results file (CSV, gzip CSV or Parquet) through a schema
/// file (or the standard names) and validates every row.
pub fn load(path: &Path, schema_path: Option<&Path>, policy: InvalidRows) -> Result<Loaded> {
    let schema = match schema_path {
        Some(p) => Schema::from_file(p)?,
        None => Schema::standard(),
    };
    load_with_schema(path, &schema, policy)
}

/// Loads a station-results file through an already parsed [`Schema`] (its
/// `path`, when set, is recorded with the file's hash).
pub fn load_with_schema(path: &Path, schema: &Schema, policy: InvalidRows) -> Result<Loaded> {
    load_with_table(path, schema, policy).map(|(loaded, _)| loaded)
}

/// As [`load_with_schema`], also returning the raw table, so that other
/// columns of the same file (wide participation columns) are read without
/// a second pass over the file.
pub fn load_with_table(
    path: &Path,
    schema: &Schema,
    policy: InvalidRows,
) -> Result<(Loaded, RawTable)> {
    let table = RawTable::read(path, schema.delimiter_byte()?, schema.encoding()?)?;
    load_table(table, schema, policy)
}

/// As [`load_with_table`], for a table already read (a file, or a frame in
/// memory: [`RawTable::from_frame`]).
pub fn load_table(
    table: RawTable,
    schema: &Schema,
    policy: InvalidRows,
) -> Result<(Loaded, RawTable)> {
    let path = table.path.clone();
    let path = path.as_path();
    let resolved = match schema.resolve(&table) {
        Ok(r) => r,
        // Read without a schema file: point to the shipped one that fits.
        Err(e) if schema.path.is_none() => return Err(super::shipped::with_hint(e, &table)),
        Err(e) => return Err(e),
    };
    let schema_path = schema.path.as_deref();
    let schema_info = SchemaInfo {
        path: schema_path.map(|p| p.display().to_string()),
        sha256: match schema_path {
            Some(p) => Some(sha256_hex(&std::fs::read(p).map_err(|e| Error::io(p, e))?)),
            None => None,
        },
        resolved,
    };
    let name = schema.name.clone().unwrap_or_else(|| {
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let (parts, quality) = match schema_info.resolved.layout {
        Layout::Wide => build_wide(&table, &schema_info.resolved, policy, name)?,
        Layout::Long => build_long(&table, &schema_info.resolved, policy, name)?,
    };
    let election = if parts.stations.is_empty() {
        None
    } else {
        Some(Election::new(parts).map_err(|m| Error::input(path, m))?)
    };
    let loaded = Loaded {
        input: table.info.clone(),
        schema: schema_info,
        quality,
        election,
    };
    Ok((loaded, table))
}

type Cells = std::sync::Arc<super::table::CountCells>;

/// A role's cells, one vector per source column.
struct RoleCells<'a> {
    role: &'a ResolvedRole,
    cells: Vec<Cells>,
}

impl<'a> RoleCells<'a> {
    /// Parses every source column of the given roles, all in parallel.
    fn parse_all(
        table: &RawTable,
        roles: &[Option<&'a ResolvedRole>],
    ) -> Vec<Option<RoleCells<'a>>> {
        let columns: Vec<usize> = roles
            .iter()
            .flatten()
            .flat_map(|r| r.indices.iter().copied())
            .collect();
        let mut parsed = columns
            .par_iter()
            .map(|&i| table.counts(i))
            .collect::<Vec<_>>()
            .into_iter();
        roles
            .iter()
            .map(|r| {
                r.map(|role| RoleCells {
                    role,
                    cells: parsed.by_ref().take(role.indices.len()).collect(),
                })
            })
            .collect()
    }

    /// The summed value at row `r`, or `None` after logging each bad cell.
    fn value(&self, table: &RawTable, r: usize, log: &mut ProblemLog) -> Option<u64> {
        let mut sum = 0u64;
        let mut ok = true;
        for (k, col) in self.cells.iter().enumerate() {
            match col[r] {
                Ok(v) => sum += v,
                Err(e) => {
                    ok = false;
                    log.push(cell_problem(
                        table,
                        self.role.indices[k],
                        r,
                        e,
                        self.role.role,
                    ));
                }
            }
        }
        ok.then_some(sum)
    }
}

fn cell_problem(table: &RawTable, col: usize, r: usize, e: CellError, role: &str) -> RowProblem {
    let kind = ProblemKind::from_cell(e);
    let value = table.cell_text(col, r);
    let hint = match e {
        CellError::Fractional | CellError::NonNumeric => super::cell::thousands_hint(&value),
        _ => None,
    };
    RowProblem {
        kind,
        row: r + 1,
        line: table.line_of_row(r),
        column: table.columns[col].clone(),
        message: match hint {
            Some(h) => format!("{} ({role}): {h}", kind.description()),
            None => format!("{} ({role})", kind.description()),
        },
        value,
    }
}

fn row_problem(
    table: &RawTable,
    kind: ProblemKind,
    r: usize,
    column: String,
    value: String,
    message: String,
) -> RowProblem {
    RowProblem {
        kind,
        row: r + 1,
        line: table.line_of_row(r),
        column,
        value,
        message,
    }
}

/// Station-level counts read from one row.
#[derive(Clone, PartialEq)]
struct RowCounts {
    /// `None` when the data have no electorate column.
    electorate: Option<u64>,
    ballots: u64,
    boxes: Option<u64>,
    valid: Option<u64>,
    invalid: Option<u64>,
    machines: Option<u64>,
}

/// The text columns a load reads (key, levels, filters), owned here so that
/// the per-row reader can borrow their cells without copying them.
struct TextCols {
    key: Vec<StringChunked>,
    levels: Vec<StringChunked>,
    filters: Vec<StringChunked>,
    /// Opening and closing times (when the schema has them), in that order.
    times: Vec<Option<StringChunked>>,
}

impl TextCols {
    fn new(table: &RawTable, res: &Resolved) -> Self {
        let level_cols = res
            .region
            .iter()
            .copied()
            .chain(res.levels.iter().map(|l| l.1));
        TextCols {
            key: res.key.iter().map(|&i| table.text_column(i)).collect(),
            levels: level_cols.map(|i| table.text_column(i)).collect(),
            filters: res
                .filters
                .iter()
                .map(|(i, _)| table.text_column(*i))
                .collect(),
            times: [res.opens, res.closes]
                .iter()
                .map(|c| c.map(|i| table.text_column(i)))
                .collect(),
        }
    }
}

fn view(cols: &[StringChunked]) -> Vec<Vec<Option<&str>>> {
    cols.iter().map(|c| c.iter().collect()).collect()
}

/// Reads everything that is per-row and layout-independent.
struct RowReader<'a> {
    table: &'a RawTable,
    res: &'a Resolved,
    key: Vec<Vec<Option<&'a str>>>,
    levels: Vec<Vec<Option<&'a str>>>,
    filters: Vec<Vec<Option<&'a str>>>,
    times: Vec<Option<Vec<Option<&'a str>>>>,
    electorate: Option<RoleCells<'a>>,
    ballots: RoleCells<'a>,
    boxes: Option<RoleCells<'a>>,
    valid: Option<RoleCells<'a>>,
    invalid: Option<RoleCells<'a>>,
    machines: Option<RoleCells<'a>>,
    filter_hits: Vec<usize>,
}

impl<'a> RowReader<'a> {
    fn new(table: &'a RawTable, res: &'a Resolved, texts: &'a TextCols) -> Self {
        let mut roles = RoleCells::parse_all(
            table,
            &[
                res.electorate.as_ref(),
                Some(&res.ballots),
                res.ballots_in_boxes.as_ref(),
                res.valid.as_ref(),
                res.invalid.as_ref(),
                res.machines.as_ref(),
            ],
        )
        .into_iter();
        let mut next = || roles.next().flatten();
        RowReader {
            table,
            res,
            key: view(&texts.key),
            levels: view(&texts.levels),
            filters: view(&texts.filters),
            times: texts
                .times
                .iter()
                .map(|c| c.as_ref().map(|c| c.iter().collect()))
                .collect(),
            electorate: next(),
            ballots: next().expect("required role"),
            boxes: next(),
            valid: next(),
            invalid: next(),
            machines: next(),
            filter_hits: vec![0; res.filters.len()],
        }
    }

    /// Whether a schema filter removes row `r` (counted).
    fn filtered(&mut self, r: usize) -> bool {
        for (k, (_, f)) in self.res.filters.iter().enumerate() {
            let v = self.filters[k][r].map(trim).unwrap_or("");
            if f.equals.iter().any(|e| e == v) {
                self.filter_hits[k] += 1;
                return true;
            }
        }
        false
    }

    /// Whether row `r` has as many fields as the header (CSV); logs it when not.
    fn shape_ok(&self, r: usize, log: &mut ProblemLog) -> bool {
        let Some(fields) = self.table.ragged_fields(r) else {
            return true;
        };
        log.push(row_problem(
            self.table,
            ProblemKind::WrongFieldCount,
            r,
            "(whole row)".into(),
            fields.to_string(),
            format!(
                "the row has {fields} fields but the header has {} columns",
                self.table.columns.len()
            ),
        ));
        false
    }

    /// The station key of row `r` (borrowed from the table for a one-column
    /// key; several columns are joined with `" / "`), or `None` after logging.
    fn key(&self, r: usize, log: &mut ProblemLog) -> Option<Cow<'a, str>> {
        let mut out: Option<Cow<'a, str>> = None;
        for (k, col) in self.key.iter().enumerate() {
            match col[r].map(trim) {
                Some(v) if !v.is_empty() => {
                    out = Some(match out {
                        None => Cow::Borrowed(v),
                        Some(prev) => Cow::Owned(format!("{prev} / {v}")),
                    })
                }
                _ => {
                    log.push(row_problem(
                        self.table,
                        ProblemKind::MissingKey,
                        r,
                        self.res.key_columns[k].clone(),
                        String::new(),
                        "the station key is empty".into(),
                    ));
                    return None;
                }
            }
        }
        out
    }

    fn counts(&self, r: usize, log: &mut ProblemLog) -> Option<RowCounts> {
        let t = self.table;
        let ballots = self.ballots.value(t, r, log);
        let mut ok = ballots.is_some();
        let mut opt = |c: &Option<RoleCells>| match c {
            None => None,
            Some(c) => {
                let v = c.value(t, r, log);
                ok &= v.is_some();
                v
            }
        };
        let electorate = opt(&self.electorate);
        let boxes = opt(&self.boxes);
        let valid = opt(&self.valid);
        let invalid = opt(&self.invalid);
        let machines = opt(&self.machines);
        ok.then(|| RowCounts {
            electorate,
            ballots: ballots.unwrap_or(0),
            boxes,
            valid,
            invalid,
            machines,
        })
    }

    /// Row `r`'s label at each grouping level (`(none)` when empty).
    fn level_labels(&self, r: usize) -> impl Iterator<Item = &'a str> + '_ {
        self.levels.iter().map(move |c| match c[r].map(trim) {
            Some(v) if !v.is_empty() => v,
            _ => "(none)",
        })
    }

    /// Opening and closing times of row `r` (minutes after midnight), and the
    /// flag bits of any unreadable one (logged; the time is left empty).
    fn times(&self, r: usize, log: &mut ProblemLog) -> ([Option<u16>; 2], u16) {
        let mut out = [None, None];
        let mut bits = 0;
        let columns = [&self.res.opens_column, &self.res.closes_column];
        for (k, col) in self.times.iter().enumerate() {
            let Some(v) = col
                .as_ref()
                .and_then(|c| c[r])
                .map(trim)
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            match super::cell::parse_time(v) {
                Some(t) => out[k] = Some(t),
                None => {
                    bits |= ProblemKind::InvalidTime.flag_bit().unwrap_or(0);
                    log.push(row_problem(
                        self.table,
                        ProblemKind::InvalidTime,
                        r,
                        columns[k].clone().unwrap_or_default(),
                        v.to_string(),
                        format!("{v:?} is not a clock time HH:MM"),
                    ));
                }
            }
        }
        (out, bits)
    }

    /// Findings on a kept station; returns its flag bits.
    fn findings(&self, r: usize, c: &RowCounts, votes_sum: u64, log: &mut ProblemLog) -> u16 {
        let res = self.res;
        let joined = |role: &ResolvedRole| role.columns.join("+");
        let mut bits = 0u16;
        let mut flag = |kind: ProblemKind,
                        column: String,
                        value: String,
                        message: String,
                        log: &mut ProblemLog| {
            bits |= kind.flag_bit().unwrap_or(0);
            log.push(row_problem(self.table, kind, r, column, value, message));
        };
        if let (Some(electorate), Some(er)) = (c.electorate, &res.electorate) {
            if electorate == 0 {
                flag(
                    ProblemKind::ZeroElectorate,
                    joined(er),
                    "0".into(),
                    "electorate is 0: turnout undefined".into(),
                    log,
                );
            }
            if c.ballots > electorate {
                flag(
                    ProblemKind::BallotsAboveElectorate,
                    joined(&res.ballots),
                    c.ballots.to_string(),
                    format!(
                        "{} ballots issued for an electorate of {electorate}",
                        c.ballots
                    ),
                    log,
                );
            }
        }
        if let (Some(v), Some(vr)) = (c.valid, &res.valid) {
            if v > c.ballots {
                flag(
                    ProblemKind::ValidAboveBallots,
                    joined(vr),
                    v.to_string(),
                    format!("{v} valid ballots but {} issued", c.ballots),
                    log,
                );
            }
            if votes_sum > v {
                flag(
                    ProblemKind::VotesAboveValid,
                    contestants_label(&res.contestant_columns),
                    votes_sum.to_string(),
                    format!("contestants' votes add up to {votes_sum}, above {v} valid ballots"),
                    log,
                );
            }
        }
        if let (Some(b), Some(br)) = (c.boxes, &res.ballots_in_boxes) {
            if b > c.ballots {
                flag(
                    ProblemKind::BoxesAboveIssued,
                    joined(br),
                    b.to_string(),
                    format!("{b} ballots in the boxes but {} issued", c.ballots),
                    log,
                );
            }
        }
        bits
    }

    fn filter_counts(&self) -> Vec<FilterCount> {
        self.res
            .filters
            .iter()
            .zip(&self.filter_hits)
            .map(|((_, f), &rows)| FilterCount {
                column: f.column.clone(),
                equals: f.equals.clone(),
                reason: f.reason.clone(),
                rows,
            })
            .collect()
    }
}

/// The contestant columns joined by `+` when there are a few, else a count.
fn contestants_label(columns: &[String]) -> String {
    if columns.is_empty() {
        "contestants".into()
    } else if columns.len() <= 6 {
        columns.join("+")
    } else {
        format!("contestants ({} columns)", columns.len())
    }
}

/// Accumulates kept stations.
struct Builder<'a> {
    parts: ElectionParts,
    /// Per grouping level: its name and each kept station's label.
    levels: Vec<(String, Vec<&'a str>)>,
}

impl<'a> Builder<'a> {
    fn new(res: &Resolved, name: String, contestant_columns: &[String]) -> Self {
        let mut level_names = Vec::new();
        if res.region.is_some() {
            level_names.push("region".to_string());
        }
        level_names.extend(res.levels.iter().map(|l| l.0.clone()));
        let has = |r: &Option<ResolvedRole>| r.as_ref().map(|_| Vec::new());
        Builder {
            parts: ElectionParts {
                name,
                electorate: has(&res.electorate),
                ballots_in_boxes: has(&res.ballots_in_boxes),
                valid: has(&res.valid),
                invalid: has(&res.invalid),
                machines: has(&res.machines),
                opens: res.opens.map(|_| Vec::new()),
                closes: res.closes.map(|_| Vec::new()),
                contestants: contestant_columns
                    .iter()
                    .map(|c| Contestant {
                        column: c.clone(),
                        name: res.labels.get(c).cloned().unwrap_or_else(|| c.clone()),
                        votes: Vec::new(),
                    })
                    .collect(),
                winner: res.winner.clone(),
                ..Default::default()
            },
            levels: level_names
                .into_iter()
                .map(|name| (name, Vec::new()))
                .collect(),
        }
    }

    fn push(
        &mut self,
        key: String,
        row: usize,
        labels: impl Iterator<Item = &'a str>,
        c: &RowCounts,
        votes: &[u64],
        (times, flags): ([Option<u16>; 2], u16),
    ) {
        let p = &mut self.parts;
        for (dst, t) in [(&mut p.opens, times[0]), (&mut p.closes, times[1])] {
            if let Some(d) = dst.as_mut() {
                d.push(t);
            }
        }
        p.stations.push(key);
        p.source_rows.push(row + 1);
        if let (Some(d), Some(v)) = (p.electorate.as_mut(), c.electorate) {
            d.push(v);
        }
        p.ballots.push(c.ballots);
        for (dst, v) in [
            (&mut p.ballots_in_boxes, c.boxes),
            (&mut p.valid, c.valid),
            (&mut p.invalid, c.invalid),
            (&mut p.machines, c.machines),
        ] {
            if let (Some(d), Some(v)) = (dst.as_mut(), v) {
                d.push(v);
            }
        }
        for (ct, &v) in p.contestants.iter_mut().zip(votes) {
            ct.votes.push(v);
        }
        for ((_, l), lab) in self.levels.iter_mut().zip(labels) {
            l.push(lab);
        }
        p.quality_flags.push(flags);
    }

    fn finish(mut self) -> ElectionParts {
        let n = self.parts.stations.len();
        let mut levels: Vec<Level> = self
            .levels
            .into_iter()
            .map(|(name, labels)| Level::from_labels(&name, labels))
            .collect();
        if levels.first().is_none_or(|l| l.name != "region") {
            levels.insert(
                0,
                Level::from_labels("region", std::iter::repeat_n("all", n)),
            );
        }
        self.parts.levels = levels;
        self.parts
    }
}

fn finish_quality(
    table: &RawTable,
    policy: InvalidRows,
    log: ProblemLog,
    excluded_rows: Vec<usize>,
    filters: Vec<FilterCount>,
    parts: &ElectionParts,
) -> Result<DataQuality> {
    if policy == InvalidRows::Fail && !excluded_rows.is_empty() {
        return Err(Error::InvalidRows {
            path: table.path.display().to_string(),
            count: excluded_rows.len(),
            first: log
                .first_example()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        });
    }
    let rows_excluded_filtered = filters.iter().map(|f| f.rows).sum();
    Ok(DataQuality {
        policy,
        rows_read: table.height(),
        rows_used: parts.stations.len(),
        rows_excluded_invalid: excluded_rows.len(),
        rows_excluded_filtered,
        rows_flagged: parts.quality_flags.iter().filter(|&&f| f != 0).count(),
        problems: log.summaries(),
        excluded_rows,
        filters,
    })
}

fn build_wide(
    table: &RawTable,
    res: &Resolved,
    policy: InvalidRows,
    name: String,
) -> Result<(ElectionParts, DataQuality)> {
    let texts = TextCols::new(table, res);
    let mut reader = RowReader::new(table, res, &texts);
    let contestant_cells: Vec<Cells> = res
        .contestants
        .par_iter()
        .map(|&i| table.counts(i))
        .collect();
    let mut builder = Builder::new(res, name, &res.contestant_columns);
    let mut log = ProblemLog::default();
    let mut seen: HashMap<Cow<str>, usize> =
        HashMap::with_capacity_and_hasher(table.height(), Default::default());
    let mut excluded = Vec::new();
    let mut votes = vec![0u64; res.contestants.len()];
    for r in 0..table.height() {
        if reader.filtered(r) {
            continue;
        }
        if !reader.shape_ok(r, &mut log) {
            excluded.push(r + 1);
            continue;
        }
        let key = reader.key(r, &mut log);
        let counts = reader.counts(r, &mut log);
        let mut ok = key.is_some() && counts.is_some();
        for (k, col) in contestant_cells.iter().enumerate() {
            votes[k] = match col[r] {
                Ok(v) => v,
                Err(CellError::Missing) if res.empty_contestant_cells == EmptyCells::Zero => {
                    log.push(row_problem(
                        table,
                        ProblemKind::EmptyContestantAsZero,
                        r,
                        res.contestant_columns[k].clone(),
                        String::new(),
                        "empty contestant cell read as 0".into(),
                    ));
                    0
                }
                Err(e) => {
                    ok = false;
                    log.push(cell_problem(
                        table,
                        res.contestants[k],
                        r,
                        e,
                        "contestant votes",
                    ));
                    0
                }
            };
        }
        if let (true, Some(k)) = (ok, key.as_ref()) {
            if let Some(&first) = seen.get(k.as_ref()) {
                ok = false;
                log.push(row_problem(
                    table,
                    ProblemKind::DuplicateStation,
                    r,
                    res.key_columns.join("+"),
                    k.to_string(),
                    format!("station key {k:?} already used by row {first}"),
                ));
            }
        }
        let (true, Some(key), Some(counts)) = (ok, key, counts) else {
            excluded.push(r + 1);
            continue;
        };
        let station = key.to_string();
        seen.insert(key, r + 1);
        let votes_sum: u64 = votes.iter().sum();
        let flags = reader.findings(r, &counts, votes_sum, &mut log);
        let (times, time_flags) = reader.times(r, &mut log);
        builder.push(
            station,
            r,
            reader.level_labels(r),
            &counts,
            &votes,
            (times, flags | time_flags),
        );
    }
    let filters = reader.filter_counts();
    let parts = builder.finish();
    let quality = finish_quality(table, policy, log, excluded, filters, &parts)?;
    Ok((parts, quality))
}

/// Long layout: one row per (station, contestant). Station-level counts must
/// agree across a station's rows; a station with any invalid row is excluded
/// whole (all its rows are listed). Contestants a station has no row for get 0.
fn build_long(
    table: &RawTable,
    res: &Resolved,
    policy: InvalidRows,
    name: String,
) -> Result<(ElectionParts, DataQuality)> {
    let (ccol, vcol) = res.long.expect("long layout resolved");
    let texts = TextCols::new(table, res);
    let mut reader = RowReader::new(table, res, &texts);
    let names_col = table.text_column(ccol);
    let names: Vec<Option<&str>> = names_col.iter().collect();
    let votes_cells = table.counts(vcol);
    let mut log = ProblemLog::default();

    struct Acc<'a> {
        key: String,
        first_row: usize,
        rows: Vec<usize>,
        labels: Vec<&'a str>,
        counts: Option<RowCounts>,
        votes: HashMap<usize, u64>,
        ok: bool,
    }
    let mut stations: Vec<Acc> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::default();
    let mut contestants: Vec<String> = Vec::new();
    let mut cindex: HashMap<String, usize> = HashMap::default();
    for r in 0..table.height() {
        if reader.filtered(r) {
            continue;
        }
        let shape_ok = reader.shape_ok(r, &mut log);
        let Some(key) = reader
            .key(r, &mut log)
            .filter(|_| shape_ok)
            .map(Cow::into_owned)
        else {
            // No key: the row belongs to no station; excluded on its own.
            stations.push(Acc {
                key: String::new(),
                first_row: r,
                rows: vec![r],
                labels: vec![],
                counts: None,
                votes: HashMap::default(),
                ok: false,
            });
            continue;
        };
        let counts = reader.counts(r, &mut log);
        let s = *index.entry(key.clone()).or_insert_with(|| {
            stations.push(Acc {
                key: key.clone(),
                first_row: r,
                rows: Vec::new(),
                labels: reader.level_labels(r).collect(),
                counts: counts.clone(),
                votes: HashMap::default(),
                ok: true,
            });
            stations.len() - 1
        });
        let acc = &mut stations[s];
        acc.rows.push(r);
        match (&counts, &acc.counts) {
            (None, _) => acc.ok = false,
            (Some(c), Some(first)) if c != first => {
                acc.ok = false;
                log.push(row_problem(
                    table,
                    ProblemKind::InconsistentStation,
                    r,
                    res.ballots.columns.join("+"),
                    c.ballots.to_string(),
                    format!(
                        "station {key:?}: counts differ from its first row (row {})",
                        acc.first_row + 1
                    ),
                ));
            }
            (Some(c), None) => acc.counts = Some(c.clone()),
            _ => {}
        }
        let cname = names[r].map(trim).unwrap_or("");
        if cname.is_empty() {
            acc.ok = false;
            log.push(row_problem(
                table,
                ProblemKind::MissingValue,
                r,
                table.columns[ccol].clone(),
                String::new(),
                "the contestant name is empty".into(),
            ));
            continue;
        }
        let c = *cindex.entry(cname.to_string()).or_insert_with(|| {
            contestants.push(cname.to_string());
            contestants.len() - 1
        });
        match votes_cells[r] {
            Ok(v) => {
                if acc.votes.insert(c, v).is_some() {
                    acc.ok = false;
                    log.push(row_problem(
                        table,
                        ProblemKind::DuplicateStation,
                        r,
                        table.columns[ccol].clone(),
                        cname.to_string(),
                        format!("station {key:?} has two rows for contestant {cname:?}"),
                    ));
                }
            }
            Err(e) => {
                acc.ok = false;
                log.push(cell_problem(table, vcol, r, e, "contestant votes"));
            }
        }
    }
    if let Some(w) = &res.winner {
        if !contestants.contains(w) {
            return Err(Error::schema(
                Path::new("<schema>"),
                format!(
                    "contestants.winner {w:?} never appears in column {:?}",
                    table.columns[ccol]
                ),
            ));
        }
    }
    let mut builder = Builder::new(res, name, &contestants);
    let mut excluded = Vec::new();
    let mut votes = vec![0u64; contestants.len()];
    for acc in stations {
        let counts = match (acc.ok, acc.counts) {
            (true, Some(c)) => c,
            _ => {
                excluded.extend(acc.rows.iter().map(|r| r + 1));
                continue;
            }
        };
        votes.iter_mut().for_each(|v| *v = 0);
        for (&c, &v) in &acc.votes {
            votes[c] = v;
        }
        let flags = reader.findings(acc.first_row, &counts, votes.iter().sum(), &mut log);
        let (times, time_flags) = reader.times(acc.first_row, &mut log);
        builder.push(
            acc.key,
            acc.first_row,
            acc.labels.into_iter(),
            &counts,
            &votes,
            (times, flags | time_flags),
        );
    }
    excluded.sort_unstable();
    let filters = reader.filter_counts();
    let parts = builder.finish();
    let quality = finish_quality(table, policy, log, excluded, filters, &parts)?;
    Ok((parts, quality))
}
