//! `atlas.html`: the elections of an atlas side by side — each estimating
//! family's estimate over the elections (share of ballots, with interval),
//! the integer-percentage anomaly, small multiples of the winner's
//! fingerprint (stations by turnout and winner's share) on one colour
//! scale, as in Kobak, Shpilkin & Pshenichnikov's comet plots, and small
//! multiples of the turnout histograms on one scale. Hand-written
//! SVG: the page is self-contained and deterministic.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::{AtlasRow, ElectionFolder};
use crate::error::{Error, Result};
use crate::report::html::escape;

/// Bins per axis of the small fingerprints (the reports' 100 summed 2 × 2).
const SMALL_BINS: usize = 50;

/// One election's winner fingerprint, coarsened: (turnout bin, share bin)
/// -> share of the election's stations.
struct Small {
    label: String,
    cells: Vec<(usize, usize, f64)>,
}

fn small_fingerprint(r: &Value, label: &str) -> Option<Small> {
    let c = r["fingerprint"]["contestants"]
        .as_array()?
        .iter()
        .find(|c| c["winner"].as_bool() == Some(true))?;
    let by = &c["by_stations"];
    let bins = by["bins"].as_u64()? as usize;
    let total = by["total"].as_f64()?.max(1.0);
    let mut grid = vec![0.0; SMALL_BINS * SMALL_BINS];
    for cell in by["cells"].as_array()? {
        let (t, s, v) = (
            cell[0].as_u64()? as usize,
            cell[1].as_u64()? as usize,
            cell[2].as_f64()?,
        );
        let (t, s) = (t * SMALL_BINS / bins, s * SMALL_BINS / bins);
        grid[t.min(SMALL_BINS - 1) * SMALL_BINS + s.min(SMALL_BINS - 1)] += v / total;
    }
    let cells = grid
        .iter()
        .enumerate()
        .filter(|(_, &v)| v > 0.0)
        .map(|(k, &v)| (k / SMALL_BINS, k % SMALL_BINS, v))
        .collect();
    Some(Small {
        label: label.to_string(),
        cells,
    })
}

/// The opening tag of a page-wide SVG of `w` × `h` user units.
fn svg_open(w: f64, h: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"100%\" font-family=\"sans-serif\" font-size=\"11\">\n"
    )
}

