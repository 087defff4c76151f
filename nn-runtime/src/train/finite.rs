//! What training and inference do about NaN and infinity: name the tensor a refused step
//! concerns, find the first non-finite output, and keep the state a refused step must not
//! change.

use core::ops::Range;

use super::TrainError;
use crate::network::Network;
use crate::optim::OptimizerError;

/// The [`TrainError`] for an optimizer's refusal of a step of network `N`, outside `fit`
/// (epoch and batch 0; see [`at_batch`]).
pub(crate) fn step_error<N: Network>(error: OptimizerError) -> TrainError {
    let index = match error {
        OptimizerError::NonFiniteGradient { index, .. }
        | OptimizerError::NonFiniteUpdate { index, .. } => index,
        _ => return TrainError::InvalidOptimizer(error),
    };
    let (tensor, element) = N::TENSORS
        .iter()
        .find(|tensor| (tensor.offset..tensor.offset + tensor.len()).contains(&index))
        .map_or(("parameters", index), |tensor| {
            (tensor.name, index - tensor.offset)
        });
    TrainError::NonFiniteStep {
        epoch: 0,
        batch: 0,
        tensor,
        element,
        error,
    }
}

/// [`TrainError::NonFiniteParameter`] for the first NaN or infinite parameter of `N`.
pub(crate) fn check_params<N: Network>(params: &[f32]) -> Result<(), TrainError> {
    if first_non_finite_row(params, 1).is_none() {
        return Ok(());
    }
    let (tensor, element, value) = N::TENSORS
        .iter()
        .find_map(|tensor| {
            let values = &params[tensor.offset..tensor.offset + tensor.len()];
            let element = values.iter().position(|v| !v.is_finite())?;
            Some((tensor.name, element, values[element]))
        })
        .unwrap_or(("parameters", 0, f32::NAN));
    Err(TrainError::NonFiniteParameter {
        tensor,
        element,
        value,
    })
}

/// `error` with the epoch and batch of `fit` filled in, if it is a refused step.
pub(crate) fn at_batch(error: TrainError, epoch: usize, batch: usize) -> TrainError {
    match error {
        TrainError::NonFiniteStep {
            tensor,
            element,
            error,
            ..
        } => TrainError::NonFiniteStep {
            epoch,
            batch,
            tensor,
            element,
            error,
        },
        other => other,
    }
}

/// The first row (of `row_len` values) holding a NaN or an infinity, and that value.
pub(crate) fn first_non_finite_row(values: &[f32], row_len: usize) -> Option<(usize, f32)> {
    // Sums of finite values can overflow to infinity, but a NaN or an infinity always
    // makes the sum non-finite: one cheap pass for the common, all-finite case.
    if values.iter().sum::<f32>().is_finite() {
        return None;
    }
    let index = values.iter().position(|v| !v.is_finite())?;
    Some((index / row_len.max(1), values[index]))
}

/// Non-trainable state that a training step changes before the optimizer runs (batch
/// norm's running statistics, which the batched passes update), saved so that a
/// refused step can put it back.
#[derive(Debug, Default)]
pub(crate) struct SavedState {
    values: Vec<f32>,
}

/// Where in the parameters of `N` the running-state update writes.
pub(crate) fn state_ranges<N: Network>() -> impl Iterator<Item = Range<usize>> {
    N::TENSORS
        .iter()
        .filter(|tensor| {
            tensor.name.ends_with(".running_mean") || tensor.name.ends_with(".running_var")
        })
        .map(|tensor| tensor.offset..tensor.offset + tensor.len())
}

impl SavedState {
    /// Copies the state out of `params` (allocating only the first time).
    pub(crate) fn save<N: Network>(&mut self, params: &[f32]) {
        self.values.clear();
        for range in state_ranges::<N>() {
            self.values.extend_from_slice(&params[range]);
        }
    }

    /// Puts the saved state back into `params`.
    pub(crate) fn restore<N: Network>(&self, params: &mut [f32]) {
        let mut saved = self.values.as_slice();
        for range in state_ranges::<N>() {
            let (values, rest) = saved.split_at(range.len());
            params[range].copy_from_slice(values);
            saved = rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_finite_row_is_found_and_overflowing_sums_are_not_mistaken() {
        assert_eq!(first_non_finite_row(&[1.0, 2.0, 3.0, 4.0], 2), None);
        assert_eq!(first_non_finite_row(&[f32::MAX, f32::MAX], 1), None);
        let found = first_non_finite_row(&[1.0, 2.0, 3.0, f32::NAN, f32::INFINITY, 0.0], 2);
        assert!(matches!(found, Some((1, v)) if v.is_nan()), "{found:?}");
        assert_eq!(
            first_non_finite_row(&[0.0, f32::NEG_INFINITY], 1),
            Some((1, f32::NEG_INFINITY))
        );
        assert_eq!(first_non_finite_row(&[], 3), None);
    }
}
