//! Batch runs (issue 19): resumable after SIGKILL at any moment, shards that
//! combine into the same atlas as one run.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A manifest of two small simulated elections (no plots: fast), written
/// beside copies of the bundled sample.
fn manifest(dir: &Path) -> PathBuf {
    let sample = common::root().join("data/sample/election.csv");
    let hourly = common::root().join("data/sample/election.csv.hourly.csv");
    let m = dir.join("manifest.toml");
    std::fs::write(
        &m,
        format!(
            "[options]\nseed = 3\nplots = false\n\n\
             [[election]]\nlabel = \"a\"\nfile = {sample:?}\ndate = \"2020-01-01\"\n\n\
             [[election]]\nlabel = \"b\"\nfile = {sample:?}\nhourly = {hourly:?}\ndate = \"2021-01-01\"\n\n\
             [[election]]\nlabel = \"c\"\nfile = {sample:?}\ndate = \"2022-01-01\"\noptions = {{ seed = 4 }}\n"
        ),
    )
    .unwrap();
    m
}

fn batch(m: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(common::bin())
        .args(["batch", m.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

/// Every file under `dir`, relative path -> bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_batch_killed_at_random_moments_resumes_to_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let reference = dir.path().join("reference");
    let o = batch(&m, &reference, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = files(&reference);
    assert!(want.contains_key("b/complete.json") && want.contains_key("atlas.parquet"));

    let out = dir.path().join("killed");
    let kills = common::size(20, 5);
    // Deterministic "random" moments spread over a run (about 1.5 s).
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..kills {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let ms = (state >> 33) % 1600;
        let mut child = Command::new(common::bin())
            .args(["batch", m.to_str().unwrap(), "--out", out.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever is marked complete is complete: every folder with a
        // record has its report, tables and page.
        for e in std::fs::read_dir(&out).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.join("complete.json").exists() {
                for f in [
                    "report.json",
                    "stations.csv",
                    "stations.parquet",
                    "report.html",
                ] {
                    assert!(p.join(f).exists(), "{} complete without {f}", p.display());
                }
            }
        }
    }
    let o = batch(&m, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = files(&out);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "no leftover temporary folders, nothing missing"
    );
    for (k, v) in &want {
        assert!(got[k] == *v, "{k} differs from the uninterrupted run");
    }
    // A rerun redoes nothing; a changed option redoes only its election.
    let o = batch(&m, &out, &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.matches("complete and current").count(), 3, "{text}");
}

#[test]
fn shards_combine_into_the_atlas_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let one = dir.path().join("one");
    assert!(batch(&m, &one, &[]).status.success());
    let sharded = dir.path().join("sharded");
    for s in ["1/2", "2/2"] {
        let o = batch(&m, &sharded, &["--shard", s]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            !sharded.join("atlas.csv").exists(),
            "a shard writes no atlas"
        );
    }
    let o = Command::new(common::bin())
        .args(["atlas", sharded.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["atlas.csv", "atlas.parquet", "atlas.html"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(sharded.join(f)).unwrap(),
            "{f}"
        );
    }
    // The atlas reads back: one row per election and estimate, dated.
    let csv = std::fs::read_to_string(one.join("atlas.csv")).unwrap();
    assert!(csv.starts_with("label,date,country,election,stations,ballots,verdict,family"));
    for label in ["a", "b", "c"] {
        assert!(
            csv.lines().any(|l| l.starts_with(&format!("{label},"))),
            "{label}"
        );
    }
}

#[test]
fn bad_manifests_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("dup.toml", "[[election]]\nlabel = \"x\"\nfile = \"a.csv\"\n[[election]]\nlabel = \"x\"\nfile = \"b.csv\"\n", "share the label"),
        ("slash.toml", "[[election]]\nlabel = \"../x\"\nfile = \"a.csv\"\n", "names a folder"),
        ("empty.toml", "[options]\nseed = 1\n", "no [[election]]"),
        ("typo.toml", "[[election]]\nlabel = \"x\"\nfiel = \"a.csv\"\n", "unknown field"),
    ];
    for (name, text, expect) in cases {
        let m = dir.path().join(name);
        std::fs::write(&m, text).unwrap();
        let o = batch(&m, &dir.path().join("out"), &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
    }
    // A missing station file fails that election only (exit 1).
    let m = dir.path().join("missing.toml");
    let sample = common::root().join("data/sample/election.csv");
    std::fs::write(
        &m,
        format!("[[election]]\nlabel = \"gone\"\nfile = \"nope.csv\"\n[[election]]\nlabel = \"ok\"\nfile = {sample:?}\noptions = {{ plots = false }}\n"),
    )
    .unwrap();
    let out = dir.path().join("out2");
    let o = batch(&m, &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("gone: FAILED") && text.contains("ok: analysed"),
        "{text}"
    );
    assert!(out.join("ok/complete.json").exists() && !out.join("gone").exists());
}

#[test]
fn every_bundled_manifest_parses_and_names_existing_files() {
    let dir = common::root().join("data/manifests");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let m = escrutinio::batch::Manifest::from_file(&p)
            .unwrap_or_else(|err| panic!("{}: {err}", p.display()));
        for el in &m.elections {
            let files = [
                Some(&el.file),
                el.schema.as_ref(),
                el.hourly.as_ref(),
                el.bulletins.as_ref(),
            ];
            for f in files.into_iter().flatten() {
                let shared = f.to_string_lossy().contains("shared/data");
                if shared && std::env::var_os("CI").is_none() && !f.exists() {
                    eprintln!("SKIPPED: {} not found", f.display());
                    continue;
                }
                assert!(f.exists(), "{}: {} is missing", p.display(), f.display());
            }
        }
        n += 1;
    }
    assert!(
        n >= 6,
        "a manifest per shared data set and one for the sample"
    );
}

/// `escrutinio analyze` of the bundled sample into `out` with `--outputs`.
fn analyze_sample(out: &Path, outputs: &str) -> std::process::Output {
    let sample = common::root().join("data/sample/election.csv");
    Command::new(common::bin())
        .args(["analyze", sample.to_str().unwrap(), "--out"])
        .arg(out)
        .args(["--outputs", outputs])
        .output()
        .unwrap()
}

#[test]
fn outputs_choose_the_files_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = analyze_sample(&out, "json,parquet");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["regions.parquet", "report.json", "stations.parquet"]
    );
    let o = analyze_sample(&out, "json,pdf");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown output \"pdf\""));
}

