//! Pictures of training: curves and confusion matrices are written as PNG and SVG, decoded
//! again here and checked for their size and content, and bad input is an error.

use nn::metrics::ConfusionMatrix;
use nn::plot::{plot_confusion, plot_history, PlotError};
use nn::train::{Metric, MetricValue};
use nn::{EpochStats, Evaluation, History};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn history(epochs: usize, validation: bool) -> History {
    let evaluation = |e: f32, offset: f32| Evaluation {
        loss: 1.0 / (e + offset),
        accuracy: Some(1.0 - 0.5 / (e + offset)),
    };
    History {
        epochs: (1..=epochs)
            .map(|epoch| EpochStats {
                epoch,
                train: evaluation(epoch as f32, 0.0),
                validation: validation.then(|| evaluation(epoch as f32, 0.5)),
                seconds: 0.25,
                metrics: Vec::new(),
            })
            .collect(),
    }
}

/// Pixels of `image` within 12 of `color` in every channel.
fn pixels_near(image: &image::RgbImage, color: [u8; 3]) -> usize {
    image
        .pixels()
        .filter(|p| (0..3).all(|c| p.0[c].abs_diff(color[c]) <= 12))
        .count()
}

#[test]
fn curves_are_a_png_with_both_series_in_two_panels() {
    let path = scratch("curves.png");
    plot_history(&history(6, true), &path).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (900, 640), "two panels of 320 rows");
    let training = pixels_near(&image, [31, 119, 180]);
    let validation = pixels_near(&image, [255, 127, 14]);
    assert!(training > 500, "training curve pixels: {training}");
    assert!(validation > 500, "validation curve pixels: {validation}");
    let dark = image
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 80))
        .count();
    assert!(dark > 2_000, "axes and text: {dark} dark pixels");
}

#[test]
fn a_regression_history_has_one_panel_and_svg_works() {
    let mut history = history(3, false);
    for stats in &mut history.epochs {
        stats.train.accuracy = None;
    }
    let png = scratch("regression.png");
    plot_history(&history, &png).unwrap();
    assert_eq!(image::image_dimensions(&png).unwrap(), (900, 320));

    let svg = scratch("curves.svg");
    plot_history(&self::history(4, true), &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(80)]);
    for label in ["loss", "accuracy", "epoch", "training", "validation"] {
        assert!(
            text.contains(&format!(">\n{label}\n</text>")),
            "no text {label:?}"
        );
    }
    assert!(text.matches("<polyline").count() >= 4, "four curves");
}

#[test]
fn confusion_matrix_heatmap_shades_the_diagonal() {
    let actual = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
    let predicted = [0, 0, 0, 1, 1, 1, 1, 2, 0, 2];
    let matrix = ConfusionMatrix::new(3, &actual, &predicted).unwrap();
    let path = scratch("confusion.png");
    plot_confusion(&matrix, Some(&["cat", "dog", "owl"]), &path).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (440, 440));
    // Class 1's row is all on the diagonal: its cell is the darkest blue.
    let darkest = pixels_near(&image, [8, 48, 107]);
    assert!(darkest > 3_000, "darkest cell pixels: {darkest}");

    let svg = scratch("confusion.svg");
    plot_confusion(&matrix, None, &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains(">\npredicted\n</text>") && text.contains(">\nactual\n</text>"));
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let path = scratch("never.png");
    assert!(matches!(
        plot_history(&History::default(), &path),
        Err(PlotError::Empty { .. })
    ));
    let mut broken = history(3, true);
    broken.epochs[1].validation.as_mut().unwrap().loss = f32::NAN;
    assert!(matches!(
        plot_history(&broken, &path),
        Err(PlotError::NonFinite { at: 2, .. })
    ));
    assert!(!path.exists());
    assert!(matches!(
        plot_history(&history(2, false), scratch("curves.jpg")),
        Err(PlotError::UnsupportedFormat { .. })
    ));
    let matrix = ConfusionMatrix::new(2, &[0, 1], &[0, 1]).unwrap();
    assert!(matches!(
        plot_confusion(&matrix, Some(&["only one"]), &path),
        Err(PlotError::ClassNames {
            found: 1,
            expected: 2
        })
    ));
}

