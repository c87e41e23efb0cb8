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

/// Viridis-like colour for v in [0, 1] (linear interpolation between five
/// anchors of matplotlib's viridis).
fn viridis(v: f64) -> RGBColor {
    const A: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = v.clamp(0.0, 1.0) * 4.0;
    let k = (x.floor() as usize).min(3);
    let f = x - k as f64;
    let c = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
    RGBColor(
        c(A[k].0, A[k + 1].0),
        c(A[k].1, A[k + 1].1),
        c(A[k].2, A[k + 1].2),
    )
}

/// Cells below this value stay white: expected counts of a model below 0.1
/// station would otherwise paint the whole square (observed counts are
/// integers, unaffected).
const MIN_SHOWN: f64 = 0.1;

/// One panel of a fingerprint figure: a dense `bins × bins` grid, cell
/// `(x, y)` at `x * bins + y`.
pub struct HeatmapPanel<'a> {
    pub title: String,
    pub bins: usize,
    pub cells: &'a [f64],
}

/// Turnout × share fingerprints side by side (observed, fitted, fair), on
/// one logarithmic colour scale shared by the panels: colour ∝ log10(1 + c)
/// up to the largest cell; cells below 0.1 white.
pub struct FingerprintFigure<'a> {
    pub title: String,
    pub y_desc: String,
    pub panels: Vec<HeatmapPanel<'a>>,
    /// One colour scale for every panel (they count the same thing:
    /// observed and model fingerprints), or one per panel with its own bar
    /// (stations beside voters).
    pub shared_scale: bool,
}

/// Width of the colour bar beside the panels, in pixels.
const COLOUR_BAR: u32 = 80;

impl Figure for FingerprintFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let bars = if self.shared_scale {
            1
        } else {
            self.panels.len() as u32
        };
        (40 + 420 * self.panels.len() as u32 + COLOUR_BAR * bars, 470)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let root = root
            .titled(&self.title, ("sans-serif", 18))
            .map_err(|e| e.to_string())?;
        let largest = |cells: &[f64]| cells.iter().fold(0.0f64, |m, &c| m.max(c));
        let shared_top = self
            .panels
            .iter()
            .map(|p| largest(p.cells))
            .fold(0.0f64, f64::max);
        let width = root.dim_in_pixel().0;
        let (panels, shared_bar) = if self.shared_scale {
            let (p, b) = root.split_horizontally(width.saturating_sub(COLOUR_BAR));
            (p, Some(b))
        } else {
            (root.clone(), None)
        };
        let areas = panels.split_evenly((1, self.panels.len()));
        let mut plot_rows = (0, 0);
        for (area, p) in areas.iter().zip(&self.panels) {
            let (area, own_bar) = if self.shared_scale {
                (area.clone(), None)
            } else {
                let w = area.dim_in_pixel().0;
                let (a, b) = area.split_horizontally(w.saturating_sub(COLOUR_BAR));
                (a, Some(b))
            };
            let top = if self.shared_scale {
                shared_top
            } else {
                largest(p.cells)
            };
            let scale = (1.0 + top).log10().max(1e-9);
            let mut chart = ChartBuilder::on(&area)
                .caption(&p.title, ("sans-serif", 15))
                .margin(8)
                .margin_right(18)
                .x_label_area_size(38)
                .y_label_area_size(48)
                .build_cartesian_2d(0f64..100f64, 0f64..100f64)
                .map_err(|e| e.to_string())?;
            // Absolute pixel rows of the plot (the bars are drawn in pixels).
            let (_, rows) = chart.plotting_area().get_pixel_range();
            plot_rows = (rows.start, rows.end);
            chart
                .configure_mesh()
                .disable_mesh()
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y:.0}"))
                .x_desc("turnout (%)")
                .y_desc(self.y_desc.as_str())
                .draw()
                .map_err(|e| e.to_string())?;
            let w = 100.0 / p.bins as f64;
            chart
                .draw_series(
                    p.cells
                        .iter()
                        .enumerate()
                        .filter(|(_, &c)| c >= MIN_SHOWN)
                        .map(|(k, &c)| {
                            let (i, j) = ((k / p.bins) as f64, (k % p.bins) as f64);
                            let colour = viridis((1.0 + c).log10() / scale);
                            Rectangle::new(
                                [(i * w, j * w), ((i + 1.0) * w, (j + 1.0) * w)],
                                colour.filled(),
                            )
                        }),
                )
                .map_err(|e| e.to_string())?;
            if let Some(bar) = own_bar {
                colour_bar(&bar, plot_rows, top, scale)?;
            }
        }
        match shared_bar {
            Some(bar) => {
                let scale = (1.0 + shared_top).log10().max(1e-9);
                colour_bar(&bar, plot_rows, shared_top, scale)
            }
            None => Ok(()),
        }
    }
}

