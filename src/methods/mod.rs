//! Analysis methods. Each family is one module (or folder) implementing
//! [`Family`]: options checked in the library, a serde finding, and
//! `run(&Inputs, &Checked<Options>, &Context) -> Result<Finding, Skip>`.
//! Methods never read files and never draw. The registry of families that
//! `analyze` runs is [`registry`].

pub mod digits;
pub mod excess;
pub mod family;
pub mod fingerprint;
pub mod hourly;
pub mod independent_counts;
pub mod integer_percent;
pub mod klimek;
pub mod machine_logs;
pub mod reference_subset;
pub mod registry;
pub mod summary;
pub mod turnout_distribution;

pub use family::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
    TestOutcome,
};
