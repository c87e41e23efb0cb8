//! Schema files: which source columns play which role.
//!
//! A schema is a TOML file. Every key is optional except where stated; see
//! `docs/schema.md` for the full reference and `data/schemas/` for one schema
//! per real data set. Without a schema the standard names apply (see
//! [`Schema::standard`]).
//!
//! ```toml
//! name = "Russia, State Duma 2011"
//! layout = "wide"                      # or "long"
//! [station]
//! key = ["region", "tik", "uik"]       # one column, or several joined with " / "
//! region = "region"
//! levels = [{ name = "tik", column = "tik" }]
//! [columns]
//! electorate = { pattern = "^Число избирателей" }            # exactly one match
//! ballots = { sum_pattern = "^Число избирательных бюллетеней, выданных" }  # all matches, summed
//! valid = "Число действительных избирательных бюллетеней"     # exact name
//! invalid = { columns = ["a", "b"] }                          # listed, summed
//! [contestants]
//! after = "^Число"          # every column after the last match ...
//! exclude = ["url"]         # ... except these
//! winner = "6. Всероссийская политическая партия \"ЕДИНАЯ РОССИЯ\""
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::table::RawTable;
use crate::error::{Error, Result};

/// The parsed schema file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Display name of the election.
    pub name: Option<String>,
    /// `"wide"` (one column per contestant, default) or `"long"`.
    #[serde(default)]
    pub layout: Layout,
    /// Field delimiter of a CSV file (sniffed when absent).
    pub delimiter: Option<String>,
    /// Text encoding of a CSV file (`utf-8`, `latin1`/`windows-1252`,
    /// `windows-1251`, `utf-16`, or any WHATWG label). Absent: a byte-order
    /// mark, else UTF-8, else detection when unambiguous
    /// ([`super::encoding`]). It applies to every CSV file read with the
    /// schema (station file and participation reports).
    pub encoding: Option<String>,
    #[serde(default)]
    pub station: StationSpec,
    #[serde(default)]
    pub columns: RoleSpecs,
    #[serde(default)]
    pub contestants: ContestantSpec,
    /// Long layout: which columns name the contestant and hold the votes.
    pub long: Option<LongSpec>,
    /// Rows excluded on purpose (each counted and reported with its reason).
    #[serde(default)]
    pub filter: Vec<FilterSpec>,
    /// Where participation reports are found and when polls open and close
    /// (`[hourly]`; see [`HourlySpec`]).
    pub hourly: Option<HourlySpec>,
    /// Independent counts per station and contestant (`[independent]`).
    pub independent: Option<IndependentSpec>,
    /// A reference subset of stations (`[reference]`).
    pub reference: Option<ReferenceSpec>,
    /// Where this schema was read from (not part of the file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    #[default]
    Wide,
    Long,
}

/// How stations are identified and grouped.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StationSpec {
    /// Column(s) forming the unique station key (default `station`).
    pub key: Option<OneOrMany>,
    /// Column naming the region (default `region` if present; otherwise one region `all`).
    pub region: Option<String>,
    /// Finer grouping levels, coarse to fine (e.g. district).
    #[serde(default)]
    pub levels: Vec<LevelSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    pub name: String,
    pub column: String,
}

/// Columns for each count role.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSpecs {
    pub electorate: Option<ColumnSpec>,
    pub ballots: Option<ColumnSpec>,
    pub ballots_in_boxes: Option<ColumnSpec>,
    pub valid: Option<ColumnSpec>,
    pub invalid: Option<ColumnSpec>,
    pub machines: Option<ColumnSpec>,
    /// Opening time of the station (`HH:MM` or `HH:MM:SS`): one column name.
    pub opens: Option<String>,
    /// Closing time of the station: one column name.
    pub closes: Option<String>,
}

/// One role's source: an exact name, or a table with exactly one of
/// `column`, `columns` (summed), `pattern` (exactly one match), `sum_pattern`
/// (every match, summed; at least one).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ColumnSpec {
    Name(String),
    Rule(ColumnRule),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnRule {
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub sum_pattern: Option<String>,
}

