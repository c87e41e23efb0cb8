//! What a reader meets: the command line on a closed pipe, and the words and
//! numbers of the text and HTML reports (each test pins a defect found by
//! using the tool as a new user would).

use std::io::Read;
use std::process::{Command, Stdio};

use crate::common;

fn sample() -> String {
    common::root()
        .join("data/sample/election.csv")
        .display()
        .to_string()
}

/// Every subcommand ends quietly when its reader goes away (`| head`): no
/// panic, no exit code 101.
#[test]
fn a_closed_pipe_ends_every_subcommand_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let s = sample();
    let runs: Vec<Vec<&str>> = vec![
        vec!["validate", &s],
        vec!["digits", &s],
        vec!["fingerprint", &s, "--klimek-bootstrap", "0"],
        vec![
            "analyze",
            &s,
            "--out",
            &out,
            "--outputs",
            "json",
            "--klimek-bootstrap",
            "0",
        ],
        vec![
            "check",
            "--claim",
            "inflated >= 10",
            "--announced",
            "1000",
            "--independent-estimate",
            "10",
            "--independent-se",
            "1",
        ],
    ];
    for args in runs {
        let mut child = Command::new(common::bin())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is printed
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(101), "{args:?} panicked: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

fn stdout(args: &[&str]) -> String {
    let out = Command::new(common::bin()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What `escrutinio validate ARGS` prints, whatever its exit code (1 when
/// it finds problems).
fn validate_output(args: &[&str]) -> String {
    let out = Command::new(common::bin())
        .arg("validate")
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sample's contestant literally named `winner` is quoted ("winner:
/// "winner"", not "winner winner"); slope readings are words, not Rust
/// variant names; the paper's Monte Carlo null is printed when asked for.
#[test]
fn the_text_report_reads_as_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample();
    let text = stdout(&[
        "analyze",
        &s,
        "--out",
        &dir.path().display().to_string(),
        "--outputs",
        "json,html",
        "--klimek-bootstrap",
        "0",
        "--integer-monte-carlo",
        "40",
    ]);
    assert!(text.contains("winner: \"winner\" ("), "{text}");
    assert!(!text.contains("winner winner"), "{text}");
    for variant in ["AboveOne", "BelowZero", "Within"] {
        assert!(!text.contains(variant), "{variant} in:\n{text}");
    }
    assert!(
        text.contains("the paper's simulated null (40 replicates)"),
        "{text}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("simulated null (40 replicates)"));
    // Numbers never wrap: thousands are grouped with narrow no-break spaces.
    assert!(
        !html.contains('\u{2009}'),
        "a breakable thin space in report.html"
    );
}

#[test]
fn tiny_p_values_are_not_printed_as_zero() {
    use escrutinio::report::format_p_value;
    assert_eq!(format_p_value(Some(0.0), "-"), "< 1e-300");
    assert_eq!(format_p_value(Some(1e-310), "-"), "< 1e-300");
    assert_eq!(format_p_value(Some(2.5e-12), "-"), "2.50e-12");
    assert_eq!(format_p_value(Some(0.25), "-"), "0.2500");
}

/// Spain 2019: report.json has a negative switching term in the national
/// excess-vote decomposition; the HTML must print it with its sign (it used
/// to print 0, so that "stuffing 1 234 686, switching 0" no longer added up).
#[test]
fn negative_parts_keep_their_sign_in_the_html() {
    let Some(spain) = common::shared("spain-2019/spain-congress-2019-11.csv.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = common::schema("spain-2019.toml");
    stdout(&[
        "analyze",
        &spain.display().to_string(),
        "--schema",
        &schema.display().to_string(),
        "--out",
        &dir.path().display().to_string(),
        "--outputs",
        "json,html",
        "--no-digits",
        "--no-hourly",
        "--klimek-bootstrap",
        "0",
        "--excess-bootstrap",
        "100",
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let switching = report["excess_votes"]["switching"].as_f64().unwrap();
    assert!(switching < -1e6, "switching {switching}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let shown = format!("switching −{}", {
        let n = (-switching).round() as u64;
        let s = n.to_string();
        let mut g = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                g.push('\u{202f}');
            }
            g.push(c);
        }
        g
    });
    assert!(html.contains(&shown), "{shown} not in report.html");
}

/// A file whose valid- and invalid-ballot columns are not named as the
/// standard schema expects: they become contestants (they hold counts), and
/// `validate` and `analyze` now say so instead of reporting no problem.
#[test]
fn role_like_columns_taken_as_contestants_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mesas.csv");
    let mut body = String::from("station,electorate,ballots,PSOE,PP,Votos válidos,nulos\n");
    for i in 0..40 {
        body.push_str(&format!(
            "M{i},{},{},{},{},{},{}\n",
            500 + i,
            300 + i,
            150,
            140 + i,
            290 + i,
            10
        ));
    }
    std::fs::write(&f, body).unwrap();
    let text = validate_output(&[&f.display().to_string()]);
    assert!(
        text.contains("warning: column \"Votos válidos\" was taken as a contestant")
            && text.contains("the valid role"),
        "{text}"
    );
    assert!(
        text.contains("column \"nulos\"") && text.contains("the invalid role"),
        "{text}"
    );
    assert!(!text.contains("column \"PSOE\""), "{text}");

    // Mapped, the warning goes.
    let schema = dir.path().join("s.toml");
    std::fs::write(
        &schema,
        "[columns]\nvalid = \"Votos válidos\"\ninvalid = \"nulos\"\n",
    )
    .unwrap();
    let text = validate_output(&[
        &f.display().to_string(),
        "--schema",
        &schema.display().to_string(),
    ]);
    assert!(!text.contains("warning:"), "{text}");
}

/// A schema that maps a long participation-report file, used without the
/// file: `analyze` says the hourly family did not run, and why.
#[test]
fn a_participation_mapping_without_its_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("s.toml");
    std::fs::write(
        &schema,
        "[hourly]\ntime = \"hora\"\ncumulative = \"votantes\"\n",
    )
    .unwrap();
    let text = stdout(&[
        "analyze",
        &sample(),
        "--schema",
        &schema.display().to_string(),
        "--out",
        &dir.path().join("out").display().to_string(),
        "--outputs",
        "json",
        "--no-digits",
        "--klimek-bootstrap",
        "0",
    ]);
    assert!(
        text.contains("warning: the schema's [hourly] table maps a participation-report file"),
        "{text}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["schema"]["resolved"]["warnings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// "1.246" in a count column is read as a fraction; the problem says it may
/// be a thousands separator, and what the count would be without it.
#[test]
fn a_thousands_separator_gets_a_hint() {
    use escrutinio::io::cell::thousands_hint;
    assert!(thousands_hint("1.246").unwrap().contains("(1246)"));
    assert!(thousands_hint("12,345,678").unwrap().contains("(12345678)"));
    assert!(thousands_hint("1.5").is_none());
    assert!(thousands_hint("1234.567").is_none());
    assert!(thousands_hint("12").is_none());

    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.csv");
    std::fs::write(
        &f,
        "station,electorate,ballots,a,b\nS1,2000,1.246,600,600\nS2,900,500,200,250\n",
    )
    .unwrap();
    let text = validate_output(&[&f.display().to_string()]);
    assert!(
        text.contains("thousands separator") && text.contains("(1246)"),
        "{text}"
    );
}

/// A shared data set read without `--schema`: the error names the shipped
/// schema that fits it.
#[test]
fn a_missing_schema_error_names_the_shipped_one() {
    for (file, schema) in [
        (
            "spain-2019/spain-congress-2019-11.csv.gz",
            "data/schemas/spain-2019.toml",
        ),
        ("russia/2011.csv.gz", "data/schemas/russia-2011.toml"),
    ] {
        let Some(path) = common::shared(file) else {
            return;
        };
        let out = Command::new(common::bin())
            .args(["validate", &path.display().to_string()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("run with --schema {schema}")),
            "{file}: {err}"
        );
    }
}

/// Every output file, not only report.json, is byte-identical with one and
/// two worker threads: stations.csv/.parquet, regions.*, curves.*,
/// report.html and every PNG and SVG plot.
#[test]
fn every_output_file_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample();
    let hourly = format!("{s}.hourly.csv");
    let outs: Vec<std::path::PathBuf> = ["1", "2"]
        .iter()
        .map(|t| {
            let out = dir.path().join(format!("threads-{t}"));
            stdout(&[
                "--threads",
                t,
                "analyze",
                &s,
                "--hourly",
                &hourly,
                "--out",
                &out.display().to_string(),
                "--klimek-bootstrap",
                "30",
            ]);
            out
        })
        .collect();
    fn files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut all = Vec::new();
        for e in std::fs::read_dir(root).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                all.extend(files(&p));
            } else {
                all.push(p);
            }
        }
        all.sort();
        all
    }
    let one = files(&outs[0]);
    let two = files(&outs[1]);
    let rel = |v: &[std::path::PathBuf], root: &std::path::Path| -> Vec<String> {
        v.iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    assert_eq!(rel(&one, &outs[0]), rel(&two, &outs[1]));
    let names = rel(&one, &outs[0]);
    for needed in [
        "report.html",
        "stations.csv",
        "stations.parquet",
        "regions.parquet",
        "curves.parquet",
    ] {
        assert!(
            names.iter().any(|n| n == needed),
            "{needed} missing: {names:?}"
        );
    }
    assert!(
        names.iter().filter(|n| n.ends_with(".svg")).count() >= 5,
        "{names:?}"
    );
    for (a, b) in one.iter().zip(&two) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs",
            a.display()
        );
    }
}

