//! The integration tests, in one binary (one link of polars instead of one
//! per file). Each module is a former test file; `common` holds the helpers.
//!
//! Two tiers: by default the fast tier (unit-sized checks and small smoke
//! versions of every calibration, coverage and power study); with
//! `--features studies` the full studies run at their published sizes
//! (`.ci/run` runs both). See `common::study`.

mod common;

mod batch;
mod calibration;
mod claim;
mod digits;
mod fieldwork;
mod fingerprint;
mod hourly;
mod integer_percent;
mod machine_logs;
mod malformed;
mod pipeline;
mod reader;
mod real_data;
mod sample;
mod simulate;
mod verdict;
