//! The `analyze` pipeline: load every input once, run the chosen families
//! in a loop, render.
//!
//! ```text
//! InputFiles ──Inputs::load──► Inputs ──Plan::run(ctx)──► Findings ──report::write──► files
//! ```
//!
//! The registry of families is the one [`families!`] invocation below: a
//! line per family, in report order. It generates [`Plan`] (each family's
//! options, `None` to skip it), [`CheckedPlan`] and [`Findings`] (each
//! family's finding, serialised as a section of `report.json`). Adding a
//! family is one line here plus its renderers (`docs/architecture.md`).

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::inputs::{InputFiles, Inputs};
use crate::methods::family::{Checked, Context, Family, OptionsError, StationColumn};
use crate::methods::summary::summarize;
use crate::report::json::{Report, RunOptions, SkippedMethod, Tool};
use crate::report::SCHEMA_VERSION;

/// What running a plan produced: the findings, the families that ran (in
/// order), the ones that could not run on these data, and the per-station
/// columns the families computed.
#[derive(Debug, Clone, Default)]
pub struct Outcome<F> {
    pub findings: F,
    pub ran: Vec<&'static str>,
    pub skipped: Vec<SkippedMethod>,
    pub station_columns: Vec<StationColumn>,
}

/// Runs one family of a plan and files what it returned.
pub fn run_family<Fam: Family, F>(
    options: Option<&Checked<Fam::Options>>,
    inputs: &Inputs,
    ctx: &Context,
    outcome: &mut Outcome<F>,
    partial: &mut Vec<SkippedMethod>,
) -> Option<Fam::Finding> {
    let options = options?;
    match Fam::run(inputs, options, ctx) {
        Ok(finding) => {
            outcome.ran.push(Fam::NAME);
            partial.extend(
                Fam::partial_skips(&finding)
                    .into_iter()
                    .map(|(method, reason)| SkippedMethod { method, reason }),
            );
            outcome
                .station_columns
                .extend(Fam::station_columns(inputs, &finding));
            Some(finding)
        }
        Err(skip) => {
            outcome.skipped.push(SkippedMethod {
                method: Fam::NAME,
                reason: skip.reason,
            });
            None
        }
    }
}

/// Declares the registry of families: `field: FamilyType` per line, in the
/// order they run and appear in `report.json`. Generates `Plan`,
/// `CheckedPlan` and `Findings` in the calling module (tests use it to
/// register a family of their own).
#[macro_export]
macro_rules! families {
    ($($field:ident : $family:ty),+ $(,)?) => {
        /// Each family's options; `None` skips the family.
        #[derive(Debug, Clone)]
        pub struct Plan {
            $(pub $field: Option<<$family as $crate::methods::Family>::Options>,)+
        }

        impl Default for Plan {
            /// Every family at its defaults.
            fn default() -> Self {
                Plan { $($field: Some(Default::default()),)+ }
            }
        }

        impl Plan {
            /// No family at all.
            pub fn none() -> Self {
                Plan { $($field: None,)+ }
            }

            /// Checks every family's options.
            pub fn check(
                &self,
            ) -> ::std::result::Result<CheckedPlan, $crate::methods::OptionsError> {
                Ok(CheckedPlan {
                    $($field: match &self.$field {
                        Some(o) => Some(
                            <$family as $crate::methods::Family>::checked(o.clone())?,
                        ),
                        None => None,
                    },)+
                })
            }
        }

        /// A [`Plan`] whose options passed their checks.
        #[derive(Debug, Clone)]
        pub struct CheckedPlan {
            $(pub $field: Option<
                $crate::methods::Checked<<$family as $crate::methods::Family>::Options>,
            >,)+
        }

        impl CheckedPlan {
            /// Runs the planned families in registry order.
            pub fn run(
                &self,
                inputs: &$crate::inputs::Inputs,
                ctx: &$crate::methods::Context,
            ) -> $crate::analyze::Outcome<Findings> {
                let mut outcome = $crate::analyze::Outcome::<Findings>::default();
                let mut partial = Vec::new();
                $(
                    let found = $crate::analyze::run_family::<$family, Findings>(
                        self.$field.as_ref(), inputs, ctx, &mut outcome, &mut partial,
                    );
                    outcome.findings.$field = found;
                )+
                outcome.skipped.extend(partial);
                outcome
            }
        }

        /// Each family's finding (absent when it did not run); serialised
        /// as one section of `report.json` per family.
        #[derive(Debug, Clone, Default, ::serde::Serialize)]
        pub struct Findings {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<<$family as $crate::methods::Family>::Finding>,
            )+
        }
    };
}