#[path = "../examples/fuzz.rs"]
#[allow(dead_code)]
mod fuzz_harness;

/// A short run of every fuzz target (examples/fuzz.rs, the same mutators
/// and loaders as the long runs of scripts/fuzz.sh): no input may panic.
#[test]
fn a_short_fuzz_run_of_every_loader_finds_no_crash() {
    for target in fuzz_harness::TARGETS {
        let t = fuzz_harness::fuzz(target, 1_500, None, 7);
        assert_eq!(t.executions, 1_500);
        assert!(t.crashes.is_empty(), "{target}: crashes {:?}", t.crashes);
        assert!(t.ok > 0 && t.errors > 0, "{target}: {t:?}");
    }
}

/// The inputs of fuzz/regressions/stations_parquet/ that used to abort the
/// process (an allocation of about 2^61 bytes inside polars-parquet for a
/// page whose `DataPageHeader.num_values` is negative), now refused by the
/// check of src/io/parquet_guard.rs: with the page each message must name.
const FORMER_ABORTS: [(&str, &str); 4] = [
    (
        "abort-b0cb4b4c010c64ce.parquet",
        "column \"winner\" (8 of 11): page 1 (data page at byte 2188): \
         DataPageHeader.num_values is -51",
    ),
    (
        "abort-b74760cb23f3c62f.parquet",
        "column \"invalid\" (6 of 11): page 2 (at byte 1284): \
         the page header cannot be decoded",
    ),
    (
        "abort-835ac48b10cc4c93.parquet",
        "column \"winner\" (8 of 11): page 2 (data page at byte 1724): \
         DataPageHeader.num_values is -30",
    ),
    (
        "polars-parquet-validity-alloc.parquet",
        "column \"party_2\" (10 of 11): page 2 (data page at byte 2220): \
         DataPageHeader.num_values is -31",
    ),
];

