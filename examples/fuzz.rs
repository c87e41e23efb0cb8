//! A mutation fuzzer for the loaders, on the stable toolchain (cargo-fuzz
//! needs nightly): each target mutates the inputs of its corpus
//! (`fuzz/corpus/<target>/`) and feeds them to a public loading function,
//! in process; a panic is a crash, saved to `fuzz/crashes/<target>/` and
//! counted. Errors are the expected outcome for most mutants: the property
//! is that every input ends in a value or an `Error`, never a panic.
//!
//! Not coverage-guided (libFuzzer and AFL++ need nightly or their own
//! toolchains): mutations are byte-level (bit flips, interesting bytes,
//! chunk insertion, deletion and duplication, truncation, splicing two
//! corpus entries) and CSV-aware (whole lines duplicated, dropped or
//! swapped; numeric fields replaced by boundary values: -1, NaN, 1e309,
//! 2^53 + 1, 2^64, fractions, thousands separators, empty cells; delimiters
//! swapped; byte-order marks and Latin-1 / Windows-1251 bytes).
//!
//! ```text
//! cargo run --release --example fuzz -- [TARGET|all] [--execs N | --seconds S] [--seed S]
//! ```
//! Targets: stations_csv, stations_parquet, schema, participation,
//! bulletins, logs. Prints executions, outcomes and crashes per target;
//! exits 1 when a crash was found. `scripts/fuzz.sh` wraps it; the fast
//! test tier runs a short run of every target (tests/reader.rs).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use escrutinio::io::{self, InvalidRows, Schema};

pub const TARGETS: [&str; 6] = [
    "stations_csv",
    "stations_parquet",
    "schema",
    "participation",
    "bulletins",
    "logs",
];

/// How a run ends: executions, inputs loaded, inputs rejected with an
/// error, and the crashing inputs (saved).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub executions: u64,
    pub ok: u64,
    pub errors: u64,
    pub crashes: Vec<PathBuf>,
    /// Child batches that a dependency aborted (their executions up to the
    /// abort are counted, their outcomes are not).
    pub aborted_batches: u64,
}

/// The repository root (examples and tests run from anywhere).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = root().join("fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "{} is empty", dir.display());
    seeds
}

const INTERESTING_BYTES: [u8; 16] = [
    0, 0xff, b'"', b',', b';', b'\t', b'\n', b'\r', b'-', b'.', b'e', b'9', 0xc3, 0xd0, 0xef, b' ',
];
const INTERESTING_FIELDS: [&str; 16] = [
    "-1",
    "NaN",
    "inf",
    "1e309",
    "9007199254740993",
    "18446744073709551616",
    "1.5",
    "1.246",
    "1,246",
    "",
    " 12 ",
    "0x10",
    "\"\"",
    "\"a,b\"",
    "Ñandú",
    "00:00",
];

/// One mutant of `seed` (with `other` for splicing).
pub fn mutate(rng: &mut ChaCha8Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    let rounds = 1 + rng.random_range(0..4);
    for _ in 0..rounds {
        let n = b.len();
        match rng.random_range(0..12) {
            0 if n > 0 => {
                let i = rng.random_range(0..n);
                b[i] ^= 1 << rng.random_range(0..8);
            }
            1 if n > 0 => {
                let i = rng.random_range(0..n);
                b[i] = INTERESTING_BYTES[rng.random_range(0..INTERESTING_BYTES.len())];
            }
            2 => {
                let i = rng.random_range(0..=n);
                let len = rng.random_range(1..16);
                let chunk: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                b.splice(i..i, chunk);
            }
            3 if n > 1 => {
                let i = rng.random_range(0..n);
                let j = (i + rng.random_range(1..64)).min(n);
                b.drain(i..j);
            }
            4 if n > 0 => {
                b.truncate(rng.random_range(0..n));
            }
            5 if !other.is_empty() => {
                let cut = rng.random_range(0..=n);
                let from = rng.random_range(0..other.len());
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            6..=8 => b = mutate_lines(rng, &b),
            9 => b = mutate_field(rng, &b),
            10 => {
                let boms: [&[u8]; 3] = [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"];
                let bom = boms[rng.random_range(0..boms.len())];
                b.splice(0..0, bom.iter().copied());
            }
            _ => {
                // Latin-1 / Windows-1251 high bytes in place of letters.
                if let Some(i) = (0..n).find(|&i| b[(i * 7919) % n].is_ascii_alphabetic()) {
                    let k = (i * 7919) % n;
                    b[k] = 0xc0 + rng.random_range(0..0x3f);
                }
            }
        }
    }
    b
}

fn mutate_lines(rng: &mut ChaCha8Rng, b: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
    let n = lines.len();
    if n == 0 {
        return b.to_vec();
    }
    match rng.random_range(0..4) {
        0 => {
            let i = rng.random_range(0..n);
            let l = lines[i];
            lines.insert(i, l);
        }
        1 if n > 1 => {
            lines.remove(rng.random_range(0..n));
        }
        2 if n > 1 => {
            let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
            lines.swap(i, j);
        }
        _ => {
            // Another delimiter throughout.
            let from = [b',', b';', b'\t'][rng.random_range(0..3)];
            let to = [b',', b';', b'\t', b'|'][rng.random_range(0..4)];
            return b.iter().map(|&c| if c == from { to } else { c }).collect();
        }
    }
    lines.join(&b'\n')
}

fn mutate_field(rng: &mut ChaCha8Rng, b: &[u8]) -> Vec<u8> {
    // Replace one run of digits by an interesting field.
    let starts: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()))
        .collect();
    if starts.is_empty() {
        return b.to_vec();
    }
    let s = starts[rng.random_range(0..starts.len())];
    let e = (s..b.len())
        .find(|&i| !b[i].is_ascii_digit())
        .unwrap_or(b.len());
    let field = INTERESTING_FIELDS[rng.random_range(0..INTERESTING_FIELDS.len())];
    let mut out = b[..s].to_vec();
    out.extend_from_slice(field.as_bytes());
    out.extend_from_slice(&b[e..]);
    out
}

