//! Plots, drawn with plotters, as SVG (inlined in the HTML report) and PNG.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::methods::summary::TurnoutHistogram;

static FONT: Once = Once::new();

/// Registers the embedded DejaVu Sans font for PNG text (no system fonts needed).
fn register_font() {
    FONT.call_once(|| {
        // The font is a valid TTF shipped by the `dejavu` crate; registration cannot fail for it.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

const SIZE: (u32, u32) = (900, 480);

/// A figure that can be drawn on any plotters backend (SVG string or PNG file).
pub trait Figure {
    /// Pixel size.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static;
}

/// A figure as an SVG string.
pub fn figure_svg(fig: &impl Figure) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        fig.draw(&root)
            .and_then(|_| root.present().map_err(|e| e.to_string()))
            .map_err(|m| Error::output(Path::new("<svg>"), m))?;
    }
    Ok(svg)
}

/// A figure written as `stem.png` and `stem.svg`; returns the SVG (for
/// inlining, so that it is drawn once).
pub fn figure_files(fig: &impl Figure, stem: &Path) -> Result<String> {
    register_font();
    let png = stem.with_extension("png");
    {
        let root = BitMapBackend::new(&png, fig.size()).into_drawing_area();
        fig.draw(&root)
            .and_then(|_| root.present().map_err(|e| e.to_string()))
            .map_err(|m| Error::output(&png, m))?;
    }
    let svg = stem.with_extension("svg");
    let text = figure_svg(fig)?;
    std::fs::write(&svg, &text).map_err(|e| Error::output(&svg, e))?;
    Ok(text)
}

/// Stations per 1-point turnout bin.
pub struct TurnoutFigure<'a> {
    pub histogram: &'a TurnoutHistogram,
    pub title: &'a str,
}

impl Figure for TurnoutFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let h = self.histogram;
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let ymax = h.stations.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..101f64, 0f64..ymax)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("turnout (%), 1-point bins; last bar: 100 % or more")
            .y_desc("stations")
            .disable_x_mesh()
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(h.stations.iter().enumerate().map(|(k, &c)| {
                let x0 = h.lower_percent[k] as f64;
                let color = if k == h.stations.len() - 1 {
                    RED
                } else {
                    BLUE_BAR
                };
                Rectangle::new([(x0, 0.0), (x0 + 0.92, c as f64)], color.filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

const BLUE_BAR: RGBColor = RGBColor(49, 99, 149);
const GREY_BAR: RGBColor = RGBColor(200, 200, 200);

/// Observed digit frequencies against the law: grey bars are the expected
/// frequencies pₖ, whiskers the pointwise 95 % acceptance interval
/// pₖ ± 1.96·√(pₖ(1 − pₖ)/n), dots the observed frequencies (red when
/// outside the whiskers).
pub struct DigitFigure<'a> {
    pub title: String,
    pub x_desc: &'a str,
    pub categories: &'a [String],
    pub observed: &'a [f64],
    pub expected: &'a [f64],
    pub n: u64,
}

impl Figure for DigitFigure<'_> {
    fn size(&self) -> (u32, u32) {
        if self.categories.len() > 20 {
            (1100, 420)
        } else {
            (560, 400)
        }
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let k = self.categories.len();
        let n = self.n.max(1) as f64;
        let half = |p: f64| 1.959964 * (p * (1.0 - p) / n).sqrt();
        let ymax = self
            .observed
            .iter()
            .zip(self.expected)
            .map(|(&o, &e)| o.max(e + half(e)))
            .fold(0.0f64, f64::max)
            * 1.4; // headroom for the legend
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.6f64..(k as f64 - 0.4), 0f64..ymax.max(1e-3))
            .map_err(|e| e.to_string())?;
        let cats = self.categories;
        let step = if k > 20 { 10 } else { 1 };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(k.min(20))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6
                    && i >= 0.0
                    && (i as usize) < cats.len()
                    && (i as usize).is_multiple_of(step)
                {
                    cats[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc(self.x_desc)
            .y_desc("frequency")
            .draw()
            .map_err(|e| e.to_string())?;
        let w = 0.4;
        chart
            .draw_series(self.expected.iter().enumerate().map(|(i, &e)| {
                let x = i as f64;
                Rectangle::new([(x - w, 0.0), (x + w, e)], GREY_BAR.filled())
            }))
            .map_err(|e| e.to_string())?
            .label("expected")
            .legend(|(x, y)| Rectangle::new([(x, y - 4), (x + 12, y + 4)], GREY_BAR.filled()));
        let cap = if k > 20 { 0.3 } else { 0.15 };
        chart
            .draw_series(self.expected.iter().enumerate().flat_map(|(i, &e)| {
                let x = i as f64;
                let (lo, hi) = ((e - half(e)).max(0.0), e + half(e));
                [
                    PathElement::new(vec![(x, lo), (x, hi)], BLACK),
                    PathElement::new(vec![(x - cap, lo), (x + cap, lo)], BLACK),
                    PathElement::new(vec![(x - cap, hi), (x + cap, hi)], BLACK),
                ]
            }))
            .map_err(|e| e.to_string())?
            .label("95% acceptance interval")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], BLACK));
        let r = if k > 20 { 3 } else { 5 };
        chart
            .draw_series(self.observed.iter().zip(self.expected).enumerate().map(
                |(i, (&o, &e))| {
                    let color = if (o - e).abs() > half(e) {
                        RED
                    } else {
                        BLUE_BAR
                    };
                    Circle::new((i as f64, o), r, color.filled())
                },
            ))
            .map_err(|e| e.to_string())?
            .label("observed")
            .legend(move |(x, y)| Circle::new((x + 6, y), r, BLUE_BAR.filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
