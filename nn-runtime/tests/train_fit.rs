//! `Model::fit`: learning, batching, shuffling and reproducibility.

mod train_support;

use std::path::Path;

use nn_runtime::train::Metric;
use nn_runtime::{FitConfig, History, Mode, Model, Network};
use train_support::{
    dataset, linear_regression, numbered, two_blobs, Dense, Mse, PlainSgd, Recording, Softmax,
};

type Linear = Dense<Mse, 2, 1>;
type Classifier = Dense<Softmax, 2, 2>;

/// The history with wall-clock times zeroed, which are the only part allowed to differ.
fn without_times(history: &History) -> History {
    let mut history = history.clone();
    history
        .epochs
        .iter_mut()
        .for_each(|stats| stats.seconds = 0.0);
    history
}

#[test]
fn fit_reduces_the_loss_of_a_learnable_regression() {
    let data = linear_regression();
    let mut net = Linear::zeroed();
    let before = net.evaluate(&data, 16).unwrap().loss;
    let history = net
        .fit(
            &data,
            None,
            &mut PlainSgd::new(0.3),
            &FitConfig::new(200, 4).quiet(),
        )
        .unwrap();

    assert_eq!(history.epochs.len(), 200);
    assert!(history.epochs[0].train.loss > history.final_loss().unwrap());
    let after = net.evaluate(&data, 16).unwrap().loss;
    assert!(after < before * 1e-3, "loss went from {before} to {after}");
    let [w0, w1, b] = net.params[..] else {
        unreachable!()
    };
    assert!(
        (w0 - 2.0).abs() < 0.05 && (w1 + 3.0).abs() < 0.05 && (b - 0.5).abs() < 0.05,
        "{:?}",
        net.params
    );
    assert_eq!(
        history.final_accuracy(),
        None,
        "no accuracy for a regression"
    );
}

#[test]
fn fit_learns_a_separable_classification_and_reports_validation() {
    let data = two_blobs();
    let mut net = Classifier::zeroed();
    let history = net
        .fit(
            &data,
            Some(&data),
            &mut PlainSgd::new(0.5),
            &FitConfig::new(20, 5).seed(3).quiet(),
        )
        .unwrap();

    let last = history.last().unwrap();
    assert_eq!(last.epoch, 20);
    assert_eq!(history.final_accuracy(), Some(1.0));
    let validation = history.final_validation().expect("validation was given");
    assert_eq!(validation.accuracy, Some(1.0));
    assert_eq!(
        validation,
        net.evaluate(&data, 5).unwrap(),
        "validation is evaluate() after the epoch"
    );
    assert!(history
        .epochs
        .iter()
        .all(|stats| stats.validation.is_some() && stats.seconds >= 0.0));
    assert!(last.train.loss < history.epochs[0].train.loss);
}

#[test]
fn every_sample_is_used_once_per_epoch_with_a_smaller_last_batch() {
    let data = numbered(10);
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    net.fit(
        &data,
        None,
        &mut PlainSgd::new(0.0),
        &FitConfig::new(3, 4).quiet(),
    )
    .unwrap();

    let calls = net.train_calls();
    let sizes: Vec<usize> = calls.iter().map(|call| call.batch).collect();
    assert_eq!(sizes, [4, 4, 2, 4, 4, 2, 4, 4, 2]);
    for epoch in calls.chunks(3) {
        let mut seen: Vec<f32> = epoch
            .iter()
            .flat_map(|call| call.inputs.iter().copied())
            .collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..10).map(|i| i as f32).collect::<Vec<_>>());
    }
}

#[test]
fn fit_steps_the_optimizer_once_per_batch() {
    let mut optimizer = PlainSgd::new(0.01);
    Linear::zeroed()
        .fit(
            &linear_regression(),
            None,
            &mut optimizer,
            &FitConfig::new(2, 5).quiet(),
        )
        .unwrap();
    assert_eq!(
        optimizer.steps,
        2 * 4,
        "16 samples in batches of 5 are 4 batches"
    );
}

