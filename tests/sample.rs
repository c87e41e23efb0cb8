//! The bundled sample election is what the simulator produces for its
//! documented command (data/sample/README.md), byte for byte, and the
//! README's first command runs on it.

use crate::common;

use std::process::Command;

#[test]
fn committed_sample_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("election.csv");
    let status = Command::new(common::bin())
        .args([
            "simulate",
            "--stations",
            "5000",
            "--seed",
            "2026",
            "--regions",
            "8",
        ])
        .args([
            "--fraud-incremental",
            "0.05",
            "--fraud-extreme",
            "0.01",
            "--hourly",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for suffix in ["", ".truth.json", ".hourly.csv"] {
        let committed = common::root().join(format!("data/sample/election.csv{suffix}"));
        let fresh = dir.path().join(format!("election.csv{suffix}"));
        assert!(
            std::fs::read(&committed).unwrap() == std::fs::read(&fresh).unwrap(),
            "{} differs from a fresh simulation: regenerate it with the command in data/sample/README.md",
            committed.display()
        );
    }
}

#[test]
fn readme_analyze_command_runs_on_the_sample() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("cargo run --release -- analyze "))
        .expect("README has the analyze command");
    let args: Vec<&str> = line
        .trim_start_matches("cargo run --release -- ")
        .split_whitespace()
        .collect();
    let out = tempfile::tempdir().unwrap();
    // Same arguments, but into a temporary directory.
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let o = args.iter().position(|a| a == "--out").expect("--out given");
    args[o + 1] = out.path().join("out").display().to_string();
    let run = Command::new(common::bin())
        .args(&args)
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["stations"], 5000);
    assert!(out.path().join("out/report.html").exists());
    // The README's command includes the participation reports: the hourly
    // section's estimate of late ballots covers the ballots the simulator
    // stuffed after 18:00 (truth file), and its certain bound stays below.
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(common::root().join("data/sample/election.csv.truth.json")).unwrap(),
    )
    .unwrap();
    let stuffed = truth["totals"]["stuffed"].as_f64().unwrap();
    let late = &report["hourly"]["late_surge"]["excess_ballots"];
    assert!(
        late["ci_low"].as_f64().unwrap() <= stuffed && stuffed <= late["ci_high"].as_f64().unwrap(),
        "{late} vs {stuffed}"
    );
    assert!(
        report["hourly"]["throughput"]["excess_lower_bound"]
            .as_f64()
            .unwrap()
            <= stuffed
    );
    assert!(out.path().join("out/plots/hourly_curves.svg").exists());
}

/// `--threads N` sets the worker pool; the output does not depend on it, and
/// 0 is refused with exit code 2.
#[test]
fn threads_option_changes_nothing_but_the_pool() {
    let sample = common::root().join("data/sample/election.csv");
    let run = |threads: &str| {
        Command::new(common::bin())
            .args(["--threads", threads, "fingerprint"])
            .arg(&sample)
            .args([
                "--json",
                "--klimek-bootstrap",
                "10",
                "--excess-bootstrap",
                "50",
            ])
            .output()
            .unwrap()
    };
    let one = run("1");
    let two = run("2");
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(one.stdout, two.stdout);
    let zero = run("0");
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--threads"));
}
