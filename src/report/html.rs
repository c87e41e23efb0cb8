//! The self-contained HTML report: one file, plots inlined as SVG, no
//! external resources, every string that comes from the data HTML-escaped.

use std::fmt::Write as _;

use super::json::Report;
use crate::io::validate::Severity;
use crate::methods::digits::{DigitResult, DigitsFinding, ALL_REGIONS};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.2} %", 100.0 * x)
    } else {
        "—".into()
    }
}

pub(crate) fn int(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// A signed, rounded count with narrow no-break spaces between thousands
/// (negative values keep their sign).
pub(crate) fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let r = x.round();
    let grouped = int(r.abs() as u64);
    if r < 0.0 {
        format!("−{grouped}")
    } else {
        grouped
    }
}

/// Every figure scales to the column (the SVGs carry a viewBox); a table
/// wider than the column scrolls inside itself; long names break anywhere,
/// numbers never (their thousands are narrow no-break spaces, and number
/// cells do not wrap).
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;overflow-wrap:break-word}\
svg,img{max-width:100%;height:auto}figure{margin:1em 0}\
table{border-collapse:collapse;margin:1em 0;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}\
th{background:#f0f0f0}td.l,th.l{text-align:left;white-space:normal;min-width:8em}\
.baseline{color:#444;border-left:4px solid #8a8;padding:.2em 1em;font-size:.95em}nav.toc{border:1px solid #ddd;background:#fafafa;padding:.3em 1em;margin:1em 0}nav.toc ol{margin:.3em 0;padding-left:1.5em}.note{background:#fff8e0;border-left:4px solid #e0a000;padding:.5em 1em}\
.verdict{font-weight:600;border-left:4px solid #31639a;padding:.3em 1em}\
code{background:#f4f4f4;padding:0 3px}";

/// The inline SVG figures of the page (drawn by `report::plots`).
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub turnout: String,
    /// (file stem under `plots/`, SVG) of each digit figure.
    pub digits: Vec<(String, String)>,
    /// The winner's fingerprint (stations and voters).
    pub fingerprint: Option<String>,
    /// Observed, fitted and fair fingerprints of the Klimek fit.
    pub klimek: Option<String>,
    /// Fine turnout and leader histograms with the integers marked.
    pub integer: Vec<String>,
    /// Typical daily shape with the most anomalous stations' curves.
    pub hourly_curves: Option<String>,
    /// Late-share histogram.
    pub late_share: Option<String>,
    /// The verdict's regions ranked, with intervals.
    pub regions: Option<String>,
    /// Official against independent counts, one per contestant compared.
    pub independent: Vec<String>,
    /// Counted against expected votes per unit of the reference subset.
    pub reference: Option<String>,
}

pub(crate) fn figure(h: &mut String, svg: &str, caption: &str) {
    h.push_str("<figure>");
    h.push_str(svg);
    let _ = writeln!(h, "<figcaption>{caption}</figcaption></figure>");
}

/// Fingerprints, the Klimek fit, excess votes, integer percentages and the
/// turnout distribution.
fn fingerprint_section(h: &mut String, r: &Report, figures: &Figures) {
    if r.findings.fingerprint.is_none()
        && r.findings.excess_votes.is_none()
        && r.findings.integer_percent.is_none()
        && r.findings.turnout_distribution.is_none()
    {
        return;
    }
    h.push_str("<h2>Turnout and vote share</h2>\n");
    h.push_str("<p class=\"note\">Where participation was inflated, turnout and the winner's share rise together, stations pile up near 100 % turnout and support, and round percentages appear too often. Each reading below states its assumptions in <code>docs/methods.md</code>; none of them alone proves fraud.</p>\n");
    if let Some(svg) = &figures.fingerprint {
        figure(h, svg, "The winner's fingerprint: turnout × share, 1-point cells, logarithmic colour scale (<code>plots/fingerprint_winner.*</code>).");
    }
    if let Some(k) = r
        .findings
        .fingerprint
        .as_ref()
        .and_then(|f| f.klimek.as_ref())
    {
        h.push_str("<h3>Klimek et al. fraud model</h3>\n");
        baseline(h, "On a clean election the fit should find no fraud or stop at a bound: on Spain 2019 (52 provinces, strong regional parties) θ stops at its bound and the fit is set aside. A single national fit across many regions reads regional differences as fraud (on simulated clean elections with 40 regions it reports fraud where there is none), which is why the verdict never counts it: with regions named it confounds them, and without a region column it cannot be checked against them.");
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&k.verdict));
        let _ = writeln!(
            h,
            "<p>{} stations fitted ({} excluded); {} bootstrap replicates; intervals at {:.0} %.</p>",
            int(k.stations as u64),
            int(k.excluded as u64),
            k.bootstrap_replicates,
            100.0 * k.options.ci_level
        );
        h.push_str("<table><tr><th class=\"l\">parameter</th><th>estimate [interval]</th></tr>\n");
        for (name, e, d) in [
            ("incremental fraud f_i", &k.incremental_fraud, 4),
            ("extreme fraud f_e", &k.extreme_fraud, 4),
            ("fraud width θ", &k.theta, 3),
            ("vote-stealing exponent α", &k.alpha, 2),
            ("clean turnout τ", &k.turnout_mean, 3),
            ("clean share ν", &k.share_mean, 3),
            ("manufactured ballots", &k.manufactured_ballots, 0),
            ("votes moved to the winner", &k.stolen_votes, 0),
        ] {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td></tr>",
                escape(name),
                e.display(d)
            );
        }
        h.push_str("</table>\n");
        if let Some(svg) = &figures.klimek {
            figure(h, svg, "Observed fingerprint beside the fitted fraud model and the fair model (same clean parameters, no fraud), station counts (<code>plots/klimek_fit.*</code>).");
        }
    }
    if let Some(x) = &r.findings.excess_votes {
        let n = &x.national;
        h.push_str("<h3>Excess votes (Shpilkin)</h3>\n");
        baseline(h, "On 40 simulated clean elections with 40 regions, a regional party and regional turnout, the regions' own lines summed found no evidence in 40 of 40; the national line alone called 2 of the first 6 inflated (1.6 % and 2.5 % of the ballots). On Spain 2019 the regions' sum is negative (−4.4 % of the ballots): the winner's share falls with turnout within provinces.");
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&x.verdict));
        let _ = writeln!(
            h,
            "<p>Clean peak {:.0} % turnout, clean share {:.3}; stuffing {}, switching {}; {} stations at or above the peak. With the peak moved: {}.</p>",
            100.0 * n.peak_turnout,
            n.clean_share,
            thousands(n.stuffing),
            thousands(n.switching),
            int(n.stations_above as u64),
            n.sensitivity
                .iter()
                .map(|p| format!("{:.0} % → {:.0}", 100.0 * p.peak_turnout, p.excess))
                .collect::<Vec<_>>()
                .join("; ")
        );
        let sloped = |e: &crate::methods::excess::ExcessEstimate| {
            e.sloped_estimate.map_or("–".into(), thousands)
        };
        let regions_sloped = x.regions_sloped();
        let _ = writeln!(
            h,
            "<p>If the winner's clean share rose with turnout as it does below the peak (the sloped line, a sensitivity the verdict does not use): {} nationally{}. A clean gradient of support with turnout (urban versus rural) reads as excess on the constant line; this method alone cannot tell it from fraud that rises with turnout.</p>",
            sloped(n),
            regions_sloped.map_or(String::new(), |s| format!(", {} summed over the regions' own lines (the constant line where a region has too few stations below its peak)", thousands(s)))
        );
        let mut regions: Vec<_> = x.regions.iter().collect();
        regions.sort_by(|a, b| b.estimate.estimate.total_cmp(&a.estimate.estimate));
        if !regions.is_empty() {
            h.push_str("<table><tr><th class=\"l\">region (10 largest)</th><th>stations</th><th>peak</th><th>excess [interval]</th></tr>\n");
            for g in regions.iter().take(10) {
                let e = &g.estimate;
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td>{}</td><td>{:.0} %</td><td>{:.0} [{}, {}]</td></tr>",
                    escape(&g.region),
                    e.stations,
                    100.0 * e.peak_turnout,
                    e.estimate,
                    e.ci_low.map_or("-".into(), |v| format!("{v:.0}")),
                    e.ci_high.map_or("-".into(), |v| format!("{v:.0}"))
                );
            }
            h.push_str("</table>\n");
        }
    }
    if let Some(ip) = &r.findings.integer_percent {
        h.push_str("<h3>Integer percentages (Kobak, Shpilkin &amp; Pshenichnikov 2016)</h3>\n");
        baseline(h, "On a clean election the excess stays within about two standard deviations of zero: Spain 2019 has 11,049 stations at an integer turnout or result against 11,064 ± 94 expected (p = 0.57); on fraud-free simulations the p-values are uniform. Russia's elections have 700 to 3,700 stations too many.");
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&ip.verdict));
        let _ = writeln!(
            h,
            "<p>{} stations kept, {} excluded by the paper's inclusion rules.</p>",
            int(ip.stations as u64),
            int(ip.excluded as u64)
        );
        h.push_str("<table><tr><th class=\"l\">quantity</th><th>observed</th><th>expected</th><th>sd</th><th>excess</th><th>p</th></tr>\n");
        for (name, c) in [
            ("turnout", &ip.turnout),
            ("leader's result", &ip.leader),
            ("either", &ip.either),
        ] {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{name}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td></tr>",
                c.observed,
                c.expected,
                c.sd,
                c.excess,
                p_value(Some(c.p_value))
            );
        }
        h.push_str("</table>\n");
        if let Some(mc) = &ip.monte_carlo {
            let _ = writeln!(
                h,
                "<p>The paper's simulated null ({} replicates):</p>\n<table><tr><th class=\"l\">quantity</th><th>simulated mean</th><th>sd</th><th>excess</th><th>99.9th percentile − mean</th></tr>",
                int(mc.replicates as u64)
            );
            for (name, c) in [
                ("turnout", &mc.turnout),
                ("leader's result", &mc.leader),
                ("either", &mc.either),
            ] {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{name}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
                    c.mean, c.sd, c.excess, c.band_999
                );
            }
            h.push_str("</table>\n");
        }
        for svg in &figures.integer {
            figure(h, svg, "Stations per 0.1-point bin; whole percentages marked in red (<code>plots/integer_*.*</code>).");
        }
    }
    if let Some(t) = &r.findings.turnout_distribution {
        h.push_str("<h3>Turnout distribution and votes against turnout</h3>\n");
        let _ = writeln!(
            h,
            "<p>Skewness {} ; kurtosis {} (3 for a normal); dip {:.4}, p {} (unimodality); correlation of turnout and the winner's share {}.</p>",
            t.skewness.display(3),
            t.kurtosis.display(3),
            t.dip_test.dip,
            p_value(Some(t.dip_test.p_value)),
            t.turnout_share_correlation.display(3),
        );
        h.push_str("<table><tr><th class=\"l\">votes / electorate on turnout (Myagkov et al.)</th><th>slope [interval]</th><th>reading</th></tr>\n");
        for sl in &t.slopes {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{:.3} [{:.3}, {:.3}]</td><td>{}</td></tr>",
                escape(&sl.contestant),
                sl.slope,
                sl.ci_low,
                sl.ci_high,
                sl.reading.describe()
            );
        }
        h.push_str("</table>\n");
    }
}

