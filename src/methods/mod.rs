//! Analysis methods. Each family is one module with an entry point that takes
//! an [`crate::Election`] and options and returns a serde finding; methods
//! never read files and never draw.

pub mod digits;
pub mod excess;
pub mod fingerprint;
pub mod hourly;
pub mod integer_percent;
pub mod klimek;
pub mod machine_logs;
pub mod summary;
pub mod turnout_distribution;