/// What a target does with one input written to `path`.
type Run = Box<dyn Fn(&Path) -> bool>;

fn runner(target: &str) -> Run {
    let sample = root().join("data/sample/election.csv");
    match target {
        "stations_csv" | "stations_parquet" => {
            Box::new(|p: &Path| io::load::load(p, None, InvalidRows::Exclude).is_ok())
        }
        "schema" => {
            // The schema parser, then the schema against a fixed file.
            Box::new(move |p: &Path| match Schema::from_file(p) {
                Ok(s) => io::load::load_with_schema(&sample, &s, InvalidRows::Exclude).is_ok(),
                Err(_) => false,
            })
        }
        "participation" => {
            let loaded = io::load::load(&sample, None, InvalidRows::Exclude).unwrap();
            let election = loaded.election.unwrap();
            let schema = Schema::standard();
            let hours = io::hourly::resolve_hours(None, None, None).unwrap();
            Box::new(move |p: &Path| {
                io::hourly::load_long(p, &schema, &election, hours, InvalidRows::Exclude).is_ok()
            })
        }
        "bulletins" => {
            Box::new(|p: &Path| io::bulletins::load_bulletins(p, &Default::default()).is_ok())
        }
        "logs" => Box::new(|p: &Path| io::logs::load_logs(p, &Default::default()).is_ok()),
        other => panic!("unknown target {other:?}; targets: {TARGETS:?}"),
    }
}

/// Runs `target` for `execs` executions or until `deadline`, whichever
/// comes first, from `seed`. Crashing inputs go to `fuzz/crashes/<target>/`.
pub fn fuzz(target: &str, execs: u64, deadline: Option<Duration>, seed: u64) -> Tally {
    let seeds = corpus(target);
    let work = work_dir(target, std::process::id());
    std::fs::create_dir_all(&work).unwrap();
    let run = runner(target);
    let ext = if target == "stations_parquet" {
        "parquet"
    } else if target == "schema" {
        "toml"
    } else {
        "csv"
    };
    let input = work.join(format!("input.{ext}"));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let start = Instant::now();
    // Crashes are reported below, not printed: silence the panic hook on
    // this thread only (the tests run this harness beside other tests,
    // whose panic messages must still be printed).
    quiet_panics(true);
    while tally.executions < execs && deadline.is_none_or(|d| start.elapsed() < d) {
        let a = &seeds[rng.random_range(0..seeds.len())];
        let b = &seeds[rng.random_range(0..seeds.len())];
        let bytes = if tally.executions < seeds.len() as u64 {
            seeds[tally.executions as usize].clone() // each seed once, as is
        } else {
            mutate(&mut rng, a, b)
        };
        std::fs::write(&input, &bytes).unwrap();
        match catch_unwind(AssertUnwindSafe(|| run(&input))) {
            Ok(true) => tally.ok += 1,
            Ok(false) => tally.errors += 1,
            Err(_) => tally.crashes.push(save_crash(target, "", ext, &bytes)),
        }
        tally.executions += 1;
        if tally.executions % 256 == 0 {
            // For the supervisor, should a dependency abort the process.
            let _ = std::fs::write(work.join("progress"), tally.executions.to_string());
        }
    }
    quiet_panics(false);
    let _ = std::fs::remove_dir_all(&work);
    tally
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Turns the panic message off (`true`) or back on for the calling thread.
/// The first call wraps the process's panic hook once: the wrapper stays
/// silent on a quiet thread and defers to the previous hook elsewhere, so
/// no other thread's messages are lost (swapping the global hook would
/// hide them while a fuzz run is in progress).
fn quiet_panics(on: bool) {
    static WRAPPED: std::sync::Once = std::sync::Once::new();
    WRAPPED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(on));
}

