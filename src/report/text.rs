//! The text the CLI prints: one renderer per finding, shared by the
//! family's own subcommand and by `analyze`, so both print the same.

use std::fmt::Write as _;

use crate::methods::digits::{DigitsFinding, ALL_REGIONS};
use crate::methods::excess::ExcessFinding;
use crate::methods::fingerprint::FingerprintFinding;
use crate::methods::hourly::HourlyFinding;
use crate::methods::integer_percent::IntegerPercentFinding;
use crate::methods::turnout_distribution::TurnoutDistributionFinding;
use crate::report::format_p_value;
use crate::report::json::Report;

/// What `validate` prints: the row counts, then one line per problem kind
/// with its first examples (file, row, line, column, value).
pub fn data_quality(path: &str, q: &crate::io::DataQuality) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{path}: {} rows read, {} usable, {} invalid (would be excluded), {} filtered by the schema, {} kept with findings",
        q.rows_read, q.rows_used, q.rows_excluded_invalid, q.rows_excluded_filtered, q.rows_flagged
    );
    if q.problems.is_empty() {
        let _ = writeln!(out, "no problems found");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<26} {:<9} {:>9} {:>11}  description",
        "problem", "severity", "rows", "occurrences"
    );
    for p in &q.problems {
        let sev = serde_json::to_value(p.severity).expect("serialises");
        let _ = writeln!(
            out,
            "{:<26} {:<9} {:>9} {:>11}  {}",
            p.kind.name(),
            sev.as_str().unwrap_or(""),
            p.rows,
            p.occurrences,
            p.description
        );
        for ex in &p.examples {
            let _ = writeln!(out, "    {path}: {ex}");
        }
    }
    out
}

/// What `analyze` prints: the election and its data quality, then each
/// family's text in registry order (the same its subcommand prints), then
/// the families that could not run.
pub fn report(r: &Report) -> String {
    let mut out = verdict(&r.verdict);
    out.push('\n');
    if let Some(c) = &r.calibration {
        out.push_str(&calibration(c));
        out.push('\n');
    }
    let s = &r.summary;
    let q = &r.data_quality;
    let winner_share = s
        .contestants
        .iter()
        .find(|c| c.winner)
        .map_or(f64::NAN, |c| c.share);
    let _ = writeln!(
        out,
        "{}: {} stations, turnout {}, winner: {} ({:.2} % of valid votes)",
        s.name,
        s.stations,
        match s.electorate {
            Some(_) => format!("{:.2} %", 100.0 * s.turnout),
            None => "unknown (no registered voters in the data)".to_string(),
        },
        quoted_name(&s.winner),
        100.0 * winner_share
    );
    let _ = writeln!(
        out,
        "rows: {} read, {} used, {} excluded as invalid, {} filtered, {} kept with findings",
        q.rows_read, q.rows_used, q.rows_excluded_invalid, q.rows_excluded_filtered, q.rows_flagged
    );
    out.push_str(&schema_warnings(&r.schema.resolved.warnings));
    let f = &r.findings;
    if let Some(d) = &f.digits {
        out.push('\n');
        out.push_str(&digits(d, &DigitRows::default()));
    }
    if let Some(fp) = &f.fingerprint {
        out.push_str(&klimek(fp));
    }
    if let Some(x) = &f.excess_votes {
        out.push_str(&excess_votes(x));
    }
    if let Some(ip) = &f.integer_percent {
        out.push_str(&integer_percent(ip));
    }
    if let Some(td) = &f.turnout_distribution {
        out.push_str(&turnout_distribution(td));
    }
    if let Some(h) = &f.hourly {
        out.push('\n');
        out.push_str(&hourly(h));
    }
    out.push_str(&crate::report::fieldwork::text(f));
    if !r.skipped.is_empty() {
        out.push('\n');
    }
    for sk in &r.skipped {
        let _ = writeln!(out, "not run on these data: {}: {}", sk.method, sk.reason);
    }
    out
}

/// Which digit results to print.
#[derive(Debug, Clone, Default)]
pub struct DigitRows {
    /// Every region's results too (default: all stations only).
    pub regions: bool,
    /// Only this column.
    pub column: Option<String>,
}

