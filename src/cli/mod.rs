//! Subcommands, one per file; each `run` only wires options to library calls.

pub mod analyze;
pub mod batch;
pub mod calibrate;
pub mod check;
pub mod digits;
pub mod fingerprint;
pub mod hourly;
pub mod progress;
pub mod simulate;
pub mod validate;

use clap::{Parser, Subcommand};

/// Statistical election forensics: was announced participation probably
/// inflated, where, and by how much?
#[derive(Debug, Parser)]
#[command(name = "escrutinio", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads of every parallel computation (default: one per core;
    /// `RAYON_NUM_THREADS` also works). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bars (they are drawn on stderr only when it is a terminal).
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every row of a station-results file; exit 0 clean, 1 problems, 2 unusable.
    Validate(validate::Args),
    /// Write a synthetic election with known injected fraud (and its truth file).
    Simulate(simulate::Args),
    /// Load, validate and analyse an election; write report.json, stations.csv/.parquet, report.html.
    Analyze(Box<analyze::Args>),
    /// Calibrate every test and estimate on placebo elections drawn from a clean model of FILE.
    Calibrate(Box<calibrate::Args>),
    /// Check a claim ("inflated >= 1000000") on every line of evidence given; exit 0 holds, 1 does not, 2 unusable input.
    Check(Box<check::Args>),
    /// Digit tests (Benford 1st/2nd digit, last digits, 0/5, pairs) printed as a table.
    Digits(digits::Args),
    /// Turnout × vote-share family: Klimek fit, excess votes, integer percentages, turnout distribution.
    Fingerprint(fingerprint::Args),
    /// Participation over the day: curves, late surges, throughput bounds, announced bulletins.
    Hourly(Box<hourly::Args>),
    /// Analyse every election of a manifest (resumable, shardable), then write the atlas.
    Batch(batch::Args),
    /// Combine batch folders into atlas.csv and atlas.parquet.
    Atlas(batch::AtlasArgs),
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
fn emit(s: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}

/// Writes a finding as pretty JSON (arrays of scalars on one line), as in
/// `report.json`.
fn emit_json(v: &impl serde::Serialize) {
    let s = serde_json::to_string_pretty(v).expect("findings serialise");
    emit(&format!(
        "{}\n",
        escrutinio::report::json::inline_scalar_arrays(&s)
    ));
}

/// Companion files: independent counts and a reference subset.
#[derive(Debug, Clone, clap::Args)]
pub struct CompanionArgs {
    /// Independent counts per station (photographed ballots, observers'
    /// protocol copies); the schema's [independent] table names the columns.
    #[arg(long, value_name = "FILE")]
    pub independent: Option<std::path::PathBuf>,
    /// A reference subset of stations (e.g. scanner-counted), matched to
    /// the station file on the columns they share (or the schema's
    /// reference.key); extrapolated within the schema's reference.level.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<std::path::PathBuf>,
    /// Bootstrap replicates of the reference-subset extrapolation.
    #[arg(long, default_value_t = 1000)]
    pub reference_bootstrap: usize,
}

impl CompanionArgs {
    pub fn reference_options(&self) -> escrutinio::methods::reference_subset::ReferenceOptions {
        escrutinio::methods::reference_subset::ReferenceOptions {
            bootstrap: self.reference_bootstrap,
            ..Default::default()
        }
    }
}

/// The input files of a station-level subcommand (`analyze`, `calibrate`):
/// the station file with its schema and invalid-row policy, the
/// participation files unless `--no-hourly`, and the companion files.
pub fn input_files(
    file: std::path::PathBuf,
    schema: Option<std::path::PathBuf>,
    invalid_rows: InvalidRowsArg,
    hourly: &hourly::HourlyArgs,
    no_hourly: bool,
    companions: CompanionArgs,
) -> escrutinio::inputs::InputFiles {
    escrutinio::inputs::InputFiles {
        stations: Some(file),
        schema,
        invalid_rows: invalid_rows.into(),
        participation: hourly.files(no_hourly),
        independent: companions.independent,
        reference: companions.reference,
    }
}

/// What to do with invalid rows (`--invalid-rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InvalidRowsArg {
    /// Exclude them from the analysis, count and list them (default).
    Exclude,
    /// Stop with an error at the first invalid row.
    Fail,
}

impl From<InvalidRowsArg> for escrutinio::io::InvalidRows {
    fn from(a: InvalidRowsArg) -> Self {
        match a {
            InvalidRowsArg::Exclude => escrutinio::io::InvalidRows::Exclude,
            InvalidRowsArg::Fail => escrutinio::io::InvalidRows::Fail,
        }
    }
}

pub fn run(cli: Cli) -> escrutinio::Result<i32> {
    if let Some(n) = cli.threads {
        if n == 0 {
            return Err(escrutinio::Error::Options(
                "--threads must be at least 1".into(),
            ));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| escrutinio::Error::Options(format!("--threads {n}: {e}")))?;
    }
    progress::install(cli.quiet);
    match cli.command {
        Command::Validate(a) => validate::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Analyze(a) => analyze::run(*a),
        Command::Calibrate(a) => calibrate::run(*a),
        Command::Check(a) => check::run(*a),
        Command::Digits(a) => digits::run(a),
        Command::Fingerprint(a) => fingerprint::run(a),
        Command::Hourly(a) => hourly::run(*a),
        Command::Batch(a) => batch::run(a),
        Command::Atlas(a) => batch::run_atlas(a),
    }
}

/// Parses a command line (without the program name) into its subcommand,
/// as `escrutinio ARGS...` would; a usage error comes back as clap's message.
/// Other front ends (the Python package) use it to take options in the same
/// vocabulary as the command line.
pub fn parse_command<I, T>(args: I) -> std::result::Result<Command, String>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv = std::iter::once(std::ffi::OsString::from("escrutinio"))
        .chain(args.into_iter().map(Into::into));
    Cli::try_parse_from(argv)
        .map(|c| c.command)
        .map_err(|e| e.render().to_string())
}
