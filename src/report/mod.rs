//! Output: `report.json` (the contract), the per-station table, plots and the
//! self-contained HTML page. Reports never recompute statistics: they render
//! the findings the methods returned.

pub mod html;
pub mod json;
pub mod plots;
pub mod stations;

pub use json::{Report, SCHEMA_VERSION};
