//! The registry of method families: the one [`families!`] invocation
//! below, a line per family in report order. It generates [`Plan`] (each
//! family's options, `None` to skip it), [`CheckedPlan`] (the options after
//! their checks, with the run loop) and [`Findings`] (each family's finding,
//! serialised as a section of `report.json`). Adding a family is one line
//! here plus its renderers in [`crate::report`] (`docs/architecture.md`).

use super::family::{Checked, Context, Family, Skip, SkippedMethod, StationColumn};
use crate::inputs::Inputs;

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

/// Runs one family of a plan (`None` when the plan skips it).
pub fn run_family<Fam: Family>(
    options: Option<&Checked<Fam::Options>>,
    inputs: &Inputs,
    ctx: &Context,
) -> Option<Result<Fam::Finding, Skip>> {
    options.map(|o| Fam::run(inputs, o, ctx))
}

/// Files what one family returned into the outcome, in registry order.
pub fn file_family<Fam: Family, F>(
    result: Option<Result<Fam::Finding, Skip>>,
    inputs: &Inputs,
    outcome: &mut Outcome<F>,
    partial: &mut Vec<SkippedMethod>,
) -> Option<Fam::Finding> {
    match result? {
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
            /// The plan with each family's interval-only resampling off
            /// ([`$crate::methods::Family::without_intervals`]).
            pub fn without_intervals(&self) -> CheckedPlan {
                CheckedPlan {
                    $($field: self.$field.as_ref().map(|o| {
                        <$family as $crate::methods::Family>::checked(
                            <$family as $crate::methods::Family>::without_intervals(o),
                        )
                        .expect("turning intervals off keeps options valid")
                    }),)+
                }
            }

            /// Runs the planned families in registry order.
            pub fn run(
                &self,
                inputs: &$crate::inputs::Inputs,
                ctx: &$crate::methods::Context,
            ) -> $crate::methods::registry::Outcome<Findings> {
                // The families run concurrently on the rayon pool (each
                // draws only from its own seeded streams, so the results do
                // not depend on the schedule) and are filed in registry order.
                $(
                    let mut $field = None;
                )+
                $crate::rayon::scope(|scope| {
                    $(
                        let slot = &mut $field;
                        let options = self.$field.as_ref();
                        scope.spawn(move |_| {
                            *slot = $crate::methods::registry::run_family::<$family>(
                                options, inputs, ctx,
                            );
                        });
                    )+
                });
                let mut outcome = $crate::methods::registry::Outcome::<Findings>::default();
                let mut partial = Vec::new();
                $(
                    outcome.findings.$field = $crate::methods::registry::file_family::<$family, Findings>(
                        $field, inputs, &mut outcome, &mut partial,
                    );
                )+
                outcome.skipped.extend(partial);
                outcome
            }
        }

        impl Findings {
            /// Every family's national hypothesis tests, as
            /// `(family, outcome)`, in registry order.
            pub fn tests(&self) -> Vec<(&'static str, $crate::methods::TestOutcome)> {
                let mut all = Vec::new();
                $(
                    if let Some(f) = &self.$field {
                        all.extend(
                            <$family as $crate::methods::Family>::tests(f)
                                .into_iter()
                                .map(|t| (<$family as $crate::methods::Family>::NAME, t)),
                        );
                    }
                )+
                all
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
    reference_subset: crate::methods::reference_subset::ReferenceSubsetFamily,
    independent_counts: crate::methods::independent_counts::IndependentCountsFamily,
}
