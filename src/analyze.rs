//! The `analyze` pipeline: load, validate, run the methods, write the report.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::io::bulletins::load_bulletins;
use crate::io::hourly as hourly_io;
use crate::io::logs::load_logs;
use crate::io::{load, InvalidRows, Loaded, Schema};
use crate::methods::digits::{self, DigitsOptions};
use crate::methods::excess::{self, ExcessOptions};
use crate::methods::fingerprint::{self, FingerprintOptions};
use crate::methods::hourly::{self, HourlyFinding, HourlyOptions};
use crate::methods::integer_percent::{self, IntegerPercentOptions};
use crate::methods::machine_logs::{analyze_logs, LogOptions};
use crate::methods::summary::summarize;
use crate::methods::turnout_distribution::{self, TurnoutDistributionOptions};
use crate::report::json::{Report, RunOptions, SkippedMethod, Tool};
use crate::report::{hourly_plots, html, plots, stations, SCHEMA_VERSION};

/// Options of an analysis.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub input: PathBuf,
    pub schema: Option<PathBuf>,
    pub out_dir: PathBuf,
    /// Seed of every random procedure (none in the summary; later methods use it).
    pub seed: u64,
    pub invalid_rows: InvalidRows,
    /// Digit tests (`None`: skipped). Their seed is overridden by `seed`.
    pub digits: Option<DigitsOptions>,
    /// Fingerprints and the Klimek fit (`None`: skipped; seed overridden).
    pub fingerprint: Option<FingerprintOptions>,
    /// Shpilkin-style excess votes (`None`: skipped; seed overridden).
    pub excess_votes: Option<ExcessOptions>,
    /// Integer-percentage test (`None`: skipped; seed overridden).
    pub integer_percent: Option<IntegerPercentOptions>,
    /// Turnout distribution and vote–turnout regressions (`None`: skipped).
    pub turnout_distribution: Option<TurnoutDistributionOptions>,
    /// Participation data and options of the hourly family.
    pub hourly: HourlyInputs,
}

/// Participation inputs: the hourly family runs when any of them is given,
/// or when the schema names wide participation columns (`[hourly] columns`).
#[derive(Debug, Clone, Default)]
pub struct HourlyInputs {
    /// Long participation file (station, optional date, time, cumulative voters).
    pub reports: Option<PathBuf>,
    /// Announced bulletins.
    pub bulletins: Option<PathBuf>,
    /// Per-ballot machine logs.
    pub logs: Option<PathBuf>,
    /// Daily opening and closing times (`HH:MM`), over the schema's.
    pub opens: Option<String>,
    pub closes: Option<String>,
    /// Skip the family even when the schema names participation columns.
    pub off: bool,
    pub options: HourlyOptions,
}

impl HourlyInputs {
    /// Whether anything asks for the hourly family.
    pub fn wanted(&self, schema: &Schema) -> bool {
        !self.off
            && (self.reports.is_some()
                || self.bulletins.is_some()
                || self.logs.is_some()
                || schema
                    .hourly
                    .as_ref()
                    .is_some_and(|h| !h.columns.is_empty()))
    }
}

