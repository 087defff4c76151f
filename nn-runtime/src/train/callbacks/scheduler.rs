//! The learning rate as a function of the epoch, as Keras' `LearningRateScheduler` sets it.

use std::fmt;

use super::control::expect_values;
use super::{Callback, CallbackState, Control};

/// How the learning rate follows the epoch. `initial` is the optimizer's rate when `fit`
/// started; epochs count from 1, so every schedule gives `initial` in epoch 1.
#[non_exhaustive]
pub enum Schedule {
    /// `initial · factor^⌊(epoch − 1) / every⌋`: multiplied by `factor` every `every` epochs.
    Step {
        /// Epochs between reductions (at least 1).
        every: usize,
        /// The multiplier.
        factor: f32,
    },
    /// `initial · rate^(epoch − 1)`.
    Exponential {
        /// The multiplier per epoch.
        rate: f32,
    },
    /// Cosine decay from `initial` to `min_lr` over `epochs` epochs, then `min_lr`:
    /// `min_lr + (initial − min_lr) · (1 + cos(π · min(epoch − 1, epochs) / epochs)) / 2`.
    Cosine {
        /// Epochs of the decay (at least 1).
        epochs: usize,
        /// The rate it ends at.
        min_lr: f32,
    },
    /// Any function of the epoch and the current rate, returning the new rate.
    Custom(Box<dyn Fn(usize, f32) -> f32>),
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Step { every, factor } => {
                write!(f, "Step {{ every: {every}, factor: {factor} }}")
            }
            Schedule::Exponential { rate } => write!(f, "Exponential {{ rate: {rate} }}"),
            Schedule::Cosine { epochs, min_lr } => {
                write!(f, "Cosine {{ epochs: {epochs}, min_lr: {min_lr} }}")
            }
            Schedule::Custom(_) => write!(f, "Custom(..)"),
        }
    }
}

impl Schedule {
    /// The rate of `epoch` (1-based), from the initial rate and the current one.
    pub fn rate(&self, epoch: usize, initial: f32, current: f32) -> f32 {
        let done = epoch.saturating_sub(1);
        let initial64 = f64::from(initial);
        match *self {
            Schedule::Step { every, factor } => {
                let steps = done / every.max(1);
                (initial64 * f64::from(factor).powi(steps.min(i32::MAX as usize) as i32)) as f32
            }
            Schedule::Exponential { rate } => {
                (initial64 * f64::from(rate).powi(done.min(i32::MAX as usize) as i32)) as f32
            }
            Schedule::Cosine { epochs, min_lr } => {
                let epochs = epochs.max(1);
                let progress = done.min(epochs) as f64 / epochs as f64;
                let min = f64::from(min_lr);
                let cosine = (1.0 + (std::f64::consts::PI * progress).cos()) / 2.0;
                (min + (initial64 - min) * cosine) as f32
            }
            Schedule::Custom(ref schedule) => schedule(epoch, current),
        }
    }
}

/// Sets the optimizer's learning rate before every epoch from a [`Schedule`].
///
/// ```
/// use nn_runtime::train::callbacks::{LearningRateScheduler, Schedule};
/// let cosine = Schedule::Cosine { epochs: 10, min_lr: 0.0 };
/// assert_eq!(cosine.rate(1, 1e-3, 1e-3), 1e-3);
/// let _halving = LearningRateScheduler::new(Schedule::Step { every: 5, factor: 0.5 });
/// ```
#[derive(Debug)]
pub struct LearningRateScheduler {
    schedule: Schedule,
    initial: Option<f32>,
}

impl LearningRateScheduler {
    /// A scheduler following `schedule`.
    pub fn new(schedule: Schedule) -> Self {
        LearningRateScheduler {
            schedule,
            initial: None,
        }
    }

    /// A scheduler calling `schedule(epoch, current_rate)` for each epoch's rate (Keras'
    /// form, but with 1-based epochs).
    pub fn from_fn(schedule: impl Fn(usize, f32) -> f32 + 'static) -> Self {
        LearningRateScheduler::new(Schedule::Custom(Box::new(schedule)))
    }
}

impl Callback for LearningRateScheduler {
    fn name(&self) -> &str {
        "learning_rate_scheduler"
    }

    fn on_train_begin(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        self.initial = control.learning_rate();
        if self.initial.is_none() {
            return Err("the optimizer has no learning rate to schedule".to_string());
        }
        Ok(())
    }

    fn on_epoch_begin(&mut self, epoch: usize, control: &mut Control<'_>) -> Result<(), String> {
        let current = control.learning_rate().unwrap_or(0.0);
        let initial = self.initial.unwrap_or(current);
        let rate = self.schedule.rate(epoch, initial, current);
        control
            .set_learning_rate(rate)
            .map_err(|error| format!("epoch {epoch}: {error}"))
    }

    fn state(&self) -> CallbackState {
        CallbackState {
            values: self.initial.map(f64::from).into_iter().collect(),
            params: None,
        }
    }

    fn set_state(&mut self, state: &CallbackState) -> Result<(), String> {
        let values = expect_values(state, 1)?;
        self.initial = Some(values[0] as f32);
        Ok(())
    }
}