#[test]
fn progress_never_reaches_a_pipe_or_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let sample = common::root().join("data/sample/election.csv");
    let run = |out: &str, quiet: bool| {
        let mut c = Command::new(common::bin());
        if quiet {
            c.arg("--quiet");
        }
        let o = c
            .args(["analyze", sample.to_str().unwrap(), "--outputs", "json"])
            .args(["--out", dir.path().join(out).to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success());
        // stderr is a pipe here: no progress bars, no escape codes.
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.stdout.contains(&0x1b), "no escape codes on stdout");
        std::fs::read(dir.path().join(out).join("report.json")).unwrap()
    };
    assert_eq!(run("a", false), run("b", true));
}

#[test]
fn a_memory_budget_runs_elections_one_at_a_time_with_the_same_outputs() {
    assert_eq!(escrutinio::batch::parse_memory("4G"), Ok(4 << 30));
    assert_eq!(escrutinio::batch::parse_memory("1500M"), Ok(1500 << 20));
    assert_eq!(escrutinio::batch::parse_memory("2.5GiB"), Ok(5 << 29));
    assert!(escrutinio::batch::parse_memory("lots").is_err());
    let dir = tempfile::tempdir().unwrap();
    let m = manifest(dir.path());
    let free = dir.path().join("free");
    let tight = dir.path().join("tight");
    assert!(batch(&m, &free, &["--jobs", "3"]).status.success());
    // A budget below one election's estimate: each runs alone.
    let o = batch(&m, &tight, &["--jobs", "3", "--max-memory", "1M"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (files(&free), files(&tight));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(b[k] == *v, "{k}");
    }
}
