//! Text of the fieldwork families: independent counts against the
//! official ones, and the reference-subset extrapolation.

use std::fmt::Write;

use crate::methods::independent_counts::IndependentFinding;
use crate::methods::reference_subset::ReferenceFinding;
use crate::methods::registry::Findings;
use crate::report::html::thousands as whole;

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
