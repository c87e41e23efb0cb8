//! A corpus of malformed inputs, run through the `escrutinio` binary.
//!
//! Every case must end with exit code 1 (problems found in readable data) or
//! 2 (unusable input or schema), never a panic (exit 101), and its message
//! must name the file and, where they apply, the row and the column.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;

const HEADER: &str = "station,region,electorate,ballots,valid,invalid,A,B";
const ROWS: [&str; 3] = [
    "s1,R1,1000,600,590,10,300,290",
    "s2,R1,800,500,495,5,200,295",
    "s3,R2,1200,700,690,10,400,290",
];

/// A clean file with row `i` (1-based) replaced, or the clean file when `i == 0`.
fn csv_with(i: usize, row: &str) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for (k, r) in ROWS.iter().enumerate() {
        out.push_str(if k + 1 == i { row } else { r });
        out.push('\n');
    }
    out
}

struct Outcome {
    code: i32,
    text: String,
}

fn run(args: &[&str]) -> Outcome {
    let out = Command::new(common::bin())
        .args(args)
        .output()
        .expect("the binary runs");
    let code = out.status.code().expect("exited, not killed by a signal");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "panic for {args:?}:\n{text}");
    assert_ne!(code, 101, "panic exit code for {args:?}:\n{text}");
    Outcome { code, text }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Runs `validate` on a file (with an optional schema) and checks the exit
/// code and that every expected fragment is in the output.
fn check(name: &str, bytes: &[u8], schema: Option<&str>, code: i32, expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), name, bytes);
    let schema_path = schema.map(|s| write(dir.path(), "schema.toml", s.as_bytes()));
    let mut args = vec!["validate", file.to_str().unwrap()];
    if let Some(s) = &schema_path {
        args.push("--schema");
        args.push(s.to_str().unwrap());
    }
    let o = run(&args);
    assert_eq!(o.code, code, "{name}: exit code\n{}", o.text);
    // Schema errors name the schema file; everything else names the data file.
    let named = o.text.contains(name) || (schema.is_some() && o.text.contains("schema.toml"));
    assert!(named, "{name}: the message names the file\n{}", o.text);
    for e in expect {
        assert!(o.text.contains(e), "{name}: expected {e:?} in\n{}", o.text);
    }
}

#[test]
fn clean_file_exits_zero() {
    check(
        "clean.csv",
        csv_with(0, "").as_bytes(),
        None,
        0,
        &["no problems found"],
    );
}

// ---- rows that are invalid: exit 1, the row, the column and the value named ----

#[test]
fn negative_count() {
    check(
        "negative.csv",
        csv_with(2, "s2,R1,800,500,495,5,-200,295").as_bytes(),
        None,
        1,
        &["negative", "row 2 (line 3)", "column \"A\"", "\"-200\""],
    );
}

#[test]
fn non_numeric_count() {
    check(
        "nonnumeric.csv",
        csv_with(3, "s3,R2,1200,seven hundred,690,10,400,290").as_bytes(),
        None,
        1,
        &[
            "non_numeric",
            "row 3 (line 4)",
            "column \"ballots\"",
            "seven hundred",
        ],
    );
}

#[test]
fn fractional_count() {
    check(
        "fractional.csv",
        csv_with(1, "s1,R1,1000.5,600,590,10,300,290").as_bytes(),
        None,
        1,
        &[
            "fractional",
            "row 1 (line 2)",
            "column \"electorate\"",
            "1000.5",
        ],
    );
}

#[test]
fn nan_count() {
    check(
        "nan.csv",
        csv_with(2, "s2,R1,800,500,NaN,5,200,295").as_bytes(),
        None,
        1,
        &["not_finite", "row 2", "column \"valid\"", "NaN"],
    );
}

#[test]
fn infinite_count() {
    check(
        "inf.csv",
        csv_with(2, "s2,R1,800,500,495,inf,200,295").as_bytes(),
        None,
        1,
        &["not_finite", "row 2", "column \"invalid\""],
    );
}

#[test]
fn too_large_count() {
    check(
        "huge.csv",
        csv_with(1, "s1,R1,99999999999999999999,600,590,10,300,290").as_bytes(),
        None,
        1,
        &["too_large", "row 1", "column \"electorate\""],
    );
}

