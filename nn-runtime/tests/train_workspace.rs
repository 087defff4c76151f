//! `Workspace::train_batch` and `History` on their own.

mod train_support;

use nn_runtime::train::BatchStats;
use nn_runtime::{EpochStats, Evaluation, History, Network, Rng, TrainError, Workspace};
use train_support::{linear_regression, Dense, Mse, PlainSgd};

type Linear = Dense<Mse, 2, 1>;

#[test]
fn training_steps_reuse_the_buffers_for_every_batch_size() {
    let data = linear_regression();
    let mut net = Linear::zeroed();
    let mut workspace = Workspace::<Linear>::new(4);
    let reserved = workspace.reserved_floats();
    // Arena (2 + 1 floats per sample) and its gradient, parameter gradients, targets.
    assert_eq!(reserved, 2 * 4 * 3 + Linear::PARAM_COUNT + 4);
    let mut optimizer = PlainSgd::new(0.1);
    let mut rng = Rng::new(0);
    for indices in [&[0, 1, 2, 3][..], &[4, 5], &[15], &[6, 7, 8, 9]] {
        let stats = workspace
            .train_batch(&mut net, &data, indices, &mut optimizer, &mut rng)
            .unwrap();
        assert_eq!(stats.samples, indices.len());
        assert_eq!(workspace.reserved_floats(), reserved);
    }
    assert_eq!(optimizer.steps, 4);
}

#[test]
fn a_training_step_reports_the_loss_before_its_update() {
    // Zero parameters predict 0, so the loss is the mean squared target.
    let data = linear_regression();
    let mut net = Linear::zeroed();
    let mut workspace = Workspace::<Linear>::new(2);
    let stats = workspace
        .train_batch(
            &mut net,
            &data,
            &[3, 12],
            &mut PlainSgd::new(0.1),
            &mut Rng::new(0),
        )
        .unwrap();
    let expected = (data.targets[3].powi(2) + data.targets[12].powi(2)) / 2.0;
    assert_eq!(
        stats,
        BatchStats {
            samples: 2,
            loss: expected,
            correct: 0,
            judged: 0
        }
    );
    assert!(
        net.params.iter().any(|&p| p != 0.0),
        "the optimizer stepped"
    );
}

#[test]
fn a_training_step_refuses_batches_that_do_not_fit() {
    let data = linear_regression();
    let mut net = Linear::zeroed();
    let mut workspace = Workspace::<Linear>::new(2);
    let mut step = |indices: &[usize]| {
        workspace
            .train_batch(
                &mut net,
                &data,
                indices,
                &mut PlainSgd::new(0.1),
                &mut Rng::new(0),
            )
            .unwrap_err()
    };
    assert_eq!(
        format!("{:?}", step(&[0, 1, 2])),
        format!(
            "{:?}",
            TrainError::BatchTooLarge {
                batch: 3,
                max_batch: 2
            }
        )
    );
    assert_eq!(
        format!("{:?}", step(&[])),
        format!("{:?}", TrainError::ZeroBatchSize)
    );
    let error = step(&[1, 16]);
    assert_eq!(
        format!("{:?}", error),
        format!("{:?}", TrainError::SampleOutOfRange { index: 16, len: 16 })
    );
    assert_eq!(
        error.to_string(),
        "a batch names sample 16, but the data set has only 16 samples"
    );
    assert_eq!(net.params, [0.0; 3]);
}

fn stats(
    epoch: usize,
    loss: f32,
    accuracy: Option<f32>,
    validation: Option<Evaluation>,
) -> EpochStats {
    EpochStats {
        epoch,
        train: Evaluation { loss, accuracy },
        validation,
        seconds: 0.25,
        metrics: Vec::new(),
    }
}

#[test]
fn history_helpers_read_the_last_epoch() {
    let empty = History::default();
    assert!(
        empty.last().is_none()
            && empty.final_accuracy().is_none()
            && empty.final_validation().is_none()
    );
    let validation = Evaluation {
        loss: 0.5,
        accuracy: Some(0.8),
    };
    let history = History {
        epochs: vec![
            stats(1, 0.9, Some(0.5), None),
            stats(2, 0.4, Some(0.875), Some(validation)),
        ],
    };
    assert_eq!(history.last().map(|stats| stats.epoch), Some(2));
    assert_eq!(history.final_loss(), Some(0.4));
    assert_eq!(history.final_accuracy(), Some(0.875));
    assert_eq!(history.final_validation(), Some(validation));
}

#[test]
fn history_prints_a_table_with_dashes_for_missing_values() {
    let validation = Evaluation {
        loss: 0.5,
        accuracy: Some(0.8),
    };
    let history = History {
        epochs: vec![
            stats(1, 0.9, None, None),
            stats(2, 0.4, Some(0.875), Some(validation)),
        ],
    };
    let table = history.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    let words = |line: &str| {
        line.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        words(lines[0]),
        ["epoch", "loss", "accuracy", "val_loss", "val_acc", "seconds"]
    );
    assert_eq!(words(lines[1]), ["1", "0.9000", "-", "-", "-", "0.25"]);
    assert_eq!(
        words(lines[2]),
        ["2", "0.4000", "87.50%", "0.5000", "80.00%", "0.25"]
    );
}
