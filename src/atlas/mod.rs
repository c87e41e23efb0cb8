//! The cross-election atlas (`escrutinio atlas DIR...`): every completed
//! election's estimates in one table, `atlas.csv` and `atlas.parquet`, one
//! row per election × estimate, and `atlas.html` ([`html`]).
//!
//! Rows come from each election's `report.json`: the verdict's national
//! estimates (with interval, adequacy and placebo band), its certain lower
//! bounds, and the integer-percentage anomaly (observed − expected stations
//! with an integer turnout or leader's result, ± z·sd of the exact null).
//! Only folders with a completion record (`complete.json`) are read, so a
//! half-written election never enters the atlas.

pub mod html;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;

use crate::batch::{Completion, COMPLETION};
use crate::error::{Error, Result};

/// One row of the atlas.
#[derive(Debug, Clone, PartialEq)]
pub struct AtlasRow {
    pub label: String,
    pub date: Option<String>,
    pub country: Option<String>,
    pub election: String,
    pub stations: u64,
    pub ballots: u64,
    /// The election's verdict (`inflation`, `no_evidence`, `inconclusive`).
    pub verdict: String,
    pub family: String,
    pub quantity: String,
    pub estimate: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub share_of_ballots: Option<f64>,
    pub adequate: bool,
    pub evidence: bool,
    /// Whether the estimate is certain (a bound without a model).
    pub certain: bool,
    pub placebo_low: Option<f64>,
    pub placebo_high: Option<f64>,
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// A completed election folder, read once: its completion record and its
/// `report.json`.
#[derive(Debug, Clone)]
pub struct ElectionFolder {
    pub dir: PathBuf,
    pub record: Completion,
    pub report: Value,
}

impl ElectionFolder {
    /// Reads a folder's completion record and report.
    pub fn read(dir: &Path) -> Result<ElectionFolder> {
        let rec_path = dir.join(COMPLETION);
        let record: Completion =
            serde_json::from_slice(&std::fs::read(&rec_path).map_err(|e| Error::io(&rec_path, e))?)
                .map_err(|e| Error::input(&rec_path, format!("not a completion record: {e}")))?;
        let rep_path = dir.join("report.json");
        let report: Value =
            serde_json::from_slice(&std::fs::read(&rep_path).map_err(|e| Error::io(&rep_path, e))?)
                .map_err(|e| Error::input(&rep_path, format!("not a report: {e}")))?;
        Ok(ElectionFolder {
            dir: dir.to_path_buf(),
            record,
            report,
        })
    }
}

/// The rows of one election.
pub fn election_rows(folder: &ElectionFolder) -> Vec<AtlasRow> {
    let (rec, r) = (&folder.record, &folder.report);
    let v = &r["verdict"];
    let base = |family: String, quantity: String| AtlasRow {
        label: rec.label.clone(),
        date: rec.date.clone(),
        country: rec.country.clone(),
        election: s(&r["summary"]["name"]),
        stations: r["summary"]["stations"].as_u64().unwrap_or(0),
        ballots: r["summary"]["ballots"].as_u64().unwrap_or(0),
        verdict: s(&v["evidence"]),
        family,
        quantity,
        estimate: f64::NAN,
        ci_low: None,
        ci_high: None,
        share_of_ballots: None,
        adequate: true,
        evidence: false,
        certain: false,
        placebo_low: None,
        placebo_high: None,
    };
    let mut rows = Vec::new();
    for n in v["national"].as_array().into_iter().flatten() {
        rows.push(AtlasRow {
            estimate: f(&n["estimate"]).unwrap_or(f64::NAN),
            ci_low: f(&n["ci_low"]),
            ci_high: f(&n["ci_high"]),
            share_of_ballots: f(&n["share_of_ballots"]),
            adequate: n["adequate"].as_bool().unwrap_or(false),
            evidence: n["evidence"].as_bool().unwrap_or(false),
            placebo_low: f(&n["placebo_low"]),
            placebo_high: f(&n["placebo_high"]),
            ..base(s(&n["family"]), s(&n["quantity"]))
        });
    }
    for b in v["lower_bounds"].as_array().into_iter().flatten() {
        let est = b["ballots"].as_f64().unwrap_or(f64::NAN);
        rows.push(AtlasRow {
            estimate: est,
            ci_low: Some(est),
            ci_high: None,
            certain: true,
            evidence: b["quantity"].as_str() == Some(crate::verdict::INFLATED),
            ..base(
                s(&b["source"]),
                b["quantity"]
                    .as_str()
                    .unwrap_or(crate::verdict::INFLATED)
                    .to_string(),
            )
        });
    }
    let either = &r["integer_percent"]["either"];
    if let (Some(obs), Some(exp), Some(sd)) = (
        f(&either["observed"]),
        f(&either["expected"]),
        f(&either["sd"]),
    ) {
        let z = crate::stats::gof::normal_quantile(0.975);
        rows.push(AtlasRow {
            estimate: obs - exp,
            ci_low: Some(obs - exp - z * sd),
            ci_high: Some(obs - exp + z * sd),
            ..base(
                "integer_percent".into(),
                "stations with an integer turnout or leader's result above the exact null (95 % band of the null)".into(),
            )
        });
    }
    rows
}

/// Every completed election folder under the given batch folders, sorted
/// by (date, label): hidden (temporary) folders and folders without a
/// completion record are skipped.
pub fn election_dirs(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for d in dirs {
        let entries = std::fs::read_dir(d).map_err(|e| Error::io(d, e))?;
        for entry in entries {
            let p = entry.map_err(|e| Error::io(d, e))?.path();
            let hidden = p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if p.is_dir() && !hidden && p.join(COMPLETION).exists() {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Reads every completed election folder under the given batch folders,
/// sorted by (date, label); a label found in two folders is an error.
pub fn load(dirs: &[PathBuf]) -> Result<Vec<ElectionFolder>> {
    let mut folders: Vec<ElectionFolder> = election_dirs(dirs)?
        .iter()
        .map(|d| ElectionFolder::read(d))
        .collect::<Result<_>>()?;
    folders
        .sort_by(|a, b| (&a.record.date, &a.record.label).cmp(&(&b.record.date, &b.record.label)));
    for w in folders.windows(2) {
        if w[0].record.label == w[1].record.label {
            return Err(Error::Options(format!(
                "the election {:?} appears in more than one folder",
                w[0].record.label
            )));
        }
    }
    Ok(folders)
}

/// The atlas rows of the elections, in their order.
pub fn rows(folders: &[ElectionFolder]) -> Vec<AtlasRow> {
    folders.iter().flat_map(election_rows).collect()
}

/// The atlas as a data frame (the columns of `docs/batch.md`).
pub fn frame(rows: &[AtlasRow]) -> PolarsResult<DataFrame> {
    let text = |name: &str, g: &dyn Fn(&AtlasRow) -> Option<String>| {
        Column::new(name.into(), rows.iter().map(g).collect::<Vec<_>>())
    };
    let num = |name: &str, g: &dyn Fn(&AtlasRow) -> Option<f64>| {
        Column::new(name.into(), rows.iter().map(g).collect::<Vec<_>>())
    };
    let flag = |name: &str, g: &dyn Fn(&AtlasRow) -> bool| {
        Column::new(name.into(), rows.iter().map(g).collect::<Vec<_>>())
    };
    DataFrame::new(
        rows.len(),
        vec![
            text("label", &|r| Some(r.label.clone())),
            text("date", &|r| r.date.clone()),
            text("country", &|r| r.country.clone()),
            text("election", &|r| Some(r.election.clone())),
            Column::new(
                "stations".into(),
                rows.iter().map(|r| r.stations).collect::<Vec<_>>(),
            ),
            Column::new(
                "ballots".into(),
                rows.iter().map(|r| r.ballots).collect::<Vec<_>>(),
            ),
            text("verdict", &|r| Some(r.verdict.clone())),
            text("family", &|r| Some(r.family.clone())),
            text("quantity", &|r| Some(r.quantity.clone())),
            num("estimate", &|r| Some(r.estimate).filter(|x| x.is_finite())),
            num("ci_low", &|r| r.ci_low),
            num("ci_high", &|r| r.ci_high),
            num("share_of_ballots", &|r| r.share_of_ballots),
            flag("adequate", &|r| r.adequate),
            flag("evidence", &|r| r.evidence),
            flag("certain", &|r| r.certain),
            num("placebo_low", &|r| r.placebo_low),
            num("placebo_high", &|r| r.placebo_high),
        ],
    )
}

/// Writes `atlas.csv`, `atlas.parquet` and `atlas.html` into `out`;
/// returns the rows.
pub fn write(folders: &[ElectionFolder], out: &Path) -> Result<Vec<AtlasRow>> {
    let rows = rows(folders);
    let mut df = frame(&rows).map_err(|e| Error::output(out, e))?;
    crate::io::write::write_frame(&mut df, &out.join("atlas.csv"))?;
    crate::io::write::write_frame(&mut df, &out.join("atlas.parquet"))?;
    html::write(&rows, folders, out)?;
    Ok(rows)
}