#[test]
fn missing_count() {
    check(
        "missing.csv",
        csv_with(3, "s3,R2,1200,,690,10,400,290").as_bytes(),
        None,
        1,
        &["missing_value", "row 3", "column \"ballots\""],
    );
}

#[test]
fn thousands_separator_is_not_a_count() {
    check("thousands.csv", "station,region,electorate,ballots,A,B\ns1,R1,\"1,000\",600,300,290\ns2,R1,800,500,200,295\n".as_bytes(), None, 1, &["non_numeric", "row 1", "column \"electorate\"", "1,000"]);
}

#[test]
fn duplicate_station() {
    check(
        "duplicate.csv",
        csv_with(3, "s1,R2,1200,700,690,10,400,290").as_bytes(),
        None,
        1,
        &["duplicate_station", "row 3", "column \"station\"", "\"s1\""],
    );
}

#[test]
fn missing_station_key() {
    check(
        "nokey.csv",
        csv_with(2, ",R1,800,500,495,5,200,295").as_bytes(),
        None,
        1,
        &["missing_key", "row 2", "column \"station\""],
    );
}

// ---- rows kept as findings: exit 1, the row and the columns named ----

#[test]
fn ballots_above_electorate() {
    check(
        "above.csv",
        csv_with(2, "s2,R1,800,900,890,10,400,490").as_bytes(),
        None,
        1,
        &["ballots_above_electorate", "row 2", "ballots"],
    );
}

#[test]
fn votes_above_valid() {
    check(
        "votes.csv",
        csv_with(1, "s1,R1,1000,600,590,10,300,400").as_bytes(),
        None,
        1,
        &["votes_above_valid", "row 1", "A+B"],
    );
}

#[test]
fn valid_above_ballots() {
    check(
        "valid.csv",
        csv_with(3, "s3,R2,1200,700,710,10,400,290").as_bytes(),
        None,
        1,
        &["valid_above_ballots", "row 3", "valid"],
    );
}

#[test]
fn zero_electorate() {
    check(
        "zero.csv",
        csv_with(1, "s1,R1,0,0,0,0,0,0").as_bytes(),
        None,
        1,
        &["zero_electorate", "row 1", "electorate"],
    );
}

// ---- unusable files: exit 2 with a reason ----

#[test]
fn missing_required_column() {
    check(
        "noelectorate.csv",
        "station,region,electorat,ballots,A\ns1,R1,10,5,5\n".as_bytes(),
        None,
        2,
        &["electorate", "closest: \"electorat\""],
    );
    check(
        "noballots.csv",
        "station,region,electorate,A\ns1,R1,10,5\n".as_bytes(),
        None,
        2,
        &["no column for role `ballots`"],
    );
}

#[test]
fn empty_file() {
    check("empty.csv", b"", None, 2, &["empty"]);
    check("blank.csv", b"\n\n  \n", None, 2, &["empty"]);
}

#[test]
fn header_only() {
    check(
        "header.csv",
        format!("{HEADER}\n").as_bytes(),
        None,
        2,
        &["no data rows"],
    );
}

#[test]
fn no_contestant_columns() {
    check(
        "nocontestants.csv",
        b"station,region,electorate,ballots\ns1,R1,10,5\n",
        None,
        2,
        &["no contestant columns"],
    );
}

#[test]
fn truncated_gzip() {
    let full = gzip(csv_with(0, "").repeat(50).as_bytes());
    check(
        "truncated.csv.gz",
        &full[..full.len() / 2],
        None,
        2,
        &["gzip", "truncated"],
    );
}

#[test]
fn truncated_csv_mid_row() {
    // The last record stops after its fourth field: a ragged line.
    // The rest of the file is usable: the row is invalid, excluded and named.
    let mut text = csv_with(0, "");
    text.push_str("s4,R2,900");
    check(
        "cut.csv",
        text.as_bytes(),
        None,
        1,
        &[
            "wrong_field_count",
            "row 4 (line 5)",
            "3 fields but the header has 8",
        ],
    );
}

