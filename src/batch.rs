//! Batch runs over many elections (`escrutinio batch MANIFEST --out DIR`).
//!
//! A manifest is a TOML file of `[[election]]` tables (`label`, `file`,
//! optional `schema`, `hourly`, `bulletins`, `logs`, `reference`,
//! `independent`, `date`, `country`, and an `options` table) with shared
//! options in a top-level `[options]`; paths are relative to the manifest.
//! Every election is analysed into `DIR/<label>/` with the normal outputs.
//!
//! **Resumable.** An election is written into a temporary folder beside its
//! final one, its completion record (`complete.json`: the hashes of every
//! input file and of the options) written last, and the folder renamed into
//! place. A folder without a record, or whose record does not match the
//! current inputs and options, is redone; a killed run leaves at most a
//! temporary folder, which the next run removes. Nothing half-written is
//! ever taken as done.
//!
//! **Shards.** `--shard i/n` runs the elections whose position in the
//! manifest is congruent to `i − 1` modulo `n`: the shards of a manifest
//! partition it, and their folders combine by copying into one `DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analyze::{analyze, AnalyzeOptions, Plan};
use crate::calibration::CalibrationOptions;
use crate::error::{Error, Result};
use crate::inputs::{InputFiles, ParticipationFiles};
use crate::io::table::sha256_hex;
use crate::io::InvalidRows;

/// Options a manifest may set, shared (`[options]`) or per election.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BatchOptions {
    /// Seed of every random procedure (default 1).
    pub seed: Option<u64>,
    /// Write PNG/SVG plots (default true).
    pub plots: Option<bool>,
    /// Which files to write (`["json", "parquet"]`; default all):
    /// `report.json` is always written (the atlas reads it).
    pub outputs: Option<Vec<String>>,
    /// Calibrate on this many placebo elections (default: none).
    pub calibrate: Option<usize>,
    /// Stop an election at its first invalid row (default false: exclude
    /// and count).
    pub fail_on_invalid_rows: Option<bool>,
}

impl BatchOptions {
    /// `self` over `shared`.
    fn over(&self, shared: &BatchOptions) -> BatchOptions {
        BatchOptions {
            seed: self.seed.or(shared.seed),
            plots: self.plots.or(shared.plots),
            outputs: self.outputs.clone().or_else(|| shared.outputs.clone()),
            calibrate: self.calibrate.or(shared.calibrate),
            fail_on_invalid_rows: self.fail_on_invalid_rows.or(shared.fail_on_invalid_rows),
        }
    }
}

/// One `[[election]]` of a manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionEntry {
    pub label: String,
    pub file: PathBuf,
    pub schema: Option<PathBuf>,
    pub hourly: Option<PathBuf>,
    pub bulletins: Option<PathBuf>,
    pub logs: Option<PathBuf>,
    pub reference: Option<PathBuf>,
    pub independent: Option<PathBuf>,
    /// Election date (`YYYY-MM-DD`), carried into the atlas.
    pub date: Option<String>,
    pub country: Option<String>,
    #[serde(default)]
    pub options: BatchOptions,
}

/// A parsed manifest, its paths resolved.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub options: BatchOptions,
    #[serde(default, rename = "election")]
    pub elections: Vec<ElectionEntry>,
}

impl Manifest {
    /// Reads a manifest; paths become relative to its folder; labels must
    /// be unique, non-empty and usable as folder names.
    pub fn from_file(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut m: Manifest = toml::from_str(&text)
            .map_err(|e| Error::schema(path, e.to_string().trim().to_string()))?;
        if m.elections.is_empty() {
            return Err(Error::schema(path, "the manifest lists no [[election]]"));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut seen = BTreeMap::new();
        for (k, e) in m.elections.iter_mut().enumerate() {
            let ok = !e.label.is_empty()
                && e.label
                    .chars()
                    .all(|c| c.is_alphanumeric() || "-_.".contains(c))
                && !e.label.starts_with('.');
            if !ok {
                return Err(Error::schema(
                    path,
                    format!(
                        "election {}: label {:?} must be letters, digits, '-', '_' or '.' (it names a folder)",
                        k + 1,
                        e.label
                    ),
                ));
            }
            if let Some(first) = seen.insert(e.label.clone(), k) {
                return Err(Error::schema(
                    path,
                    format!(
                        "elections {} and {} share the label {:?}",
                        first + 1,
                        k + 1,
                        e.label
                    ),
                ));
            }
            let abs = |p: &mut PathBuf| {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            };
            abs(&mut e.file);
            for p in [
                &mut e.schema,
                &mut e.hourly,
                &mut e.bulletins,
                &mut e.logs,
                &mut e.reference,
                &mut e.independent,
            ]
            .into_iter()
            .flatten()
            {
                abs(p);
            }
        }
        Ok(m)
    }
}

/// `--shard i/n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("shard {s:?}: write i/n with 1 <= i <= n");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The completion record of an election's folder.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Completion {
    pub label: String,
    pub date: Option<String>,
    pub country: Option<String>,
    /// SHA-256 of every input file, by role.
    pub inputs: BTreeMap<String, String>,
    /// SHA-256 of the effective options and the tool's version.
    pub options: String,
}