/// Runs `target` in child processes of `batch` executions each (seeds
/// `seed`, `seed + 1`, ...), so that an abort inside a dependency (an
/// allocation failure cannot be caught) ends one batch, not the run: the
/// aborting input is saved as a crash and the next batch starts.
#[allow(dead_code)]
fn supervise(target: &str, execs: u64, deadline: Option<Duration>, seed: u64, batch: u64) -> Tally {
    let exe = std::env::current_exe().unwrap();
    let mut tally = Tally::default();
    let start = Instant::now();
    let mut k = 0;
    while tally.executions < execs && deadline.is_none_or(|d| start.elapsed() < d) {
        let n = batch.min(execs - tally.executions);
        let mut child = std::process::Command::new(&exe)
            .args([
                target,
                "--execs",
                &n.to_string(),
                "--seed",
                &(seed * 1_000_003 + k).to_string(),
                "--child",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = {
            use std::io::Read;
            let mut s = String::new();
            child.stdout.take().unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let status = child.wait().unwrap();
        match out.lines().find_map(|l| l.strip_prefix("TALLY ")) {
            Some(line) => {
                let v: Vec<u64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
                tally.executions += v[0];
                tally.ok += v[1];
                tally.errors += v[2];
                for c in out.lines().filter_map(|l| l.strip_prefix("CRASH ")) {
                    tally.crashes.push(PathBuf::from(c));
                }
            }
            None => {
                // Aborted: its last input is still in its work folder, with
                // the executions it had completed (to the last 256).
                let work = work_dir(target, pid);
                tally.executions += std::fs::read_to_string(work.join("progress"))
                    .ok()
                    .and_then(|p| p.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                tally.aborted_batches += 1;
                let input = std::fs::read_dir(&work).ok().and_then(|d| {
                    d.map(|e| e.unwrap().path()).find(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("input."))
                    })
                });
                if let Some(input) = input {
                    let bytes = std::fs::read(&input).unwrap();
                    let ext = input.extension().unwrap().to_string_lossy().to_string();
                    tally
                        .crashes
                        .push(save_crash(target, "abort-", &ext, &bytes));
                }
                let _ = std::fs::remove_dir_all(&work);
                let _ = status;
            }
        }
        k += 1;
    }
    tally
}

/// Saves a crashing input as `fuzz/crashes/<target>/<prefix><hash>.<ext>`.
fn save_crash(target: &str, prefix: &str, ext: &str, bytes: &[u8]) -> PathBuf {
    let dir = root().join("fuzz/crashes").join(target);
    std::fs::create_dir_all(&dir).unwrap();
    let name = &escrutinio::io::table::sha256_hex(bytes)[..16];
    let path = dir.join(format!("{prefix}{name}.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn work_dir(target: &str, pid: u32) -> PathBuf {
    // In memory where the system has it: a file per execution.
    let tmp = Path::new("/dev/shm");
    let tmp = if tmp.is_dir() {
        tmp.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    tmp.join(format!("escrutinio-fuzz-{pid}-{target}"))
}

#[allow(dead_code)] // the tests include this file for `fuzz`, not for `main`
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut targets: Vec<&str> = TARGETS.to_vec();
    let (mut execs, mut seconds, mut seed) = (u64::MAX, None, 1u64);
    let mut child = false;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--execs" => {
                execs = args[i + 1].parse().expect("--execs N");
                i += 1;
            }
            "--seconds" => {
                seconds = Some(Duration::from_secs(
                    args[i + 1].parse().expect("--seconds S"),
                ));
                i += 1;
            }
            "--seed" => {
                seed = args[i + 1].parse().expect("--seed S");
                i += 1;
            }
            "--child" => child = true,
            "all" => targets = TARGETS.to_vec(),
            t => {
                targets = vec![TARGETS
                    .iter()
                    .find(|&&x| x == t)
                    .unwrap_or_else(|| panic!("unknown target {t:?}; targets: {TARGETS:?}"))]
            }
        }
        i += 1;
    }
    if execs == u64::MAX && seconds.is_none() {
        execs = 100_000;
    }
    let mut crashed = false;
    for t in targets {
        let start = Instant::now();
        if child {
            let tally = fuzz(t, execs, seconds, seed);
            println!("TALLY {} {} {}", tally.executions, tally.ok, tally.errors);
            for c in &tally.crashes {
                println!("CRASH {}", c.display());
            }
            return;
        }
        let tally = supervise(t, execs, seconds, seed, 20_000);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{t:<17} {:>10} executions in {secs:>7.1} s ({:>6.0}/s): {} loaded, {} rejected with an error, {} panics, {} aborts (batches)",
            tally.executions,
            tally.executions as f64 / secs,
            tally.ok,
            tally.errors,
            tally.crashes.len() as u64 - tally.aborted_batches,
            tally.aborted_batches
        );
        for c in tally.crashes.iter().take(10) {
            println!("  saved: {}", c.display());
        }
        crashed |= !tally.crashes.is_empty();
    }
    std::process::exit(i32::from(crashed));
}
