//! Output: `report.json` (the contract), the per-station table, plots and the
//! self-contained HTML page. Reports never recompute statistics: they render
//! the findings the methods returned.

pub mod hourly_plots;
pub mod html;
pub mod json;
pub mod plots;
pub mod stations;

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