/// The digit tests: a table of results, the verdict and the caveats.
pub fn digits(f: &DigitsFinding, rows: &DigitRows) -> String {
    let mut out = String::new();
    let a = rows;
    let _ = writeln!(
        out,
        "{:<16} {:<28} {:<14} {:>7} {:>6} {:>10} {:>3} {:>9} {:>9} {:>8} {:>8} {:>21} {:>7} conformity",
        "test",
        "column",
        "region",
        "n",
        "excl",
        "X2",
        "df",
        "p",
        "q",
        "mean",
        "expect",
        "interval",
        "MAD",
    );
    for r in f
        .results
        .iter()
        .filter(|r| a.regions || r.region == ALL_REGIONS)
        .filter(|r| a.column.as_ref().is_none_or(|c| &r.column == c))
    {
        let fmt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
        let p = |x| format_p_value(x, "-");
        let [mean, exp, ci] = r.mean_cells("-");
        let conf = r.conformity_label("");

        let _ = writeln!(
            out,
            "{:<16} {:<28} {:<14} {:>7} {:>6} {:>10} {:>3} {:>9} {:>9} {:>8} {:>8} {:>21} {:>7} {}",
            r.test.name(),
            truncate(&r.column, 28),
            truncate(&r.region, 14),
            r.n,
            r.n_excluded,
            fmt(r.statistic, 2),
            r.df,
            p(r.p_value),
            p(r.q_value),
            mean,
            exp,
            ci,
            fmt(r.mad, 4),
            conf
        );
    }
    let _ = writeln!(out, "\n{}", f.verdict);
    for c in &f.caveats {
        let _ = writeln!(out, "- {c}");
    }
    out
}

/// The Klimek fit inside a fingerprint finding (empty when not fitted).
pub fn klimek(f: &FingerprintFinding) -> String {
    let mut out = String::new();
    if let Some(k) = &f.klimek {
        let _ = writeln!(
            out,
            "\nKlimek fit ({} stations, {} excluded, {} bootstrap replicates):",
            k.stations, k.excluded, k.bootstrap_replicates
        );
        let _ = writeln!(
            out,
            "  incremental fraud f_i  {}",
            k.incremental_fraud.display(4)
        );
        let _ = writeln!(
            out,
            "  extreme fraud f_e      {}",
            k.extreme_fraud.display(4)
        );
        let _ = writeln!(
            out,
            "  theta, alpha           {}, {}",
            k.theta.display(3),
            k.alpha.display(2)
        );
        let _ = writeln!(
            out,
            "  clean turnout, share   {}, {}",
            k.turnout_mean.display(3),
            k.share_mean.display(3)
        );
        let _ = writeln!(
            out,
            "  manufactured ballots   {}",
            k.manufactured_ballots.display(0)
        );
        let _ = writeln!(out, "  {}", k.verdict);
    }
    out
}

/// Shpilkin-style excess votes.
pub fn excess_votes(x: &ExcessFinding) -> String {
    let mut out = String::new();
    let n = &x.national;
    let _ = writeln!(
        out,
        "\nExcess votes (clean peak {:.0} %, clean share {:.3}): {:.0} [{}, {}]; stuffing {:.0}, switching {:.0}\n  {}",
        100.0 * n.peak_turnout,
        n.clean_share,
        n.estimate,
        n.ci_low.map_or("-".into(), |v| format!("{v:.0}")),
        n.ci_high.map_or("-".into(), |v| format!("{v:.0}")),
        n.stuffing,
        n.switching,
        x.verdict
    );
    if let Some(s) = n.sloped_estimate {
        let regions = x.regions_sloped().map_or(String::new(), |r| {
            format!("; regions' own lines summed {r:.0}")
        });
        let _ = writeln!(
            out,
            "  with the clean share rising with turnout as below the peak (sloped line): {s:.0}{regions}"
        );
    }
    out
}

/// The integer-percentage test.
pub fn integer_percent(ip: &IntegerPercentFinding) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nInteger percentages ({} stations kept, {} excluded):",
        ip.stations, ip.excluded
    );
    for (name, c) in [
        ("turnout", &ip.turnout),
        ("leader", &ip.leader),
        ("either", &ip.either),
    ] {
        let _ = writeln!(
            out,
            "  {name:<8} observed {:>7} expected {:>9.1} sd {:>6.1} excess {:>8.1} p {}",
            c.observed,
            c.expected,
            c.sd,
            c.excess,
            format_p_value(Some(c.p_value), "-")
        );
    }
    if let Some(mc) = &ip.monte_carlo {
        let _ = writeln!(
            out,
            "  the paper's simulated null ({} replicates):",
            mc.replicates
        );
        for (name, c) in [
            ("turnout", &mc.turnout),
            ("leader", &mc.leader),
            ("either", &mc.either),
        ] {
            let _ = writeln!(
                out,
                "  {name:<8} simulated mean {:>9.1} sd {:>6.1} excess {:>8.1} (99.9th percentile {:+.1})",
                c.mean, c.sd, c.excess, c.band_999
            );
        }
    }
    let _ = writeln!(out, "  {}", ip.verdict);
    out
}

/// The schema's warnings, one "warning:" line each.
pub fn schema_warnings(warnings: &[String]) -> String {
    warnings.iter().map(|w| format!("warning: {w}\n")).collect()
}