#[test]
fn a_batch_larger_than_the_data_set_is_one_batch() {
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    net.fit(
        &numbered(3),
        None,
        &mut PlainSgd::new(0.0),
        &FitConfig::new(1, 100).quiet(),
    )
    .unwrap();
    assert_eq!(
        net.train_calls()
            .iter()
            .map(|call| call.batch)
            .collect::<Vec<_>>(),
        [3]
    );
}

#[test]
fn without_shuffling_samples_come_in_data_set_order() {
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    let config = FitConfig::new(2, 3).shuffle(false).quiet();
    net.fit(&numbered(5), None, &mut PlainSgd::new(0.0), &config)
        .unwrap();
    let order: Vec<f32> = net
        .train_calls()
        .iter()
        .flat_map(|call| call.inputs.clone())
        .collect();
    assert_eq!(order, [0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
}

/// The order in which a fit of `epochs` epochs visits 20 numbered samples.
fn visit_order(seed: u64, epochs: usize) -> Vec<f32> {
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    net.fit(
        &numbered(20),
        None,
        &mut PlainSgd::new(0.0),
        &FitConfig::new(epochs, 4).seed(seed).quiet(),
    )
    .unwrap();
    net.train_calls()
        .iter()
        .flat_map(|call| call.inputs.clone())
        .collect()
}

#[test]
fn the_shuffle_depends_on_the_seed_and_changes_every_epoch() {
    assert_eq!(visit_order(7, 2), visit_order(7, 2));
    assert_ne!(visit_order(7, 1), visit_order(8, 1));
    let two_epochs = visit_order(7, 2);
    assert_ne!(two_epochs[..20], two_epochs[20..], "each epoch reshuffles");
    assert_eq!(
        two_epochs[..20],
        visit_order(7, 1)[..],
        "an epoch's order ignores later epochs"
    );
    let identity: Vec<f32> = (0..20).map(|i| i as f32).collect();
    assert_ne!(two_epochs[..20], identity[..]);
}

#[test]
fn the_same_seed_gives_bit_identical_parameters_and_history() {
    let run = |seed| {
        let mut net = Classifier::zeroed();
        net.init(1);
        let data = two_blobs();
        let history = net
            .fit(
                &data,
                Some(&data),
                &mut PlainSgd::new(0.2),
                &FitConfig::new(5, 3).seed(seed).quiet(),
            )
            .unwrap();
        (
            net.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
            without_times(&history),
        )
    };
    let (params_a, history_a) = run(11);
    let (params_b, history_b) = run(11);
    assert_eq!(params_a, params_b);
    assert_eq!(history_a, history_b);
    let (params_c, _) = run(12);
    assert_ne!(
        params_a, params_c,
        "another seed visits the batches in another order"
    );
}

#[test]
fn zero_epochs_train_nothing() {
    let mut net = Linear::zeroed();
    let mut optimizer = PlainSgd::new(0.1);
    let history = net
        .fit(
            &linear_regression(),
            None,
            &mut optimizer,
            &FitConfig::new(0, 4).quiet(),
        )
        .unwrap();
    assert!(
        history.epochs.is_empty() && history.last().is_none() && history.final_loss().is_none()
    );
    assert_eq!(optimizer.steps, 0);
}

#[test]
fn training_passes_run_in_train_mode_and_validation_in_infer_mode() {
    let data = numbered(6);
    let mut net = Recording::new(Dense::<Mse, 1, 1>::zeroed());
    net.fit(
        &data,
        Some(&data),
        &mut PlainSgd::new(0.0),
        &FitConfig::new(1, 4).quiet(),
    )
    .unwrap();
    let modes: Vec<(Mode, usize)> = net
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|call| (call.mode, call.batch))
        .collect();
    assert_eq!(
        modes,
        [
            (Mode::Train, 4),
            (Mode::Train, 2),
            (Mode::Infer, 4),
            (Mode::Infer, 2)
        ]
    );
}

#[test]
fn training_with_progress_output_completes() {
    let mut net = Linear::zeroed();
    let config = FitConfig::default().epochs(2).batch_size(4);
    assert!(config.get_progress() && config.get_shuffle());
    let history = net
        .fit(&linear_regression(), None, &mut PlainSgd::new(0.1), &config)
        .unwrap();
    assert_eq!(history.epochs.len(), 2);
}

#[test]
fn the_default_configuration_matches_its_documentation() {
    let config = FitConfig::default();
    assert_eq!(
        (
            config.get_epochs(),
            config.get_batch_size(),
            config.get_seed()
        ),
        (1, 32, 0)
    );
    assert!(config.get_shuffle() && config.get_progress());
    assert_eq!(
        (config.get_checkpoint(), config.get_resume_from()),
        (None, None)
    );
    assert_eq!((config.get_threads(), config.get_initial_epoch()), (1, 0));
    assert_eq!(config.get_validation_split(), None);
    assert_eq!(config.get_class_weight(), None);
    assert_eq!(config.get_sample_weight(), None);
    assert_eq!(config.get_validation_sample_weight(), None);
    assert_eq!(config.get_validation_anomalies(), None);
    assert!(config.get_metrics().is_empty());
    // `new` sets the two settings it names and leaves every other at its default.
    let built = FitConfig::new(3, 8).seed(5).shuffle(false).quiet();
    assert_eq!(
        built,
        FitConfig::default()
            .epochs(3)
            .batch_size(8)
            .seed(5)
            .shuffle(false)
            .progress(false)
    );
    assert_ne!(built, built.clone().progress(true));
}

#[test]
fn every_builder_method_sets_what_its_getter_reads() {
    let config = FitConfig::default()
        .checkpoint("a.ckpt")
        .resume_from("b.ckpt")
        .threads(3)
        .validation_split(0.25)
        .class_weight(vec![1.0, 2.0])
        .sample_weight(vec![0.5; 4])
        .validation_sample_weight(vec![2.0])
        .validation_anomalies(vec![true, false])
        .initial_epoch(7)
        .metrics(vec![Metric::MeanAbsoluteError]);
    assert_eq!(config.get_checkpoint(), Some(Path::new("a.ckpt")));
    assert_eq!(config.get_resume_from(), Some(Path::new("b.ckpt")));
    assert_eq!(config.get_threads(), 3);
    assert_eq!(config.get_validation_split(), Some(0.25));
    assert_eq!(config.get_class_weight(), Some(&[1.0, 2.0][..]));
    assert_eq!(config.get_sample_weight(), Some(&[0.5; 4][..]));
    assert_eq!(config.get_validation_sample_weight(), Some(&[2.0][..]));
    assert_eq!(config.get_validation_anomalies(), Some(&[true, false][..]));
    assert_eq!(config.get_initial_epoch(), 7);
    assert_eq!(config.get_metrics(), &[Metric::MeanAbsoluteError]);
}

#[test]
fn the_training_accuracy_counts_predictions_before_each_update() {
    // With a learning rate of 0 nothing changes, so the epoch's statistics equal an
    // evaluation of the same data.
    let data = dataset(
        vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0, -1.0, 0.5],
        vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0],
        2,
        2,
    );
    let mut net = Classifier::with_params(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    let expected = net.evaluate(&data, 4).unwrap();
    let history = net
        .fit(
            &data,
            None,
            &mut PlainSgd::new(0.0),
            &FitConfig::new(1, 3).quiet(),
        )
        .unwrap();
    let train = history.last().unwrap().train;
    assert_eq!(train.accuracy, expected.accuracy);
    assert!(
        (train.loss - expected.loss).abs() < 1e-6,
        "{train:?} vs {expected:?}"
    );
}
