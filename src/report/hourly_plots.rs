//! Plots of participation over the day: the typical daily shape with the
//! most anomalous stations' curves, and the distribution of late shares.

use plotters::prelude::*;

use super::plots::Figure;
use crate::methods::hourly::{AnomalousStation, HourlyFinding, LateSurge};

const BAND: RGBColor = RGBColor(190, 210, 235);
const INNER: RGBColor = RGBColor(130, 170, 215);
const MEDIAN: RGBColor = RGBColor(20, 60, 120);
const ORANGE: RGBColor = RGBColor(230, 140, 0);

/// Normalised cumulative curves `C(t)/F`: the national typical shape (10–90 %
/// and 25–75 % bands, median) and the curves of the most anomalous stations
/// (late surges in red, shape outliers in orange).
pub struct CurvesFigure<'a> {
    pub title: String,
    /// Report times, then `close`.
    pub labels: Vec<String>,
    /// Each label's position on the time axis, in hours from midnight of the
    /// first voting day (the reports' true spacing); `None` when a time does
    /// not parse, and the reports are then spaced evenly.
    pub hours: Option<Vec<f64>>,
    /// Voting days (day numbers on the axis when more than one).
    pub days: i64,
    pub finding: &'a HourlyFinding,
    /// Stations drawn over the band, with their colour.
    pub highlighted: Vec<(&'a AnomalousStation, RGBColor)>,
}

impl<'a> CurvesFigure<'a> {
    /// The figure of a finding with curves: the first five late-surge and
    /// five shape outliers.
    pub fn of(f: &'a HourlyFinding) -> Option<CurvesFigure<'a>> {
        let c = f.curves.as_ref()?;
        let mut labels: Vec<String> = c.typical_shape.iter().map(|s| s.time.clone()).collect();
        labels.push("close".into());
        let hours = f.schedule.as_ref().and_then(|sch| {
            let stamps: Option<Vec<crate::io::clock::Stamp>> = labels[..labels.len() - 1]
                .iter()
                .chain(std::iter::once(&sch.close))
                .map(|t| crate::io::clock::parse_stamp(t))
                .collect();
            let stamps = stamps?;
            let first = stamps.iter().filter_map(|s| s.day).min().unwrap_or(0);
            Some(
                stamps
                    .iter()
                    .map(|s| s.seconds_from(first) as f64 / 3600.0)
                    .collect::<Vec<f64>>(),
            )
        });
        let days = f.schedule.as_ref().map_or(1, |s| s.days);
        let mut highlighted: Vec<(&AnomalousStation, RGBColor)> = f
            .top_late_surge
            .iter()
            .filter(|s| s.late_q.is_some_and(|q| q < f.options.late_surge.alpha))
            .take(5)
            .map(|s| (s, RED))
            .collect();
        highlighted.extend(f.top_shape.iter().take(5).map(|s| (s, ORANGE)));
        Some(CurvesFigure {
            title: "Share of each station's final count reached at each report".into(),
            labels,
            hours,
            days,
            finding: f,
            highlighted,
        })
    }
}

impl Figure for CurvesFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1000, 520)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(e)?;
        let shape = &self
            .finding
            .curves
            .as_ref()
            .ok_or("no curves")?
            .typical_shape;
        let k = self.labels.len();
        let labels = self.labels.clone();
        // x: hours from midnight of the first day (the true spacing of the
        // reports), or the report's index when a time does not parse.
        let xs: Vec<f64> = match &self.hours {
            Some(h) if h.len() == k => h.clone(),
            _ => (0..k).map(|t| t as f64).collect(),
        };
        let timed = self.hours.as_ref().is_some_and(|h| h.len() == k);
        let (lo, hi) = (xs[0], xs[k - 1]);
        let pad = if timed { 0.5 } else { 0.2 };
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(48)
            .y_label_area_size(56)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0f64..1.05)
            .map_err(e)?;
        let days = self.days;
        let clock = move |x: &f64| {
            let h = x.round() as i64;
            if days > 1 {
                format!("day {} {:02}:00", h.div_euclid(24) + 1, h.rem_euclid(24))
            } else {
                format!("{:02}:00", h.rem_euclid(24))
            }
        };
        let index = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(if timed { 12 } else { k })
            .x_label_formatter(&|x| if timed { clock(x) } else { index(x) })
            .x_desc(if timed {
                "time of day (reports at their true times; the last point is the close)"
            } else {
                "report"
            })
            .y_desc("cumulative share of the final count")
            .draw()
            .map_err(e)?;
        let band = |lo: &dyn Fn(usize) -> f64, hi: &dyn Fn(usize) -> f64| {
            let mut pts: Vec<(f64, f64)> = (0..k).map(|t| (xs[t], hi(t))).collect();
            pts.extend((0..k).rev().map(|t| (xs[t], lo(t))));
            pts
        };
        let at = |t: usize, f: &dyn Fn(usize) -> Option<f64>| {
            if t + 1 == k {
                1.0
            } else {
                f(t).unwrap_or(f64::NAN)
            }
        };
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(&|t| at(t, &|t| shape[t].q10), &|t| at(t, &|t| shape[t].q90)),
                BAND.filled(),
            )))
            .map_err(e)?
            .label("10–90 % of stations")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.filled()));
        chart
            .draw_series(std::iter::once(Polygon::new(
                band(&|t| at(t, &|t| shape[t].q25), &|t| at(t, &|t| shape[t].q75)),
                INNER.filled(),
            )))
            .map_err(e)?
            .label("25–75 %")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], INNER.filled()));
        chart
            .draw_series(LineSeries::new(
                (0..k).map(|t| (xs[t], at(t, &|t| shape[t].median))),
                MEDIAN.stroke_width(3),
            ))
            .map_err(e)?
            .label("median")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], MEDIAN.stroke_width(3)));
        let mut labelled = [false, false];
        for (s, colour) in &self.highlighted {
            let f = s.final_count.max(1) as f64;
            let pts: Vec<(f64, f64)> = s
                .reports
                .iter()
                .enumerate()
                .filter_map(|(t, c)| c.map(|c| (xs[t], (c as f64 / f).min(1.05))))
                .chain(std::iter::once((xs[k - 1], 1.0)))
                .collect();
            let series = chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(1)))
                .map_err(e)?;
            let slot = usize::from(*colour != RED);
            if !labelled[slot] {
                labelled[slot] = true;
                let c = *colour;
                series
                    .label(if slot == 0 {
                        "strongest late surges"
                    } else {
                        "curves farthest from their region's"
                    })
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c));
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(e)?;
        Ok(())
    }
}