/// A contestant's name for a sentence: quoted when it could be read as a
/// word of the sentence (a column literally named `winner`, `valid`, ...).
pub(crate) fn quoted_name(name: &str) -> String {
    const WORDS: [&str; 8] = [
        "winner",
        "leader",
        "valid",
        "invalid",
        "ballots",
        "electorate",
        "turnout",
        "votes",
    ];
    if WORDS.contains(&name.trim().to_lowercase().as_str()) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

/// The turnout distribution and the vote–turnout regressions.
pub fn turnout_distribution(td: &TurnoutDistributionFinding) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nTurnout distribution: skewness {:.3}, kurtosis {:.3}, dip {:.4} (p {}), corr(turnout, winner share) {:.3}",
        td.skewness.estimate,
        td.kurtosis.estimate,
        td.dip_test.dip,
        format_p_value(Some(td.dip_test.p_value), "-"),
        td.turnout_share_correlation.estimate
    );
    for s in &td.slopes {
        let _ = writeln!(
            out,
            "  votes/electorate on turnout: {:<28} slope {:>7.3} [{:.3}, {:.3}] {}",
            s.contestant,
            s.slope,
            s.ci_low,
            s.ci_high,
            s.reading.describe()
        );
    }
    out
}

/// Participation over the day.
pub fn hourly(f: &HourlyFinding) -> String {
    let mut out = String::new();
    if let (Some(r), Some(s)) = (&f.reports, &f.schedule) {
        let q = &r.data_quality;
        let _ = writeln!(
            out,
            "Participation reports ({}, {} layout): {} rows read, {} used, {} excluded, {} stations flagged, {} stations without reports",
            r.path, r.layout, q.rows_read, q.rows_used, q.rows_excluded_invalid, q.rows_flagged, r.stations_without_reports
        );
        for p in &q.problems {
            let _ = writeln!(
                out,
                "  {:<20} {:>7} rows  {}",
                p.kind.name(),
                p.rows,
                p.description
            );
        }
        let _ = writeln!(
            out,
            "Schedule: polls {}–{} over {} day(s); reports at {}; close {}",
            s.opens,
            s.closes,
            s.days,
            s.report_times.join(", "),
            s.close
        );
    }
    if let Some(c) = &f.curves {
        let _ = writeln!(out, "\nNational curve (reporting stations):");
        for p in &c.national {
            let _ = writeln!(
                out,
                "  {:<18} {:>7} stations {:>11} voters  {:>6.2} % of electorate  {:>6.2} % of final",
                p.time,
                p.stations_reporting,
                p.voters,
                100.0 * p.share_of_electorate,
                100.0 * p.share_of_final
            );
        }
    }
    if let Some(l) = &f.late_surge {
        let _ = writeln!(
            out,
            "\nLate surges after {} (pace from {}): {} stations scored, {} flagged ({:.2} %); median late share {:.3}, tau {:.3}, pace slope {:.3}",
            l.last_report,
            l.earlier_report.as_deref().unwrap_or("-"),
            l.scored,
            l.flagged,
            100.0 * l.flag_rate,
            l.median_late_share,
            l.tau,
            l.pace_slope
        );
        let _ = writeln!(
            out,
            "  late ballots {} observed, {:.0} expected; excess {} ({:.0} % interval); at flagged stations {:.0}",
            l.late_ballots,
            l.expected_late_ballots,
            l.excess_ballots.display(0),
            100.0 * l.options.level,
            l.excess_ballots_flagged
        );
    }
    if let Some(t) = &f.throughput {
        let _ = writeln!(
            out,
            "\nThroughput ({}, {} s per voter): {} stations with {} impossible intervals; lower bound on inflated ballots {} ({} without assumptions)",
            super::words::issuing_points(t.options.booths, t.stations_with_machines),
            t.options.min_seconds_per_voter,
            t.stations_with_violations,
            t.interval_violations,
            t.excess_lower_bound,
            t.whole_day_lower_bound
        );
    }
    for (title, list) in [
        ("late surge", &f.top_late_surge),
        ("throughput", &f.top_throughput),
        ("curve shape", &f.top_shape),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\nMost anomalous stations by {title}:");
        for s in list.iter().take(10) {
            let reports: Vec<String> = s
                .reports
                .iter()
                .map(|r| r.map_or("-".into(), |v| v.to_string()))
                .collect();
            let _ = writeln!(
                out,
                "  {:<14} {:<22} electorate {:>5} final {:>5} curve [{}] late {} q {} bound {} shape z {}",
                s.station,
                s.region,
                s.electorate.map_or("-".into(), |v| v.to_string()),
                s.final_count,
                reports.join(" "),
                s.late_share.map_or("-".into(), |v| format!("{v:.3}")),
                format_p_value(s.late_q, "-"),
                s.excess_lower_bound,
                s.shape_z.map_or("-".into(), |v| format!("{v:+.1}"))
            );
        }
    }
    if let Some(m) = &f.machine_logs {
        let t = &m.totals;
        let _ = writeln!(
            out,
            "\nMachine logs: {} ballots on {} machines at {} stations; {} too fast, lower bound on inflated ballots {}, {} outside hours, {} stations too regular",
            t.ballots,
            t.machines,
            t.stations,
            t.too_fast_ballots,
            t.excess_lower_bound,
            t.outside_hours.map_or("-".into(), |v| v.to_string()),
            t.stations_too_regular
        );
    }
    for p in &f.announced_pace {
        let _ = writeln!(out, "\nAnnounced pace ({}): {}", p.scope, p.verdict);
    }
    for r in &f.reconciliation {
        let _ = writeln!(out, "\nBulletin row {}: {}", r.row, r.verdict);
    }
    let _ = writeln!(out, "\n{}", f.verdict);
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The verdict block: the conclusion, the paragraph, each family's national
/// figure with its adequacy, the certain bounds and the top regions.
/// The calibration: each estimate against its placebo band, then each
/// test's false-positive rate on the placebos and its calibrated p-value.
pub fn calibration(c: &crate::calibration::Calibration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Calibration on {} placebo elections (clean null fitted to these data; {} regions, {} pooled nationally)",
        c.replicates,
        c.null_model.regions.len(),
        c.null_model.pooled_regions
    );
    for b in &c.estimates {
        let obs = match b.observed {
            Some(o) if b.above_band => format!(
                "observed {o:.0}: above the band by {:.0}",
                o - b.placebo_high
            ),
            Some(o) => format!("observed {o:.0}: within or below the band"),
            None => "not estimated on these data".to_string(),
        };
        let _ = writeln!(
            out,
            "  {:<22} placebo {:.0} % band [{:.0}, {:.0}], median {:.0}; {obs}",
            b.family,
            100.0 * c.band,
            b.placebo_low,
            b.placebo_high,
            b.placebo_median
        );
    }
    let _ = writeln!(
        out,
        "  {:<42} {:>8} {:>17} {:>10} {:>10}",
        "test", "FP rate", "95 % interval", "p", "calibr. p"
    );
    for t in &c.tests {
        let p = t
            .observed_p_value
            .map_or("-".to_string(), |p| format!("{p:.2e}"));
        let q = t
            .calibrated_p_value
            .map_or("-".to_string(), |p| format!("{p:.3}"));
        let _ = writeln!(
            out,
            "  {:<42} {:>8.3} [{:.3}, {:.3}] {:>10} {:>10}{}",
            format!("{}/{}", t.family, t.test),
            t.false_positive_rate,
            t.ci_low,
            t.ci_high,
            p,
            q,
            if t.rejects_at_calibrated { " *" } else { "" }
        );
    }
    let _ = writeln!(
        out,
        "  (FP rate: share of placebos rejecting at {}; * rejects at its calibrated level; {} tests' rates exclude the nominal level)",
        c.level, c.miscalibrated_tests
    );
    out
}

