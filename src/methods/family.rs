//! The one door every method family goes through.
//!
//! A family is a type implementing [`Family`]: a name (its key in
//! `report.json`), options that the library checks into a [`Checked`] form
//! with a typed [`OptionsError`], a serde finding, and
//! [`Family::run`]`(&Inputs, &Checked<Options>, &Context) -> Result<Finding, Skip>`.
//! Families never read files (everything is loaded into [`Inputs`] first)
//! and never draw (renderers live in [`crate::report`]). Randomness comes
//! only from the [`Context`], which carries the run's seed and hands out
//! streams from the registry of purposes in [`crate::rng`].
//!
//! The pipeline ([`crate::analyze`]) is a loop over the registered
//! families; `docs/architecture.md` walks through adding one.

use std::fmt;

use serde::Serialize;

use crate::inputs::Inputs;
use crate::rng::{self, Purpose, Rng};

/// A method family.
pub trait Family {
    /// The family's key in `report.json`, `methods` and `skipped`.
    const NAME: &'static str;
    /// The options a caller sets (`Default` gives the documented defaults).
    /// `Sync`: the families of a plan run concurrently.
    type Options: Clone + fmt::Debug + Default + Sync;
    /// What the family found (a section of `report.json`).
    type Finding: Clone + fmt::Debug + Serialize + Send;

    /// Checks every option's domain. Called by [`Family::checked`], the only
    /// way to obtain the [`Checked`] options that [`Family::run`] takes.
    fn check(options: &Self::Options) -> Result<(), OptionsError>;

    /// Runs the family on loaded inputs. `Err(Skip)` records data the
    /// family cannot use (the analysis goes on without it); invalid
    /// options cannot reach this point.
    fn run(
        inputs: &Inputs,
        options: &Checked<Self::Options>,
        ctx: &Context,
    ) -> Result<Self::Finding, Skip>;

    /// Parts of the family that could not run although the family did
    /// (for example the Klimek fit inside the fingerprint family), as
    /// `(method, reason)`.
    fn partial_skips(_finding: &Self::Finding) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The family's per-station columns for `stations.csv` and
    /// `stations.parquet`, computed here so that reports never recompute
    /// statistics.
    fn station_columns(_inputs: &Inputs, _finding: &Self::Finding) -> Vec<StationColumn> {
        Vec::new()
    }

    /// The family's hypothesis tests, for calibration on placebo elections
    /// ([`crate::calibration`]): one entry per test whose p-value the
    /// family reports at the national scope.
    fn tests(_finding: &Self::Finding) -> Vec<TestOutcome> {
        Vec::new()
    }

    /// The options with every resampling that only serves an interval
    /// turned off (point estimates and p-values unchanged): what placebo
    /// elections run ([`crate::calibration`]).
    fn without_intervals(options: &Self::Options) -> Self::Options {
        options.clone()
    }

    /// Checks `options` into the form [`Family::run`] takes.
    fn checked(options: Self::Options) -> Result<Checked<Self::Options>, OptionsError> {
        Self::check(&options)?;
        Ok(Checked(options))
    }
}

/// One hypothesis test's outcome, as calibration compares it with the
/// same test on placebo elections.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The test's name within its family (for example `first_digit:winner`).
    pub test: String,
    pub p_value: f64,
    /// The test statistic, larger when more extreme: it orders outcomes
    /// whose p-values both underflow to 0.
    pub statistic: f64,
}

impl TestOutcome {
    pub fn new(test: impl Into<String>, p_value: f64, statistic: f64) -> TestOutcome {
        TestOutcome {
            test: test.into(),
            p_value,
            statistic,
        }
    }

    /// Whether `self` is at least as extreme as `other` (smaller p-value;
    /// on equal p-values, a statistic at least as large).
    pub fn at_least_as_extreme_as(&self, other: &TestOutcome) -> bool {
        self.p_value < other.p_value
            || (self.p_value == other.p_value && self.statistic >= other.statistic)
    }
}

