//! Selected metrics when threads share the batches: the shards' outputs are gathered in the
//! batch's order, so the training metrics are those of the samples as they were trained.

use nn::metrics::ConfusionMatrix;
use nn::train::Metric;
use nn::{Dataset, FitConfig, Model, Rng, Sgd};

nn::network! {
    /// Convolutional, so that two threads split each batch into shards.
    pub struct Conv { input: [1, 6, 6], conv2d(4, kernel = 3), relu, flatten, dense(3), softmax }
}

#[test]
fn training_metrics_of_sharded_batches_match_inference_outputs() {
    let mut rng = Rng::new(12);
    let inputs: Vec<f32> = (0..40 * 36).map(|_| rng.uniform(1.0)).collect();
    let labels: Vec<usize> = inputs
        .chunks(36)
        .map(|x| usize::from(x[0] > x[1]) + usize::from(x[7] > x[8]))
        .collect();
    let data = Dataset::with_class_indices(inputs, 36, &labels).unwrap();
    let mut model = Conv::new_boxed(1);
    // A learning rate of 0: every sample's training output is its inference output.
    let config = FitConfig::new(1, 7)
        .threads(2)
        .quiet()
        .metrics(vec![Metric::F1]);
    let history = model.fit(&data, None, &mut Sgd::new(0.0), &config).unwrap();
    let outputs = model.predict(&data.inputs).unwrap();
    let matrix = ConfusionMatrix::from_outputs(3, &labels, &outputs).unwrap();
    let f1 = history.epochs[0].metrics[0].train.unwrap();
    assert!(
        (f1 - matrix.macro_average().f1).abs() < 1e-12,
        "{f1} vs {:?}",
        matrix.macro_average()
    );
    assert_eq!(history.epochs[0].metrics[0].validation, None);
}

#[test]
fn evaluate_metrics_gives_the_metrics_of_nn_metrics_on_the_predictions() {
    let mut rng = Rng::new(3);
    let inputs: Vec<f32> = (0..30 * 36).map(|_| rng.uniform(1.0)).collect();
    let labels: Vec<usize> = inputs
        .chunks(36)
        .map(|x| usize::from(x[0] > x[1]))
        .collect();
    let data = Dataset::with_class_indices(inputs, 36, &labels).unwrap();
    let model = Conv::new_boxed(2);
    let metrics = [Metric::Recall, Metric::TopKAccuracy(2)];
    let (evaluation, values) = model.evaluate_metrics(&data, 8, &metrics).unwrap();
    assert_eq!(evaluation, model.evaluate(&data, 8).unwrap());
    let outputs = model.predict(&data.inputs).unwrap();
    let matrix = ConfusionMatrix::from_outputs(3, &labels, &outputs).unwrap();
    let top2 = nn::metrics::top_k_accuracy(3, &labels, &outputs, 2).unwrap();
    assert_eq!(values, vec![matrix.macro_average().recall, top2]);
}