#[test]
fn extra_field_in_a_row() {
    check(
        "ragged.csv",
        csv_with(2, "s2,R1,800,500,495,5,200,295,17").as_bytes(),
        None,
        1,
        &["wrong_field_count", "row 2 (line 3)", "9 fields"],
    );
}

#[test]
fn unbalanced_quote() {
    check(
        "quote.csv",
        csv_with(2, "s2,\"R1,800,500,495,5,200,295").as_bytes(),
        None,
        2,
        &["unbalanced quote", "line 3"],
    );
}

#[test]
fn binary_garbage() {
    // Deterministic pseudo-random bytes, with a NUL early on.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let o = {
        let dir = tempfile::tempdir().unwrap();
        let f = write(dir.path(), "garbage.bin", &bytes);
        run(&["validate", f.to_str().unwrap()])
    };
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(o.text.contains("garbage.bin"));
    // Garbage that happens to be valid ASCII text without NUL.
    let text: Vec<u8> = bytes.iter().map(|b| b'!' + (b % 90)).collect();
    check("garbage.txt", &text, None, 2, &[]);
}

#[test]
fn fake_parquet_magic() {
    check(
        "fake.parquet",
        b"PAR1 this is not parquet at all",
        None,
        2,
        &["Parquet"],
    );
}

#[test]
fn wrong_delimiter_declared_in_schema() {
    // The file is semicolon-separated but the schema insists on commas: the
    // header is then one column, and the error says which columns it saw.
    let text = csv_with(0, "").replace(',', ";");
    check(
        "semicolon.csv",
        text.as_bytes(),
        Some("delimiter = \",\"\n"),
        2,
        &["schema.toml", "1 columns", "is the delimiter ';'?"],
    );
}

#[test]
fn semicolon_file_is_sniffed() {
    let text = csv_with(0, "").replace(',', ";");
    check(
        "sniffed.csv",
        text.as_bytes(),
        None,
        0,
        &["no problems found"],
    );
}

#[test]
fn ten_thousand_columns() {
    let n = 10_000;
    let mut header = String::from("station,region,electorate,ballots");
    for k in 4..n {
        header.push_str(&format!(",c{k}"));
    }
    let row = |id: &str, last: &str| {
        let mut r = format!("{id},R1,100000,50000");
        for k in 4..n {
            r.push(',');
            r.push_str(if k == n - 1 { last } else { "1" });
        }
        r
    };
    let clean = format!("{header}\n{}\n{}\n", row("a", "1"), row("b", "1"));
    check(
        "wide.csv",
        clean.as_bytes(),
        None,
        0,
        &["no problems found"],
    );
    let bad = format!("{header}\n{}\n{}\n", row("a", "1"), row("b", "-1"));
    check(
        "widebad.csv",
        bad.as_bytes(),
        None,
        1,
        &["negative", "row 2", "column \"c9999\""],
    );
}

#[test]
fn non_utf8_bytes() {
    let mut bytes = csv_with(0, "").into_bytes();
    let at = bytes.iter().position(|&b| b == b'R').unwrap();
    bytes[at] = 0xC9; // Latin-1 'É' on line 2
                      // One accented letter is not enough to tell the encoding: an error that
                      // names the line and the likely encoding.
    check(
        "latin1.csv",
        &bytes,
        None,
        2,
        &["UTF-8", "line 2", "windows-1252"],
    );
}

#[test]
fn utf16_file_with_bom_loads() {
    let text = csv_with(0, "");
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    check("utf16.csv", &bytes, None, 0, &["no problems found"]);
}

/// A Latin-1 file: the regions are Spanish names with accented letters.
fn latin1_file() -> Vec<u8> {
    let text = csv_with(0, "")
        .replace(",R1,", ",CORUÑA,")
        .replace(",R2,", ",MÁLAGA,");
    let text = text.replace("s1,", "ESPAÑA1,");
    text.chars().map(|c| c as u32 as u8).collect()
}

#[test]
fn latin1_file_is_detected_or_declared() {
    check(
        "latin1-detected.csv",
        &latin1_file(),
        None,
        0,
        &["no problems found"],
    );
    check(
        "latin1-declared.csv",
        &latin1_file(),
        Some("encoding = \"latin1\"\n"),
        0,
        &["no problems found"],
    );
}