fn anomalous_table(h: &mut String, title: &str, list: &[crate::methods::hourly::AnomalousStation]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h4>{}</h4>", escape(title));
    h.push_str("<table><tr><th class=\"l\">station</th><th class=\"l\">region</th><th>electorate</th><th>final</th><th class=\"l\">cumulative reports</th><th>late share</th><th>late q</th><th>late excess</th><th>certain excess</th><th>shape z</th><th class=\"l\">flags</th></tr>\n");
    for s in list {
        let curve: Vec<String> = s
            .reports
            .iter()
            .map(|c| c.map_or("–".into(), |v| v.to_string()))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&s.station),
            escape(&s.region),
            s.electorate.map_or_else(|| "–".to_string(), int),
            int(s.final_count),
            curve.join(" "),
            num(s.late_share, 3),
            p_value(s.late_q),
            num(s.late_excess, 0),
            int(s.excess_lower_bound),
            num(s.shape_z, 1),
            escape(&s.flags)
        );
    }
    h.push_str("</table>\n");
}

/// Participation over the day.
fn hourly_section(h: &mut String, f: &crate::methods::hourly::HourlyFinding, figures: &Figures) {
    h.push_str("<h2>Participation over the day</h2>\n");
    let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&f.verdict));
    if let (Some(r), Some(s)) = (&f.reports, &f.schedule) {
        let q = &r.data_quality;
        let _ = writeln!(
            h,
            "<p>Reports from <code>{}</code> ({} layout): {} read, {} used, {} excluded, {} stations flagged, {} stations without reports. Polls {}–{} over {} day(s); reports at {}; close {}.</p>",
            escape(&r.path),
            r.layout,
            int(q.rows_read as u64),
            int(q.rows_used as u64),
            int(q.rows_excluded_invalid as u64),
            int(q.rows_flagged as u64),
            int(r.stations_without_reports as u64),
            s.opens,
            s.closes,
            s.days,
            escape(&s.report_times.join(", ")),
            escape(&s.close)
        );
        if !q.problems.is_empty() {
            h.push_str("<table><tr><th class=\"l\">problem</th><th>rows</th><th class=\"l\">meaning</th><th class=\"l\">first example</th></tr>\n");
            for p in &q.problems {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\"><code>{}</code></td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                    p.kind.name(),
                    int(p.rows as u64),
                    escape(p.description),
                    p.examples.first().map_or(String::new(), |e| escape(&e.to_string()))
                );
            }
            h.push_str("</table>\n");
        }
    }
    if let Some(c) = &f.curves {
        h.push_str("<table><tr><th class=\"l\">time</th><th>stations reporting</th><th>voters</th><th>of electorate</th><th>of final</th></tr>\n");
        for p in &c.national {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&p.time),
                int(p.stations_reporting as u64),
                int(p.voters),
                pct(p.share_of_electorate),
                pct(p.share_of_final)
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(svg) = &figures.hourly_curves {
        figure(h, svg, "Cumulative share of each station's final count at each report: national bands and median, the strongest late surges (red) and the curves farthest from their region's (orange) (<code>plots/hourly_curves.*</code>).");
    }
    if let Some(l) = &f.late_surge {
        h.push_str("<h3>Late surges</h3>\n");
        baseline(h, "On a clean election with imperfect reports (Spain 2019, 59,287 tables) 0.23 % of the tables are flagged and the national excess of late ballots is slightly negative (−14,029 [−18,961, −8,883]); St Petersburg 2021 flags 3.6 %, sixteen times as many.");
        let _ = writeln!(
            h,
            "<p>Ballots after {} (the last report covering at least half of the stations), against the station's own pace before it (from {}) and its region's typical shape: {} stations scored, {} flagged at q &lt; {} ({}). Median late share {:.3}; spread between stations τ = {:.3} on the log-odds scale. Late ballots above the prediction: {} ({:.0} % interval), {:.0} of them at flagged stations. Unscored: {} without the last report, {} without the earlier one, {} with the last report above the final count, {} decreasing, {} with no voters by the last report, {} whose last report repeats the earlier one (stale).</p>",
            escape(&l.last_report),
            escape(l.earlier_report.as_deref().unwrap_or("none")),
            int(l.scored as u64),
            int(l.flagged as u64),
            l.options.alpha,
            pct(l.flag_rate),
            l.median_late_share,
            l.tau,
            l.excess_ballots.display(0),
            100.0 * l.options.level,
            l.excess_ballots_flagged,
            l.unscored.no_last_report,
            l.unscored.no_earlier_report,
            l.unscored.last_report_above_final,
            l.unscored.decreasing,
            l.unscored.no_voters_by_last_report,
            l.unscored.stale_last_report
        );
        if let Some(svg) = &figures.late_share {
            figure(h, svg, "Stations by late share; flagged stations in red (<code>plots/late_share.*</code>).");
        }
        let mut regions: Vec<_> = l.regions.iter().collect();
        regions.sort_by(|a, b| {
            b.excess_ballots
                .estimate
                .total_cmp(&a.excess_ballots.estimate)
        });
        h.push_str("<table><tr><th class=\"l\">region</th><th>scored</th><th>flagged</th><th>median late share</th><th>excess late ballots [interval]</th></tr>\n");
        for r in regions.iter().take(30) {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
                escape(&r.region),
                int(r.scored as u64),
                int(r.flagged as u64),
                r.median_late_share,
                r.excess_ballots.display(0)
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(t) = &f.throughput {
        h.push_str("<h3>Throughput</h3>\n");
        let _ = writeln!(
            h,
            "<p>With {} and at least {} s per voter, {} stations report {} intervals with more voters than they could process. Certain lower bound on inflated ballots in the final counts: {} (if intermediate reports do not understate), {} without that assumption.</p>",
            escape(&super::words::issuing_points(
                t.options.booths,
                t.stations_with_machines
            )),
            t.options.min_seconds_per_voter,
            int(t.stations_with_violations as u64),
            int(t.interval_violations as u64),
            int(t.excess_lower_bound),
            int(t.whole_day_lower_bound)
        );
    }
    anomalous_table(h, "Strongest late surges", &f.top_late_surge);
    anomalous_table(h, "Largest throughput bounds", &f.top_throughput);
    anomalous_table(h, "Curves farthest from their region's", &f.top_shape);
    if !f.announced_pace.is_empty() || !f.reconciliation.is_empty() {
        h.push_str("<h3>Announced figures</h3>\n");
        for p in &f.announced_pace {
            let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&p.verdict));
        }
        for r in &f.reconciliation {
            let _ = writeln!(
                h,
                "<p>Bulletin row {} ({}{}): {}</p>",
                r.row,
                escape(r.kind.as_deref().unwrap_or("bulletin")),
                r.source
                    .as_deref()
                    .map_or(String::new(), |s| format!("; {}", escape(s))),
                escape(&r.verdict)
            );
        }
    }
    if let Some(m) = &f.machine_logs {
        h.push_str("<h3>Machine logs</h3>\n");
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", escape(&m.verdict));
    }
}

