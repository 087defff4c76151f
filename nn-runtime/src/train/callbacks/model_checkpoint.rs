//! Save the weights after every epoch or only the best ones, as Keras' `ModelCheckpoint`.

use std::path::PathBuf;

use super::control::expect_values;
use super::{Callback, CallbackState, Control, Monitor};
use crate::train::EpochStats;

/// Writes the parameters as a weights file (see [`save_weights`](crate::io::save_weights))
/// after every epoch, or with [`Self::save_best_only`] only after an epoch whose `monitor`
/// beat every earlier one. `{epoch}` in the path is replaced by the epoch number. Each
/// write is crash-safe: the file holds the previous weights until the new ones are
/// complete on disk.
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    path: PathBuf,
    monitor: Monitor,
    save_best_only: bool,
    best: f64,
}

impl ModelCheckpoint {
    /// Saves to `path` after every epoch, watching `val_loss` once `save_best_only` is set.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ModelCheckpoint {
            path: path.into(),
            monitor: Monitor::ValLoss,
            save_best_only: false,
            best: Monitor::ValLoss.worst(),
        }
    }

    /// The quantity that decides which epoch is best.
    pub fn monitor(mut self, monitor: Monitor) -> Self {
        self.monitor = monitor;
        self.best = monitor.worst();
        self
    }

    /// Saves only after an epoch that improved on the best so far.
    pub fn save_best_only(mut self, save_best_only: bool) -> Self {
        self.save_best_only = save_best_only;
        self
    }

    fn path_of(&self, epoch: usize) -> PathBuf {
        let text = self.path.to_string_lossy();
        if text.contains("{epoch}") {
            PathBuf::from(text.replace("{epoch}", &epoch.to_string()))
        } else {
            self.path.clone()
        }
    }
}

impl Callback for ModelCheckpoint {
    fn name(&self) -> &str {
        "model_checkpoint"
    }

    fn on_train_begin(&mut self, _control: &mut Control<'_>) -> Result<(), String> {
        self.best = self.monitor.worst();
        crate::io::check_writable(&self.path_of(0))
            .map_err(|error| format!("{}: {error}", self.path.display()))
    }

    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        control: &mut Control<'_>,
    ) -> Result<(), String> {
        if self.save_best_only {
            let current = self.monitor.value(stats)?;
            if !self.monitor.improves(current, self.best, 0.0) {
                return Ok(());
            }
            self.best = f64::from(current);
        }
        let path = self.path_of(stats.epoch);
        control
            .save_weights(&path)
            .map_err(|error| error.to_string())
    }

    fn state(&self) -> CallbackState {
        CallbackState {
            values: vec![self.best],
            params: None,
        }
    }

    fn set_state(&mut self, state: &CallbackState) -> Result<(), String> {
        self.best = expect_values(state, 1)?[0];
        Ok(())
    }
}