/// A colour from white through orange to dark red for `x` in [0, 1].
fn heat(x: f64) -> String {
    let x = x.clamp(0.0, 1.0);
    let r = 255.0 - 80.0 * x;
    let g = 245.0 * (1.0 - x).powf(0.8);
    let b = 220.0 * (1.0 - x).powi(2);
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

fn fingerprints_svg(smalls: &[Small]) -> String {
    let size = 150.0;
    let per_row = 4;
    let rows = smalls.len().div_ceil(per_row).max(1);
    let (w, h) = (
        per_row as f64 * (size + 20.0) + 10.0,
        rows as f64 * (size + 40.0) + 30.0,
    );
    // One colour scale: log of the share of stations, over every election.
    let max = smalls
        .iter()
        .flat_map(|s| s.cells.iter().map(|c| c.2))
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let floor = max * 1e-4;
    let level = |v: f64| ((v.max(floor) / floor).ln() / (max / floor).ln()).clamp(0.0, 1.0);
    let mut svg = svg_open(w, h);
    let cell = size / SMALL_BINS as f64;
    for (k, s) in smalls.iter().enumerate() {
        let x0 = 10.0 + (k % per_row) as f64 * (size + 20.0);
        let y0 = 20.0 + (k / per_row) as f64 * (size + 40.0);
        let _ = writeln!(
            svg,
            "<text x=\"{x0:.1}\" y=\"{:.1}\">{}</text><rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{size}\" height=\"{size}\" fill=\"white\" stroke=\"#999\"/>",
            y0 - 5.0,
            escape(&s.label)
        );
        for &(t, sh, v) in &s.cells {
            let _ = write!(
                svg,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{cell:.2}\" height=\"{cell:.2}\" fill=\"{}\"/>",
                x0 + t as f64 * cell,
                y0 + size - (sh + 1) as f64 * cell,
                heat(level(v))
            );
        }
        svg.push('\n');
    }
    svg.push_str("</svg>\n");
    svg.push_str("<p>x: turnout 0–100 %; y: the winner's share 0–100 %; colour: share of the election's stations per cell, on one logarithmic scale for every election (white below 1/10,000 of the largest cell).</p>\n");
    svg
}

/// One election's turnout histogram (stations per 1-point bin; the last
/// bin is 100 % or more), as shares of its stations.
fn turnout_histogram(r: &Value, label: &str) -> Option<(String, Vec<f64>)> {
    let counts: Vec<f64> = r["summary"]["turnout_distribution"]["histogram"]["stations"]
        .as_array()?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    let total: f64 = counts.iter().sum();
    (total > 0.0).then(|| {
        (
            label.to_string(),
            counts.iter().map(|c| c / total).collect(),
        )
    })
}

/// Small multiples of the turnout histograms on one vertical scale.
fn histograms_svg(hists: &[(String, Vec<f64>)]) -> String {
    let (pw, ph) = (220.0, 110.0);
    let per_row = 4;
    let rows = hists.len().div_ceil(per_row).max(1);
    let (w, h) = (
        per_row as f64 * (pw + 20.0) + 10.0,
        rows as f64 * (ph + 40.0) + 10.0,
    );
    let max = hists
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1e-12);
    let mut svg = svg_open(w, h);
    for (k, (label, v)) in hists.iter().enumerate() {
        let x0 = 10.0 + (k % per_row) as f64 * (pw + 20.0);
        let y0 = 20.0 + (k / per_row) as f64 * (ph + 40.0);
        let _ = writeln!(
            svg,
            "<text x=\"{x0:.1}\" y=\"{:.1}\">{}</text><line x1=\"{x0:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/>",
            y0 - 5.0,
            escape(label),
            x0 + pw,
            y0 + ph,
            y0 + ph
        );
        let bw = pw / v.len().max(1) as f64;
        for (b, &x) in v.iter().enumerate() {
            if x <= 0.0 {
                continue;
            }
            let bh = ph * x / max;
            let colour = if b + 1 == v.len() {
                "#b22222"
            } else {
                "#31639a"
            };
            let _ = write!(
                svg,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"{colour}\"/>",
                x0 + b as f64 * bw,
                y0 + ph - bh,
                bw * 0.9
            );
        }
        svg.push('\n');
    }
    svg.push_str("</svg>\n<p>Stations per 1-point turnout bin, 0–100 % (red: 100 % or more), as a share of each election's stations, on one vertical scale: the integer-percentage spikes and the right-hand tails compare directly.</p>\n");
    svg
}