fn num(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "—".into(),
    }
}

fn p_value(x: Option<f64>) -> String {
    super::format_p_value(x, "—")
}

fn digits_section(h: &mut String, d: &DigitsFinding, figures: &Figures) {
    h.push_str("<h2>Digit tests</h2>\n");
    baseline(h, "On a fraud-free simulated election of 40,000 stations 24 of 47 national digit tests reject at 5 %, and Spain 2019 rejects the first-digit test for 63 of its 66 parties: digits describe how station counts are distributed, and the verdict never uses them.");
    let _ = writeln!(h, "<p><strong>{}</strong></p>", escape(&d.verdict));
    h.push_str("<div class=\"note\"><p>Read these with care:</p><ul>");
    for c in &d.caveats {
        let _ = write!(h, "<li>{}</li>", escape(c));
    }
    h.push_str("</ul></div>\n");
    let _ = writeln!(
        h,
        "<p>Pearson X² against each law with asymptotic χ² p-values; q-values are Benjamini–Hochberg adjusted within each test across columns and regions; \
         mean intervals are {:.0} % {}. Significance level {} on q.</p>",
        100.0 * d.options.confidence_level,
        if d.options.bootstrap_replicates > 0 {
            format!(
                "percentile bootstrap intervals ({} replicates, seed {})",
                d.options.bootstrap_replicates, d.options.seed
            )
        } else {
            "normal intervals (x̄ ± z·s/√n)".to_string()
        },
        d.options.alpha
    );
    h.push_str("<table><tr><th class=\"l\">test</th><th>min count</th><th>results</th><th>insufficient data</th><th>significant (q)</th><th class=\"l\">reference</th></tr>\n");
    for t in &d.tests {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\"><small>{}</small></td></tr>",
            t.test.name(),
            t.min_count,
            t.results,
            t.insufficient_data,
            t.significant,
            escape(t.reference)
        );
    }
    h.push_str("</table>\n<h3>All stations</h3>\n<table><tr><th class=\"l\">test</th><th class=\"l\">column</th><th>n</th><th>excluded</th><th>X²</th><th>df</th><th>p</th><th>q</th><th>mean</th><th>expected</th><th>interval</th><th>MAD</th><th class=\"l\">conformity</th></tr>\n");
    let row = |h: &mut String, r: &DigitResult| {
        let [mean, expected, ci] = r.mean_cells("—");
        let flag = r.q_value.is_some_and(|q| q <= d.options.alpha);
        let _ = writeln!(
            h,
            "<tr{}><td class=\"l\">{}</td><td class=\"l\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            if flag { " style=\"background:#fde8e8\"" } else { "" },
            r.test.name(),
            escape(&r.column),
            if r.region == ALL_REGIONS { String::new() } else { format!(" — {}", escape(&r.region)) },
            r.n,
            r.n_excluded,
            num(r.statistic, 2),
            r.df,
            p_value(r.p_value),
            p_value(r.q_value),
            mean,
            expected,
            ci,
            num(r.mad, 4),
            r.conformity_label("—")
        );
    };
    for r in d.results.iter().filter(|r| r.region == ALL_REGIONS) {
        row(h, r);
    }
    h.push_str("</table>\n");
    let mut regional: Vec<&DigitResult> = d
        .results
        .iter()
        .filter(|r| r.region != ALL_REGIONS && r.q_value.is_some_and(|q| q <= d.options.alpha))
        .collect();
    regional.sort_by(|a, b| {
        a.q_value
            .unwrap_or(1.0)
            .total_cmp(&b.q_value.unwrap_or(1.0))
    });
    let shown = regional.len().min(30);
    let _ = writeln!(
        h,
        "<h3>Digit tests by region</h3>\n<p>{} regional results are significant at q ≤ {}{}.</p>",
        regional.len(),
        d.options.alpha,
        if shown > 0 {
            format!("; the {shown} smallest q-values")
        } else {
            String::new()
        }
    );
    if shown > 0 {
        h.push_str("<table><tr><th class=\"l\">test</th><th class=\"l\">column — region</th><th>n</th><th>excluded</th><th>X²</th><th>df</th><th>p</th><th>q</th><th>mean</th><th>expected</th><th>interval</th><th>MAD</th><th class=\"l\">conformity</th></tr>\n");
        for r in &regional[..shown] {
            row(h, r);
        }
        h.push_str("</table>\n");
    }
    if !figures.digits.is_empty() {
        h.push_str("<h3>The winner's digits</h3>\n<p>Grey bars: expected frequency; whiskers: pointwise 95 % acceptance interval; dots: observed (red outside the interval).</p>\n");
        for (stem, svg) in &figures.digits {
            let _ = writeln!(
                h,
                "<figure style=\"display:inline-block;margin:0\">{svg}<figcaption><small><code>plots/{}.png</code>, <code>.svg</code></small></figcaption></figure>",
                escape(stem)
            );
        }
    }
}