/// A fingerprint's colour scale, beside its panel(s): the viridis strip
/// over the plotting rows (absolute pixel rows), labelled at 1, 10, 100, ... (colour ∝ log10(1 + c)).
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    (top_px, bottom_px): (i32, i32),
    top: f64,
    scale: f64,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    let base = area.get_base_pixel().1;
    let (top_px, bottom_px) = (top_px - base, bottom_px - base);
    let (x0, x1) = (8, 24);
    let height = (bottom_px - top_px).max(1);
    let steps = 64;
    for k in 0..steps {
        let (a, b) = (k * height / steps, (k + 1) * height / steps);
        let v = 1.0 - (k as f64 + 0.5) / steps as f64;
        area.draw(&Rectangle::new(
            [(x0, top_px + a), (x1, top_px + b)],
            viridis(v).filled(),
        ))
        .map_err(|e| e.to_string())?;
    }
    area.draw(&Rectangle::new([(x0, top_px), (x1, bottom_px)], BLACK))
        .map_err(|e| e.to_string())?;
    let style = ("sans-serif", 11).into_font().color(&BLACK);
    let mut c = 1.0f64;
    while c <= top.max(1.0) {
        let y = bottom_px - ((1.0 + c).log10() / scale * height as f64).round() as i32;
        area.draw(&PathElement::new(vec![(x1, y), (x1 + 4, y)], BLACK))
            .map_err(|e| e.to_string())?;
        area.draw(&Text::new(format_count(c), (x1 + 6, y - 6), style.clone()))
            .map_err(|e| e.to_string())?;
        c *= 10.0;
    }
    area.draw(&Text::new("per cell", (x0 - 4, bottom_px + 8), style))
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn format_count(c: f64) -> String {
    match c {
        c if c >= 1e6 => format!("{:.0}M", c / 1e6),
        c if c >= 1e3 => format!("{:.0}k", c / 1e3),
        c => format!("{c:.0}"),
    }
}

/// A fine histogram (0.1-point bins) with the whole percentages marked:
/// the integer-percentage peaks of Kobak, Shpilkin & Pshenichnikov (2016,
/// Fig. 1).
pub struct IntegerPeaksFigure<'a> {
    pub title: String,
    pub x_desc: &'a str,
    /// Stations per 0.1-point bin over [0, 100).
    pub counts: &'a [u64],
}

impl Figure for IntegerPeaksFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 420)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        // Show the range holding the central 99.8 % of the stations.
        let total: u64 = self.counts.iter().sum();
        let (mut lo, mut hi, mut acc) = (0usize, self.counts.len(), 0u64);
        for (k, &c) in self.counts.iter().enumerate() {
            acc += c;
            if acc * 1000 <= total {
                lo = k;
            }
            if acc * 1000 >= total * 999 {
                hi = k + 1;
                break;
            }
        }
        let (x0, x1) = (
            (lo as f64 / 10.0).floor(),
            (hi as f64 / 10.0).ceil().min(100.0),
        );
        let ymax = self.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1.max(x0 + 1.0), 0f64..ymax)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc(self.x_desc)
            .y_desc("stations per 0.1-point bin")
            .draw()
            .map_err(|e| e.to_string())?;
        // Every fifth percent a light guide across the plot; every whole
        // percent a short red tick on the axis (a full red line at each
        // percent hid the curve).
        chart
            .draw_series((x0 as usize..=x1 as usize).filter(|p| p % 5 == 0).map(|p| {
                PathElement::new(
                    vec![(p as f64, 0.0), (p as f64, ymax)],
                    RGBColor(215, 215, 215),
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series((x0 as usize..=x1 as usize).map(|p| {
                PathElement::new(
                    vec![(p as f64, 0.0), (p as f64, ymax * 0.035)],
                    RED.stroke_width(2),
                )
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(LineSeries::new(
                self.counts
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| (k as f64 / 10.0 + 0.05, c as f64)),
                BLUE_BAR,
            ))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// Regions ranked by excess winner votes (above their own clean-share
/// line) per registered voter: a dot per region with its interval as a
/// whisker (the verdict's regions, most affected at the top).
pub struct RegionsFigure<'a> {
    pub rows: &'a [crate::verdict::RegionRow],
}

impl Figure for RegionsFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 120 + 22 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = self.rows.len();
        let per = |x: f64, r: &crate::verdict::RegionRow| 100.0 * x / r.electorate.max(1) as f64;
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for r in self.rows {
            lo = lo.min(per(r.inflated_low.unwrap_or(r.inflated_ballots), r));
            hi = hi.max(per(r.inflated_high.unwrap_or(r.inflated_ballots), r));
        }
        let pad = 0.05 * (hi - lo).max(1e-9);
        let labels: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let name: String = r.region.chars().take(30).collect();
                format!("{}. {name}", r.rank)
            })
            .collect();
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Regions ranked by excess winner votes per registered voter",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(260)
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5f64..(n as f64 - 0.5))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("winner votes above the region's clean-share line per registered voter (%), with the interval")
            .y_labels(n.max(1))
            .y_label_formatter(&|y| {
                let k = n as i64 - 1 - y.round() as i64;
                usize::try_from(k)
                    .ok()
                    .and_then(|k| labels.get(k).cloned())
                    .unwrap_or_default()
            })
            .disable_y_mesh()
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                GREY_BAR.stroke_width(1),
            )))
            .map_err(|e| e.to_string())?;
        for (k, r) in self.rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            if let (Some(l), Some(h)) = (r.inflated_low, r.inflated_high) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(per(l, r), y), (per(h, r), y)],
                        BLUE_BAR.stroke_width(2),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(std::iter::once(Circle::new(
                    (per(r.inflated_ballots, r), y),
                    4,
                    RED.filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// A scatter of pairs with the diagonal `y = x` (points above it in red):
/// official against independent counts per station, counted against
/// expected votes per unit.
pub struct ScatterFigure<'a> {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub points: &'a [(f64, f64)],
}

impl Figure for ScatterFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (640, 560)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = self
            .points
            .iter()
            .map(|p| p.0.max(p.1))
            .fold(1.0f64, f64::max)
            * 1.05;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(0f64..max, 0f64..max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (max, max)],
                GREY_BAR.stroke_width(1),
            )))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(self.points.iter().map(|&(x, y)| {
                let c = if y > x { RED } else { BLUE_BAR };
                Circle::new((x, y), 2, c.filled())
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
