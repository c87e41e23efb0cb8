//! Per-vote machine logs: one row per ballot, naming its station, optionally
//! its machine (voting machine, scanner, ballot box with a clock), and the
//! time it was cast.
//!
//! Logs are the finest participation data there is: cumulated per station at
//! chosen cut-off times they give participation curves
//! ([`MachineLogs::cumulative_at`]); read ballot by ballot they show what
//! station totals cannot (ballots faster than any voter, ballots outside
//! opening hours, arrivals too regular for people), which
//! [`crate::methods::machine_logs`] tests.
//!
//! # Input
//! CSV (optionally gzip) or Parquet, read by [`RawTable`] like station files.
//! Columns (names set by [`LogColumns`]): `station`, optional `machine`, and
//! `timestamp`, parsed by [`crate::io::clock::parse_stamp`] (`YYYY-MM-DD
//! HH:MM[:SS]`, ISO `T` form, `DD.MM.YYYY HH:MM[:SS]`, or a clock time alone;
//! fractions of a second are dropped). Rows need not be sorted. A log either
//! dates every timestamp or none: a multi-day log is ordered by (day, second),
//! and times are kept as seconds from the midnight of its first day.
//!
//! Validation is strict, as for station files but without an exclude
//! policy: a log with one unreadable row is not a log one can count ballots
//! in, so the first problem stops the load with an [`Error::Input`] naming the
//! file, the 1-based data row, the physical line (CSV) and the column, e.g.
//! `logs.csv: row 17 (line 18), column "timestamp": not a timestamp ("25:61")`.

use std::collections::HashMap as StdHashMap;
use std::path::Path;

use rayon::prelude::*;

use super::clock::{parse_stamp, Stamp};
use super::table::RawTable;
use crate::error::{Error, Result};

/// Hash map with a fixed-seed fast hasher (labels are looked up once per
/// row; the fixed seed keeps every run identical).
type HashMap<K, V> = StdHashMap<K, V, foldhash::fast::FixedState>;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Which columns of a log file hold what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogColumns {
    /// The station label (default `station`).
    pub station: String,
    /// The machine label, unique within its station. `None` (the default):
    /// the column `machine` when the file has one, otherwise each station is
    /// taken as a single machine. `Some(name)`: that column, which must exist.
    pub machine: Option<String>,
    /// The timestamp (default `timestamp`).
    pub timestamp: String,
}

impl Default for LogColumns {
    fn default() -> Self {
        LogColumns {
            station: "station".into(),
            machine: None,
            timestamp: "timestamp".into(),
        }
    }
}

/// One machine's ballots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    /// Index of its station in [`MachineLogs::stations`].
    pub station: usize,
    /// Its label (the station's label when the log names no machines).
    pub label: String,
    /// Times of its ballots, in seconds from the midnight of the log's first
    /// day, sorted ascending (equal times are kept: one per ballot).
    pub times: Vec<i64>,
}

/// A loaded machine log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineLogs {
    /// The file read (empty for logs built in memory).
    pub path: String,
    /// Station labels, in order of first appearance.
    pub stations: Vec<String>,
    /// Machines, in order of first appearance.
    pub machines: Vec<Machine>,
    /// Whether machines were identified. `false` when the log has no machine
    /// column: each station is then one "machine", and a station that had
    /// several machines legitimately shows ballots closer together than one
    /// voter could be served.
    pub machines_known: bool,
    /// The first day of the log (days from 1970-01-01), `None` when the
    /// timestamps carry no date.
    pub first_day: Option<i32>,
    /// Data rows read (one per ballot).
    pub rows: usize,
    /// The file's facts (hash, size, format) as read; `None` for logs
    /// built in memory.
    pub input: Option<super::table::FileInfo>,
}

/// Which stations a log and a station list have in common.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogCoverage {
    /// Stations of the list that have no ballot in the log (their curves
    /// from [`MachineLogs::cumulative_at`] are all zeros).
    pub absent_from_logs: Vec<String>,
    /// Stations of the log that are not in the list (their ballots are in no
    /// curve).
    pub absent_from_list: Vec<String>,
}

