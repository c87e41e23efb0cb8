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

use std::path::Path;

use crate::error::{Error, Result};
use crate::inputs::Inputs;

pub use json::{Report, SCHEMA_VERSION};

/// A p-value for display: 4 decimals, scientific notation below 1e-4,
/// `missing` when undefined (one format for the CLI tables and the HTML page).
pub fn format_p_value(x: Option<f64>, missing: &str) -> String {
    match x {
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
pub fn write_outputs(inputs: &Inputs, report: &Report, dir: &Path, plots: bool) -> Result<()> {
    let election = inputs.require_election()?;
    std::fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::output(&p, e))
    };
    write("report.json", &report.to_json())?;
    let mut df = stations::station_frame(election, &report.station_columns)
        .map_err(|e| Error::output(dir, e))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.csv"))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.parquet"))?;
    if !report.verdict.regions.is_empty() {
        let mut df =
            stations::regions_frame(&report.verdict.regions).map_err(|e| Error::output(dir, e))?;
        crate::io::write::write_frame(&mut df, &dir.join("regions.csv"))?;
        crate::io::write::write_frame(&mut df, &dir.join("regions.parquet"))?;
    }
    if let Some(h) = &report.findings.hourly {
        if let Some(df) = stations::curves_frame(election, h) {
            let mut df = df.map_err(|e| Error::output(dir, e))?;
            crate::io::write::write_frame(&mut df, &dir.join("curves.csv"))?;
            crate::io::write::write_frame(&mut df, &dir.join("curves.parquet"))?;
        }
    }
    let figures = if plots {
        let plots_dir = dir.join("plots");
        std::fs::create_dir_all(&plots_dir).map_err(|e| Error::output(&plots_dir, e))?;
        figures::draw(report, &plots_dir)?
    } else {
        html::Figures::default()
    };
    write("report.html", &html::render(report, &figures))?;
    Ok(())
}