families! {
    digits: crate::methods::digits::Digits,
    fingerprint: crate::methods::fingerprint::Fingerprint,
    excess_votes: crate::methods::excess::ExcessVotes,
    integer_percent: crate::methods::integer_percent::IntegerPercent,
    turnout_distribution: crate::methods::turnout_distribution::TurnoutDistribution,
    hourly: crate::methods::hourly::Hourly,
}

/// Options of an analysis: the files, the seed and the plan.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub files: InputFiles,
    pub out_dir: PathBuf,
    /// Seed of every random procedure.
    pub seed: u64,
    pub plan: Plan,
    /// Write the PNG/SVG plots (and inline them in the HTML).
    pub plots: bool,
}

impl AnalyzeOptions {
    /// Every family at its defaults, on one station file.
    pub fn new(input: PathBuf, out_dir: PathBuf) -> AnalyzeOptions {
        AnalyzeOptions {
            files: InputFiles {
                stations: Some(input),
                ..InputFiles::default()
            },
            out_dir,
            seed: 1,
            plan: Plan::default(),
            plots: true,
        }
    }
}

/// Builds the report of loaded inputs (no files written). The hourly family
/// runs only when participation data were loaded.
pub fn build_report(inputs: &Inputs, plan: &CheckedPlan, seed: u64) -> Result<Report> {
    let election = inputs.require_election()?;
    let source = inputs
        .source
        .as_ref()
        .ok_or_else(|| Error::Options("a report needs a station file".into()))?;
    let mut plan = plan.clone();
    if !inputs.has_participation() {
        plan.hourly = None;
    }
    let ctx = Context::new(seed);
    let outcome = plan.run(inputs, &ctx);
    let mut methods = vec!["summary"];
    methods.extend(outcome.ran);
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        input: source.input.clone(),
        schema: source.schema.clone(),
        options: RunOptions {
            seed,
            invalid_rows: source.quality.policy,
        },
        data_quality: source.quality.clone(),
        summary: summarize(election),
        methods,
        findings: outcome.findings,
        skipped: outcome.skipped,
        station_columns: outcome.station_columns,
    })
}

/// Checks the options, loads the inputs, runs the plan and writes
/// `report.json`, `stations.csv`, `stations.parquet`, `report.html` and
/// `plots/` into the output directory.
pub fn analyze(opts: &AnalyzeOptions) -> Result<(Inputs, Report)> {
    let plan = opts.plan.check()?;
    let inputs = Inputs::load(&opts.files)?;
    let report = build_report(&inputs, &plan, opts.seed)?;
    crate::report::write_outputs(&inputs, &report, &opts.out_dir, opts.plots)?;
    Ok((inputs, report))
}

/// Loads the inputs and runs one family on them (the subcommands' path).
pub fn run_one<F: Family>(
    files: &InputFiles,
    options: F::Options,
    seed: u64,
) -> Result<(Inputs, std::result::Result<F::Finding, String>)> {
    let checked = F::checked(options)?;
    let inputs = Inputs::load(files)?;
    let found = F::run(&inputs, &checked, &Context::new(seed)).map_err(|s| s.reason);
    Ok((inputs, found))
}

impl From<OptionsError> for Error {
    fn from(e: OptionsError) -> Error {
        Error::Options(e.message)
    }
}
