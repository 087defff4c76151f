//! What a callback may see and change: the parameters, the learning rate, whether to stop.

use std::path::Path;

use crate::io::{write_atomically, WeightsError};
use crate::network::TensorInfo;
use crate::optim::{Optimizer, OptimizerError};

/// A callback's hold on the running `fit`.
pub struct Control<'a> {
    pub(crate) params: &'a mut [f32],
    pub(crate) tensors: &'static [TensorInfo],
    pub(crate) optimizer: &'a mut dyn Optimizer,
    pub(crate) epochs: usize,
    pub(crate) resumed_from: usize,
    pub(crate) stop: bool,
}

impl Control<'_> {
    /// The network's parameters, flat (see [`Network::params`](crate::Network::params)).
    pub fn params(&self) -> &[f32] {
        self.params
    }

    /// The parameters, writable: restoring the best ones, say.
    pub fn params_mut(&mut self) -> &mut [f32] {
        self.params
    }

    /// Writes the parameters as a weights file (what [`save_weights`](crate::io::save_weights)
    /// writes), crash-safely.
    ///
    /// # Errors
    /// [`WeightsError::Io`] when the file cannot be written.
    pub fn save_weights(&self, path: &Path) -> Result<(), WeightsError> {
        let bytes = crate::io::params_to_bytes(self.tensors, self.params);
        write_atomically(path, |file| file.write_all(&bytes)).map_err(|e| WeightsError::io(path, e))
    }

    /// The optimizer's learning rate, when it has one.
    pub fn learning_rate(&self) -> Option<f32> {
        self.optimizer.learning_rate()
    }

    /// Sets the optimizer's learning rate for the next steps.
    ///
    /// # Errors
    /// What [`Optimizer::set_learning_rate`] returns.
    pub fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), OptimizerError> {
        self.optimizer.set_learning_rate(learning_rate)
    }

    /// Asks `fit` to stop after this epoch (its checkpoint, if any, is still written).
    pub fn stop_training(&mut self) {
        self.stop = true;
    }

    /// Whether a callback asked to stop.
    pub fn stopping(&self) -> bool {
        self.stop
    }

    /// The epochs this `fit` runs to ([`FitConfig::epochs`](crate::FitConfig::epochs)).
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Epochs a checkpoint had completed when this `fit` resumed it (0 for a fresh run).
    pub fn resumed_from(&self) -> usize {
        self.resumed_from
    }
}

/// A callback's state in a checkpoint: numbers (written in full precision, so they read back
/// bit for bit) and optionally one vector of parameters (the best weights, say).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallbackState {
    /// Counters and best values.
    pub values: Vec<f64>,
    /// A copy of the parameters, when the callback keeps one.
    pub params: Option<Vec<f32>>,
}

/// `Err` unless `state` holds exactly `count` values (and what it says about parameters).
pub(crate) fn expect_values(state: &CallbackState, count: usize) -> Result<&[f64], String> {
    if state.values.len() == count {
        Ok(&state.values)
    } else {
        Err(format!(
            "the checkpoint holds {} values for this callback, but it keeps {count}; resume \
             with the callbacks the run was started with",
            state.values.len()
        ))
    }
}

/// An `f64` checkpoint value back as a count.
pub(crate) fn count(value: f64) -> usize {
    value as usize
}