/// Reads a machine log (CSV, gzip CSV or Parquet). See the module
/// documentation for the columns and the validation.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Input`] when it is
/// empty, has no data rows, lacks a column, or a row has a wrong number of
/// fields, an empty station or machine, an empty or unreadable timestamp, or
/// a timestamp with a date where the first row had none (or the reverse).
///
/// # Examples
/// ```no_run
/// use std::path::Path;
/// use escrutinio::io::logs::{load_logs, LogColumns};
/// let logs = load_logs(Path::new("logs.csv.gz"), &LogColumns::default())?;
/// println!("{} ballots on {} machines", logs.rows, logs.machines.len());
/// # Ok::<(), escrutinio::Error>(())
/// ```
pub fn load_logs(path: &Path, cols: &LogColumns) -> Result<MachineLogs> {
    let table = RawTable::read(path, None, None)?;
    let column = |name: &str| {
        table.index_of(name).ok_or_else(|| {
            Error::input(
                path,
                format!(
                    "no column {name:?} in the log (the header has {})",
                    table
                        .columns
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    };
    let station_col = column(&cols.station)?;
    let stamp_col = column(&cols.timestamp)?;
    let machine_col = match &cols.machine {
        Some(m) => Some(column(m)?),
        None => table.index_of("machine"),
    };

    let station_text = table.text_column(station_col);
    let stamp_text = table.text_column(stamp_col);
    let machine_text = machine_col.map(|c| table.text_column(c));
    let n = table.height();
    let stations_iter = station_text.iter();
    let stamps_iter = stamp_text.iter();
    let mut machines_iter = machine_text.as_ref().map(|m| m.iter());

    let mut station_ids: HashMap<&str, u32> = HashMap::default();
    let mut machine_ids: HashMap<(u32, &str), u32> = HashMap::default();
    let mut stations: Vec<String> = Vec::new();
    let mut machines: Vec<Machine> = Vec::new();
    let mut row_machine: Vec<u32> = Vec::with_capacity(n);
    let mut row_stamp: Vec<Stamp> = Vec::with_capacity(n);
    let mut dated: Option<(bool, usize)> = None;

    for (r, (station, stamp)) in stations_iter.zip(stamps_iter).enumerate() {
        if let Some(fields) = table.ragged_fields(r) {
            return Err(row_error(
                &table,
                r,
                None,
                format!(
                    "the row has {fields} fields but the header has {} columns",
                    table.columns.len()
                ),
            ));
        }
        let station = station.map(trim).unwrap_or("");
        if station.is_empty() {
            return Err(row_error(
                &table,
                r,
                Some(station_col),
                "the station is empty".into(),
            ));
        }
        let machine = match machines_iter.as_mut() {
            Some(it) => {
                let m = it.next().flatten().map(trim).unwrap_or("");
                if m.is_empty() {
                    return Err(row_error(
                        &table,
                        r,
                        machine_col,
                        "the machine is empty".into(),
                    ));
                }
                Some(m)
            }
            None => None,
        };
        let raw = stamp.map(trim).unwrap_or("");
        if raw.is_empty() {
            return Err(row_error(
                &table,
                r,
                Some(stamp_col),
                "the timestamp is empty".into(),
            ));
        }
        let Some(st) = parse_stamp(raw) else {
            return Err(row_error(
                &table,
                r,
                Some(stamp_col),
                format!("not a timestamp ({raw:?})"),
            ));
        };
        match dated {
            None => dated = Some((st.day.is_some(), r)),
            Some((d, first)) if d != st.day.is_some() => {
                let (has, had) = if d { ("no", "one") } else { ("a", "none") };
                return Err(row_error(
                    &table,
                    r,
                    Some(stamp_col),
                    format!(
                        "{raw:?} has {has} date but the first timestamp (row {}, {:?}) has {had}; \
                         a log must date every timestamp or none",
                        first + 1,
                        table.cell_text(stamp_col, first).trim()
                    ),
                ));
            }
            Some(_) => {}
        }
        let next_station = stations.len() as u32;
        let s = *station_ids.entry(station).or_insert_with(|| {
            stations.push(station.to_string());
            next_station
        });
        let label = machine.unwrap_or(station);
        let next_machine = machines.len() as u32;
        let m = *machine_ids.entry((s, label)).or_insert_with(|| {
            machines.push(Machine {
                station: s as usize,
                label: label.to_string(),
                times: Vec::new(),
            });
            next_machine
        });
        row_machine.push(m);
        row_stamp.push(st);
    }
    drop((station_ids, machine_ids));

    let first_day = row_stamp.iter().filter_map(|s| s.day).min();
    let origin = first_day.unwrap_or(0);
    let mut sizes = vec![0usize; machines.len()];
    for &m in &row_machine {
        sizes[m as usize] += 1;
    }
    for (m, &k) in machines.iter_mut().zip(&sizes) {
        m.times.reserve_exact(k);
    }
    for (&m, st) in row_machine.iter().zip(&row_stamp) {
        machines[m as usize].times.push(st.seconds_from(origin));
    }
    machines
        .par_iter_mut()
        .for_each(|m| m.times.sort_unstable());
    Ok(MachineLogs {
        path: path.display().to_string(),
        stations,
        machines,
        machines_known: machine_col.is_some(),
        first_day,
        rows: n,
        input: Some(table.info.clone()),
    })
}

/// `str::trim` with a fast path for cells without surrounding white space.
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// An input error at 0-based data row `r`: `row R (line L), column "C": what`.
fn row_error(table: &RawTable, r: usize, col: Option<usize>, what: String) -> Error {
    let mut m = format!("row {}", r + 1);
    if let Some(line) = table.line_of_row(r) {
        m.push_str(&format!(" (line {line})"));
    }
    if let Some(c) = col {
        m.push_str(&format!(", column {:?}", table.columns[c]));
    }
    m.push_str(": ");
    m.push_str(&what);
    Error::input(&table.path, m)
}

impl MachineLogs {
    /// Builds logs in memory from (station, machine, times) triples, times in
    /// seconds from the midnight of `first_day` (in any order). Triples with
    /// the same station and machine are merged; stations and machines keep
    /// their order of first appearance. `machines_known` is `true`.
    ///
    /// ```
    /// use escrutinio::io::logs::MachineLogs;
    /// let logs = MachineLogs::from_machines(None, vec![
    ///     ("s1".into(), "m1".into(), vec![28_800, 28_700]),
    ///     ("s2".into(), "m1".into(), vec![30_000]),
    ///     ("s1".into(), "m1".into(), vec![28_750]),
    /// ]);
    /// assert_eq!(logs.stations, ["s1", "s2"]);
    /// assert_eq!(logs.machines[0].times, [28_700, 28_750, 28_800]);
    /// assert_eq!(logs.rows, 4);
    /// ```
    pub fn from_machines(
        first_day: Option<i32>,
        machines: impl IntoIterator<Item = (String, String, Vec<i64>)>,
    ) -> MachineLogs {
        let mut station_ids: HashMap<String, usize> = HashMap::default();
        let mut machine_ids: HashMap<(usize, String), usize> = HashMap::default();
        let mut stations = Vec::new();
        let mut out: Vec<Machine> = Vec::new();
        let mut rows = 0;
        for (station, label, times) in machines {
            rows += times.len();
            let s = *station_ids.entry(station.clone()).or_insert_with(|| {
                stations.push(station);
                stations.len() - 1
            });
            match machine_ids.get(&(s, label.clone())) {
                Some(&m) => out[m].times.extend(times),
                None => {
                    machine_ids.insert((s, label.clone()), out.len());
                    out.push(Machine {
                        station: s,
                        label,
                        times,
                    });
                }
            }
        }
        out.par_iter_mut().for_each(|m| m.times.sort_unstable());
        MachineLogs {
            path: String::new(),
            stations,
            machines: out,
            machines_known: true,
            first_day,
            rows,
            input: None,
        }
    }

    /// A point in time on the log's scale (seconds from the midnight of its
    /// first day). A clock-only stamp is taken on the first day; for a log
    /// without dates the stamp's day, if any, is ignored.
    pub fn seconds_of(&self, stamp: Stamp) -> i64 {
        match self.first_day {
            Some(d) => stamp.seconds_from(d),
            None => i64::from(stamp.second),
        }
    }

    /// A time on the log's scale as text: `YYYY-MM-DD HH:MM[:SS]` for a dated
    /// log, `HH:MM[:SS]` otherwise (times beyond the first day of an undated
    /// log, which only `24:00` can give, keep counting hours past 24).
    pub fn format_time(&self, t: i64) -> String {
        super::clock::format_instant(self.first_day, t)
    }

    /// Total ballots (equal to `rows` for a loaded log).
    pub fn ballots(&self) -> u64 {
        self.machines.iter().map(|m| m.times.len() as u64).sum()
    }

    /// Cumulative ballots per station at each cut-off: for each station of
    /// `station_order` (in that order), the number of its ballots, over all
    /// its machines, with time ≤ each of `cutoffs` (seconds on the log's
    /// scale, see [`MachineLogs::seconds_of`]; any order). Stations absent
    /// from the log get zeros; [`MachineLogs::coverage`] lists them, and the
    /// log's stations missing from the list.
    ///
    /// ```
    /// use escrutinio::io::logs::MachineLogs;
    /// let logs = MachineLogs::from_machines(None, vec![
    ///     ("a".into(), "1".into(), vec![10, 20, 30]),
    ///     ("a".into(), "2".into(), vec![15]),
    /// ]);
    /// let order = ["a".to_string(), "b".to_string()];
    /// assert_eq!(logs.cumulative_at(&order, &[15, 30]), [vec![2, 4], vec![0, 0]]);
    /// assert_eq!(logs.coverage(&order).absent_from_logs, ["b"]);
    /// ```
    pub fn cumulative_at(&self, station_order: &[String], cutoffs: &[i64]) -> Vec<Vec<u64>> {
        let mut per_station = vec![vec![0u64; cutoffs.len()]; self.stations.len()];
        for m in &self.machines {
            let acc = &mut per_station[m.station];
            for (a, &c) in acc.iter_mut().zip(cutoffs) {
                *a += m.times.partition_point(|&t| t <= c) as u64;
            }
        }
        let index = self.station_index();
        station_order
            .iter()
            .map(|s| match index.get(s.as_str()) {
                Some(&i) => per_station[i].clone(),
                None => vec![0; cutoffs.len()],
            })
            .collect()
    }

    /// Stations present in only one of the log and `station_order`.
    pub fn coverage(&self, station_order: &[String]) -> LogCoverage {
        let index = self.station_index();
        let listed: std::collections::HashSet<&str> =
            station_order.iter().map(String::as_str).collect();
        LogCoverage {
            absent_from_logs: station_order
                .iter()
                .filter(|s| !index.contains_key(s.as_str()))
                .cloned()
                .collect(),
            absent_from_list: self
                .stations
                .iter()
                .filter(|s| !listed.contains(s.as_str()))
                .cloned()
                .collect(),
        }
    }

    fn station_index(&self) -> HashMap<&str, usize> {
        self.stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::File::create(&p)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .expect("written");
        p
    }

    #[test]
    fn reads_unsorted_rows_into_sorted_machines() {
        let dir = tempfile::tempdir().expect("dir");
        let p = write(
            &dir,
            "l.csv",
            "station,machine,timestamp\n\
             s1,1,08:00:30\n\
             s1,2,08:00:10\n\
             s2,1, 08:00:00 \n\
             s1,1,08:00:05\n",
        );
        let logs = load_logs(&p, &LogColumns::default()).expect("loads");
        assert_eq!(logs.stations, ["s1", "s2"]);
        assert_eq!(logs.machines.len(), 3);
        assert_eq!(logs.machines[0].label, "1");
        assert_eq!(logs.machines[0].times, [28_805, 28_830]);
        assert_eq!(logs.machines[2].station, 1);
        assert!(logs.machines_known);
        assert_eq!((logs.rows, logs.first_day), (4, None));
    }

    #[test]
    fn multi_day_logs_count_from_the_first_midnight() {
        let dir = tempfile::tempdir().expect("dir");
        let p = write(
            &dir,
            "l.csv",
            "station,timestamp\ns1,2021-09-18 09:00\ns1,17.09.2021 20:00:01\n",
        );
        let logs = load_logs(&p, &LogColumns::default()).expect("loads");
        assert_eq!(
            logs.first_day,
            super::super::clock::parse_date("2021-09-17")
        );
        assert!(!logs.machines_known);
        assert_eq!(logs.machines[0].times, [72_001, DAY + 32_400]);
        assert_eq!(logs.format_time(DAY + 32_400), "2021-09-18 09:00");
    }

    #[test]
    fn strict_row_errors_name_row_line_and_column() {
        let dir = tempfile::tempdir().expect("dir");
        // A quoted line break makes line and row numbers differ.
        let p = write(
            &dir,
            "l.csv",
            "station,timestamp\n\"s\n1\",08:00\ns1,25:61\n",
        );
        let e = load_logs(&p, &LogColumns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("l.csv: row 2 (line 4), column \"timestamp\": not a timestamp (\"25:61\")"),
            "{e}"
        );
        let p = write(
            &dir,
            "m.csv",
            "station,timestamp\ns1,08:00\ns2,2021-09-19 08:00\n",
        );
        let e = load_logs(&p, &LogColumns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2 (line 3)") && e.contains("date"), "{e}");
        let p = write(&dir, "r.csv", "station,timestamp\ns1,08:00,x\n");
        let e = load_logs(&p, &LogColumns::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 1 (line 2)") && e.contains("3 fields"),
            "{e}"
        );
    }
}
