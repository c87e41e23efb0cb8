//! The report's figures: which plots each finding gets, drawn into
//! `plots/` (PNG and SVG) and returned as inline SVG for the HTML page.

use std::path::Path;

use crate::error::Result;
use crate::methods::digits;
use crate::report::json::Report;
use crate::report::{hourly_plots, html, plots};

/// Draws every figure of `report` into `plots_dir` and returns them for
/// the HTML page.
pub fn draw(report: &Report, plots_dir: &Path) -> Result<html::Figures> {
    let turnout = plots::TurnoutFigure {
        histogram: &report.summary.turnout_distribution.histogram,
        title: "Turnout distribution",
    };
    let mut figures = html::Figures {
        turnout: plots::figure_files(&turnout, &plots_dir.join("turnout_histogram"))?,
        ..html::Figures::default()
    };
    if !report.verdict.regions.is_empty() {
        let rows = ranked_regions(&report.verdict.regions, 25);
        figures.regions = Some(plots::figure_files(
            &plots::RegionsFigure { rows: &rows },
            &plots_dir.join("regions_ranked"),
        )?);
    }
    if let Some(f) = &report.findings.fingerprint {
        let winner = f.contestants.iter().find(|c| c.winner);
        if let Some(w) = winner {
            let stations = w.by_stations.dense();
            let voters = w.by_voters.dense();
            let fig = plots::FingerprintFigure {
                title: format!(
                    "Fingerprint of {}: stations and voters",
                    short(&w.contestant)
                ),
                y_desc: format!("{} share (%)", short(&w.contestant)),
                shared_scale: false,
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
                shared_scale: true,
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
    if let Some(ip) = &report.findings.integer_percent {
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
    if let Some(d) = &report.findings.digits {
        for (stem, fig) in digit_figures(d, &report.summary.winner) {
            let svg = plots::figure_files(&fig, &plots_dir.join(&stem))?;
            figures.digits.push((stem, svg));
        }
    }
    if let Some(f) = &report.findings.independent_counts {
        for (k, c) in f.contestants.iter().enumerate() {
            let fig = plots::ScatterFigure {
                title: format!(
                    "{}: official against independent counts",
                    short(&c.contestant)
                ),
                x_desc: "official count per station".into(),
                y_desc: format!("independent count ({})", f.source),
                points: &c.points,
            };
            figures.independent.push(plots::figure_files(
                &fig,
                &plots_dir.join(format!("independent_{k}")),
            )?);
        }
    }
    if let Some(f) = &report.findings.reference_subset {
        let points: Vec<(f64, f64)> = f
            .units
            .iter()
            .map(|u| (u.expected, u.counted as f64))
            .collect();
        let fig = plots::ScatterFigure {
            title: format!(
                "{}: counted against expected votes per {}",
                short(&f.leader),
                f.level
            ),
            x_desc: format!("expected from the {}", f.label),
            y_desc: "counted".into(),
            points: &points,
        };
        figures.reference = Some(plots::figure_files(
            &fig,
            &plots_dir.join("reference_subset"),
        )?);
    }
    if let Some(h) = &report.findings.hourly {
        if let Some(fig) = hourly_plots::CurvesFigure::of(h) {
            figures.hourly_curves =
                Some(plots::figure_files(&fig, &plots_dir.join("hourly_curves"))?);
        }
        if let Some(l) = &h.late_surge {
            let fig = hourly_plots::LateShareFigure { late: l };
            figures.late_share = Some(plots::figure_files(&fig, &plots_dir.join("late_share"))?);
        }
    }
    Ok(figures)
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
                    title: format!("{}: {} (n = {}, {p})", r.test.name(), short(&r.column), r.n),
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

/// A name short enough for a figure's title or axis (long official party
/// names would run off the figure): at most 40 characters, cut with "…".
fn short(name: &str) -> String {
    const MAX: usize = 40;
    let name = name.trim();
    if name.chars().count() <= MAX {
        name.to_string()
    } else {
        let cut: String = name.chars().take(MAX - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The first `most` rows of the top level (the regions; `regions.csv`
/// lists them first, then the units of finer levels, each level ranked on
/// its own), by rank.
fn ranked_regions(
    rows: &[crate::verdict::RegionRow],
    most: usize,
) -> Vec<crate::verdict::RegionRow> {
    let Some(top) = rows.first().map(|r| r.level.as_str()) else {
        return Vec::new();
    };
    let mut out: Vec<_> = rows.iter().filter(|r| r.level == top).cloned().collect();
    out.sort_by_key(|r| r.rank);
    out.truncate(most);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::RegionRow;

    fn row(level: &str, region: &str, rank: usize) -> RegionRow {
        RegionRow {
            level: level.into(),
            region: region.into(),
            stations: 10,
            electorate: 1000,
            ballots: 600,
            inflated_ballots: 0.0,
            inflated_low: None,
            inflated_high: None,
            inflated_per_voter: 0.0,
            inflated_share: 0.0,
            rank,
        }
    }

    /// The ranked figure shows the regions only, not the finer units
    /// interleaved with them by rank.
    #[test]
    fn the_ranked_figure_keeps_the_top_level() {
        let rows = vec![
            row("region", "B", 2),
            row("region", "A", 1),
            row("tik", "a1", 1),
            row("tik", "b1", 2),
        ];
        let got: Vec<String> = ranked_regions(&rows, 25)
            .into_iter()
            .map(|r| r.region)
            .collect();
        assert_eq!(got, ["A", "B"]);
        assert_eq!(ranked_regions(&rows, 1).len(), 1);
        assert!(ranked_regions(&[], 25).is_empty());
    }
}