/// Loads the participation inputs and runs the hourly family.
pub fn run_hourly(
    station_file: Option<&Path>,
    schema: &Schema,
    election: Option<&crate::Election>,
    h: &HourlyInputs,
    policy: InvalidRows,
    seed: u64,
) -> Result<HourlyFinding> {
    let mut opts = h.options.clone();
    opts.late_surge.seed = seed;
    opts.check().map_err(Error::Options)?;
    let hours = hourly_io::resolve_hours(
        schema.hourly.as_ref(),
        h.opens.as_deref(),
        h.closes.as_deref(),
    )
    .map_err(Error::Options)?;
    let wide = schema
        .hourly
        .as_ref()
        .is_some_and(|s| !s.columns.is_empty());
    let reports = match (election, &h.reports, station_file) {
        (Some(e), Some(p), Some(f)) => Some(hourly_io::load_participation(
            Some(p),
            f,
            schema,
            e,
            hours,
            policy,
        )?),
        (Some(e), None, Some(f)) if wide => Some(hourly_io::load_participation(
            None, f, schema, e, hours, policy,
        )?),
        (None, Some(_), _) => {
            return Err(Error::Options(
                "participation reports need the station file they belong to".into(),
            ))
        }
        _ => None,
    };
    let bulletins = match &h.bulletins {
        Some(b) => load_bulletins(
            b,
            &schema
                .hourly
                .as_ref()
                .and_then(|h| h.bulletins.clone())
                .unwrap_or_default(),
        )?,
        None => Vec::new(),
    };
    let logs = match &h.logs {
        Some(p) => Some(load_logs(
            p,
            &schema
                .hourly
                .as_ref()
                .and_then(|h| h.logs.clone())
                .unwrap_or_default(),
        )?),
        None => None,
    };
    // Without reports, the logs give the curves.
    let reports = match (reports, &logs, election, &h.logs) {
        (None, Some(l), Some(e), Some(path)) => {
            // The loader kept the file's facts: no second read of the log.
            let info = l
                .input
                .clone()
                .ok_or_else(|| Error::input(path, "machine logs without their file's facts"))?;
            Some(hourly_io::from_logs(l, e, hours, info)?)
        }
        (r, ..) => r,
    };
    let mut finding = hourly::analyze_hourly(election, reports.as_ref(), &bulletins, hours, &opts);
    if let Some(l) = &logs {
        let lo = LogOptions {
            opens: Some(hours.opens),
            closes: Some(hours.closes),
            ..opts.logs
        };
        lo.validate()?;
        finding.machine_logs = Some(analyze_logs(l, &lo));
        if let Some(m) = &finding.machine_logs {
            finding
                .verdict
                .push_str(&format!(" Machine logs: {}", m.verdict));
        }
    }
    Ok(finding)
}

impl AnalyzeOptions {
    /// Every method at its defaults.
    pub fn new(input: PathBuf, out_dir: PathBuf) -> AnalyzeOptions {
        AnalyzeOptions {
            input,
            schema: None,
            out_dir,
            seed: 1,
            invalid_rows: InvalidRows::Exclude,
            digits: Some(DigitsOptions::default()),
            fingerprint: Some(FingerprintOptions::default()),
            excess_votes: Some(ExcessOptions::default()),
            integer_percent: Some(IntegerPercentOptions::default()),
            turnout_distribution: Some(TurnoutDistributionOptions::default()),
            hourly: HourlyInputs::default(),
        }
    }
}

/// A method's finding, recorded as run; or its reason, recorded as skipped.
fn ran<T>(
    method: &'static str,
    result: std::result::Result<T, String>,
    methods: &mut Vec<&'static str>,
    skipped: &mut Vec<SkippedMethod>,
) -> Option<T> {
    match result {
        Ok(f) => {
            methods.push(method);
            Some(f)
        }
        Err(reason) => {
            skipped.push(SkippedMethod { method, reason });
            None
        }
    }
}

