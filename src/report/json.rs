//! `report.json`: the machine-readable record of an analysis. Its field names
//! are a public contract (documented in `docs/report.md`); any change to them
//! bumps [`SCHEMA_VERSION`].

use serde::Serialize;

use crate::io::load::SchemaInfo;
use crate::io::table::FileInfo;
use crate::io::validate::DataQuality;
use crate::io::InvalidRows;
use crate::methods::summary::Summary;

/// Version of the `report.json` / `stations.*` layout (semantic versioning:
/// a major bump removes or renames fields, a minor bump adds them).
pub const SCHEMA_VERSION: &str = "1.0.0";

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
    pub input: FileInfo,
    pub schema: SchemaInfo,
    pub options: RunOptions,
    pub data_quality: DataQuality,
    pub summary: Summary,
    /// Method families that ran, in order (later versions add `digits`,
    /// `fingerprint`, `hourly`, ... each with a section of its own).
    pub methods: Vec<&'static str>,
}

impl Report {
    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }
}
