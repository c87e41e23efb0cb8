//! Renderings of a claim check ([`crate::claim::ClaimCheck`]): the text
//! `check` prints, the assumption-grid plot (SVG, written by hand so that
//! it is byte-identical everywhere) and the self-contained `check.html`.

use std::fmt::Write as _;

use crate::claim::{probability_words, ClaimCheck, Status};
use crate::report::html::escape;

/// The text `escrutinio check` prints.
pub fn text(c: &ClaimCheck) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Claim: {}  ->  {}{}",
        c.claim.text,
        c.answer.words().to_uppercase(),
        if c.holds {
            " (holds)"
        } else {
            " (does not hold)"
        }
    );
    let _ = writeln!(out, "{}", c.summary);
    if let Some(p) = &c.pace {
        let _ = writeln!(
            out,
            "\nAnnounced pace ({}): {} voters at {} after {:.0} open minutes ({:.0} a minute); the announced {} adds {} in the last {:.0} minutes: {:.2}× the earlier pace.",
            p.scope,
            p.last_bulletin_voters,
            p.last_bulletin,
            p.minutes_before,
            p.voters_per_minute_before,
            p.announced_voters,
            p.late_voters,
            p.minutes_after,
            p.ratio_needed
        );
        let _ = writeln!(
            out,
            "The claim fails if the late pace was above {:.2}× the earlier one. Clean reference: median {:.2}, largest {:.2} over {} scopes ({} above {:.2}); P(claim) {}.",
            p.ratio_at_which_claim_fails,
            p.reference.median,
            p.reference.max,
            p.reference.scopes,
            p.reference_scopes_above,
            p.ratio_at_which_claim_fails,
            probability_words(p.probability)
        );
    }
    out.push('\n');
    for l in &c.lines {
        let mut head = format!("  {:<32} {}", l.line, l.status.words());
        if let Some(p) = l.probability {
            head.push_str(&format!(", probability {}", probability_words(p)));
        }
        if let Some(b) = l.certain_at_least {
            head.push_str(&format!(", certain at least {b:.0}"));
        }
        if let (Some(e), Some(lo), Some(hi)) = (l.estimate, l.ci_low, l.ci_high) {
            head.push_str(&format!(", estimate {e:.0} [{lo:.0}, {hi:.0}]"));
        }
        let _ = writeln!(out, "{head}");
        for a in &l.assumptions {
            let _ = writeln!(out, "      assumes: {a}");
        }
        if !l.flips.is_empty() {
            let _ = writeln!(out, "      flips: {}", l.flips);
        }
    }
    out
}

fn colour(s: Status) -> &'static str {
    match s {
        Status::Certain => "#8b1a1a",
        Status::Probable => "#e08a2c",
        Status::NotSupported => "#c8c8c8",
        Status::NotApplicable => "#ffffff",
    }
}

/// The claim's status across the assumption grid (seconds per voter ×
/// issuing points per centre), with each cell's certain excess; `None`
/// without a grid.
pub fn grid_svg(c: &ClaimCheck) -> Option<String> {
    if c.grid.is_empty() {
        return None;
    }
    let mut xs: Vec<f64> = c.grid.iter().map(|g| g.seconds_per_voter).collect();
    xs.dedup();
    let mut ys: Vec<f64> = c.grid.iter().map(|g| g.issuing_points_per_centre).collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let (cw, ch) = (78.0, 34.0);
    let (left, top) = (90.0, 40.0);
    let w = left + cw * xs.len() as f64 + 20.0;
    let h = top + ch * ys.len() as f64 + 90.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px" font-family="sans-serif" font-size="11">"#
    );
    let _ = write!(
        s,
        r#"<text x="{left}" y="20" font-size="13">{}: status across the assumptions</text>"#,
        escape(&c.claim.text)
    );
    for g in &c.grid {
        let i = xs
            .iter()
            .position(|x| *x == g.seconds_per_voter)
            .unwrap_or(0);
        let j = ys
            .iter()
            .position(|y| *y == g.issuing_points_per_centre)
            .unwrap_or(0);
        let x = left + cw * i as f64;
        let y = top + ch * (ys.len() - 1 - j) as f64;
        let text = if g.status == Status::Certain {
            "#ffffff"
        } else {
            "#000000"
        };
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{}" stroke="white"/><text x="{}" y="{}" text-anchor="middle" fill="{text}">{:.2}M</text>"#,
            colour(g.status),
            x + cw / 2.0,
            y + ch / 2.0 + 4.0,
            g.certain_excess / 1e6
        );
    }
    for (i, x) in xs.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{x:.1}</text>"#,
            left + cw * (i as f64 + 0.5),
            top + ch * ys.len() as f64 + 15.0
        );
    }
    for (j, y) in ys.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{y:.2}</text>"#,
            left - 6.0,
            top + ch * (ys.len() - 1 - j) as f64 + ch / 2.0 + 4.0
        );
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">seconds per voter</text><text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">issuing points per centre</text>"#,
        left + cw * xs.len() as f64 / 2.0,
        top + ch * ys.len() as f64 + 32.0,
        top + ch * ys.len() as f64 / 2.0,
        top + ch * ys.len() as f64 / 2.0
    );
    let ly = top + ch * ys.len() as f64 + 55.0;
    for (k, st) in [Status::Certain, Status::Probable, Status::NotSupported]
        .into_iter()
        .enumerate()
    {
        let x = left + 140.0 * k as f64;
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="14" height="14" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            ly - 11.0,
            colour(st),
            x + 20.0,
            ly,
            st.words()
        );
    }
    let _ = write!(
        s,
        r#"<text x="{left}" y="{}">cell label: late voters above the centres' capacity (a certain excess)</text></svg>"#,
        ly + 22.0
    );
    Some(s)
}

/// The self-contained `check.html`.
pub fn html(c: &ClaimCheck) -> String {
    let mut s = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>escrutinio claim check</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}.num{white-space:nowrap}</style></head><body>",
    );
    let _ = write!(
        s,
        "<h1>Claim: {}</h1><p><strong>{}</strong> ({})</p><p>{}</p>",
        escape(&c.claim.text),
        c.answer.words(),
        if c.holds {
            "holds on the evidence"
        } else {
            "does not hold on the evidence"
        },
        escape(&c.summary)
    );
    s.push_str("<h2>Lines of evidence</h2><table><tr><th>line</th><th>answer</th><th>probability</th><th>certain at least</th><th>assumptions</th><th>what would flip it</th></tr>");
    for l in &c.lines {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.line),
            l.status.words(),
            l.probability.map(probability_words).unwrap_or_default(),
            l.certain_at_least.map(|b| format!("{b:.0}")).unwrap_or_default(),
            l.assumptions.iter().map(|a| escape(a)).collect::<Vec<_>>().join("<br>"),
            escape(&l.flips)
        );
    }
    s.push_str("</table>");
    if let Some(svg) = grid_svg(c) {
        s.push_str("<h2>Across the assumptions</h2>");
        s.push_str(&svg);
    }
    s.push_str("</body></html>\n");
    s
}
