//! Text and HTML of the fieldwork families: independent counts against the
//! official ones, and the reference-subset extrapolation.

use std::fmt::Write;

use crate::methods::independent_counts::IndependentFinding;
use crate::methods::reference_subset::ReferenceFinding;
use crate::methods::registry::Findings;
use crate::report::html::{escape, figure, int, pct, Figures};
use crate::report::json::Report;

fn whole(x: f64) -> String {
    if x.is_finite() {
        let s = int(x.abs().round() as u64);
        if x < -0.5 {
            format!("−{s}")
        } else {
            s
        }
    } else {
        "–".into()
    }
}

/// What the CLI prints for both families (empty when neither ran).
pub fn text(f: &Findings) -> String {
    let mut out = String::new();
    if let Some(x) = &f.independent_counts {
        out.push_str(&independent_text(x));
    }
    if let Some(r) = &f.reference_subset {
        out.push_str(&reference_text(r));
    }
    out
}

fn independent_text(f: &IndependentFinding) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nIndependent counts: {} ({}){}",
        f.source,
        f.origin,
        if f.certain {
            ", a lower bound on each count"
        } else {
            ""
        }
    );
    for c in &f.contestants {
        let _ = writeln!(
            out,
            "  {:<20} {} stations compared: official below independent at {}, above at {}; shortfall {}{}",
            c.contestant,
            c.stations_compared,
            c.stations_official_below,
            c.stations_official_above,
            whole(c.shortfall as f64),
            if f.certain { " (certain: at least this many votes missing)" } else { "" }
        );
        if let Some(x) = &c.extrapolation {
            let _ = writeln!(
                out,
                "  {:<20} extrapolated to {} stations: {} [{}, {}] (assumes {})",
                "",
                x.population,
                whole(x.estimate),
                whole(x.ci_low),
                whole(x.ci_high),
                x.assumption
            );
        }
    }
    out
}

fn reference_text(r: &ReferenceFinding) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nReference subset: {} ({} stations; {}), extrapolated within each {}: {} units covered, {} not",
        r.label, r.reference_stations, r.origin, r.level, r.units_covered, r.units_not_covered
    );
    let _ = writeln!(
        out,
        "  {} counted {} in the covered units, expected {} from the reference stations: {} above [{}, {}]",
        r.leader,
        whole(r.counted as f64),
        whole(r.expected),
        whole(r.excess),
        r.ci_low.map_or("–".into(), whole),
        r.ci_high.map_or("–".into(), whole)
    );
    out
}

/// The HTML section of both families.
pub fn html(h: &mut String, r: &Report, figures: &Figures) {
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
                    whole(x.estimate),
                    format!("{} to {}", whole(x.ci_low), whole(x.ci_high)),
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
            whole(f.expected),
            whole(f.excess),
            (100.0 * f.options.ci_level).round(),
            f.ci_low.map_or("–".into(), whole),
            f.ci_high.map_or("–".into(), whole)
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
                whole(u.expected),
                whole(u.excess),
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
