//! Loss and accuracy per epoch, training and validation, one panel per quantity.

use super::{render, PlotError, FONT};
use crate::train::{EpochStats, History, Metric};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One quantity's panel: a title and its curves.
pub(super) struct Panel {
    title: String,
    curves: Vec<Curve>,
    /// Whether the curves rise, so the legend goes below them rather than above.
    rising: bool,
}

/// One curve: a name and a value per epoch.
struct Curve {
    name: &'static str,
    points: Vec<(f64, f64)>,
}

const TRAIN: RGBColor = RGBColor(31, 119, 180);
const VALIDATION: RGBColor = RGBColor(255, 127, 14);

/// Writes the loss, (for a classifier) the accuracy and every metric
/// [`FitConfig::metrics`](crate::FitConfig::metrics) selected, of every epoch of `history`,
/// for training and, where it was given, validation data, to `path` (`.png` or `.svg`): one
/// panel per quantity, epochs along the x axis.
///
/// # Errors
/// [`PlotError`] when `history` has no epochs, a value is not finite, the extension is not
/// `.png` or `.svg`, or the file cannot be written.
pub fn plot_history(history: &History, path: impl AsRef<Path>) -> Result<(), PlotError> {
    let panels = panels(history)?;
    let height = 320 * panels.len() as u32;
    render(path.as_ref(), (900, height), |canvas| {
        canvas.curves(&panels)
    })
}

/// The panels of `history`: loss always, accuracy when the training loss has one.
fn panels(history: &History) -> Result<Vec<Panel>, PlotError> {
    if history.epochs.is_empty() {
        return Err(PlotError::Empty {
            what: "the history has no epochs",
        });
    }
    let mut panels = vec![Panel {
        title: "loss".to_string(),
        curves: curves(history, |e| {
            let validation = e.validation.map(|v| f64::from(v.loss));
            (Some(f64::from(e.train.loss)), validation)
        })?,
        rising: false,
    }];
    if history.epochs.iter().all(|e| e.train.accuracy.is_some()) {
        panels.push(Panel {
            title: "accuracy".to_string(),
            curves: curves(history, |e| {
                let validation = e.validation.and_then(|v| v.accuracy).map(f64::from);
                (e.train.accuracy.map(f64::from), validation)
            })?,
            rising: true,
        });
    }
    for value in &history.epochs[0].metrics {
        let metric = value.metric;
        let rising = !matches!(
            metric,
            Metric::MeanAbsoluteError | Metric::RootMeanSquaredError
        );
        panels.push(Panel {
            title: metric.name(),
            curves: curves(history, |e| {
                let found = e.metrics.iter().find(|m| m.metric == metric);
                (
                    found.and_then(|m| m.train),
                    found.and_then(|m| m.validation),
                )
            })?,
            rising,
        });
    }
    Ok(panels)
}

/// The training curve of a quantity (`value` gives its training and validation values per
/// epoch), and the validation curve where every epoch has one.
fn curves(
    history: &History,
    value: impl Fn(&EpochStats) -> (Option<f64>, Option<f64>),
) -> Result<Vec<Curve>, PlotError> {
    let train: Option<Vec<_>> = history.epochs.iter().map(|e| value(e).0).collect();
    let validation: Option<Vec<_>> = history.epochs.iter().map(|e| value(e).1).collect();
    let mut curves = Vec::new();
    for (name, values) in [("training", train), ("validation", validation)] {
        let Some(values) = values else { continue };
        let mut points = Vec::with_capacity(values.len());
        for (stats, v) in history.epochs.iter().zip(values) {
            if !v.is_finite() {
                return Err(PlotError::NonFinite {
                    series: format!("the {name} value"),
                    at: stats.epoch,
                });
            }
            points.push((stats.epoch as f64, v));
        }
        curves.push(Curve { name, points });
    }
    Ok(curves)
}

/// Draws `panels` stacked on `area`.
pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[Panel],
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(PlotError::drawing)?;
    for (panel, region) in panels.iter().zip(area.split_evenly((panels.len(), 1))) {
        draw_panel(&region, panel)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let points = || panel.curves.iter().flat_map(|c| c.points.iter());
    let (x_min, x_max) = padded(points().map(|p| p.0), 0.04);
    let epochs = panel.curves.first().map_or(1, |c| c.points.len());
    let (y_min, y_max) = padded(points().map(|p| p.1), 0.05);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(PlotError::drawing)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_labels(epochs.min(20))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_desc(&panel.title)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(PlotError::drawing)?;
    for curve in &panel.curves {
        let color = if curve.name == "training" {
            TRAIN
        } else {
            VALIDATION
        };
        chart
            .draw_series(LineSeries::new(
                curve.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(PlotError::drawing)?
            .label(curve.name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
        chart
            .draw_series(
                curve
                    .points
                    .iter()
                    .map(|&point| Circle::new(point, 3, color.filled())),
            )
            .map_err(PlotError::drawing)?;
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(if panel.rising {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperRight
        })
        .draw()
        .map_err(PlotError::drawing)
}

/// The range of `values`, widened by `margin` of its span on each side (by ½ when the span
/// is zero, so one epoch or a flat curve still gets an axis).
fn padded(values: impl Iterator<Item = f64>, margin: f64) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let span = high - low;
    if span > 0.0 {
        (low - margin * span, high + margin * span)
    } else {
        (low - 0.5, high + 0.5)
    }
}
