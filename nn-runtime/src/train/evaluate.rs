//! Inference over data: batched evaluation and prediction, and single-sample classification.

use core::ops::Range;

use super::check::{check_batch_size, check_dataset_and_labels, whole_rows, Role};
use super::finite::first_non_finite_row;
use super::metric_selection::Collected;
use super::metrics::{argmax, Tally};
use super::{Evaluation, TrainError, Workspace};
use crate::data::Dataset;
use crate::network::{LossKind, Mode, Network};
use crate::rng::Rng;

/// Rows per forward pass of [`predict`]: large enough to amortize the per-batch work, small
/// enough that the arena of a big network stays modest.
const PREDICT_BATCH: usize = 256;

/// Outputs of up to this many floats are classified on the stack.
const STACK_OUTPUT: usize = 256;

/// Loss and accuracy of `network` over `data`; see [`super::Model::evaluate`].
pub(crate) fn evaluate<N: Network>(
    network: &N,
    data: &Dataset,
    batch_size: usize,
) -> Result<Evaluation, TrainError> {
    evaluate_as(network, data, batch_size, Role::Evaluation)
}

/// [`evaluate`] of data playing `role` (evaluation or validation), which names it in errors.
pub(crate) fn evaluate_as<N: Network>(
    network: &N,
    data: &Dataset,
    batch_size: usize,
    role: Role,
) -> Result<Evaluation, TrainError> {
    check_batch_size(batch_size)?;
    let samples = check_dataset_and_labels::<N>(data, role)?;
    evaluate_rows(network, data, 0..samples, batch_size, role, None, None)
}

/// The mean loss of training-mode passes; see [`super::Model::sampled_loss`].
pub(crate) fn sampled_loss<N: Network>(
    network: &N,
    data: &Dataset,
    batch_size: usize,
    draws: usize,
    seed: u64,
) -> Result<f64, TrainError> {
    check_batch_size(batch_size)?;
    let samples = check_dataset_and_labels::<N>(data, Role::Evaluation)?;
    if draws == 0 {
        return Err(TrainError::InvalidSetting {
            setting: "draws",
            reason: "the loss is averaged over at least one pass".into(),
        });
    }
    let mut nodes = vec![0.0; N::arena_len(batch_size.min(samples))];
    let mut targets = vec![0.0; batch_size.min(samples) * N::OUTPUT_LEN];
    let mut rng = Rng::new(seed);
    let mut total = 0.0f64;
    for _ in 0..draws {
        for first in (0..samples).step_by(batch_size) {
            let batch = (samples - first).min(batch_size);
            let rows = first..first + batch;
            let nodes = &mut nodes[..N::arena_len(batch)];
            nodes[..batch * N::INPUT_LEN]
                .copy_from_slice(&data.inputs[first * N::INPUT_LEN..][..batch * N::INPUT_LEN]);
            let targets = &mut targets[..batch * N::OUTPUT_LEN];
            super::targets::gather_targets::<N>(data, rows, targets);
            network.forward_batch(nodes, batch, Mode::Train, &mut rng);
            let loss = N::loss_batch(nodes, targets, batch, None);
            if !loss.is_finite() {
                return Err(TrainError::NonFiniteEvaluationLoss {
                    what: Role::Evaluation.name(),
                    loss,
                });
            }
            total += f64::from(loss) * batch as f64;
        }
    }
    Ok(total / (draws * samples) as f64)
}

/// [`evaluate_as`] of the consecutive samples `samples` of a checked data set (the
/// validation part of a `validation_split`, say), each sample's loss weighted by
/// `weights[row]` when given, its outputs and targets appended to `collect`; errors name
/// samples by their row in `data`.
pub(crate) fn evaluate_rows<N: Network>(
    network: &N,
    data: &Dataset,
    samples: Range<usize>,
    batch_size: usize,
    role: Role,
    weights: Option<&[f32]>,
    collect: Option<&mut Collected>,
) -> Result<Evaluation, TrainError> {
    tally_rows(network, data, samples, batch_size, role, weights, collect).map(|t| t.evaluation())
}

/// [`evaluate_rows`] as running sums, which the ranks of a distributed run combine.
pub(crate) fn tally_rows<N: Network>(
    network: &N,
    data: &Dataset,
    samples: Range<usize>,
    batch_size: usize,
    role: Role,
    weights: Option<&[f32]>,
    mut collect: Option<&mut Collected>,
) -> Result<Tally, TrainError> {
    let batch_size = batch_size.min(samples.len()).max(1);
    let mut workspace = Workspace::<N>::for_inference(batch_size);
    let mut tally = Tally::new(N::LOSS);
    for start in samples.clone().step_by(batch_size) {
        let rows = start..(start + batch_size).min(samples.end);
        let stats = workspace.evaluate_rows(network, data, rows.clone(), weights);
        let outputs = workspace.outputs(rows.len());
        if let Some((row, value)) = first_non_finite_row(outputs, N::OUTPUT_LEN) {
            return Err(TrainError::NonFiniteOutput {
                what: role.name(),
                sample: start + row,
                value,
            });
        }
        if !stats.loss.is_finite() {
            return Err(TrainError::NonFiniteEvaluationLoss {
                what: role.name(),
                loss: stats.loss,
            });
        }
        tally.add(stats.samples, stats.loss, stats.correct, stats.judged);
        if let Some(collected) = collect.as_deref_mut() {
            workspace.collect(collected, false);
        }
    }
    Ok(tally)
}

