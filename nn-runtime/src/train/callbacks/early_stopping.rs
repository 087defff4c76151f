//! Stop when a monitored quantity has stopped improving, as Keras' `EarlyStopping` does.

use super::control::{count, expect_values};
use super::{Callback, CallbackState, Control, Monitor};
use crate::train::EpochStats;

/// Stops training when `monitor` has not improved by more than `min_delta` for `patience`
/// epochs; with `restore_best_weights`, puts back the parameters of the best epoch when
/// training ends (stopped or not, as Keras 3 does).
///
/// ```
/// use nn_runtime::train::callbacks::{EarlyStopping, Monitor};
/// let stopping = EarlyStopping::new(Monitor::ValLoss).patience(3).restore_best_weights(true);
/// assert_eq!(stopping.stopped_epoch(), None);
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: Monitor,
    min_delta: f32,
    patience: usize,
    restore_best_weights: bool,
    wait: usize,
    best: f64,
    best_epoch: usize,
    stopped_epoch: usize,
    best_params: Option<Vec<f32>>,
}

impl EarlyStopping {
    /// Watches `monitor` with patience 0, `min_delta` 0 and without restoring weights.
    pub fn new(monitor: Monitor) -> Self {
        EarlyStopping {
            monitor,
            min_delta: 0.0,
            patience: 0,
            restore_best_weights: false,
            wait: 0,
            best: monitor.worst(),
            best_epoch: 0,
            stopped_epoch: 0,
            best_params: None,
        }
    }

    /// Epochs without improvement before stopping.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// The least change that counts as an improvement (its sign is ignored).
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Whether to restore the parameters of the best epoch when training ends.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }

    /// The epoch with the best value so far (1-based), if any epoch was measured.
    pub fn best_epoch(&self) -> Option<usize> {
        (self.best_epoch > 0).then_some(self.best_epoch)
    }

    /// The epoch after which it stopped training, if it did.
    pub fn stopped_epoch(&self) -> Option<usize> {
        (self.stopped_epoch > 0).then_some(self.stopped_epoch)
    }
}

impl Callback for EarlyStopping {
    fn name(&self) -> &str {
        "early_stopping"
    }

    fn on_train_begin(&mut self, _control: &mut Control<'_>) -> Result<(), String> {
        *self = EarlyStopping::new(self.monitor)
            .patience(self.patience)
            .min_delta(self.min_delta)
            .restore_best_weights(self.restore_best_weights);
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        control: &mut Control<'_>,
    ) -> Result<(), String> {
        let current = self.monitor.value(stats)?;
        if current.is_nan() {
            return Err(format!("`{}` is NaN", self.monitor.name()));
        }
        self.wait += 1;
        if self.monitor.improves(current, self.best, self.min_delta) {
            self.best = f64::from(current);
            self.best_epoch = stats.epoch;
            self.wait = 0;
            if self.restore_best_weights {
                let params = self.best_params.get_or_insert_with(Vec::new);
                params.clear();
                params.extend_from_slice(control.params());
            }
            return Ok(());
        }
        // Keras never stops after the first epoch.
        if self.wait >= self.patience && stats.epoch > 1 {
            self.stopped_epoch = stats.epoch;
            control.stop_training();
        }
        Ok(())
    }

    fn on_train_end(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        if let (true, Some(best)) = (self.restore_best_weights, &self.best_params) {
            control.params_mut().copy_from_slice(best);
        }
        Ok(())
    }

    fn state(&self) -> CallbackState {
        CallbackState {
            values: vec![
                self.wait as f64,
                self.best,
                self.best_epoch as f64,
                self.stopped_epoch as f64,
            ],
            params: self.best_params.clone(),
        }
    }

    fn set_state(&mut self, state: &CallbackState) -> Result<(), String> {
        let values = expect_values(state, 4)?;
        self.wait = count(values[0]);
        self.best = values[1];
        self.best_epoch = count(values[2]);
        self.stopped_epoch = count(values[3]);
        self.best_params = state.params.clone();
        Ok(())
    }
}