/// Which columns are contestants and who the winner is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContestantSpec {
    /// Explicit list of contestant columns.
    pub columns: Option<Vec<String>>,
    /// Every column matching this regular expression.
    pub pattern: Option<String>,
    /// Every column after the last one matching this regular expression.
    pub after: Option<String>,
    /// Columns removed from the selection (exact names).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// What an empty contestant cell means: `"missing"` (a problem, default)
    /// or `"zero"` (the contestant did not stand at that station; counted).
    #[serde(default)]
    pub empty: EmptyCells,
    /// The winner's column (exact name); inferred as the largest total when absent.
    pub winner: Option<String>,
    /// Display names for contestant columns.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptyCells {
    #[default]
    Missing,
    Zero,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LongSpec {
    pub contestant: String,
    pub votes: String,
}

/// Participation reports (`[hourly]` in a schema file).
///
/// Two layouts: a separate **long** file (one row per station and report
/// time; columns `key`, optional `date`, `time`, `cumulative`), or **wide**
/// columns in the station file itself (`columns`, report time -> column, as
/// Spain publishes its 14:00 and 18:00 advances). Opening hours apply to every
/// voting day; a station file's own `opens`/`closes` columns override them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HourlySpec {
    /// Long file: column(s) forming the station key (default: the station
    /// schema's key, joined with `" / "` as there).
    pub key: Option<OneOrMany>,
    /// Long file: the date column (default `date` when present).
    pub date: Option<String>,
    /// Long file: the time (or timestamp) column (default `time`).
    pub time: Option<String>,
    /// Long file: the cumulative-voters column (default `cumulative_voters`).
    pub cumulative: Option<String>,
    /// Wide layout: report time (`HH:MM`) -> column of the station file.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Daily opening time (`HH:MM`; default `08:00`).
    pub opens: Option<String>,
    /// Daily closing time (`HH:MM`; default `20:00`).
    pub closes: Option<String>,
    /// Column names of a bulletin file (`[hourly.bulletins]`).
    pub bulletins: Option<super::bulletins::BulletinColumns>,
    /// Column names of a machine-log file (`[hourly.logs]`).
    pub logs: Option<super::logs::LogColumns>,
}

/// Independent counts (`[independent]`): photographed ballots, observers'
/// protocol copies, a parallel tabulation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndependentSpec {
    /// What the figures are ("photographed ballots (Voice platform)").
    pub source: Option<String>,
    /// `"lower_bound"` (each figure can only be below the truth) or
    /// `"count"` (an alternative count of the same quantity; default).
    #[serde(default)]
    pub kind: IndependentKind,
    /// Contestant column -> column of its independent figure (in the
    /// station file, or in the `--independent` file).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Columns matching an `--independent` file's rows to stations
    /// (default: the columns it shares with the station file).
    pub key: Option<OneOrMany>,
    /// Stations in the population the extrapolation speaks for (default:
    /// the analysed stations).
    pub population: Option<u64>,
}

/// Whether an independent figure can only be below the truth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndependentKind {
    /// A hard lower bound on the true count (photographed ballots: each
    /// photo is a ballot, voters who did not photograph theirs are missing).
    LowerBound,
    /// An alternative count of the same quantity (observers' copies of the
    /// protocol, a parallel vote tabulation).
    #[default]
    Count,
}

/// A reference subset of stations (`[reference]`): scanner-counted
/// stations, stations with observers.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// What the subset is ("scanner-counted (KOIB) stations").
    pub label: Option<String>,
    /// A marker column of the station file (instead of `--reference FILE`).
    pub column: Option<String>,
    /// Columns matching a `--reference` file's rows to stations (default:
    /// every column it shares with the station file).
    pub key: Option<OneOrMany>,
    /// The level within which the subset's rates are extrapolated (default:
    /// the finest level).
    pub level: Option<String>,
}

/// Rows whose `column` holds one of `equals` are excluded, with `reason`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    pub column: String,
    pub equals: Vec<String>,
    pub reason: String,
}

/// A count role after resolution: the source columns (indices) summed into it.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedRole {
    pub role: &'static str,
    #[serde(skip)]
    pub indices: Vec<usize>,
    pub columns: Vec<String>,
}

