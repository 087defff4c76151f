//! Targets as the loss reads them: one-hot (or any) rows as they are, or sparse class
//! indices expanded to one-hot rows in the workspace, and per-sample loss weights.
//!
//! A data set holds sparse labels when its targets are one float per sample while the
//! network ends in a softmax over more than one class: each target is then a class index,
//! a whole number in `0..classes`. The expansion writes exactly the one-hot row the dense
//! path would have read, so both paths train to the same bits.

use super::check::Role;
use super::TrainError;
use crate::data::Dataset;
use crate::network::{LossKind, Network};

/// Whether `data`'s targets are class indices for network `N` (see the module docs).
pub(crate) fn is_sparse<N: Network>(data: &Dataset) -> bool {
    N::LOSS == LossKind::SoftmaxCrossEntropy && N::OUTPUT_LEN > 1 && data.target_len == 1
}

/// The class a sparse target names, if it is a whole number below `classes`.
fn class_of(label: f32, classes: usize) -> Option<usize> {
    (label >= 0.0 && label.fract() == 0.0 && (label as usize) < classes).then_some(label as usize)
}

/// Checks that every sparse label of `data` at `samples` names a class of `N`.
pub(crate) fn check_labels<N: Network>(
    data: &Dataset,
    samples: impl IntoIterator<Item = usize>,
    role: Role,
) -> Result<(), TrainError> {
    if !is_sparse::<N>(data) {
        return Ok(());
    }
    for sample in samples {
        let label = data.targets[sample];
        if class_of(label, N::OUTPUT_LEN).is_none() {
            return Err(TrainError::LabelOutOfRange {
                what: role.name(),
                sample,
                label,
                classes: N::OUTPUT_LEN,
            });
        }
    }
    Ok(())
}

/// Writes the target rows of `indices` into `into` (rows of `N::OUTPUT_LEN`), one-hot
/// encoding sparse labels (checked beforehand by [`check_labels`]).
pub(crate) fn gather_targets<N: Network>(
    data: &Dataset,
    indices: impl Iterator<Item = usize>,
    into: &mut [f32],
) {
    let width = N::OUTPUT_LEN;
    let sparse = is_sparse::<N>(data);
    for (slot, index) in into.chunks_exact_mut(width).zip(indices) {
        if sparse {
            slot.fill(0.0);
            if let Some(class) = class_of(data.targets[index], width) {
                slot[class] = 1.0;
            }
        } else {
            slot.copy_from_slice(&data.targets[index * width..(index + 1) * width]);
        }
    }
}

/// The loss node of `N`: the logits below a fused softmax or sigmoid, else the output.
fn loss_node<N: Network>() -> usize {
    N::LOSS_NODE
}

/// The node the loss reads, for a batch of `batch` samples: `batch` rows of `N::OUTPUT_LEN`.
fn loss_rows<N: Network>(batch: usize) -> core::ops::Range<usize> {
    let node = loss_node::<N>();
    let start = N::NODE_WIDTHS[..node].iter().sum::<usize>() * batch;
    start..start + batch * N::OUTPUT_LEN
}

/// The weighted mean loss of a batch after its forward pass: sample `i`'s loss counts
/// `weights[i]` times (Keras' `sample_weight`: the weighted sum over the batch, divided by
/// the batch size).
pub(crate) fn weighted_loss<N: Network>(nodes: &[f32], targets: &[f32], weights: &[f32]) -> f32 {
    let width = N::OUTPUT_LEN;
    let values = &nodes[loss_rows::<N>(weights.len())];
    let rows = values.chunks_exact(width).zip(targets.chunks_exact(width));
    let mut total = 0.0f64;
    for ((value, target), &weight) in rows.zip(weights) {
        // The same kernel on one row gives that sample's loss, as the batch mean sums it.
        let loss = N::LOSS.compute(value, target, width, None);
        total += f64::from(weight) * f64::from(loss);
    }
    (total / weights.len() as f64) as f32
}

/// Re-weights a batch's loss and gradient after the batched loss: each sample's row of
/// the loss gradient is scaled by its weight, so the gradient is that of [`weighted_loss`],
/// which it returns.
pub(crate) fn apply_weights<N: Network>(
    nodes: &[f32],
    node_grads: &mut [f32],
    targets: &[f32],
    weights: &[f32],
) -> f32 {
    let grads = &mut node_grads[loss_rows::<N>(weights.len())];
    for (grad, &weight) in grads.chunks_exact_mut(N::OUTPUT_LEN).zip(weights) {
        grad.iter_mut().for_each(|g| *g *= weight);
    }
    weighted_loss::<N>(nodes, targets, weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_numbers_below_the_class_count_are_classes() {
        assert_eq!(class_of(3.0, 10), Some(3));
        assert_eq!(class_of(0.0, 10), Some(0));
        assert_eq!(class_of(10.0, 10), None);
        assert_eq!(class_of(-1.0, 10), None);
        assert_eq!(class_of(2.5, 10), None);
        assert_eq!(class_of(f32::NAN, 10), None);
    }
}
