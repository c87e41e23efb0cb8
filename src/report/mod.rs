//! Output: `report.json` (the contract), the per-station table, plots, the
//! self-contained HTML page and the text the CLI prints. Reports never
//! recompute statistics: they render the findings and the per-station
//! columns the families returned.

pub mod check;
pub mod fieldwork;
pub mod figures;
pub mod hourly_plots;
pub mod html;
pub mod json;
pub mod plots;
pub mod stations;
pub mod text;
pub mod words;

use std::path::Path;

use crate::error::{Error, Result};
use crate::inputs::Inputs;

pub use json::{Report, SCHEMA_VERSION};

/// A p-value for display: 4 decimals, scientific notation below 1e-4,
/// `missing` when undefined (one format for the CLI tables and the HTML page).
pub fn format_p_value(x: Option<f64>, missing: &str) -> String {
    match x {
        // Below 1e-300 a double has lost the value (0 is an underflow, not
        // a certainty): say so instead of printing "0.00e0".
        Some(v) if v.is_finite() && v < 1e-300 => "< 1e-300".into(),
        Some(v) if v.is_finite() && v < 1e-4 => format!("{v:.2e}"),
        Some(v) if v.is_finite() => format!("{v:.4}"),
        _ => missing.into(),
    }
}

/// Writes every output of a report into `dir`: `report.json`,
/// `stations.csv` and `.parquet`, `regions.csv` and `.parquet` (when the
/// verdict has regions), `curves.csv` and `.parquet` (with participation
/// reports), `plots/` (unless `plots` is false) and
/// `report.html`.
/// Which output files `analyze` writes (`--outputs json,csv,parquet,html,plots`;
/// default all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outputs {
    /// `report.json`.
    pub json: bool,
    /// `stations.csv`, `regions.csv`, `curves.csv`.
    pub csv: bool,
    /// The same tables as Parquet.
    pub parquet: bool,
    /// `report.html`.
    pub html: bool,
    /// `plots/` (PNG and SVG; inlined in the HTML).
    pub plots: bool,
}

impl Default for Outputs {
    fn default() -> Self {
        Outputs {
            json: true,
            csv: true,
            parquet: true,
            html: true,
            plots: true,
        }
    }
}

impl std::str::FromStr for Outputs {
    type Err = String;

    /// A comma-separated list of `json`, `csv`, `parquet`, `html`, `plots`
    /// (or `all`).
    fn from_str(s: &str) -> std::result::Result<Outputs, String> {
        let mut o = Outputs {
            json: false,
            csv: false,
            parquet: false,
            html: false,
            plots: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "json" => o.json = true,
                "csv" => o.csv = true,
                "parquet" => o.parquet = true,
                "html" => o.html = true,
                "plots" => o.plots = true,
                "all" => o = Outputs::default(),
                other => {
                    return Err(format!(
                    "unknown output {other:?}: choose among json, csv, parquet, html, plots, all"
                ))
                }
            }
        }
        Ok(o)
    }
}

pub fn write_outputs(inputs: &Inputs, report: &Report, dir: &Path, outputs: Outputs) -> Result<()> {
    let election = inputs.require_election()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::output(&p, e))
    };
    if outputs.json {
        write("report.json", &report.to_json())?;
    }
    let tables = |df: &mut polars::prelude::DataFrame, stem: &str| -> Result<()> {
        if outputs.csv {
            crate::io::write::write_frame(df, &dir.join(format!("{stem}.csv")))?;
        }
        if outputs.parquet {
            crate::io::write::write_frame(df, &dir.join(format!("{stem}.parquet")))?;
        }
        Ok(())
    };
    if outputs.csv || outputs.parquet {
        let mut df = stations::station_frame(election, &report.station_columns)
            .map_err(|e| Error::output(dir, e))?;
        tables(&mut df, "stations")?;
        if !report.verdict.regions.is_empty() {
            let mut df = stations::regions_frame(&report.verdict.regions)
                .map_err(|e| Error::output(dir, e))?;
            tables(&mut df, "regions")?;
        }
        if let Some(h) = &report.findings.hourly {
            if let Some(df) = stations::curves_frame(election, h) {
                let mut df = df.map_err(|e| Error::output(dir, e))?;
                tables(&mut df, "curves")?;
            }
        }
    }
    let figures = if outputs.plots {
        let plots_dir = dir.join("plots");
        std::fs::create_dir_all(&plots_dir).map_err(|e| Error::output(&plots_dir, e))?;
        figures::draw(report, &plots_dir)?
    } else {
        html::Figures::default()
    };
    if outputs.html {
        write("report.html", &html::render(report, &figures))?;
    }
    Ok(())
}