/// A schema matched against a table's header.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub name: Option<String>,
    pub layout: Layout,
    #[serde(skip)]
    pub key: Vec<usize>,
    pub key_columns: Vec<String>,
    #[serde(skip)]
    pub region: Option<usize>,
    pub region_column: Option<String>,
    #[serde(skip)]
    pub levels: Vec<(String, usize)>,
    /// Registered voters; `None` when a schema file maps no such column
    /// (tally sheets without registered voters: turnout is undefined and
    /// the families that need it are skipped).
    pub electorate: Option<ResolvedRole>,
    pub ballots: ResolvedRole,
    pub ballots_in_boxes: Option<ResolvedRole>,
    pub valid: Option<ResolvedRole>,
    pub invalid: Option<ResolvedRole>,
    pub machines: Option<ResolvedRole>,
    /// Columns holding opening and closing times, when present.
    pub opens_column: Option<String>,
    #[serde(skip)]
    pub opens: Option<usize>,
    pub closes_column: Option<String>,
    #[serde(skip)]
    pub closes: Option<usize>,
    /// Wide layout: contestant columns, in file order.
    #[serde(skip)]
    pub contestants: Vec<usize>,
    pub contestant_columns: Vec<String>,
    pub empty_contestant_cells: EmptyCells,
    pub winner: Option<String>,
    pub labels: BTreeMap<String, String>,
    #[serde(skip)]
    pub long: Option<(usize, usize)>,
    #[serde(skip)]
    pub filters: Vec<(usize, FilterSpec)>,
    /// Columns no role uses (listed so that nothing is ignored silently).
    pub unused_columns: Vec<String>,
    /// What the mapping may have got wrong without failing (a count column
    /// whose name reads like a role, taken as a contestant; a participation
    /// mapping with no file to read); printed by `validate` and `analyze`.
    pub warnings: Vec<String>,
}