/// What a batch did with each election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Complete and current: not redone.
    Current,
    /// Analysed in this run.
    Done,
    /// Failed: the error (the batch goes on with the others).
    Failed(String),
}

/// The completion record name inside an election's folder.
pub const COMPLETION: &str = "complete.json";

fn completion_of(e: &ElectionEntry, shared: &BatchOptions) -> Result<Completion> {
    let mut inputs = BTreeMap::new();
    let mut hash = |role: &str, p: &Option<PathBuf>| -> Result<()> {
        if let Some(p) = p {
            let bytes = std::fs::read(p).map_err(|err| Error::io(p, err))?;
            inputs.insert(role.to_string(), sha256_hex(&bytes));
        }
        Ok(())
    };
    hash("file", &Some(e.file.clone()))?;
    hash("schema", &e.schema)?;
    hash("hourly", &e.hourly)?;
    hash("bulletins", &e.bulletins)?;
    hash("logs", &e.logs)?;
    hash("reference", &e.reference)?;
    hash("independent", &e.independent)?;
    let effective = e.options.over(shared);
    let options =
        serde_json::to_string(&(&effective, env!("CARGO_PKG_VERSION"))).expect("options serialise");
    Ok(Completion {
        label: e.label.clone(),
        date: e.date.clone(),
        country: e.country.clone(),
        inputs,
        options: sha256_hex(options.as_bytes()),
    })
}

/// Whether `dir` holds a completed analysis matching `c`.
pub fn is_current(dir: &Path, c: &Completion) -> bool {
    std::fs::read(dir.join(COMPLETION))
        .ok()
        .and_then(|b| serde_json::from_slice::<Completion>(&b).ok())
        .is_some_and(|old| &old == c)
}

/// The files an election writes: the manifest's `outputs` (report.json
/// always) less the plots when `plots = false`.
fn outputs_of(o: &BatchOptions) -> Result<crate::report::Outputs> {
    let mut out = match &o.outputs {
        Some(list) => list
            .join(",")
            .parse::<crate::report::Outputs>()
            .map_err(Error::Options)?,
        None => crate::report::Outputs::default(),
    };
    out.json = true;
    if o.plots == Some(false) {
        out.plots = false;
    }
    Ok(out)
}

fn analyze_into(e: &ElectionEntry, o: &BatchOptions, dir: &Path) -> Result<()> {
    let opts = AnalyzeOptions {
        files: InputFiles {
            stations: Some(e.file.clone()),
            schema: e.schema.clone(),
            invalid_rows: if o.fail_on_invalid_rows.unwrap_or(false) {
                InvalidRows::Fail
            } else {
                InvalidRows::Exclude
            },
            participation: ParticipationFiles {
                reports: e.hourly.clone(),
                bulletins: e.bulletins.clone(),
                logs: e.logs.clone(),
                ..ParticipationFiles::default()
            },
            independent: e.independent.clone(),
            reference: e.reference.clone(),
        },
        out_dir: dir.to_path_buf(),
        seed: o.seed.unwrap_or(1),
        plan: Plan::default(),
        outputs: outputs_of(o)?,
        calibration: o.calibrate.map(|r| CalibrationOptions {
            replicates: r,
            ..CalibrationOptions::default()
        }),
    };
    analyze(&opts).map(|_| ())
}

/// Runs one election into `out/<label>` unless it is complete and current.
pub fn run_election(e: &ElectionEntry, shared: &BatchOptions, out: &Path) -> Result<Outcome> {
    let c = completion_of(e, shared)?;
    let dir = out.join(&e.label);
    if is_current(&dir, &c) {
        return Ok(Outcome::Current);
    }
    let tmp = out.join(format!(".{}.partial", e.label));
    let old = out.join(format!(".{}.old", e.label));
    for p in [&tmp, &old] {
        if p.exists() {
            std::fs::remove_dir_all(p).map_err(|err| Error::output(p, err))?;
        }
    }
    analyze_into(e, &e.options.over(shared), &tmp)?;
    let record = serde_json::to_string_pretty(&c).expect("record serialises");
    let rec = tmp.join(COMPLETION);
    std::fs::write(&rec, record + "\n").map_err(|err| Error::output(&rec, err))?;
    if dir.exists() {
        std::fs::rename(&dir, &old).map_err(|err| Error::output(&dir, err))?;
    }
    std::fs::rename(&tmp, &dir).map_err(|err| Error::output(&dir, err))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|err| Error::output(&old, err))?;
    }
    Ok(Outcome::Done)
}

