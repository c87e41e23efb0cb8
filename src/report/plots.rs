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

fn draw_histogram<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    h: &TurnoutHistogram,
    title: &str,
) -> std::result::Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let ymax = h.stations.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
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
                RGBColor(49, 99, 149)
            };
            Rectangle::new([(x0, 0.0), (x0 + 0.92, c as f64)], color.filled())
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}

/// The turnout histogram as an SVG string.
pub fn turnout_histogram_svg(h: &TurnoutHistogram, title: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw_histogram(root, h, title).map_err(|m| Error::output(Path::new("<svg>"), m))?;
    }
    Ok(svg)
}

/// The turnout histogram written as PNG and SVG files (`stem.png`, `stem.svg`).
pub fn turnout_histogram_files(h: &TurnoutHistogram, title: &str, stem: &Path) -> Result<()> {
    register_font();
    let png = stem.with_extension("png");
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        draw_histogram(root, h, title).map_err(|m| Error::output(&png, m))?;
    }
    let svg = stem.with_extension("svg");
    std::fs::write(&svg, turnout_histogram_svg(h, title)?).map_err(|e| Error::output(&svg, e))?;
    Ok(())
}