impl Schema {
    /// Reads and parses a schema file.
    pub fn from_file(path: &Path) -> Result<Schema> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut s: Schema = toml::from_str(&text)
            .map_err(|e| Error::schema(path, e.to_string().trim().to_string()))?;
        s.path = Some(path.to_path_buf());
        Ok(s)
    }

    /// The standard schema used without a file: columns `station`, `region`,
    /// `electorate`, `ballots`, optional `ballots_in_boxes`, `valid`,
    /// `invalid`, `machines`, and times `opens`, `closes`; every other column
    /// holding counts is a contestant.
    pub fn standard() -> Schema {
        Schema::default()
    }

    /// The delimiter byte, if the schema names one.
    pub fn delimiter_byte(&self) -> Result<Option<u8>> {
        match self.delimiter.as_deref() {
            None => Ok(None),
            Some("\\t") | Some("\t") | Some("tab") => Ok(Some(b'\t')),
            Some(d) if d.len() == 1 => Ok(Some(d.as_bytes()[0])),
            Some(d) => Err(self.err(format!("delimiter must be one ASCII character, not {d:?}"))),
        }
    }

    /// The encoding the schema declares, if any.
    pub fn encoding(&self) -> Result<Option<&'static encoding_rs::Encoding>> {
        match self.encoding.as_deref() {
            None => Ok(None),
            Some(label) => super::encoding::from_label(label).map(Some).ok_or_else(|| {
                self.err(format!(
                    "unknown encoding {label:?}: use utf-8, latin1 (windows-1252), windows-1251, \
                     utf-16, or another WHATWG encoding label"
                ))
            }),
        }
    }

    fn err(&self, message: String) -> Error {
        let p = self
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from("<standard schema>"));
        Error::schema(&p, message)
    }

    /// Matches the schema against a table's header.
    pub fn resolve(&self, table: &RawTable) -> Result<Resolved> {
        let header = &table.columns;
        let standard = self.path.is_none();
        let find = |name: &str, what: &str| -> Result<usize> {
            table.index_of(name).ok_or_else(|| {
                self.err(format!(
                    "{what} names column {name:?}, which is not in {} (its header has {} columns{})",
                    table.path.display(),
                    header.len(),
                    closest(header, name)
                ))
            })
        };
        let key_names = self
            .station
            .key
            .as_ref()
            .map(OneOrMany::to_vec)
            .unwrap_or_else(|| vec!["station".to_string()]);
        let key = key_names
            .iter()
            .map(|k| find(k, "station.key"))
            .collect::<Result<Vec<_>>>()?;
        let region = match &self.station.region {
            Some(r) => Some(find(r, "station.region")?),
            None => table.index_of("region"),
        };
        let levels = self
            .station
            .levels
            .iter()
            .map(|l| Ok((l.name.clone(), find(&l.column, "station.levels")?)))
            .collect::<Result<Vec<_>>>()?;

        let role = |role: &'static str,
                    spec: &Option<ColumnSpec>,
                    required: bool|
         -> Result<Option<ResolvedRole>> {
            let indices = match spec {
                Some(spec) => self.resolve_spec(table, role, spec)?,
                None => match table.index_of(role) {
                    Some(i) => vec![i],
                    None if required => {
                        let how = if standard {
                            "name it in a schema file (`--schema`, see docs/schema.md and the \
                             examples in data/schemas/)"
                        } else {
                            "name it in the schema's [columns] table"
                        };
                        let without = if role == "electorate" {
                            "; a file without registered voters loads through a schema file \
                             that leaves `electorate` out (turnout families are then skipped)"
                        } else {
                            ""
                        };
                        return Err(self.err(format!(
                            "no column for role `{role}`: {} has no column named {role:?}{}; \
                             {how} (`[columns] {role} = \"...\"`){without}",
                            table.path.display(),
                            closest(header, role)
                        )));
                    }
                    None => return Ok(None),
                },
            };
            Ok(Some(ResolvedRole {
                role,
                columns: indices.iter().map(|&i| header[i].clone()).collect(),
                indices,
            }))
        };
        let c = &self.columns;
        // Without a schema file the electorate is required (a file without
        // it needs a schema that says so by leaving the role out).
        let electorate = role("electorate", &c.electorate, standard)?;
        let ballots = role("ballots", &c.ballots, true)?.expect("required");
        let ballots_in_boxes = role("ballots_in_boxes", &c.ballots_in_boxes, false)?;
        let valid = role("valid", &c.valid, false)?;
        let invalid = role("invalid", &c.invalid, false)?;
        let machines = role("machines", &c.machines, false)?;
        let time =
            |name: &Option<String>, standard_name: &str, what: &str| -> Result<Option<usize>> {
                match name {
                    Some(n) => find(n, what).map(Some),
                    None => Ok(table.index_of(standard_name)),
                }
            };
        let opens = time(&c.opens, "opens", "columns.opens")?;
        let closes = time(&c.closes, "closes", "columns.closes")?;

        let filters = self
            .filter
            .iter()
            .map(|f| Ok((find(&f.column, "filter.column")?, f.clone())))
            .collect::<Result<Vec<_>>>()?;

        let long = match (self.layout, &self.long) {
            (Layout::Long, Some(l)) => Some((
                find(&l.contestant, "long.contestant")?,
                find(&l.votes, "long.votes")?,
            )),
            (Layout::Long, None) => {
                return Err(self.err(
                    "layout = \"long\" needs a [long] table with `contestant` and `votes`".into(),
                ))
            }
            (Layout::Wide, Some(_)) => {
                return Err(self.err("a [long] table needs layout = \"long\"".into()))
            }
            (Layout::Wide, None) => None,
        };

        let mut used: Vec<bool> = vec![false; header.len()];
        for &i in key
            .iter()
            .chain(region.iter())
            .chain(levels.iter().map(|(_, i)| i))
        {
            used[i] = true;
        }
        for r in [
            electorate.as_ref(),
            Some(&ballots),
            ballots_in_boxes.as_ref(),
            valid.as_ref(),
            invalid.as_ref(),
            machines.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            for &i in &r.indices {
                used[i] = true;
            }
        }
        for (i, _) in &filters {
            used[*i] = true;
        }
        // Independent counts and a reference marker are not contestants.
        let companions = self
            .independent
            .iter()
            .flat_map(|i| i.columns.values())
            .chain(self.reference.iter().filter_map(|r| r.column.as_ref()));
        for name in companions {
            if let Some(i) = table.index_of(name) {
                used[i] = true;
            }
        }
        for i in opens.iter().chain(closes.iter()) {
            used[*i] = true;
        }
        if let Some((a, b)) = long {
            used[a] = true;
            used[b] = true;
        }

        let contestants = if long.is_some() {
            Vec::new()
        } else {
            self.resolve_contestants(table, &used, standard)?
        };
        for &i in &contestants {
            used[i] = true;
        }
        if long.is_none() && contestants.is_empty() {
            return Err(self.err(format!(
                "no contestant columns found in {}; list them in a schema file ([contestants] columns/pattern/after)",
                table.path.display()
            )));
        }
        if let Some(w) = &self.contestants.winner {
            if long.is_none() && !contestants.iter().any(|&i| &header[i] == w) {
                return Err(self.err(format!(
                    "contestants.winner {w:?} is not one of the contestant columns"
                )));
            }
        }
        let mut warnings = Vec::new();
        let automatic = self.contestants.columns.is_none()
            && self.contestants.pattern.is_none()
            && self.contestants.after.is_none();
        if automatic {
            for &i in &contestants {
                if let Some(role) = role_like(&header[i]) {
                    warnings.push(format!(
                        "column {name:?} was taken as a contestant (it holds counts and no role claims it), but its name reads like the {role} role: map it ([columns] {role} = {name:?}) or leave it out ([contestants] exclude = [{name:?}])",
                        name = header[i]
                    ));
                }
            }
        }
        let unused_columns = header
            .iter()
            .zip(&used)
            .filter(|(_, &u)| !u)
            .map(|(n, _)| n.clone())
            .collect();
        Ok(Resolved {
            name: self.name.clone(),
            layout: self.layout,
            key_columns: key.iter().map(|&i| header[i].clone()).collect(),
            key,
            region_column: region.map(|i| header[i].clone()),
            region,
            levels,
            electorate,
            ballots,
            ballots_in_boxes,
            valid,
            invalid,
            machines,
            opens_column: opens.map(|i| header[i].clone()),
            opens,
            closes_column: closes.map(|i| header[i].clone()),
            closes,
            contestant_columns: contestants.iter().map(|&i| header[i].clone()).collect(),
            contestants,
            empty_contestant_cells: self.contestants.empty,
            winner: self.contestants.winner.clone(),
            labels: self.contestants.labels.clone(),
            long,
            filters,
            unused_columns,
            warnings,
        })
    }

    fn regex(&self, what: &str, pattern: &str) -> Result<Regex> {
        Regex::new(pattern).map_err(|e| {
            self.err(format!(
                "{what}: invalid regular expression {pattern:?}: {e}"
            ))
        })
    }

    fn resolve_spec(&self, table: &RawTable, role: &str, spec: &ColumnSpec) -> Result<Vec<usize>> {
        let header = &table.columns;
        let exact = |name: &str| {
            table.index_of(name).ok_or_else(|| {
                self.err(format!(
                    "columns.{role} names column {name:?}, which is not in {}{}",
                    table.path.display(),
                    closest(header, name)
                ))
            })
        };
        let rule = match spec {
            ColumnSpec::Name(n) => return Ok(vec![exact(n)?]),
            ColumnSpec::Rule(r) => r,
        };
        let given = [
            rule.column.is_some(),
            rule.columns.is_some(),
            rule.pattern.is_some(),
            rule.sum_pattern.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if given != 1 {
            return Err(self.err(format!(
                "columns.{role} must have exactly one of `column`, `columns`, `pattern`, `sum_pattern`"
            )));
        }
        if let Some(n) = &rule.column {
            return Ok(vec![exact(n)?]);
        }
        if let Some(ns) = &rule.columns {
            if ns.is_empty() {
                return Err(self.err(format!("columns.{role}.columns is empty")));
            }
            return ns.iter().map(|n| exact(n)).collect();
        }
        let (pattern, sum) = match (&rule.pattern, &rule.sum_pattern) {
            (Some(p), _) => (p, false),
            (_, Some(p)) => (p, true),
            _ => unreachable!("checked above"),
        };
        let re = self.regex(&format!("columns.{role}"), pattern)?;
        let hits: Vec<usize> = (0..header.len())
            .filter(|&i| re.is_match(&header[i]))
            .collect();
        match (hits.len(), sum) {
            (0, _) => Err(self.err(format!(
                "columns.{role}: pattern {pattern:?} matches no column of {}",
                table.path.display()
            ))),
            (1, false) | (_, true) => Ok(hits),
            (_, false) => Err(self.err(format!(
                "columns.{role}: pattern {pattern:?} matches {} columns ({}); use sum_pattern to add them up, or a narrower pattern",
                hits.len(),
                hits.iter().map(|&i| format!("{:?}", header[i])).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    fn resolve_contestants(
        &self,
        table: &RawTable,
        used: &[bool],
        standard: bool,
    ) -> Result<Vec<usize>> {
        let header = &table.columns;
        let spec = &self.contestants;
        let mut picked: Vec<usize> = if let Some(cols) = &spec.columns {
            cols.iter()
                .map(|n| {
                    table.index_of(n).ok_or_else(|| {
                        self.err(format!(
                            "contestants.columns names {n:?}, which is not in {}{}",
                            table.path.display(),
                            closest(header, n)
                        ))
                    })
                })
                .collect::<Result<_>>()?
        } else if let Some(p) = &spec.pattern {
            let re = self.regex("contestants.pattern", p)?;
            (0..header.len())
                .filter(|&i| re.is_match(&header[i]))
                .collect()
        } else if let Some(p) = &spec.after {
            let re = self.regex("contestants.after", p)?;
            let last = (0..header.len())
                .rev()
                .find(|&i| re.is_match(&header[i]))
                .ok_or_else(|| {
                    self.err(format!(
                        "contestants.after: pattern {p:?} matches no column"
                    ))
                })?;
            (last + 1..header.len()).collect()
        } else {
            // Default: every unused column whose cells are mostly counts.
            use rayon::prelude::*;
            (0..header.len())
                .into_par_iter()
                .filter(|&i| !used[i] && mostly_counts(table, i))
                .collect()
        };
        for ex in &spec.exclude {
            if table.index_of(ex).is_none() {
                return Err(self.err(format!(
                    "contestants.exclude names {ex:?}, which is not in {}",
                    table.path.display()
                )));
            }
        }
        picked.retain(|&i| !spec.exclude.contains(&header[i]) && (standard || !used[i]));
        Ok(picked)
    }
}

/// The role a column's name reads like (`valid`, `invalid`, `machines`,
/// `electorate`, `ballots`), in English, Spanish, French, Portuguese or
/// Russian, when one of its words is a role word; `None` otherwise.
fn role_like(name: &str) -> Option<&'static str> {
    const ROLES: [(&str, &[&str]); 5] = [
        (
            "invalid",
            &[
                "invalid",
                "invalids",
                "invalidos",
                "invalidas",
                "nulos",
                "nulas",
                "null",
                "nuls",
                "blancos",
                "blank",
                "blanks",
                "spoiled",
                "rejected",
                "недействительных",
                "недействительные",
            ],
        ),
        (
            "valid",
            &[
                "valid",
                "validos",
                "validas",
                "valides",
                "действительных",
                "действительные",
            ],
        ),
        (
            "machines",
            &[
                "machines", "machine", "maquinas", "booths", "urnas", "koib", "кэг", "коиб",
            ],
        ),
        (
            "electorate",
            &[
                "electorate",
                "registered",
                "electores",
                "censo",
                "inscritos",
                "inscrits",
                "eligible",
                "избирателей",
            ],
        ),
        (
            "ballots",
            &[
                "ballots",
                "votantes",
                "voters",
                "turnout",
                "papeletas",
                "бюллетеней",
            ],
        ),
    ];
    let folded: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    ROLES
        .iter()
        .find(|(_, names)| words.iter().any(|w| names.contains(w)))
        .map(|(role, _)| *role)
}

/// Whether at least half of a column's non-empty cells read as counts (the
/// standard schema's rule for "a contestant column"; the rest of its cells
/// are then reported as problems, never dropped silently).
fn mostly_counts(table: &RawTable, col: usize) -> bool {
    let cells = table.counts(col);
    let non_empty = cells
        .iter()
        .filter(|c| !matches!(c, Err(super::cell::CellError::Missing)))
        .count();
    let ok = cells.iter().filter(|c| c.is_ok()).count();
    non_empty > 0 && ok * 2 >= non_empty
}

/// ", closest: \"x\"" for the header column most like `name`, for error
/// messages; when the header is a single column holding another delimiter,
/// a hint that the delimiter is wrong.
fn closest(header: &[String], name: &str) -> String {
    if let [only] = header {
        if let Some(d) = [';', ',', '\t', '|']
            .into_iter()
            .find(|&d| only.contains(d))
        {
            return format!("; the header is a single column {only:?}: is the delimiter {d:?}? (set `delimiter` in the schema, or leave it out to sniff it)");
        }
    }
    let lname = name.to_lowercase();
    header
        .iter()
        .map(|h| (edit_distance(&h.to_lowercase(), &lname), h))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= name.chars().count().max(3) / 2)
        .map(|(_, h)| format!("; closest: {h:?}"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 200 || b.len() > 200 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