#[test]
fn wrong_encoding_declared() {
    // A Latin-1 file declared Windows-1251 would turn Ñ into С: refused,
    // with the encoding the bytes read as.
    check(
        "latin1-as-1251.csv",
        &latin1_file(),
        Some("encoding = \"windows-1251\"\n"),
        2,
        &["windows-1251", "windows-1252", "CORUÑA"],
    );
    // A UTF-8 file declared Latin-1 would turn Ñ into Ã‘.
    let utf8: String = latin1_file().iter().map(|&b| b as char).collect();
    assert!(utf8.contains('Ñ'));
    check(
        "utf8-as-latin1.csv",
        utf8.as_bytes(),
        Some("encoding = \"latin1\"\n"),
        2,
        &["valid UTF-8", "line 2"],
    );
    check(
        "utf8-as-utf16.csv",
        csv_with(0, "").as_bytes(),
        Some("encoding = \"utf-16\"\n"),
        2,
        &["UTF-16", "byte-order mark"],
    );
    check(
        "unknown-encoding.csv",
        csv_with(0, "").as_bytes(),
        Some("encoding = \"klingon\"\n"),
        2,
        &["unknown encoding", "klingon"],
    );
}

#[test]
fn duplicate_header_names() {
    check(
        "duphead.csv",
        b"station,region,electorate,ballots,A,A\ns1,R1,10,5,2,3\n",
        None,
        2,
        &["\"A\""],
    );
}

#[test]
fn empty_header_name() {
    check(
        "emptyhead.csv",
        b"station,region,electorate,ballots,,B\ns1,R1,10,5,2,3\n",
        None,
        2,
        &["column 5"],
    );
}

#[test]
fn nonexistent_file() {
    let o = run(&["validate", "/nonexistent/escrutinio/file.csv"]);
    assert_eq!(o.code, 2);
    assert!(
        o.text.contains("/nonexistent/escrutinio/file.csv"),
        "{}",
        o.text
    );
}

#[test]
fn directory_instead_of_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
}

// ---- schema problems: exit 2, naming the schema file and the column ----

#[test]
fn schema_names_an_unknown_column() {
    check(
        "s1.csv",
        csv_with(0, "").as_bytes(),
        Some("[columns]\nelectorate = \"registered\"\n"),
        2,
        &["schema.toml", "schema error", "\"registered\"", "not in"],
    );
}

#[test]
fn schema_with_toml_syntax_error() {
    check(
        "s2.csv",
        csv_with(0, "").as_bytes(),
        Some("[columns\nelectorate = \"electorate\"\n"),
        2,
        &["schema.toml", "line 1"],
    );
}

#[test]
fn schema_with_unknown_key() {
    check(
        "s3.csv",
        csv_with(0, "").as_bytes(),
        Some("[columns]\nelectorat = \"electorate\"\n"),
        2,
        &["schema.toml", "electorat"],
    );
}

#[test]
fn schema_pattern_matching_two_columns() {
    check(
        "s4.csv",
        csv_with(0, "").as_bytes(),
        Some("[columns]\nvalid = { pattern = \"^(valid|invalid)$\" }\n"),
        2,
        &["matches 2 columns", "sum_pattern"],
    );
}

#[test]
fn schema_with_invalid_regex() {
    check(
        "s5.csv",
        csv_with(0, "").as_bytes(),
        Some("[contestants]\npattern = \"([A-Z\"\n"),
        2,
        &["invalid regular expression"],
    );
}

#[test]
fn schema_winner_not_a_contestant() {
    check(
        "s6.csv",
        csv_with(0, "").as_bytes(),
        Some("[contestants]\ncolumns = [\"A\", \"B\"]\nwinner = \"C\"\n"),
        2,
        &["winner", "\"C\""],
    );
}

#[test]
fn schema_file_missing() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "ok.csv", csv_with(0, "").as_bytes());
    let o = run(&[
        "validate",
        f.to_str().unwrap(),
        "--schema",
        "/nonexistent/schema.toml",
    ]);
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(o.text.contains("/nonexistent/schema.toml"), "{}", o.text);
}

// ---- long layout ----

