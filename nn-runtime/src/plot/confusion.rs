//! A confusion matrix as a heatmap: actual classes down, predicted across, each cell shaded
//! by the fraction of its row and labelled with its count.

use super::{render, PlotError, FONT};
use crate::metrics::ConfusionMatrix;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// What the heatmap shows.
pub(super) struct Heatmap<'a> {
    matrix: &'a ConfusionMatrix,
    names: Vec<String>,
}

/// Writes `matrix` as a heatmap to `path` (`.png` or `.svg`): row `a`, column `p` is the
/// number of samples of class `a` predicted as `p`, shaded by its share of the row (so the
/// diagonal is each class's recall). `names` labels the classes (default: their indices).
///
/// # Errors
/// [`PlotError`] when `names` is not one per class, the extension is not `.png` or `.svg`,
/// or the file cannot be written.
pub fn plot_confusion(
    matrix: &ConfusionMatrix,
    names: Option<&[&str]>,
    path: impl AsRef<Path>,
) -> Result<(), PlotError> {
    let classes = matrix.classes();
    let names: Vec<String> = match names {
        Some(names) if names.len() != classes => {
            return Err(PlotError::ClassNames {
                found: names.len(),
                expected: classes,
            })
        }
        Some(names) => names.iter().map(|n| n.to_string()).collect(),
        None => (0..classes).map(|c| c.to_string()).collect(),
    };
    let side = (60 * classes as u32).clamp(300, 1200) + 140;
    let picture = Heatmap { matrix, names };
    render(path.as_ref(), (side, side), |canvas| {
        canvas.confusion(&picture)
    })
}

/// Draws `picture` on `area`.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    picture: &Heatmap,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let classes = picture.matrix.classes();
    area.fill(&WHITE).map_err(PlotError::drawing)?;
    let n = classes as i32;
    // Rows run downwards: y from n at the top to 0 at the bottom, row a at n − 1 − a.
    let mut chart = ChartBuilder::on(area)
        .caption("confusion matrix", (FONT, 22))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0..n, 0..n)
        .map_err(PlotError::drawing)?;
    let names = &picture.names;
    // Labels sit at the middle of their cells: half a cell from the tick.
    let (width, height) = chart.plotting_area().dim_in_pixel();
    let (half_cell_x, half_cell_y) = (width as i32 / n / 2, height as i32 / n / 2);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("predicted")
        .y_desc("actual")
        .x_labels(classes)
        .y_labels(classes)
        .x_label_offset(half_cell_x)
        .y_label_offset(-half_cell_y)
        .x_label_formatter(&|&x| names.get(x as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|&y| names.get((n - 1 - y) as usize).cloned().unwrap_or_default())
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(PlotError::drawing)?;

    let rows: Vec<&[u64]> = picture.matrix.rows().collect();
    let cells = rows.iter().enumerate().flat_map(|(a, row)| {
        let total: u64 = row.iter().sum();
        row.iter().enumerate().map(move |(p, &count)| {
            let share = if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            };
            (a as i32, p as i32, count, share)
        })
    });
    let cells: Vec<_> = cells.collect();
    chart
        .draw_series(cells.iter().map(|&(a, p, _, share)| {
            let y = n - 1 - a;
            Rectangle::new([(p, y), (p + 1, y + 1)], shade(share).filled())
        }))
        .map_err(PlotError::drawing)?;
    let center = Pos::new(HPos::Center, VPos::Center);
    let plot = chart.plotting_area();
    for &(a, p, count, share) in &cells {
        let (left, top) = plot.map_coordinate(&(p, n - a));
        let (right, bottom) = plot.map_coordinate(&(p + 1, n - 1 - a));
        let color = if share > 0.55 { WHITE } else { BLACK };
        let style = TextStyle::from((FONT, 15).into_font())
            .color(&color)
            .pos(center);
        area.draw_text(
            &count.to_string(),
            &style,
            ((left + right) / 2, (top + bottom) / 2),
        )
        .map_err(PlotError::drawing)?;
    }
    Ok(())
}

/// White for 0 through to dark blue for 1.
fn shade(share: f64) -> RGBColor {
    let mix = |light: f64, dark: f64| (light + (dark - light) * share.clamp(0.0, 1.0)) as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}