/// Builds the report for an already loaded data set (no files written).
pub fn build_report(loaded: &Loaded, opts: &AnalyzeOptions) -> Result<Report> {
    let election = loaded.election()?;
    let mut methods = vec!["summary"];
    let digits = match &opts.digits {
        Some(d) => {
            let d = DigitsOptions {
                seed: opts.seed,
                ..d.clone()
            };
            methods.push("digits");
            Some(digits::analyse(election, &d).map_err(Error::Options)?)
        }
        None => None,
    };
    let seed = opts.seed;
    let fingerprint = match &opts.fingerprint {
        Some(f) => {
            let mut f = f.clone();
            if let Some(k) = &mut f.klimek {
                k.seed = seed;
            }
            methods.push("fingerprint");
            Some(fingerprint::analyse(election, &f).map_err(Error::Options)?)
        }
        None => None,
    };
    // Options are checked first (an error, exit 2); data a method cannot
    // use are recorded in `skipped` and the other methods still run.
    let mut skipped = Vec::new();
    let excess_votes = match &opts.excess_votes {
        Some(x) => {
            let x = ExcessOptions { seed, ..x.clone() };
            x.check().map_err(Error::Options)?;
            ran(
                "excess_votes",
                excess::analyse(election, &x),
                &mut methods,
                &mut skipped,
            )
        }
        None => None,
    };
    let integer_percent = opts.integer_percent.map(|o| {
        methods.push("integer_percent");
        integer_percent::analyse(election, &IntegerPercentOptions { seed, ..o })
    });
    let turnout_distribution = match &opts.turnout_distribution {
        Some(t) => {
            let t = TurnoutDistributionOptions { seed, ..t.clone() };
            t.check().map_err(Error::Options)?;
            ran(
                "turnout_distribution",
                turnout_distribution::analyse(election, &t),
                &mut methods,
                &mut skipped,
            )
        }
        None => None,
    };
    let schema = match &opts.schema {
        Some(p) => Schema::from_file(p)?,
        None => Schema::standard(),
    };
    let hourly = if opts.hourly.wanted(&schema) {
        methods.push("hourly");
        Some(run_hourly(
            Some(&opts.input),
            &schema,
            Some(election),
            &opts.hourly,
            opts.invalid_rows,
            seed,
        )?)
    } else {
        None
    };
    if let Some(reason) = fingerprint.as_ref().and_then(|f| f.klimek_skipped.clone()) {
        skipped.push(SkippedMethod {
            method: "fingerprint.klimek",
            reason,
        });
    }
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        input: loaded.input.clone(),
        schema: loaded.schema.clone(),
        options: RunOptions {
            seed: opts.seed,
            invalid_rows: opts.invalid_rows,
        },
        data_quality: loaded.quality.clone(),
        summary: summarize(election),
        methods,
        digits,
        fingerprint,
        excess_votes,
        integer_percent,
        turnout_distribution,
        hourly,
        skipped,
    })
}

/// Runs the pipeline and writes `report.json`, `stations.csv`,
/// `stations.parquet`, `report.html` and `plots/` into the output directory.
pub fn analyze(opts: &AnalyzeOptions) -> Result<Report> {
    let loaded = load(&opts.input, opts.schema.as_deref(), opts.invalid_rows)?;
    let report = build_report(&loaded, opts)?;
    write_outputs(&loaded, &report, &opts.out_dir)?;
    Ok(report)
}

