//! Lower the learning rate when a monitored quantity stops improving, as Keras'
//! `ReduceLROnPlateau` does.

use super::control::{count, expect_values};
use super::{Callback, CallbackState, Control, Monitor};
use crate::train::EpochStats;

/// Multiplies the learning rate by `factor` when `monitor` has not improved by more than
/// `min_delta` for `patience` epochs, never below `min_lr`, then waits `cooldown` epochs
/// before counting again. Keras' defaults: factor 0.1, patience 10, min_delta 1e-4,
/// cooldown 0, min_lr 0.
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    monitor: Monitor,
    factor: f32,
    patience: usize,
    min_delta: f32,
    cooldown: usize,
    min_lr: f32,
    wait: usize,
    cooldown_left: usize,
    best: f64,
}

impl ReduceLrOnPlateau {
    /// Watches `monitor` with Keras' defaults.
    pub fn new(monitor: Monitor) -> Self {
        ReduceLrOnPlateau {
            monitor,
            factor: 0.1,
            patience: 10,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            wait: 0,
            cooldown_left: 0,
            best: monitor.worst(),
        }
    }

    /// The factor the rate is multiplied by, in `(0, 1)`.
    pub fn factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }

    /// Epochs without improvement before the rate is lowered.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// The least change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Epochs after a reduction during which no epoch counts as a wait.
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The lowest rate it sets.
    pub fn min_lr(mut self, min_lr: f32) -> Self {
        self.min_lr = min_lr;
        self
    }
}

impl Callback for ReduceLrOnPlateau {
    fn name(&self) -> &str {
        "reduce_lr_on_plateau"
    }

    fn on_train_begin(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return Err(format!("factor is {}; it must be in (0, 1)", self.factor));
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0) {
            return Err(format!(
                "min_lr is {}; it must be finite and at least 0",
                self.min_lr
            ));
        }
        if control.learning_rate().is_none() {
            return Err("the optimizer has no learning rate to reduce".to_string());
        }
        (self.wait, self.cooldown_left, self.best) = (0, 0, self.monitor.worst());
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
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.wait = 0;
        }
        if self.monitor.improves(current, self.best, self.min_delta) {
            self.best = f64::from(current);
            self.wait = 0;
        } else if self.cooldown_left == 0 {
            self.wait += 1;
            if self.wait >= self.patience {
                let rate = control.learning_rate().unwrap_or(0.0);
                if rate > self.min_lr {
                    let lowered = (rate * self.factor).max(self.min_lr);
                    control
                        .set_learning_rate(lowered)
                        .map_err(|error| error.to_string())?;
                    self.cooldown_left = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }

    fn state(&self) -> CallbackState {
        CallbackState {
            values: vec![self.wait as f64, self.cooldown_left as f64, self.best],
            params: None,
        }
    }

    fn set_state(&mut self, state: &CallbackState) -> Result<(), String> {
        let values = expect_values(state, 3)?;
        self.wait = count(values[0]);
        self.cooldown_left = count(values[1]);
        self.best = values[2];
        Ok(())
    }
}