const LONG_SCHEMA: &str = r#"
layout = "long"
[long]
contestant = "party"
votes = "votes"
"#;

#[test]
fn long_layout_clean() {
    let text = "station,region,electorate,ballots,party,votes\ns1,R1,100,60,A,30\ns1,R1,100,60,B,30\ns2,R2,50,20,A,5\ns2,R2,50,20,B,15\n";
    check(
        "long.csv",
        text.as_bytes(),
        Some(LONG_SCHEMA),
        0,
        &["no problems found"],
    );
}

#[test]
fn long_layout_inconsistent_station() {
    let text = "station,region,electorate,ballots,party,votes\ns1,R1,100,60,A,30\ns1,R1,100,61,B,30\ns2,R2,50,20,A,5\n";
    check(
        "longbad.csv",
        text.as_bytes(),
        Some(LONG_SCHEMA),
        1,
        &["inconsistent_station", "row 2", "\"s1\""],
    );
}

#[test]
fn long_layout_repeated_contestant() {
    let text = "station,region,electorate,ballots,party,votes\ns1,R1,100,60,A,30\ns1,R1,100,60,A,20\ns2,R2,50,20,A,5\n";
    check(
        "longdup.csv",
        text.as_bytes(),
        Some(LONG_SCHEMA),
        1,
        &["row 2", "two rows for contestant \"A\""],
    );
}

// ---- Parquet ----

fn parquet(dir: &Path, name: &str, mut df: DataFrame) -> PathBuf {
    let p = dir.join(name);
    let f = std::fs::File::create(&p).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    p
}

fn frame(electorate: Vec<Option<f64>>, a: Vec<i64>) -> DataFrame {
    let n = a.len();
    let station: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    let ballots: Vec<i64> = vec![50; n];
    let b: Vec<i64> = a.iter().map(|x| 50 - x).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("station".into(), station),
            Column::new("electorate".into(), electorate),
            Column::new("ballots".into(), ballots),
            Column::new("A".into(), a),
            Column::new("B".into(), b),
        ],
    )
    .unwrap()
}

