//! The recipe of docs/architecture.md, proved: a family defined here, in a
//! test, plugs into the pipeline with one registry line, and the pipeline
//! checks its options, runs it, files its skip, and serialises its finding.

use escrutinio::inputs::Inputs;
use escrutinio::methods::digits::Digits;
use escrutinio::methods::{
    Checked, ColumnValues, Context, Family, OptionsError, Recorded, Skip, StationColumn,
};
use escrutinio::rng::Purpose;
use escrutinio::simulate::{simulate, SimParams};
use rand::Rng as _;
use serde::Serialize;

/// A toy family: the share of stations whose turnout exceeds a threshold,
/// with a (seeded) random tie-break draw to show where randomness comes from.
struct HighTurnout;

#[derive(Debug, Clone, Serialize)]
struct HighTurnoutOptions {
    threshold: f64,
}

impl Default for HighTurnoutOptions {
    fn default() -> Self {
        HighTurnoutOptions { threshold: 0.8 }
    }
}

#[derive(Debug, Clone, Serialize)]
struct HighTurnoutFinding {
    options: Recorded<HighTurnoutOptions>,
    stations: usize,
    share: f64,
    draw: u64,
}

impl Family for HighTurnout {
    const NAME: &'static str = "high_turnout";
    type Options = HighTurnoutOptions;
    type Finding = HighTurnoutFinding;

    fn check(o: &HighTurnoutOptions) -> Result<(), OptionsError> {
        if (0.0..=1.0).contains(&o.threshold) {
            Ok(())
        } else {
            Err(OptionsError::new(
                Self::NAME,
                format!("threshold must lie in [0, 1], not {}", o.threshold),
            ))
        }
    }

    fn run(
        inputs: &Inputs,
        o: &Checked<HighTurnoutOptions>,
        ctx: &Context,
    ) -> Result<HighTurnoutFinding, Skip> {
        let e = inputs.election().ok_or_else(|| Skip::new("no stations"))?;
        let high = e.turnout.iter().filter(|&&t| t > o.threshold).count();
        if high == 0 {
            return Err(Skip::new("no station above the threshold"));
        }
        Ok(HighTurnoutFinding {
            options: Recorded::new(&**o, ctx),
            stations: high,
            share: high as f64 / e.len() as f64,
            draw: ctx.stream(Purpose::ExcessBootstrap, 0).random(),
        })
    }

    fn station_columns(inputs: &Inputs, o: &HighTurnoutFinding) -> Vec<StationColumn> {
        let e = inputs.election().expect("ran on an election");
        vec![StationColumn {
            name: "high_turnout".into(),
            values: ColumnValues::Bool(
                e.turnout
                    .iter()
                    .map(|&t| Some(t > o.options.threshold))
                    .collect(),
            ),
        }]
    }
}

mod registry {
    // The one registry line per family.
    escrutinio::families! {
        digits: escrutinio::methods::digits::Digits,
        high_turnout: super::HighTurnout,
    }
}

fn inputs() -> Inputs {
    let sim = simulate(&SimParams {
        stations: 400,
        seed: 3,
        ..SimParams::default()
    })
    .expect("simulation");
    Inputs::from_election(sim.to_election().expect("valid election"))
}

#[test]
fn a_family_defined_in_a_test_plugs_in_with_one_registry_line() {
    let inputs = inputs();
    let mut plan = registry::Plan::default();
    plan.digits.as_mut().unwrap().bootstrap_replicates = 20;
    let checked = plan.check().expect("default options are valid");
    let ctx = Context::new(7);
    let out = checked.run(&inputs, &ctx);
    assert_eq!(out.ran, vec!["digits", "high_turnout"]);
    assert!(out.skipped.is_empty());
    let toy = out.findings.high_turnout.as_ref().expect("ran");
    let e = inputs.election().unwrap();
    let expected = e.turnout.iter().filter(|&&t| t > 0.8).count();
    assert_eq!(toy.stations, expected);
    assert_eq!(out.station_columns.len(), 1);
    assert_eq!(out.station_columns[0].name, "high_turnout");
    // The finding is a section of the JSON, after the digits, with its seed.
    let json = serde_json::to_value(&out.findings).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert!(keys.contains(&&"digits".to_string()) && keys.contains(&&"high_turnout".to_string()));
    assert_eq!(json["high_turnout"]["options"]["seed"], 7);
    assert_eq!(json["high_turnout"]["options"]["threshold"], 0.8);
    // Same seed, same numbers; another seed, another stream.
    let again = checked.run(&inputs, &ctx);
    assert_eq!(again.findings.high_turnout.unwrap().draw, toy.draw);
    let other = checked.run(&inputs, &Context::new(8));
    assert_ne!(other.findings.high_turnout.unwrap().draw, toy.draw);
}

#[test]
fn bad_options_are_a_typed_error_and_unusable_data_a_recorded_skip() {
    let inputs = inputs();
    let plan = registry::Plan {
        high_turnout: Some(HighTurnoutOptions { threshold: 1.5 }),
        ..registry::Plan::none()
    };
    let err = plan.check().unwrap_err();
    assert_eq!(err.family, "high_turnout");
    assert!(err.message.contains("1.5"), "{err}");
    // A threshold no station passes: the family is skipped with its reason.
    let plan = registry::Plan {
        high_turnout: Some(HighTurnoutOptions { threshold: 1.0 }),
        ..registry::Plan::none()
    };
    let out = plan.check().unwrap().run(&inputs, &Context::new(1));
    assert!(out.ran.is_empty());
    assert_eq!(out.skipped.len(), 1);
    assert_eq!(out.skipped[0].method, "high_turnout");
    assert!(out.findings.high_turnout.is_none());
    // Digits' options are checked in the library too.
    let mut bad = registry::Plan::none();
    bad.digits = Some(escrutinio::methods::digits::DigitsOptions {
        confidence_level: 1.5,
        ..Default::default()
    });
    assert_eq!(bad.check().unwrap_err().family, <Digits as Family>::NAME);
}