/// Renders the report page with its inline figures.
pub fn render(r: &Report, figures: &Figures) -> String {
    let s = &r.summary;
    let q = &r.data_quality;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>escrutinio: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&s.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", escape(&s.name));
    let _ = writeln!(
        h,
        "<p>Input <code>{}</code> ({} rows, SHA-256 <code>{}</code>), report schema {}, escrutinio {}.</p>",
        escape(&r.input.path),
        r.input.rows,
        escape(&r.input.sha256),
        r.schema_version,
        r.tool.version
    );
    let _ = writeln!(
        h,
        "<p class=\"note\">This report describes the election and the quality of its data. \
         Methods run: {}. Participation over the day has its own section when \
         participation data were given.</p>",
        escape(&r.methods.join(", "))
    );
    h.push_str(CONTENTS_MARK);
    verdict_section(&mut h, &r.verdict, figures.regions.as_deref());
    if let Some(c) = &r.calibration {
        calibration_section(&mut h, c);
    }
    h.push_str("<h2>Summary</h2>\n<table>\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(
            h,
            "<tr><th class=\"l\">{}</th><td>{}</td></tr>",
            escape(k),
            escape(&v)
        );
    };
    row("stations", int(s.stations as u64));
    row("regions", int(s.regions as u64));
    row(
        "electorate",
        s.electorate
            .map_or_else(|| "not in the data".to_string(), int),
    );
    row("ballots issued", int(s.ballots));
    if let Some(b) = s.ballots_in_boxes {
        row("ballots in boxes", int(b));
    }
    if let Some(v) = s.valid {
        row("valid", int(v));
    }
    if let Some(v) = s.invalid {
        row("invalid", int(v));
    }
    row("turnout", pct(s.turnout));
    row("winner", s.winner.clone());
    h.push_str("</table>\n<h2>Contestants</h2>\n<table><tr><th class=\"l\">contestant</th><th>votes</th><th>share</th></tr>\n");
    for c in &s.contestants {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            if c.winner { " (winner)" } else { "" },
            int(c.votes),
            pct(c.share)
        );
    }
    h.push_str("</table>\n<h2>Turnout distribution</h2>\n");
    let d = &s.turnout_distribution;
    let median = d
        .quantiles
        .iter()
        .find(|q| q.p == 0.5)
        .map_or(f64::NAN, |q| q.turnout);
    let _ = writeln!(
        h,
        "<p>{} stations with a defined turnout; mean {}, median {}, sd {:.4}; {} stations at exactly 100 %, {} above 100 %.</p>",
        int(d.stations as u64),
        pct(d.mean),
        pct(median),
        d.sd,
        d.stations_at_100,
        d.stations_above_100
    );
    h.push_str("<figure>");
    h.push_str(&figures.turnout);
    h.push_str("<figcaption>Stations per 1-point turnout bin (also <code>plots/turnout_histogram.png</code> and <code>.svg</code>).</figcaption></figure>\n");

    fingerprint_section(&mut h, r, figures);
    if let Some(hf) = &r.findings.hourly {
        hourly_section(&mut h, hf, figures);
    }
    fieldwork_section(&mut h, r, figures);
    for sk in &r.skipped {
        let _ = writeln!(
            h,
            "<p class=\"note\">Not run on these data: <code>{}</code>: {}</p>",
            escape(sk.method),
            escape(&sk.reason)
        );
    }
    if let Some(d) = &r.findings.digits {
        digits_section(&mut h, d, figures);
    }
    h.push_str("<h2>Data quality</h2>\n");
    for w in &r.schema.resolved.warnings {
        let _ = writeln!(h, "<p class=\"note\">Warning: {}</p>", escape(w));
    }
    let _ = writeln!(
        h,
        "<p>{} rows read; {} used; {} excluded as invalid (policy: {}); {} removed by schema filters; {} stations kept with findings.</p>",
        int(q.rows_read as u64),
        int(q.rows_used as u64),
        int(q.rows_excluded_invalid as u64),
        escape(&format!("{:?}", q.policy).to_lowercase()),
        int(q.rows_excluded_filtered as u64),
        int(q.rows_flagged as u64)
    );
    for f in &q.filters {
        let _ = writeln!(
            h,
            "<p>Filter: rows with <code>{}</code> in [{}] removed ({} rows): {}</p>",
            escape(&f.column),
            escape(&f.equals.join(", ")),
            f.rows,
            escape(&f.reason)
        );
    }
    if !q.problems.is_empty() {
        h.push_str("<table><tr><th class=\"l\">problem</th><th class=\"l\">severity</th><th>rows</th><th>occurrences</th><th class=\"l\">first example</th></tr>\n");
        for p in &q.problems {
            let sev = match p.severity {
                Severity::Invalid => "invalid (row excluded)",
                Severity::Finding => "finding (row kept, flagged)",
                Severity::Filtered => "filtered",
                Severity::Notice => "notice",
            };
            let ex = p
                .examples
                .first()
                .map(|e| e.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}<br><small>{}</small></td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td class=\"l\"><small>{}</small></td></tr>",
                escape(p.kind.name()),
                escape(p.description),
                sev,
                p.rows,
                p.occurrences,
                escape(&ex)
            );
        }
        h.push_str("</table>\n");
    } else {
        h.push_str("<p>No row problems.</p>\n");
    }
    h.push_str("<h2>Regions: turnout and the winner's share</h2>\n<table><tr><th class=\"l\">region</th><th>stations</th><th>electorate</th><th>ballots</th><th>turnout</th><th>winner share</th><th>stations ≥ 100 %</th></tr>\n");
    for g in &s.by_region {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.region),
            int(g.stations as u64),
            g.electorate.map_or_else(|| "–".to_string(), int),
            int(g.ballots),
            pct(g.turnout),
            pct(g.winner_share),
            g.stations_turnout_100
        );
    }
    h.push_str("</table>\n<p><small>Machine-readable: <code>report.json</code>, <code>stations.csv</code>, <code>stations.parquet</code>.</small></p>\n</body></html>\n");
    with_contents(h)
}

