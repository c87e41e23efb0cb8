//! # escrutinio — statistical election forensics
//!
//! Station-level results in, calibrated evidence out: *was announced
//! participation probably inflated, where, and by how much?*
//!
//! The flow runs one way:
//! `io` (files + schema -> validated [`Election`] and a [`io::DataQuality`] record)
//! -> `methods` (each returns a serde finding) -> `report` (JSON, CSV/Parquet, HTML, plots).
//! The CLI (`src/main.rs`) is a thin layer over these functions.
//!
//! ```no_run
//! use std::path::Path;
//! use escrutinio::io::{load, InvalidRows};
//! use escrutinio::methods::summary::summarize;
//!
//! let loaded = load(Path::new("data/sample/election.csv"), None, InvalidRows::Exclude)?;
//! let election = loaded.election()?;
//! let summary = summarize(election);
//! println!("{} stations, turnout {:.2}%", summary.stations, 100.0 * summary.turnout);
//! # Ok::<(), escrutinio::Error>(())
//! ```

pub mod analyze;
pub mod election;
pub mod error;
pub mod inputs;
pub mod io;
pub mod methods;
pub mod report;
pub mod rng;
pub mod simulate;
pub mod stats;

pub use election::Election;
pub use error::{Error, Result};
pub use report::SCHEMA_VERSION;