/// Loss, accuracy and `metrics` of `network` over `data`; see
/// [`super::Model::evaluate_metrics`].
pub(crate) fn evaluate_metrics<N: Network>(
    network: &N,
    data: &Dataset,
    batch_size: usize,
    metrics: &[super::Metric],
) -> Result<(Evaluation, Vec<f64>), TrainError> {
    check_batch_size(batch_size)?;
    if metrics.contains(&super::Metric::AnomalyAuc) {
        return Err(TrainError::InvalidSetting {
            setting: "metrics",
            reason: "`anomaly_auc` needs anomaly labels, which evaluate_metrics does not take; \
                     use nn::metrics::reconstruction_errors and roc_auc"
                .to_string(),
        });
    }
    for metric in metrics {
        metric
            .check::<N>()
            .map_err(|reason| TrainError::InvalidSetting {
                setting: "metrics",
                reason,
            })?;
    }
    let samples = check_dataset_and_labels::<N>(data, Role::Evaluation)?;
    let mut rows = Collected::default();
    let role = Role::Evaluation;
    let collect = Some(&mut rows);
    let evaluation = evaluate_rows(network, data, 0..samples, batch_size, role, None, collect)?;
    let values = rows
        .compute::<N>(metrics, None)
        .map_err(|error| TrainError::InvalidSetting {
            setting: "metrics",
            reason: error.to_string(),
        })?;
    // Every metric but the anomaly AUC, refused above, has a value without labels.
    Ok((evaluation, values.into_iter().flatten().collect()))
}

/// Outputs for rows of inputs; see [`super::Model::predict`].
pub(crate) fn predict<N: Network>(network: &N, inputs: &[f32]) -> Result<Vec<f32>, TrainError> {
    let samples = whole_rows("prediction inputs", inputs.len(), N::INPUT_LEN)?;
    let mut outputs = vec![0.0; samples * N::OUTPUT_LEN];
    if samples == 0 {
        return Ok(outputs);
    }
    let mut workspace = Workspace::<N>::for_inference(PREDICT_BATCH.min(samples));
    let input_chunks = inputs.chunks(PREDICT_BATCH * N::INPUT_LEN);
    let output_chunks = outputs.chunks_mut(PREDICT_BATCH * N::OUTPUT_LEN);
    for (chunk, (input, output)) in input_chunks.zip(output_chunks).enumerate() {
        workspace.predict_rows(network, input, output);
        if let Some((row, value)) = first_non_finite_row(output, N::OUTPUT_LEN) {
            return Err(TrainError::NonFiniteOutput {
                what: "prediction",
                sample: chunk * PREDICT_BATCH + row,
                value,
            });
        }
    }
    Ok(outputs)
}

/// The class of one sample; see [`super::Model::predict_class`].
///
/// # Errors
/// [`TrainError::ShapeMismatch`] when `input` is not one row of `N::INPUT_LEN` floats (it
/// names both lengths), and [`TrainError::NonFiniteOutput`] for a NaN or infinite output.
pub(crate) fn predict_class<N: Network>(network: &N, input: &[f32]) -> Result<usize, TrainError> {
    if input.len() != N::INPUT_LEN {
        return Err(TrainError::ShapeMismatch {
            what: "predict_class inputs (one sample; use `predict` for several)",
            expected: N::INPUT_LEN,
            found: input.len(),
        });
    }
    let mut stack = [0.0f32; STACK_OUTPUT];
    let mut heap = Vec::new();
    let output = if N::OUTPUT_LEN <= STACK_OUTPUT {
        &mut stack[..N::OUTPUT_LEN]
    } else {
        heap.resize(N::OUTPUT_LEN, 0.0);
        &mut heap[..]
    };
    network.forward_sample(input, output);
    // `argmax` skips NaN, and `probability > 0.5` is false for it: both would pick a class.
    if let Some((_, value)) = first_non_finite_row(output, N::OUTPUT_LEN) {
        return Err(TrainError::NonFiniteOutput {
            what: "prediction",
            sample: 0,
            value,
        });
    }
    Ok(match (N::LOSS, &*output) {
        (LossKind::SigmoidBinaryCrossEntropy, &[probability]) => usize::from(probability > 0.5),
        _ => argmax(output),
    })
}
