//! Pictures of training: the curves of a [`History`](crate::train::History) and the heatmap
//! of a [`ConfusionMatrix`](crate::metrics::ConfusionMatrix), as PNG or SVG files (chosen by
//! the path's extension).
//!
//! Text is set in DejaVu Sans, embedded in the binary, so the pictures look the same on a
//! machine without fonts.
//!
//! ```no_run
//! # fn demo(history: &nn_runtime::History, matrix: &nn_runtime::metrics::ConfusionMatrix)
//! # -> Result<(), nn_runtime::plot::PlotError> {
//! nn_runtime::plot::plot_history(history, "curves.png")?;                // or "curves.svg"
//! nn_runtime::plot::plot_confusion(matrix, None, "confusion.png")?;      // class names optional
//! # Ok(()) }
//! ```

mod confusion;
mod curves;
mod error;

pub use confusion::plot_confusion;
pub use curves::plot_history;
pub use error::PlotError;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use std::path::Path;
use std::sync::OnceLock;

/// The font family every picture's text uses.
const FONT: &str = "sans-serif";

/// Registers the embedded font once per process.
fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            plotters::style::FontStyle::Normal,
            dejavu::sans::regular(),
        )
        .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw(
            "the embedded font could not be read".into(),
        ))
    }
}

/// The picture formats, by file extension.
enum Format {
    Png,
    Svg,
}

fn format_of(path: &Path) -> Result<Format, PlotError> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "png" => Ok(Format::Png),
        "svg" => Ok(Format::Svg),
        _ => Err(PlotError::UnsupportedFormat {
            path: path.to_path_buf(),
        }),
    }
}

/// Draws a `size` picture with `draw` into `path`, as PNG or SVG by the extension.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl Fn(&mut dyn Canvas) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    let format = format_of(path)?;
    register_font()?;
    match format {
        Format::Png => {
            let mut canvas = BitMapBackend::new(path, size).into_drawing_area();
            draw(&mut canvas)?;
            canvas.present().map_err(PlotError::drawing)
        }
        Format::Svg => {
            let mut canvas = SVGBackend::new(path, size).into_drawing_area();
            draw(&mut canvas)?;
            canvas.present().map_err(PlotError::drawing)
        }
    }
}

/// A drawing area of either backend, so each picture is drawn by one function.
trait Canvas {
    /// Draws the curves of `panels`.
    fn curves(&mut self, panels: &[curves::Panel]) -> Result<(), PlotError>;
    /// Draws a confusion matrix.
    fn confusion(&mut self, picture: &confusion::Heatmap) -> Result<(), PlotError>;
}

impl<DB: DrawingBackend> Canvas for DrawingArea<DB, Shift>
where
    DB::ErrorType: 'static,
{
    fn curves(&mut self, panels: &[curves::Panel]) -> Result<(), PlotError> {
        curves::draw(self, panels)
    }
    fn confusion(&mut self, picture: &confusion::Heatmap) -> Result<(), PlotError> {
        confusion::draw(self, picture)
    }
}