#[test]
fn parquet_clean_and_with_problems() {
    let dir = tempfile::tempdir().unwrap();
    let ok = parquet(
        dir.path(),
        "ok.parquet",
        frame(vec![Some(100.0), Some(120.0), Some(90.0)], vec![10, 20, 30]),
    );
    let o = run(&["validate", ok.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.text);

    let bad = parquet(
        dir.path(),
        "bad.parquet",
        frame(
            vec![Some(100.0), Some(f64::NAN), None, Some(99.5)],
            vec![10, 20, 30, -1],
        ),
    );
    let o = run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.code, 1, "{}", o.text);
    for e in [
        "bad.parquet",
        "not_finite",
        "row 2",
        "missing_value",
        "row 3",
        "fractional",
        "row 4",
        "negative",
        "column \"A\"",
    ] {
        assert!(o.text.contains(e), "expected {e:?} in\n{}", o.text);
    }

    let mut df = frame(vec![Some(100.0)], vec![10]);
    df.drop_in_place("ballots").unwrap();
    let nob = parquet(dir.path(), "noballots.parquet", df);
    let o = run(&["validate", nob.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(o.text.contains("ballots"), "{}", o.text);

    // A Parquet file cut in half.
    let bytes = std::fs::read(&ok).unwrap();
    let cut = write(dir.path(), "cut.parquet", &bytes[..bytes.len() / 2]);
    let o = run(&["validate", cut.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(o.text.contains("cut.parquet"), "{}", o.text);
}

// ---- analyze's policy on invalid rows ----

#[test]
fn analyze_excludes_and_counts_or_fails() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "mixed.csv",
        csv_with(2, "s2,R1,800,x,495,5,200,295").as_bytes(),
    );
    let out = dir.path().join("out");
    let o = run(&[
        "analyze",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.text);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let q = &report["data_quality"];
    assert_eq!(q["rows_read"], 3);
    assert_eq!(q["rows_used"], 2);
    assert_eq!(q["rows_excluded_invalid"], 1);
    assert_eq!(q["excluded_rows"], serde_json::json!([2]));
    assert_eq!(report["summary"]["stations"], 2);

    let o = run(&[
        "analyze",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--invalid-rows",
        "fail",
    ]);
    assert_eq!(o.code, 1, "{}", o.text);
    for e in ["mixed.csv", "row 2", "column \"ballots\"", "\"x\""] {
        assert!(o.text.contains(e), "expected {e:?} in\n{}", o.text);
    }
}

#[test]
fn unknown_option_is_a_usage_error() {
    let o = run(&["analyze", "--no-such-option"]);
    assert_eq!(o.code, 2, "{}", o.text);
}

// ---- station metadata: opening and closing times ----

#[test]
fn opening_and_closing_times() {
    let dir = tempfile::tempdir().unwrap();
    let text = "station,region,electorate,ballots,opens,closes,A,B\n\
                s1,R1,100,60,07:00,19:00,30,30\n\
                s2,R1,100,50,6:30,19:30:00,20,30\n\
                s3,R2,100,40,,,20,20\n";
    let f = write(dir.path(), "times.csv", text.as_bytes());
    let out = dir.path().join("out");
    let o = run(&[
        "analyze",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.text);
    let stations = std::fs::read_to_string(out.join("stations.csv")).unwrap();
    let mut lines = stations.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (io, ic) = (
        header
            .iter()
            .position(|h| *h == "opens")
            .expect("opens column"),
        header
            .iter()
            .position(|h| *h == "closes")
            .expect("closes column"),
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!((rows[0][io], rows[0][ic]), ("07:00", "19:00"));
    assert_eq!((rows[1][io], rows[1][ic]), ("06:30", "19:30"));
    assert_eq!((rows[2][io], rows[2][ic]), ("", ""));
    // Times are metadata, not contestants.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["summary"]["contestants"].as_array().unwrap().len(),
        2
    );

    // An unreadable time is a finding: the station is kept, the time left empty.
    let bad = text.replace("6:30", "half past six");
    check(
        "badtime.csv",
        bad.as_bytes(),
        None,
        1,
        &["invalid_time", "row 2", "column \"opens\"", "half past six"],
    );
    let schema = "[columns]\nopens = \"open_at\"\n";
    check(
        "renamed.csv",
        text.replace("opens", "open_at").as_bytes(),
        Some(schema),
        0,
        &["no problems found"],
    );
}

// ---- companion files (issue 18): clear errors, no panic ----

fn analyze_with(dir: &Path, args: &[&str]) -> Outcome {
    let file = write(dir, "stations.csv", csv_with(0, "").as_bytes());
    let out = dir.join("out");
    let mut all = vec![
        "analyze",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
    ];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn reference_file_with_a_duplicate_station() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "ref.csv", b"station\ns1\ns3\ns1\n");
    let o = analyze_with(dir.path(), &["--reference", r.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
    for e in [
        "ref.csv",
        "row 3 (line 4)",
        "listed twice",
        "row 1 (line 2)",
    ] {
        assert!(o.text.contains(e), "{e:?} in\n{}", o.text);
    }
}

#[test]
fn reference_file_with_an_unknown_station() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(dir.path(), "ref.csv", b"station\ns1\ns9\n");
    let o = analyze_with(dir.path(), &["--reference", r.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
    for e in ["ref.csv", "row 2 (line 3)", "station=\"s9\"", "no station"] {
        assert!(o.text.contains(e), "{e:?} in\n{}", o.text);
    }
    let bad = write(dir.path(), "nokey.csv", b"code\ns1\n");
    let o = analyze_with(dir.path(), &["--reference", bad.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(
        o.text.contains("no column to match stations on"),
        "{}",
        o.text
    );
}

#[test]
fn independent_counts_for_an_unknown_station_or_not_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(
        dir.path(),
        "schema.toml",
        b"[independent]\nkind = \"lower_bound\"\n[independent.columns]\nA = \"A_photos\"\n",
    );
    let s = schema.to_str().unwrap();
    let unknown = write(dir.path(), "photos.csv", b"station,A_photos\ns1,10\ns7,3\n");
    let o = analyze_with(
        dir.path(),
        &["--schema", s, "--independent", unknown.to_str().unwrap()],
    );
    assert_eq!(o.code, 2, "{}", o.text);
    for e in ["photos.csv", "row 2 (line 3)", "station=\"s7\""] {
        assert!(o.text.contains(e), "{e:?} in\n{}", o.text);
    }
    let negative = write(dir.path(), "neg.csv", b"station,A_photos\ns1,10\ns2,-3\n");
    let o = analyze_with(
        dir.path(),
        &["--schema", s, "--independent", negative.to_str().unwrap()],
    );
    assert_eq!(o.code, 2, "{}", o.text);
    for e in ["neg.csv", "row 2 (line 3)", "A_photos", "-3"] {
        assert!(o.text.contains(e), "{e:?} in\n{}", o.text);
    }
    // A contestant the station file does not have.
    let schema = write(
        dir.path(),
        "schema2.toml",
        b"[independent]\n[independent.columns]\nZ = \"A_photos\"\n",
    );
    let good = write(dir.path(), "ok.csv", b"station,A_photos\ns1,10\n");
    let o = analyze_with(
        dir.path(),
        &[
            "--schema",
            schema.to_str().unwrap(),
            "--independent",
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(o.code, 2, "{}", o.text);
    assert!(o.text.contains("\"Z\" is not a contestant"), "{}", o.text);
}

/// A table handed over in memory (the Python package's data frames) is
/// validated like a file: typed columns read like Parquet, bad cells named by
/// row and column, the rows excluded and counted, `input.format` "arrow".
#[test]
fn frames_in_memory_are_validated_like_files() {
    use escrutinio::io::load::load_table;
    use escrutinio::io::table::{Format, RawTable};
    use escrutinio::io::{InvalidRows, Schema};

    let frame = || {
        df!(
            "station" => ["A", "B", "C", "D"],
            "electorate" => [100i64, 120, 90, 80],
            "ballots" => [60i64, 70, 50, 40],
            "winner" => [Some(30.0f64), Some(f64::NAN), Some(20.0), None],
            "loser" => [29i64, 30, -3, 20],
        )
        .unwrap()
    };
    let table = RawTable::from_frame("in memory", frame()).unwrap();
    assert_eq!(table.info.format, Format::Arrow);
    let again = RawTable::from_frame("in memory", frame()).unwrap();
    assert_eq!(
        table.info.sha256, again.info.sha256,
        "same content, same hash"
    );
    let (loaded, _) = load_table(table, &Schema::standard(), InvalidRows::Exclude).unwrap();
    let q = &loaded.quality;
    assert_eq!(
        (q.rows_read, q.rows_used, q.rows_excluded_invalid),
        (4, 1, 3)
    );
    let examples: Vec<String> = q
        .problems
        .iter()
        .flat_map(|p| p.examples.iter().map(|e| e.to_string()))
        .collect();
    let all = examples.join("\n");
    for expect in ["row 2", "row 3", "row 4", "winner", "loser"] {
        assert!(all.contains(expect), "{expect} missing from:\n{all}");
    }
    let table = RawTable::from_frame("in memory", frame()).unwrap();
    let err = load_table(table, &Schema::standard(), InvalidRows::Fail)
        .err()
        .expect("fails on the first invalid row")
        .to_string();
    assert!(err.starts_with("in memory: "), "{err}");
}

/// An analysis estimated to need more memory than allowed stops before
/// loading, with an error that names the file, the estimate and the limit
/// (exit 2), instead of being killed by the system half-way; within the
/// limit it runs.
#[test]
fn analysis_beyond_the_memory_limit_stops_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let sample = common::root().join("data/sample/election.csv");
    let out = dir.path().join("out");
    let analyze = |limit: &str| {
        run(&[
            "analyze",
            sample.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--no-plots",
            "--max-memory",
            limit,
        ])
    };
    let o = analyze("20M");
    assert_eq!(o.code, 2, "{}", o.text);
    for part in [
        "election.csv",
        "would need about",
        "rows ×",
        "--max-memory",
        "available",
    ] {
        assert!(o.text.contains(part), "{part:?} missing:\n{}", o.text);
    }
    assert!(!out.join("report.json").exists());
    let o = analyze("4G");
    assert_eq!(o.code, 0, "{}", o.text);
}