/// Options that passed their family's [`Family::check`]; only
/// [`Family::checked`] makes them.
#[derive(Debug, Clone)]
pub struct Checked<O>(O);

impl<O> std::ops::Deref for Checked<O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.0
    }
}

impl<O> Checked<O> {
    /// The options, unwrapped.
    pub fn into_inner(self) -> O {
        self.0
    }
}

/// An option outside its domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OptionsError {
    /// The family whose options were checked.
    pub family: &'static str,
    /// What is wrong, naming the option and the value.
    pub message: String,
}

impl OptionsError {
    pub fn new(family: &'static str, message: impl Into<String>) -> OptionsError {
        OptionsError {
            family,
            message: message.into(),
        }
    }

    /// An interval's level must lie in (0, 1).
    pub fn interval_level(family: &'static str, level: f64) -> Result<(), OptionsError> {
        if level > 0.0 && level < 1.0 {
            Ok(())
        } else {
            Err(OptionsError::new(
                family,
                format!("the interval level must lie in (0, 1), not {level}"),
            ))
        }
    }

    /// Adapts a `check() -> Result<(), String>` of an option struct.
    pub fn lift(family: &'static str, r: Result<(), String>) -> Result<(), OptionsError> {
        r.map_err(|m| OptionsError::new(family, m))
    }
}

/// Why a family did not run on these data (recorded in `skipped`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub reason: String,
}

impl Skip {
    pub fn new(reason: impl Into<String>) -> Skip {
        Skip {
            reason: reason.into(),
        }
    }
}

impl From<String> for Skip {
    fn from(reason: String) -> Skip {
        Skip { reason }
    }
}

/// What every family receives besides its inputs and options: the run's
/// seed, and random streams derived from it by purpose.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    seed: u64,
}

impl Context {
    /// A context for a run seeded with `seed`.
    pub fn new(seed: u64) -> Context {
        Context { seed }
    }

    /// The run's seed (recorded in every finding's options).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream of task `index` (a replicate, a station) of `purpose`.
    pub fn stream(&self, purpose: Purpose, index: u64) -> Rng {
        rng::stream_for(self.seed, purpose, index)
    }

    /// The stream of task `index` of a keyed task family of `purpose`
    /// (see [`Purpose::keyed_code`]).
    pub fn keyed_stream(&self, purpose: Purpose, key: u64, index: u64) -> Rng {
        rng::stream(self.seed, purpose.keyed_code(key), index)
    }
}

/// Options as a finding records them: the caller's options and the seed
/// the family ran with (serialised as one object, the seed last).
#[derive(Debug, Clone, Serialize)]
pub struct Recorded<O> {
    #[serde(flatten)]
    pub options: O,
    pub seed: u64,
}

impl<O: Clone> Recorded<O> {
    pub fn new(options: &O, ctx: &Context) -> Recorded<O> {
        Recorded {
            options: options.clone(),
            seed: ctx.seed(),
        }
    }
}

impl<O> std::ops::Deref for Recorded<O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.options
    }
}

/// One per-station column of a family (one value per station of the
/// election, in its order; `None` is written as null).
#[derive(Debug, Clone)]
pub struct StationColumn {
    /// Column name (a fixed name, or one built from the data, e.g. a
    /// contestant's column).
    pub name: std::borrow::Cow<'static, str>,
    pub values: ColumnValues,
}

/// The values of a [`StationColumn`].
#[derive(Debug, Clone)]
pub enum ColumnValues {
    Bool(Vec<Option<bool>>),
    Float(Vec<Option<f64>>),
    Count(Vec<Option<u32>>),
    Unsigned(Vec<Option<u64>>),
    Text(Vec<String>),
}

/// A family (or a part of one) that was asked for but could not run on the
/// data, with the reason (`skipped` in `report.json`).
#[derive(Debug, Clone, Serialize)]
pub struct SkippedMethod {
    pub method: &'static str,
    pub reason: String,
}
