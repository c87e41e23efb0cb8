//! The claim check (issue 17): Venezuela 2017 from its bulletins alone and
//! with hypothetical independent estimates, Venezuela 2024's tally sheets
//! against the CNE's announcement, the clean pace reference reproduced from
//! Spain 2019, simulated station files with and without injected fraud.

use std::process::Command;

use crate::common;

use escrutinio::claim::pace_reference;
use escrutinio::inputs::{InputFiles, Inputs};
use escrutinio::simulate::{simulate, SimParams};

fn run(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(common::bin())
        .args(args)
        .arg("--json")
        .current_dir(common::root())
        .output()
        .expect("runs");
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (code, json)
}

fn line<'a>(j: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    j["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == name)
        .unwrap_or_else(|| panic!("no line {name} in {j}"))
}

#[test]
fn venezuela_2017_bulletins_alone() {
    let Some(b) = common::shared("venezuela-2017/bulletins.csv") else {
        return;
    };
    let b = b.to_str().unwrap();
    let base = [
        "check",
        "--claim",
        "inflated >= 1000000",
        "--bulletins",
        b,
        "--opens",
        "06:00",
        "--closes",
        "19:00",
        "--centres",
        "14515",
    ];
    let (code, j) = run(&base);
    assert_eq!(code, 0, "{j}");
    let p = &j["pace"];
    // 4,368,855 voters in 90 minutes against 3,720,465 in 690: 9.00×.
    assert!(
        (p["ratio_needed"].as_f64().unwrap() - 9.0).abs() < 0.01,
        "{p}"
    );
    // (4,368,855 − 1,000,000) / (90 · 3,720,465 / 690) = 6.94.
    assert!(
        (p["ratio_at_which_claim_fails"].as_f64().unwrap() - 6.943).abs() < 0.01,
        "{p}"
    );
    assert_eq!(p["reference_scopes_above"], 0);
    assert!(p["probability"].as_f64().unwrap() > 0.999);
    assert_eq!(j["answer"], "probable");
    // Capacity: certain where the centres could take at most 3,368,855 late voters.
    let grid = j["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 49);
    for g in grid {
        let cap = g["capacity"].as_f64().unwrap();
        let certain = g["status"] == "certain";
        assert_eq!(certain, cap <= 3_368_855.0, "{g}");
    }
    // Hypothetical independent estimates of true participation.
    let mut confirm = base.to_vec();
    confirm.extend([
        "--independent-estimate",
        "6000000",
        "--independent-se",
        "300000",
    ]);
    let (code, j) = run(&confirm);
    assert_eq!(code, 0);
    let l = line(&j, "independent_estimate");
    assert_eq!(l["status"], "probable");
    assert!(l["probability"].as_f64().unwrap() > 0.999);
    let (code, j) = run(&[
        "check",
        "--claim",
        "inflated >= 1000000",
        "--independent-estimate",
        "7500000",
        "--independent-se",
        "300000",
        "--announced",
        "8089320",
    ]);
    assert_eq!(code, 1, "{j}");
    let l = line(&j, "independent_estimate");
    assert_eq!(l["status"], "not_supported");
    // Φ((8,089,320 − 1,000,000 − 7,500,000) / 300,000) = Φ(−1.369) = 0.0855.
    assert!(
        (l["probability"].as_f64().unwrap() - 0.0855).abs() < 0.001,
        "{l}"
    );
}

#[test]
fn venezuela_2024_maduro_excess_is_certain() {
    let Some(actas) = common::shared("venezuela-2024/actas-v1.csv") else {
        return;
    };
    let schema = common::schema("venezuela-2024.toml");
    let (code, j) = run(&[
        "check",
        actas.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
        "--bulletins",
        "data/bulletins/venezuela-2024-cne.csv",
        "--claim",
        "inflated[NM] >= 1000000",
    ]);
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["answer"], "certain");
    let l = line(&j, "reconciliation");
    // 6,408,844 announced − 3,241,461 counted − 1,726,402 voters the
    // announcement adds to the count = 1,440,981.
    assert_eq!(l["certain_at_least"].as_f64().unwrap(), 1_440_981.0);
    // Under the weaker assumption (registered voters only) it is not proven.
    assert!(l["flips"].as_str().unwrap().contains("-409183"), "{l}");
}

#[test]
fn bundled_pace_reference_is_spain_2019() {
    let Some(path) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let inputs = Inputs::load(&InputFiles {
        stations: Some(path),
        schema: Some(common::schema("spain-2019.toml")),
        ..InputFiles::default()
    })
    .unwrap();
    let rows = pace_reference::ratios(
        &inputs,
        "spain-2019-11",
        &pace_reference::SPAIN_LOCAL_OFFSETS,
    )
    .unwrap();
    assert_eq!(pace_reference::to_csv(&rows), pace_reference::BUNDLED);
    let r = pace_reference::summarise(&rows);
    assert_eq!(r.scopes, 52);
    // National: (24,361,807 − 19,825,270) / 120 against 19,825,270 / 540.
    assert!((r.national.unwrap() - 1.0297).abs() < 1e-3);
}

#[test]
fn simulated_station_files_clean_and_stuffed() {
    let dir = tempfile::tempdir().unwrap();
    for (fraud, seed) in [(false, 11u64), (true, 12)] {
        let p = SimParams {
            stations: 20_000,
            seed,
            regions: 20,
            fraud_incremental: if fraud { 0.1 } else { 0.0 },
            fraud_extreme: if fraud { 0.02 } else { 0.0 },
            theta: 0.4,
            ..SimParams::default()
        };
        let sim = simulate(&p).unwrap();
        let injected = sim.truth().totals.stuffed as f64;
        let f = dir.path().join(format!("e{seed}.csv"));
        sim.write_files(&f).unwrap();
        let claim = if fraud {
            format!("inflated >= {:.0}", 0.5 * injected)
        } else {
            "inflated >= 50000".to_string()
        };
        let (code, j) = run(&["check", f.to_str().unwrap(), "--claim", &claim]);
        if fraud {
            assert_eq!(code, 0, "half of {injected} stuffed: {j}");
            assert_eq!(j["answer"], "probable");
        } else {
            assert_eq!(code, 1, "clean: {j}");
        }
    }
}

#[test]
fn unusable_input_exits_2() {
    let (code, _) = run(&["check", "no/such/file.csv", "--claim", "inflated >= 1"]);
    assert_eq!(code, 2);
    let out = Command::new(common::bin())
        .args(["check", "--claim", "inflated >= 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(common::bin())
        .args(["check", "--claim", "turnout is 5", "--announced", "3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn scope_restricts_the_claim_to_one_region() {
    // The bundled sample: region R04 has about 13,700 inflated ballots
    // [531, 27,359]: probable for claims up to about 2,500.
    let (code, j) = run(&[
        "check",
        "data/sample/election.csv",
        "--claim",
        "inflated >= 2000",
        "--scope",
        "R04",
    ]);
    assert_eq!(code, 0, "{j}");
    let l = line(&j, "verdict.region:R04");
    assert_eq!(l["status"], "probable");
    let (code, j) = run(&[
        "check",
        "data/sample/election.csv",
        "--claim",
        "inflated >= 100000",
        "--scope",
        "R04",
    ]);
    assert_eq!(code, 1, "{j}");
    let (_, j) = run(&[
        "check",
        "data/sample/election.csv",
        "--claim",
        "inflated >= 1",
        "--scope",
        "nowhere",
    ]);
    assert_eq!(
        line(&j, "verdict.region:nowhere")["status"],
        "not_applicable"
    );
}
