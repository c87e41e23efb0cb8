//! Everything an analysis reads, loaded once before any method runs.
//!
//! [`Inputs::load`] parses the schema once, reads each file once (the
//! station table, participation reports, bulletins, machine logs) and
//! validates every row; families then receive `&Inputs` and never touch a
//! file. Library callers with an election already in memory use
//! [`Inputs::from_election`].

use std::path::PathBuf;

use crate::election::Election;
use crate::error::{Error, Result};
use crate::io::bulletins::{load_bulletins, Bulletin};
use crate::io::hourly::{self as hourly_io, Hours, Participation};
use crate::io::join::{load_independent, load_reference, IndependentCounts, ReferenceSubset};
use crate::io::load::{load_table, load_with_table, SchemaInfo};
use crate::io::logs::{load_logs, MachineLogs};
use crate::io::table::{FileInfo, RawTable};
use crate::io::validate::DataQuality;
use crate::io::{InvalidRows, Schema};

/// The files of an analysis and how to read them.
#[derive(Debug, Clone, Default)]
pub struct InputFiles {
    /// Station-results file (CSV, gzip CSV or Parquet); optional only for
    /// an announced pace from bulletins alone.
    pub stations: Option<PathBuf>,
    /// Schema file mapping columns to roles (`None`: the standard names).
    pub schema: Option<PathBuf>,
    pub invalid_rows: InvalidRows,
    /// Participation over the day.
    pub participation: ParticipationFiles,
    /// A file of independent counts per station (the schema's
    /// `[independent]` says which columns); without it, the schema's
    /// independent columns are read from the station file.
    pub independent: Option<PathBuf>,
    /// A file listing a reference subset of stations (matched on the
    /// columns it shares with the station file).
    pub reference: Option<PathBuf>,
}

/// Participation inputs: the hourly family runs when any of them is given,
/// or when the schema names wide participation columns (`[hourly] columns`).
#[derive(Debug, Clone, Default)]
pub struct ParticipationFiles {
    /// Long participation file (station, optional date, time, cumulative voters).
    pub reports: Option<PathBuf>,
    /// Announced bulletins.
    pub bulletins: Option<PathBuf>,
    /// Per-ballot machine logs.
    pub logs: Option<PathBuf>,
    /// Daily opening and closing times (`HH:MM`), over the schema's.
    pub opens: Option<String>,
    pub closes: Option<String>,
    /// Ignore participation data, even wide columns the schema names.
    pub off: bool,
}

/// The station file as read: its facts, the schema resolved against it and
/// what validation found.
#[derive(Debug, Clone)]
pub struct Source {
    pub input: FileInfo,
    pub schema: SchemaInfo,
    pub quality: DataQuality,
}

/// Everything loaded: the families' only source of data.
pub struct Inputs {
    /// The schema, parsed once (the standard one without a schema file).
    pub schema: Schema,
    /// The station file's facts and its validation record (`None` for
    /// bulletins alone, or an election built in memory).
    pub source: Option<Source>,
    /// The validated election (`None` without a station file, or when no
    /// row survived validation).
    pub election: Option<Election>,
    /// Opening hours, resolved when participation data were given.
    pub hours: Option<Hours>,
    /// Participation reports: the long file, the schema's wide columns, or
    /// (without either) the curves the machine logs imply.
    pub participation: Option<Participation>,
    /// Announced bulletins (empty when none were given).
    pub bulletins: Vec<Bulletin>,
    /// Per-ballot machine logs.
    pub logs: Option<MachineLogs>,
    /// Independent counts per station and contestant, when given.
    pub independent: Option<IndependentCounts>,
    /// A reference subset of stations, when given.
    pub reference: Option<ReferenceSubset>,
}

impl Inputs {
    /// Loads and validates every input file, each once.
    pub fn load(files: &InputFiles) -> Result<Inputs> {
        Inputs::load_with(files, None)
    }