/// Every input a fuzz run made panic (fuzz/regressions/<target>/) now ends
/// in an error naming the file. The former aborts are loaded in a child
/// process instead (next test), so that a regression cannot abort this
/// test binary.
#[test]
fn fuzz_regressions_end_in_errors() {
    let dir = common::root().join("fuzz/regressions/stations_parquet");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap();
        if FORMER_ABORTS.iter().any(|(f, _)| *f == name) {
            continue;
        }
        let got = std::panic::catch_unwind(|| {
            escrutinio::io::load::load(&p, None, escrutinio::io::InvalidRows::Exclude).map(|_| ())
        });
        let err = got
            .unwrap_or_else(|_| panic!("{} panics", p.display()))
            .expect_err("a corrupt file loads");
        assert!(err.to_string().contains(&p.display().to_string()), "{err}");
        n += 1;
    }
    assert!(n >= 7, "{n} regression files");
}

/// Every fuzz regression, the former aborts included, read by `escrutinio
/// validate` in a child process: an error exit (2) whose message names the
/// file, never a signal (an abort), a panic (101) or a success; the former
/// aborts name the row group, column, page and field that are inconsistent.
#[test]
fn fuzz_regressions_and_former_aborts_end_in_errors_in_a_child_process() {
    let dir = common::root().join("fuzz/regressions/stations_parquet");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let shown = p.display().to_string();
        let out = Command::new(common::bin())
            .args(["validate", &shown])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{shown}: not an error exit ({:?}): {err}",
            out.status
        );
        assert!(
            err.contains(&format!("error: {shown}: ")),
            "{shown}: the error does not name the file: {err}"
        );
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if let Some((_, page)) = FORMER_ABORTS.iter().find(|(f, _)| *f == name) {
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(
                err.contains("the file is corrupt (row group 1 of 1, ") && err.contains(page),
                "{shown}: expected {page:?} in: {err}"
            );
        }
        names.push(name);
    }
    for (f, _) in FORMER_ABORTS {
        assert!(
            names.iter().any(|n| n == f),
            "{f} missing from {}",
            dir.display()
        );
    }
    assert!(names.len() >= 11, "{} regression files", names.len());
}