/// Stations per 1-point bin of late share (the share of the final count
/// arriving after the last intermediate report), flagged stations in red.
pub struct LateShareFigure<'a> {
    pub late: &'a LateSurge,
}

impl Figure for LateShareFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(e)?;
        let (mut all, mut flagged) = (vec![0u64; 100], vec![0u64; 100]);
        for s in &self.late.stations {
            if let Some(l) = s.late_share {
                let b = ((l * 100.0) as usize).min(99);
                all[b] += 1;
                if s.flagged {
                    flagged[b] += 1;
                }
            }
        }
        let ymax = all.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
        // Up to the last occupied bin, with a margin.
        let xmax = all
            .iter()
            .rposition(|&c| c > 0)
            .map_or(100.0, |b| ((b + 6) as f64).min(100.0));
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Share of the final count after {} ({} stations, {} flagged)",
                    self.late.last_report, self.late.scored, self.late.flagged
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("late share (%), 1-point bins")
            .y_desc("stations")
            .draw()
            .map_err(e)?;
        chart
            .draw_series(all.iter().enumerate().map(|(b, &c)| {
                Rectangle::new(
                    [(b as f64, 0.0), (b as f64 + 0.9, c as f64)],
                    RGBColor(49, 99, 149).filled(),
                )
            }))
            .map_err(e)?;
        chart
            .draw_series(flagged.iter().enumerate().map(|(b, &c)| {
                Rectangle::new([(b as f64, 0.0), (b as f64 + 0.9, c as f64)], RED.filled())
            }))
            .map_err(e)?;
        Ok(())
    }
}