    /// As [`Inputs::load`], with the station table given in memory
    /// ([`crate::io::table::RawTable::from_frame`]) instead of
    /// `files.stations`, which must then be `None`.
    pub fn load_with(files: &InputFiles, stations: Option<RawTable>) -> Result<Inputs> {
        if stations.is_some() && files.stations.is_some() {
            return Err(Error::Options(
                "give the station table either as a file or in memory, not both".into(),
            ));
        }
        let _progress = crate::progress::task("loading and validating", None);
        let schema = match &files.schema {
            Some(p) => Schema::from_file(p)?,
            None => Schema::standard(),
        };
        let p = &files.participation;
        let spec = schema.hourly.as_ref();
        let wide = !p.off && spec.is_some_and(|h| !h.columns.is_empty());
        let wanted =
            !p.off && (p.reports.is_some() || p.bulletins.is_some() || p.logs.is_some() || wide);
        let loaded = match (stations, &files.stations) {
            (Some(t), _) => Some(load_table(t, &schema, files.invalid_rows)?),
            (None, Some(path)) => Some(load_with_table(path, &schema, files.invalid_rows)?),
            (None, None) => None,
        };
        let (mut source, election, table) = match loaded {
            Some((loaded, table)) => {
                let source = Source {
                    input: loaded.input,
                    schema: loaded.schema,
                    quality: loaded.quality,
                };
                (Some(source), loaded.election, Some(table))
            }
            None => (None, None, None),
        };
        if let (Some(h), Some(src)) = (spec, source.as_mut()) {
            let long =
                h.key.is_some() || h.date.is_some() || h.time.is_some() || h.cumulative.is_some();
            if long && p.reports.is_none() && !p.off {
                src.schema.resolved.warnings.push(
                    "the schema's [hourly] table maps a participation-report file (key, date, time or cumulative), but none was given (--hourly FILE): participation over the day is not analysed".into(),
                );
            }
        }
        let (independent, reference) = load_companions(files, &schema, election.as_ref(), &table)?;
        if !wanted {
            return Ok(Inputs {
                schema,
                source,
                election,
                hours: None,
                participation: None,
                bulletins: Vec::new(),
                logs: None,
                independent,
                reference,
            });
        }
        if let (Some(s), None) = (&source, &election) {
            return Err(no_valid_rows(s));
        }
        let hours = hourly_io::resolve_hours(spec, p.opens.as_deref(), p.closes.as_deref())
            .map_err(Error::Options)?;
        let reports = match (election.as_ref(), &p.reports, &table) {
            (Some(e), Some(path), _) => Some(hourly_io::load_long(
                path,
                &schema,
                e,
                hours,
                files.invalid_rows,
            )?),
            (Some(e), None, Some(t)) if wide => Some(hourly_io::load_wide(
                t,
                &schema,
                e,
                hours,
                files.invalid_rows,
            )?),
            (None, Some(_), _) => {
                return Err(Error::Options(
                    "participation reports need the station file they belong to".into(),
                ))
            }
            _ => None,
        };
        drop(table);
        let bulletins = match &p.bulletins {
            Some(b) => load_bulletins(
                b,
                &spec.and_then(|h| h.bulletins.clone()).unwrap_or_default(),
            )?,
            None => Vec::new(),
        };
        let logs = match &p.logs {
            Some(path) => Some(load_logs(
                path,
                &spec.and_then(|h| h.logs.clone()).unwrap_or_default(),
            )?),
            None => None,
        };
        // Without reports, the logs give the curves.
        let participation = match (reports, &logs, election.as_ref(), &p.logs) {
            (None, Some(l), Some(e), Some(path)) => {
                // The loader kept the file's facts: no second read of the log.
                let info = l
                    .input
                    .clone()
                    .ok_or_else(|| Error::input(path, "machine logs without their file's facts"))?;
                Some(hourly_io::from_logs(l, e, hours, info)?)
            }
            (r, ..) => r,
        };
        Ok(Inputs {
            schema,
            source,
            election,
            hours: Some(hours),
            participation,
            bulletins,
            logs,
            independent,
            reference,
        })
    }

    /// Inputs holding only an election already in memory (no files).
    pub fn from_election(election: Election) -> Inputs {
        Inputs {
            schema: Schema::standard(),
            source: None,
            election: Some(election),
            hours: None,
            participation: None,
            bulletins: Vec::new(),
            logs: None,
            independent: None,
            reference: None,
        }
    }

    /// The validated election, when a station file was loaded and some row
    /// survived validation.
    pub fn election(&self) -> Option<&Election> {
        self.election.as_ref()
    }

    /// The election, for a family that needs one: without a station table
    /// the family is skipped.
    pub fn station_table(&self) -> std::result::Result<&Election, crate::methods::Skip> {
        self.election()
            .ok_or_else(|| crate::methods::Skip::new("no station table"))
    }

    /// The election, or the error that says why there is none (every row
    /// excluded: exit code 1, as a failed validation).
    pub fn require_election(&self) -> Result<&Election> {
        match (&self.election, &self.source) {
            (Some(e), _) => Ok(e),
            (None, Some(s)) => Err(no_valid_rows(s)),
            (None, None) => Err(Error::Options("no station file was given".into())),
        }
    }

    /// Whether any participation data were loaded (the hourly family's door).
    pub fn has_participation(&self) -> bool {
        self.hours.is_some()
    }
}

/// Independent counts and the reference subset, when the files or the
/// schema ask for them (they need the station table they belong to).
fn load_companions(
    files: &InputFiles,
    schema: &Schema,
    election: Option<&Election>,
    table: &Option<crate::io::table::RawTable>,
) -> Result<(Option<IndependentCounts>, Option<ReferenceSubset>)> {
    let want_independent = files.independent.is_some() || schema.independent.is_some();
    let want_reference = files.reference.is_some()
        || schema
            .reference
            .as_ref()
            .is_some_and(|r| r.column.is_some());
    if !want_independent && !want_reference {
        return Ok((None, None));
    }
    let (Some(e), Some(t)) = (election, table.as_ref()) else {
        return Err(Error::Options(
            "independent counts and reference subsets need the station file they belong to, \
             with some valid rows"
                .into(),
        ));
    };
    let independent = if want_independent {
        let spec = schema.independent.clone().ok_or_else(|| {
            Error::Options(
                "--independent needs an [independent] table in the schema (which column holds \
                 which contestant's independent figure)"
                    .into(),
            )
        })?;
        Some(load_independent(files.independent.as_deref(), t, e, &spec)?)
    } else {
        None
    };
    let reference = if want_reference {
        let spec = schema.reference.clone().unwrap_or_default();
        Some(load_reference(files.reference.as_deref(), t, e, &spec)?)
    } else {
        None
    };
    Ok((independent, reference))
}

/// The error of a station file none of whose rows survived validation
/// (exit code 1, as a failed validation).
fn no_valid_rows(s: &Source) -> Error {
    Error::InvalidRows {
        path: s.input.path.clone(),
        count: s.quality.rows_excluded_invalid,
        first: "no valid station rows remain to analyse".into(),
    }
}