/// What a clean election shows in a section, next to its numbers (the
/// figures are measured: docs/measurements.md and the notebooks).
fn baseline(h: &mut String, text: &str) {
    let _ = writeln!(
        h,
        "<p class=\"baseline\"><strong>Clean baseline.</strong> {}</p>",
        escape(text)
    );
}

/// Where the table of contents goes (before the verdict).
const CONTENTS_MARK: &str = "<!--contents-->\n";

/// Numbers every `<h2>` of the page (`id="s1"`, ...) and puts a table of
/// contents linking to them at [`CONTENTS_MARK`].
fn with_contents(page: String) -> String {
    let mut body = String::with_capacity(page.len() + 2048);
    let mut entries = Vec::new();
    let mut rest = page.as_str();
    while let Some(at) = rest.find("<h2>") {
        body.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let end = after.find("</h2>").unwrap_or(after.len());
        entries.push(after[..end].to_string());
        let _ = write!(body, "<h2 id=\"s{}\">", entries.len());
        rest = after;
    }
    body.push_str(rest);
    let mut nav = String::from("<nav class=\"toc\"><strong>Contents</strong><ol>");
    for (k, title) in entries.iter().enumerate() {
        // Titles are already escaped HTML; keep their text only.
        let _ = write!(
            nav,
            "<li><a href=\"#s{}\">{}</a></li>",
            k + 1,
            strip_tags(title)
        );
    }
    nav.push_str("</ol></nav>\n");
    body.replacen(CONTENTS_MARK, &nav, 1)
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' if inside => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The verdict at the top of the page: conclusion, paragraph, the
/// families' national figures and the top regions with their intervals.
/// The calibration: placebo bands of the estimates, then each test's
/// false-positive rate on the placebos and its calibrated p-value.
fn calibration_section(h: &mut String, c: &crate::calibration::Calibration) {
    let _ = writeln!(
        h,
        "<h2>Calibration on {} placebo elections</h2>\n<p>Placebo elections keep these stations, registered voters and regions and draw every count from a clean model fitted to these data ({}). An estimate counts as evidence only above its placebo band; a test is read at its calibrated level.</p>",
        c.replicates,
        escape(c.null_model.description)
    );
    h.push_str("<table>\n<tr><th class=\"l\">estimate</th><th>observed</th><th>placebo band</th><th>placebo median</th><th class=\"l\">reading</th></tr>\n");
    for b in &c.estimates {
        let reading = match b.observed {
            Some(o) if b.above_band => {
                format!("above the band by {}", thousands(o - b.placebo_high))
            }
            Some(_) => "within or below the band".to_string(),
            None => "not estimated on these data".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{} – {}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(b.family),
            b.observed.map_or("—".into(), thousands),
            thousands(b.placebo_low),
            thousands(b.placebo_high),
            thousands(b.placebo_median),
            escape(&reading)
        );
    }
    h.push_str("</table>\n<table>\n<tr><th class=\"l\">test</th><th>false-positive rate at the nominal level</th><th>95 % interval</th><th>p-value</th><th>calibrated p-value</th><th class=\"l\">rejects</th></tr>\n");
    for t in &c.tests {
        let rejects = match (t.rejects_at_nominal, t.rejects_at_calibrated) {
            (_, true) => "at its calibrated level",
            (true, false) => "only at the nominal level",
            (false, false) => "no",
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}/{}</td><td>{:.3}</td><td>{:.3} – {:.3}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(t.family),
            escape(&t.test),
            t.false_positive_rate,
            t.ci_low,
            t.ci_high,
            crate::report::format_p_value(t.observed_p_value, "—"),
            t.calibrated_p_value.map_or("—".into(), |p| format!("{p:.3}")),
            rejects
        );
    }
    h.push_str("</table>\n");
}

