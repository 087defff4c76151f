//! Keras' `TerminateOnNaN`, which `fit` does always.

use super::{Callback, Control};
use crate::train::EpochStats;

/// Stops training on a NaN or infinite loss. `fit` already does so for every batch (with
/// [`TrainError::NonFiniteLoss`](crate::TrainError::NonFiniteLoss) and the parameters of
/// before the batch), so this callback is for code ported from Keras: it adds the check of
/// every epoch's losses, validation included, to the callbacks' list.
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminateOnNaN;

impl Callback for TerminateOnNaN {
    fn name(&self) -> &str {
        "terminate_on_nan"
    }

    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        _control: &mut Control<'_>,
    ) -> Result<(), String> {
        let losses = [Some(stats.train.loss), stats.validation.map(|v| v.loss)];
        match losses.into_iter().flatten().find(|loss| !loss.is_finite()) {
            Some(loss) => Err(format!("epoch {}: a loss is {loss}", stats.epoch)),
            None => Ok(()),
        }
    }
}