/// Writes every output of a report.
pub fn write_outputs(loaded: &Loaded, report: &Report, dir: &Path) -> Result<()> {
    let election = loaded.election()?;
    let plots_dir = dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|e| Error::output(&plots_dir, e))?;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| Error::output(&p, e))
    };
    write("report.json", &report.to_json())?;
    let mut df =
        stations::station_frame(election, Some(report)).map_err(|e| Error::output(dir, e))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.csv"))?;
    crate::io::write::write_frame(&mut df, &dir.join("stations.parquet"))?;
    let turnout = plots::TurnoutFigure {
        histogram: &report.summary.turnout_distribution.histogram,
        title: "Turnout distribution",
    };
    let mut figures = html::Figures {
        turnout: plots::figure_files(&turnout, &plots_dir.join("turnout_histogram"))?,
        ..html::Figures::default()
    };
    if let Some(f) = &report.fingerprint {
        let winner = f.contestants.iter().find(|c| c.winner);
        if let Some(w) = winner {
            let stations = w.by_stations.dense();
            let voters = w.by_voters.dense();
            let fig = plots::FingerprintFigure {
                title: format!("Fingerprint of {}: stations and voters", w.contestant),
                y_desc: format!("{} share (%)", w.contestant),
                panels: vec![
                    plots::HeatmapPanel {
                        title: "stations".into(),
                        bins: stations.bins,
                        cells: &stations.cells,
                    },
                    plots::HeatmapPanel {
                        title: "voters (ballots)".into(),
                        bins: voters.bins,
                        cells: &voters.cells,
                    },
                ],
            };
            figures.fingerprint = Some(plots::figure_files(
                &fig,
                &plots_dir.join("fingerprint_winner"),
            )?);
        }
        if let Some(k) = &f.klimek {
            let fig = plots::FingerprintFigure {
                title: "Klimek model: observed, fitted and fair fingerprints (stations)".into(),
                y_desc: "winner share (%)".into(),
                panels: vec![
                    plots::HeatmapPanel {
                        title: "observed".into(),
                        bins: k.observed.bins,
                        cells: &k.observed.cells,
                    },
                    plots::HeatmapPanel {
                        title: "fitted fraud model".into(),
                        bins: k.fitted.bins,
                        cells: &k.fitted.cells,
                    },
                    plots::HeatmapPanel {
                        title: "fair model".into(),
                        bins: k.fair.bins,
                        cells: &k.fair.cells,
                    },
                ],
            };
            figures.klimek = Some(plots::figure_files(&fig, &plots_dir.join("klimek_fit"))?);
        }
    }
    if let Some(ip) = &report.integer_percent {
        for (stem, counts, desc) in [
            ("integer_turnout", &ip.turnout_histogram, "turnout (%)"),
            (
                "integer_leader",
                &ip.leader_histogram,
                "leader's result (%)",
            ),
        ] {
            let fig = plots::IntegerPeaksFigure {
                title: format!(
                    "{desc}: stations per 0.1-point bin, whole percentages marked ({} stations)",
                    ip.stations
                ),
                x_desc: desc,
                counts,
            };
            figures
                .integer
                .push(plots::figure_files(&fig, &plots_dir.join(stem))?);
        }
    }
    if let Some(d) = &report.digits {
        for (stem, fig) in digit_figures(d, &report.summary.winner) {
            let svg = plots::figure_files(&fig, &plots_dir.join(&stem))?;
            figures.digits.push((stem, svg));
        }
    }
    if let Some(h) = &report.hourly {
        if let Some(df) = stations::curves_frame(election, h) {
            let mut df = df.map_err(|e| Error::output(dir, e))?;
            crate::io::write::write_frame(&mut df, &dir.join("curves.csv"))?;
            crate::io::write::write_frame(&mut df, &dir.join("curves.parquet"))?;
        }
        if let Some(fig) = hourly_plots::CurvesFigure::of(h) {
            figures.hourly_curves =
                Some(plots::figure_files(&fig, &plots_dir.join("hourly_curves"))?);
        }
        if let Some(l) = &h.late_surge {
            let fig = hourly_plots::LateShareFigure { late: l };
            figures.late_share = Some(plots::figure_files(&fig, &plots_dir.join("late_share"))?);
        }
    }
    write("report.html", &html::render(report, &figures))?;
    Ok(())
}

/// The digit plots of the report: each test on the winner's national counts.
fn digit_figures<'a>(
    d: &'a digits::DigitsFinding,
    winner: &str,
) -> Vec<(String, plots::DigitFigure<'a>)> {
    d.results
        .iter()
        .filter(|r| r.region == digits::ALL_REGIONS && r.column == winner)
        .filter(|r| r.column_role == digits::ColumnRole::Contestant && r.n > 0)
        .filter_map(|r| {
            let info = d.tests.iter().find(|t| t.test == r.test)?;
            let mut p = r
                .p_value
                .map_or("insufficient data".to_string(), |p| format!("p = {p:.3}"));
            if !r.reliable {
                p.push_str("; unreliable: counts too small for this law");
            }
            Some((
                format!("digits_{}", r.test.name()),
                plots::DigitFigure {
                    title: format!("{}: {} (n = {}, {p})", r.test.name(), r.column, r.n),
                    x_desc: x_desc(r.test),
                    categories: &info.categories,
                    observed: &r.observed_frequencies,
                    expected: &r.expected_frequencies,
                    n: r.n,
                },
            ))
        })
        .collect()
}

fn x_desc(t: digits::DigitTest) -> &'static str {
    use digits::DigitTest::*;
    match t {
        FirstDigit => "first digit",
        SecondDigit => "second digit",
        LastDigit => "last digit",
        LastTwoDigits => "last two digits",
        ZeroFive => "last digit",
        DigitPairs => "last two digits form a pair that is",
    }
}
