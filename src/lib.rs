//! # escrutinio — statistical election forensics
//!
//! Station-level results in, calibrated evidence out: *was announced
//! participation probably inflated, where, and by how much?*
//!
//! The flow runs one way (`docs/architecture.md`):
//! [`inputs::Inputs::load`] (files + schema -> validated [`Election`], its
//! data-quality record, participation data; each file read once) ->
//! the method families of [`methods::registry`] (each a
//! [`methods::Family`]: checked options, `run(&Inputs, &Checked, &Context)`,
//! a serde finding) -> [`report`] (JSON, CSV/Parquet, HTML, plots, text).
//! The CLI (`src/cli/`, feature `cli`) is a thin layer over these calls.
//!
//! ```no_run
//! use std::path::PathBuf;
//! use escrutinio::analyze::{build_report, Plan};
//! use escrutinio::inputs::{InputFiles, Inputs};
//!
//! // Every family at its defaults, without the Klimek bootstrap.
//! let mut plan = Plan::default();
//! plan.fingerprint.as_mut().unwrap().klimek.as_mut().unwrap().bootstrap = 0;
//! let plan = plan.check()?; // options are checked before any file is read
//! let inputs = Inputs::load(&InputFiles {
//!     stations: Some(PathBuf::from("data/sample/election.csv")),
//!     ..InputFiles::default()
//! })?;
//! let report = build_report(&inputs, &plan, 1)?;
//! println!("{} stations, turnout {:.2}%", report.summary.stations, 100.0 * report.summary.turnout);
//! if let Some(x) = &report.findings.excess_votes {
//!     println!("excess votes: {}", x.verdict);
//! }
//! # Ok::<(), escrutinio::Error>(())
//! ```

pub mod analyze;
pub mod atlas;
pub mod batch;
pub mod calibration;
pub mod claim;
/// The command line (feature `cli`): argument parsing and the subcommands,
/// each wiring its options to the library calls above. Public so that other
/// front ends (the Python package) take options in the same vocabulary.
#[cfg(feature = "cli")]
pub mod cli;
pub mod election;
pub mod error;
pub mod inputs;
pub mod io;
pub mod memory;
pub mod methods;
pub mod progress;
pub mod report;
pub mod rng;
pub mod simulate;
pub mod stats;
pub mod verdict;

// The command line's code names the crate `escrutinio::`, as a dependant would.
extern crate self as escrutinio;

pub use election::Election;
pub use error::{Error, Result};
pub use report::SCHEMA_VERSION;

/// rayon, for the code the [`families!`] macro generates in other crates.
#[doc(hidden)]
pub use rayon;