/// The scheduler's state: the next election to start, and the estimated
/// memory and number of those running.
struct Schedule {
    next: usize,
    in_flight: u64,
    running: usize,
}

/// Peak memory an election's analysis is expected to need, in bytes: a
/// deliberately generous heuristic from its input sizes (gzip files by
/// their decompressed size, read from the trailer): 12 × the station
/// file's text, 4 × the other files, and 100 MB for the process. Measured
/// (2 cores): Russia 2011, 33.0 MB of text, peaked at 211 MB (estimate
/// 496 MB); the 208 KB sample at 32 MB (estimate 102 MB).
pub fn memory_estimate(e: &ElectionEntry) -> u64 {
    let size = |p: &Path| crate::memory::text_size(p);
    let others: u64 = [
        &e.hourly,
        &e.bulletins,
        &e.logs,
        &e.reference,
        &e.independent,
    ]
    .into_iter()
    .flatten()
    .map(|p| size(p))
    .sum();
    12 * size(&e.file) + 4 * others + 100_000_000
}

/// Parses a memory size: `4G`, `1500M`, `512K` or bytes.
pub fn parse_memory(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let scale: u64 = match unit.trim_end_matches('B').trim_end_matches('I') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => {
            return Err(format!(
                "memory size {s:?}: write e.g. 4G, 1500M or a number of bytes"
            ))
        }
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("memory size {s:?}: write e.g. 4G, 1500M or a number of bytes"))?;
    if !(v > 0.0 && v.is_finite()) {
        return Err(format!("memory size {s:?} must be positive"));
    }
    Ok((v * scale as f64) as u64)
}

/// Runs a manifest's elections (those of `shard`), up to `jobs` at a time
/// and, with `max_memory`, only as many as fit its budget by
/// [`memory_estimate`], each into `out/<label>`. Returns each election's
/// outcome in manifest order.
pub fn run(
    m: &Manifest,
    out: &Path,
    jobs: usize,
    shard: Option<Shard>,
    max_memory: Option<u64>,
) -> Result<Vec<(String, Outcome)>> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    let chosen: Vec<&ElectionEntry> = m
        .elections
        .iter()
        .enumerate()
        .filter(|(k, _)| shard.is_none_or(|s| k % s.count == s.index - 1))
        .map(|(_, e)| e)
        .collect();
    // `jobs` workers (threads outside the pool) take elections in manifest
    // order; an election starts only while the estimated memory of those
    // running plus its own stays within the budget (one runs alone if it
    // exceeds the budget by itself). The analyses' parallel work shares the
    // global pool, so one job still uses every core. Outcomes do not depend
    // on the schedule: each election reads and writes only its own files.
    let jobs = jobs.clamp(1, chosen.len().max(1));
    let needs: Vec<u64> = chosen.iter().map(|e| memory_estimate(e)).collect();
    let state = std::sync::Mutex::new(Schedule {
        next: 0,
        in_flight: 0,
        running: 0,
    });
    let turn = std::sync::Condvar::new();
    let results = std::sync::Mutex::new(Vec::with_capacity(chosen.len()));
    let progress = crate::progress::task("elections", Some(chosen.len() as u64));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let k = {
                    let mut st = state.lock().expect("no worker panics");
                    loop {
                        if st.next >= chosen.len() {
                            break None;
                        }
                        let need = needs[st.next];
                        let fits = max_memory.is_none_or(|m| st.in_flight + need <= m);
                        if st.running == 0 || fits {
                            let k = st.next;
                            st.next += 1;
                            st.in_flight += need;
                            st.running += 1;
                            break Some(k);
                        }
                        st = turn.wait(st).expect("no worker panics");
                    }
                };
                let Some(k) = k else { break };
                let e = chosen[k];
                let o = run_election(e, &m.options, out)
                    .unwrap_or_else(|err| Outcome::Failed(err.to_string()));
                results
                    .lock()
                    .expect("no worker panics")
                    .push((k, e.label.clone(), o));
                progress.inc();
                let mut st = state.lock().expect("no worker panics");
                st.in_flight -= needs[k];
                st.running -= 1;
                turn.notify_all();
            });
        }
    });
    let mut results = results.into_inner().expect("no task panics");
    results.sort_by_key(|r| r.0);
    let outcomes: Vec<(String, Outcome)> = results.into_iter().map(|(_, l, o)| (l, o)).collect();
    Ok(outcomes)
}