/// Estimates of one family over the elections: share of ballots (%), with
/// the interval; filled when the verdict counts it as evidence, hollow
/// when its model was not adequate.
fn family_svg(family: &str, rows: &[&AtlasRow]) -> String {
    let n = rows.len().max(1);
    let (w, h, left, bottom) = (760.0, 240.0, 70.0, 70.0);
    // Ballot estimates as a share of the election's ballots; the
    // integer-percentage anomaly in stations.
    let stations = family == "integer_percent";
    let pct = |r: &AtlasRow, x: Option<f64>| {
        x.map(|v| {
            if stations {
                v
            } else {
                100.0 * v / r.ballots.max(1) as f64
            }
        })
    };
    let unit = if stations { "" } else { " %" };
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for r in rows {
        for v in [
            pct(r, Some(r.estimate)),
            pct(r, r.ci_low),
            pct(r, r.ci_high),
        ]
        .into_iter()
        .flatten()
        .filter(|v| v.is_finite())
        {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = 0.05 * (hi - lo);
    let (lo, hi) = (lo - pad, hi + pad);
    let y = |v: f64| 10.0 + (h - bottom - 10.0) * (hi - v) / (hi - lo);
    let step = (w - left - 20.0) / n as f64;
    let x = |k: usize| left + step * (k as f64 + 0.5);
    let mut svg = svg_open(w, h);
    let _ = writeln!(
        svg,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>",
        w - 10.0,
        y(0.0),
        y(0.0)
    );
    for t in 0..=4 {
        let v = lo + (hi - lo) * t as f64 / 4.0;
        let _ = writeln!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}{unit}</text>",
            left - 6.0,
            y(v) + 4.0
        );
    }
    for (k, r) in rows.iter().enumerate() {
        let xc = x(k);
        if let (Some(a), Some(b)) = (pct(r, r.ci_low), pct(r, r.ci_high)) {
            let _ = writeln!(
                svg,
                "<line x1=\"{xc:.1}\" x2=\"{xc:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#31639a\" stroke-width=\"2\"/>",
                y(a),
                y(b)
            );
        }
        if let Some(e) = pct(r, Some(r.estimate)).filter(|v| v.is_finite()) {
            let fill = if r.evidence {
                "#b22222"
            } else if r.adequate {
                "#31639a"
            } else {
                "white"
            };
            let _ = writeln!(
                svg,
                "<circle cx=\"{xc:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{fill}\" stroke=\"#31639a\"/>",
                y(e)
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{xc:.1}\" y=\"{:.0}\" text-anchor=\"end\" transform=\"rotate(-40 {xc:.1} {:.0})\">{}</text>",
            h - bottom + 14.0,
            h - bottom + 14.0,
            escape(&r.label)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{left}\" y=\"{:.0}\">{} — {}; red: evidence, blue: adequate, hollow: model not adequate</text>",
        h - 4.0,
        escape(family),
        if stations {
            "integer stations above the exact null, with its 95 % band"
        } else {
            "share of ballots, with the interval"
        }
    );
    svg.push_str("</svg>\n");
    svg
}

/// Writes `atlas.html` into `out` from the rows and the elections' folders
/// (in date order).
pub fn write(rows: &[AtlasRow], folders: &[ElectionFolder], out: &Path) -> Result<()> {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>escrutinio atlas</title>\n<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f0f0f0}td.l,th.l{text-align:left}</style></head><body>\n<h1>Atlas of elections</h1>\n",
    );
    let _ = writeln!(
        h,
        "<p>{} elections, in date order. Each estimate is shown as a share of its election's ballots; the verdict and adequacy rules are those of <code>report.json</code> (see <code>docs/methods.md</code>). Data: <code>atlas.csv</code>, <code>atlas.parquet</code>.</p>",
        folders.len()
    );
    let mut families: Vec<&str> = Vec::new();
    for r in rows {
        if !families.contains(&r.family.as_str()) {
            families.push(&r.family);
        }
    }
    h.push_str("<h2>Estimates over the elections</h2>\n");
    for f in &families {
        let of: Vec<&AtlasRow> = rows.iter().filter(|r| r.family == *f).collect();
        h.push_str(&family_svg(f, &of));
    }
    h.push_str("<h2>Fingerprints of the winner (stations)</h2>\n");
    let smalls: Vec<Small> = folders
        .iter()
        .filter_map(|f| small_fingerprint(&f.report, &f.record.label))
        .collect();
    if smalls.is_empty() {
        h.push_str(
            "<p>No election has a fingerprint (the turnout families need registered voters).</p>\n",
        );
    } else {
        h.push_str(&fingerprints_svg(&smalls));
    }
    h.push_str("<h2>Turnout histograms</h2>\n");
    let hists: Vec<(String, Vec<f64>)> = folders
        .iter()
        .filter_map(|f| turnout_histogram(&f.report, &f.record.label))
        .collect();
    if hists.is_empty() {
        h.push_str("<p>No election has registered voters, so no turnout.</p>\n");
    } else {
        h.push_str(&histograms_svg(&hists));
    }
    h.push_str("<h2>Every estimate</h2>\n<table><tr><th class=\"l\">election</th><th class=\"l\">date</th><th class=\"l\">verdict</th><th class=\"l\">family</th><th>estimate</th><th>interval</th><th>% of ballots</th><th class=\"l\">adequate</th><th class=\"l\">evidence</th></tr>\n");
    for r in rows {
        let int = |v: f64| crate::report::html::thousands(v);
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&r.label),
            escape(r.date.as_deref().unwrap_or("")),
            escape(&r.verdict),
            escape(&r.family),
            int(r.estimate),
            match (r.ci_low, r.ci_high) {
                (Some(a), Some(b)) => format!("{} to {}", int(a), int(b)),
                (Some(a), None) => format!("at least {}", int(a)),
                _ => "–".into(),
            },
            100.0 * r.estimate / r.ballots.max(1) as f64,
            if r.adequate { "yes" } else { "no" },
            if r.evidence { "yes" } else { "no" }
        );
    }
    h.push_str("</table>\n</body></html>\n");
    let p = out.join("atlas.html");
    std::fs::write(&p, h).map_err(|e| Error::output(&p, e))
}
