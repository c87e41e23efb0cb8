//! `report.json`: the machine-readable record of an analysis. Its field names
//! are a public contract (documented in `docs/report.md`); any change to them
//! bumps [`SCHEMA_VERSION`].

use crate::verdict::Verdict;
use serde::Serialize;

use crate::io::load::SchemaInfo;
use crate::io::table::FileInfo;
use crate::io::validate::DataQuality;
use crate::io::InvalidRows;
pub use crate::methods::family::SkippedMethod;
use crate::methods::family::StationColumn;
use crate::methods::registry::Findings;
use crate::methods::summary::Summary;

/// Version of the `report.json` / `stations.*` layout (semantic versioning:
/// a major bump removes or renames fields, a minor bump adds them, a patch
/// moves numbers or order without renaming; history in `docs/report.md`).
pub const SCHEMA_VERSION: &str = "2.8.0";

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "escrutinio",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The options an analysis ran with.
#[derive(Debug, Clone, Serialize)]
pub struct RunOptions {
    pub seed: u64,
    pub invalid_rows: InvalidRows,
}

/// The whole report. Deterministic: no timestamps, no thread-dependent order.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    /// Was participation probably inflated, where, and by how much (since
    /// 2.3.0; `crate::verdict`).
    pub verdict: Verdict,
    /// Calibration on placebo elections drawn from a clean model of these
    /// data (since 2.4.0, only with `analyze --calibrate R`;
    /// `crate::calibration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::calibration::Calibration>,
    pub input: FileInfo,
    pub schema: SchemaInfo,
    pub options: RunOptions,
    pub data_quality: DataQuality,
    pub summary: Summary,
    /// Method families that ran, in order (`summary`, then the registered
    /// families that ran, each with a section of its own).
    pub methods: Vec<&'static str>,
    /// One section per family that ran, named as in `methods`: `digits`
    /// (since schema 1.1.0), `fingerprint`, `excess_votes`,
    /// `integer_percent`, `turnout_distribution` (1.2.0), `hourly` (1.3.0).
    #[serde(flatten)]
    pub findings: Findings,
    /// Methods asked for that could not run on these data, with the reason
    /// (always present, usually empty); since 1.2.0.
    pub skipped: Vec<SkippedMethod>,
    /// The families' per-station columns (written to `stations.*`, not to
    /// the JSON).
    #[serde(skip)]
    pub station_columns: Vec<StationColumn>,
}

impl Report {
    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let s = serde_json::to_string_pretty(self).expect("report serialises");
        let mut s = inline_scalar_arrays(&s);
        s.push('\n');
        s
    }
}

/// Puts every array of scalars of pretty-printed JSON on one line (a
/// 100-digit frequency vector takes one line, not 100). Works on
/// serde_json's pretty output, where strings never hold a raw newline and
/// every array element that is an object or array opens a line ending in
/// `{` or `[`.
pub fn inline_scalar_arrays(pretty: &str) -> String {
    let lines: Vec<&str> = pretty.lines().collect();
    let mut out = String::with_capacity(pretty.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.ends_with('[') {
            let indent = line.len() - line.trim_start().len();
            // Find the closing bracket at the same indentation.
            let mut j = i + 1;
            let mut scalar = true;
            while j < lines.len() {
                let l = lines[j];
                let t = l.trim_start();
                let ind = l.len() - t.len();
                if ind == indent && (t == "]" || t == "],") {
                    break;
                }
                if t.ends_with('{') || t.ends_with('[') {
                    scalar = false;
                }
                j += 1;
            }
            if scalar && j < lines.len() {
                out.push_str(line);
                for (k, l) in lines[i + 1..j].iter().enumerate() {
                    if k > 0 {
                        out.push(' ');
                    }
                    out.push_str(l.trim());
                }
                out.push_str(lines[j].trim());
                out.push('\n');
                i = j + 1;
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
        i += 1;
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::inline_scalar_arrays;

    #[test]
    fn scalar_arrays_go_on_one_line_and_stay_valid_json() {
        let v = serde_json::json!({
            "a": [1, 2.5, "x, y", null],
            "b": [{"c": [3, 4]}, {"d": []}],
            "e": [[1, 2], [3]],
            "f": "[not an array"
        });
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let out = inline_scalar_arrays(&pretty);
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
        assert!(out.contains("\"a\": [1, 2.5, \"x, y\", null]"), "{out}");
        assert!(out.contains("\"c\": [3, 4]"), "{out}");
    }
}