/// The HTML and its figures: a table of contents, headings that say apart
/// what they head, colour bars beside the fingerprints, the participation
/// curves on a time-of-day axis, long names cut in figure titles.
#[test]
fn the_report_and_its_figures_read_well() {
    let dir = tempfile::tempdir().unwrap();
    // The sample with its second party renamed to a 200-character name.
    let long = "Partido ".repeat(25);
    let body = std::fs::read_to_string(sample())
        .unwrap()
        .replacen("party_1", long.trim(), 1);
    let file = dir.path().join("long.csv");
    std::fs::write(&file, body).unwrap();
    let hourly = format!("{}.hourly.csv", sample());
    let out = dir.path().join("out");
    stdout(&[
        "analyze",
        &file.display().to_string(),
        "--hourly",
        &hourly,
        "--out",
        &out.display().to_string(),
        "--klimek-bootstrap",
        "0",
    ]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<nav class=\"toc\">"), "no table of contents");
    let mut titles: Vec<String> = Vec::new();
    for tag in ["<h2", "<h3"] {
        for part in html.split(tag).skip(1) {
            let start = part.find('>').unwrap() + 1;
            let end = part.find("</h").unwrap();
            titles.push(part[start..end].to_string());
        }
    }
    let mut unique = titles.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), titles.len(), "repeated headings: {titles:?}");
    assert!(html.contains("Clean baseline."));
    let svg = |name: &str| std::fs::read_to_string(out.join("plots").join(name)).unwrap();
    assert!(
        svg("fingerprint_winner.svg").matches("per cell").count() == 2,
        "one colour bar per panel"
    );
    assert!(
        svg("klimek_fit.svg").matches("per cell").count() == 1,
        "one shared colour bar"
    );
    let curves = svg("hourly_curves.svg");
    assert!(
        curves.contains("time of day") && curves.contains("16:00"),
        "hours at their true times"
    );
    for name in ["digits_first_digit.svg", "digits_last_digit.svg"] {
        let s = svg(name);
        if s.contains("Partido Partido") {
            assert!(
                s.contains('…') && !s.contains(long.trim()),
                "{name}: long name not cut"
            );
        }
    }
}