#[test]
fn history_csv_round_trips_every_value() {
    let history = history(3, true);
    let csv = history.to_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,loss,accuracy,val_loss,val_accuracy,seconds")
    );
    for (line, stats) in lines.zip(&history.epochs) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0].parse::<usize>().unwrap(), stats.epoch);
        assert_eq!(cells[1].parse::<f32>().unwrap(), stats.train.loss);
        let validation = stats.validation.unwrap();
        assert_eq!(cells[3].parse::<f32>().unwrap(), validation.loss);
        assert_eq!(
            cells[4].parse::<f32>().unwrap(),
            validation.accuracy.unwrap()
        );
    }
    let mut regression = self::history(1, false);
    regression.epochs[0].train.accuracy = None;
    assert!(regression.to_csv().ends_with(",,,,0.25\n"));
    let path = scratch("history.csv");
    history.save_csv(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), csv);
}

#[test]
fn every_selected_metric_gets_a_panel_and_two_csv_columns() {
    let mut history = history(5, true);
    for stats in &mut history.epochs {
        let x = stats.epoch as f64;
        stats.metrics = vec![
            MetricValue {
                metric: Metric::F1,
                train: Some(1.0 - 0.4 / x),
                validation: Some(1.0 - 0.5 / x),
            },
            MetricValue {
                metric: Metric::TopKAccuracy(3),
                train: Some(1.0 - 0.1 / x),
                validation: None,
            },
        ];
    }
    let path = scratch("metrics.png");
    plot_history(&history, &path).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(
        image.dimensions(),
        (900, 4 * 320),
        "loss, accuracy, f1, top-3 accuracy"
    );
    let validation = pixels_near(&image, [255, 127, 14]);
    assert!(validation > 1_000, "validation curve pixels: {validation}");
    let csv = history.to_csv();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "epoch,loss,accuracy,val_loss,val_accuracy,f1,val_f1,top_3_accuracy,val_top_3_accuracy,seconds"
    );
    assert!(
        csv.lines().nth(1).unwrap().ends_with(",0.6,0.5,0.9,,0.25"),
        "{csv}"
    );
}

nn::network! {
    pub struct Tiny { input: [4], dense(6), relu, dense(3), softmax }
}

/// What `examples/08-seed-cnn.rs` does after training, on a model small enough for a test:
/// sparse labels, a validation split, metrics, then both pictures, decoded again.
#[test]
fn a_trained_models_curves_and_confusion_matrix_are_pictures() {
    use nn::train::Metric;
    use nn::{Adam, Dataset, FitConfig, Model};
    let mut rng = nn::Rng::new(6);
    let inputs: Vec<f32> = (0..90 * 4).map(|_| rng.uniform(1.0)).collect();
    let labels: Vec<usize> = inputs
        .chunks(4)
        .map(|x| usize::from(x[0] > x[1]) + usize::from(x[2] > x[3]))
        .collect();
    let data = Dataset::with_class_indices(inputs, 4, &labels).unwrap();
    let config = FitConfig::new(3, 8)
        .quiet()
        .validation_split(0.2)
        .metrics(vec![Metric::F1]);
    let mut model = Tiny::new_boxed(2);
    let history = model
        .fit(&data, None, &mut Adam::new(0.01), &config)
        .unwrap();
    let classes = model.predict_classes(&data.inputs).unwrap();
    let matrix = ConfusionMatrix::new(3, &data.labels(), &classes).unwrap();
    let (curves, confusion) = (
        scratch("trained-curves.png"),
        scratch("trained-confusion.png"),
    );
    plot_history(&history, &curves).unwrap();
    plot_confusion(&matrix, None, &confusion).unwrap();
    let curves = image::open(&curves).unwrap().to_rgb8();
    assert_eq!(curves.dimensions(), (900, 3 * 320), "loss, accuracy and F1");
    assert!(
        pixels_near(&curves, [255, 127, 14]) > 500,
        "no validation curve"
    );
    let confusion = image::open(&confusion).unwrap().to_rgb8();
    let distinct: std::collections::HashSet<[u8; 3]> = confusion.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() > 20,
        "a blank picture: {} colours",
        distinct.len()
    );
}