pub fn verdict(v: &crate::verdict::Verdict) -> String {
    let mut out = String::new();
    let word = match v.evidence {
        crate::verdict::Evidence::Inflation => "INFLATION",
        crate::verdict::Evidence::NoEvidence => "NO EVIDENCE OF INFLATION",
        crate::verdict::Evidence::Inconclusive => "INCONCLUSIVE",
    };
    let _ = writeln!(out, "Verdict: {word}");
    let _ = writeln!(out, "{}", v.summary);
    for n in &v.national {
        let ci = match (n.ci_low, n.ci_high) {
            (Some(l), Some(h)) => format!(" [{l:.0}, {h:.0}]"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {:<22} {:>12.0}{ci} ({:+.2} % of ballots) {}",
            n.family,
            n.estimate,
            100.0 * n.share_of_ballots,
            match (&n.reason, n.evidence) {
                (Some(r), _) => format!("not adequate: {r}"),
                (None, true) => "adequate, evidence".to_string(),
                (None, false) => match n.placebo_high {
                    Some(h) if n.estimate <= h => format!(
                        "adequate, within its placebo band [{:.0}, {h:.0}]",
                        n.placebo_low.unwrap_or(f64::NAN)
                    ),
                    _ => "adequate, below the threshold".to_string(),
                },
            }
        );
    }
    for b in &v.lower_bounds {
        let _ = writeln!(out, "  certain: {}", b.description);
    }
    if !v.top_regions.is_empty() {
        let _ = writeln!(
            out,
            "  regions with most winner votes above their own clean-share line, per registered voter:"
        );
        for r in v.top_regions.iter().take(5) {
            let _ = writeln!(
                out,
                "    {:>2}. {} {:.0} ({:.2} % of its electorate)",
                r.rank,
                r.region,
                r.inflated_ballots,
                100.0 * r.inflated_per_voter
            );
        }
    }
    out
}