fn verdict_section(h: &mut String, v: &crate::verdict::Verdict, regions: Option<&str>) {
    let word = match v.evidence {
        crate::verdict::Evidence::Inflation => "Inflation",
        crate::verdict::Evidence::NoEvidence => "No evidence of inflation",
        crate::verdict::Evidence::Inconclusive => "Inconclusive",
    };
    let _ = writeln!(h, "<h2>Verdict: {}</h2>", escape(word));
    let _ = writeln!(h, "<p>{}</p>", escape(&v.summary));
    h.push_str("<table>\n<tr><th class=\"l\">method</th><th>estimate</th><th>interval</th><th>share of ballots</th><th class=\"l\">model</th></tr>\n");
    for n in &v.national {
        let ci = match (n.ci_low, n.ci_high) {
            (Some(l), Some(hi)) => format!("{} – {}", thousands(l), thousands(hi)),
            _ => "–".into(),
        };
        let model = match (&n.reason, n.evidence, n.placebo_high) {
            (Some(r), _, _) => format!("not adequate: {r}"),
            (None, true, _) => "adequate; evidence".into(),
            (None, false, Some(hi)) if n.estimate <= hi => format!(
                "adequate; within its placebo band ({} – {})",
                thousands(n.placebo_low.unwrap_or(f64::NAN)),
                thousands(hi)
            ),
            (None, false, _) => "adequate; below the threshold".into(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{:.2} %</td><td class=\"l\">{}</td></tr>",
            escape(n.family),
            thousands(n.estimate),
            ci,
            100.0 * n.share_of_ballots,
            escape(&model)
        );
    }
    h.push_str("</table>\n");
    for b in &v.lower_bounds {
        let _ = writeln!(h, "<p>Certain: {}.</p>", escape(&b.description));
    }
    let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(&v.agreement));
    if !v.top_regions.is_empty() {
        h.push_str("<h3>Regions with most winner votes above their own clean-share line, per registered voter</h3>\n<table>\n<tr><th>rank</th><th class=\"l\">region</th><th>stations</th><th>winner votes above the line</th><th>interval</th><th>per registered voter</th></tr>\n");
        for r in &v.top_regions {
            let ci = match (r.inflated_low, r.inflated_high) {
                (Some(l), Some(hi)) => format!("{} – {}", thousands(l), thousands(hi)),
                _ => "–".into(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2} %</td></tr>",
                r.rank,
                escape(&r.region),
                r.stations,
                thousands(r.inflated_ballots),
                ci,
                100.0 * r.inflated_per_voter
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(svg) = regions {
        figure(
            h,
            svg,
            "Regions ranked by winner votes above their own clean-share line per registered voter (dots), with their intervals (bars); at most 25 regions.",
        );
    }
}

/// Independent counts and the reference subset (issue 18).
fn fieldwork_section(h: &mut String, r: &Report, figures: &Figures) {
    if let Some(f) = &r.findings.independent_counts {
        h.push_str("<h2>Independent counts</h2>\n");
        let _ = writeln!(
            h,
            "<p>{} from <code>{}</code>. {}</p>",
            escape(&f.source),
            escape(&f.origin),
            if f.certain {
                "Each independent figure is a lower bound on the true count: where the official count is below it, the station undercounted the contestant with certainty, and the shortfalls add up to a certain lower bound on the missing votes."
            } else {
                "Each independent figure is an alternative count of the same quantity."
            }
        );
        h.push_str("<table><tr><th class=\"l\">contestant</th><th>stations compared</th><th>official below</th><th>official above</th><th>official total</th><th>independent total</th><th>shortfall</th><th>extrapolated</th><th>interval</th></tr>\n");
        for c in &f.contestants {
            let (est, ci) = match &c.extrapolation {
                Some(x) => (
                    thousands(x.estimate),
                    format!("{} to {}", thousands(x.ci_low), thousands(x.ci_high)),
                ),
                None => ("–".into(), "–".into()),
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.contestant),
                int(c.stations_compared as u64),
                int(c.stations_official_below as u64),
                int(c.stations_official_above as u64),
                int(c.official_total),
                int(c.independent_total),
                int(c.shortfall),
                est,
                ci
            );
        }
        h.push_str("</table>\n");
        if let Some(x) = f.contestants.iter().find_map(|c| c.extrapolation.as_ref()) {
            let _ = writeln!(
                h,
                "<p class=\"note\">The extrapolation to {} stations assumes {}; the certain bound assumes nothing about stations without independent figures.</p>",
                int(x.population),
                escape(x.assumption)
            );
        }
        for svg in &figures.independent {
            figure(h, svg, "Official against independent count per station; red: official below independent (<code>plots/independent_*.svg</code>).");
        }
    }
    if let Some(f) = &r.findings.reference_subset {
        h.push_str("<h2>Reference subset</h2>\n");
        let _ = writeln!(
            h,
            "<p>{} ({} stations, <code>{}</code>, matched on {}): the leader's votes per registered voter at these stations, applied to every station of their {} (Kobak's extrapolation). {} units covered, {} without a reference station (not extrapolated).</p>",
            escape(&f.label),
            int(f.reference_stations as u64),
            escape(&f.origin),
            escape(&f.key_columns.join(", ")),
            escape(&f.level),
            int(f.units_covered as u64),
            int(f.units_not_covered as u64)
        );
        let _ = writeln!(
            h,
            "<p class=\"verdict\">{} counted {} in the covered units; the reference stations imply {}: {} votes above ({} % interval {} to {}).</p>",
            escape(&f.leader),
            int(f.counted),
            thousands(f.expected),
            thousands(f.excess),
            (100.0 * f.options.ci_level).round(),
            f.ci_low.map_or("—".into(), thousands),
            f.ci_high.map_or("—".into(), thousands)
        );
        let mut units = f.units.clone();
        units.sort_by(|a, b| b.excess.total_cmp(&a.excess));
        h.push_str("<table><tr><th class=\"l\">unit</th><th>stations</th><th>reference</th><th>counted</th><th>expected</th><th>excess</th><th>turnout, reference − others</th><th>leader share, reference − others</th></tr>\n");
        for u in units.iter().take(15) {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&u.unit),
                u.stations,
                u.reference_stations,
                int(u.counted),
                thousands(u.expected),
                thousands(u.excess),
                u.turnout_difference.map_or("–".into(), pct),
                u.leader_share_difference.map_or("–".into(), pct)
            );
        }
        h.push_str("</table>\n");
        if let Some(svg) = &figures.reference {
            figure(h, svg, "Counted against expected leader's votes per unit (<code>plots/reference_subset.svg</code>).");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>\"a\"&'b'</script>"),
            "&lt;script&gt;&quot;a&quot;&amp;&#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(int(1234567), "1\u{202f}234\u{202f}567");
    }
}
