//! Callbacks: code that `fit` runs around every epoch, as Keras' callbacks do. They read the
//! epoch's statistics and may stop training, change the learning rate or the parameters.
//!
//! A callback's state goes into every checkpoint `fit` writes (see [`Callback::state`]), so a
//! resumed run with callbacks is bit for bit the uninterrupted one.

mod control;
mod csv_logger;
mod early_stopping;
mod model_checkpoint;
mod monitor;
mod reduce_lr;
mod runner;
mod scheduler;
mod terminate;

pub use control::{CallbackState, Control};
pub use csv_logger::CsvLogger;
pub use early_stopping::EarlyStopping;
pub use model_checkpoint::ModelCheckpoint;
pub use monitor::Monitor;
pub use reduce_lr::ReduceLrOnPlateau;
pub(crate) use runner::Callbacks;
pub use scheduler::{LearningRateScheduler, Schedule};
pub use terminate::TerminateOnNaN;

use super::EpochStats;

/// Code run by `fit` at the start and end of training and of every epoch. Every method has
/// a default that does nothing; an error (a message saying what to change) stops `fit`
/// with [`TrainError::Callback`](super::TrainError::Callback).
///
/// In one epoch, `fit` calls every callback's [`Self::on_epoch_begin`] in order, trains,
/// validates, calls every [`Self::on_epoch_end`] in order, and then writes its checkpoint:
/// the checkpoint holds what the callbacks did.
pub trait Callback {
    /// A name unique among the callbacks of one `fit`: it keys the callback's state in
    /// checkpoints and names it in errors.
    fn name(&self) -> &str;

    /// Before the first epoch, and before a checkpoint's state is restored into the callback.
    ///
    /// # Errors
    /// A message when the callback cannot run with this `fit` (a missing validation set).
    fn on_train_begin(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        let _ = control;
        Ok(())
    }

    /// Before epoch `epoch` (1-based) trains.
    ///
    /// # Errors
    /// A message saying why training cannot go on.
    fn on_epoch_begin(&mut self, epoch: usize, control: &mut Control<'_>) -> Result<(), String> {
        let _ = (epoch, control);
        Ok(())
    }

    /// After an epoch trained and was validated.
    ///
    /// # Errors
    /// A message saying why training cannot go on.
    fn on_epoch_end(
        &mut self,
        stats: &EpochStats,
        control: &mut Control<'_>,
    ) -> Result<(), String> {
        let _ = (stats, control);
        Ok(())
    }

    /// After the last epoch, or after a callback stopped training; also when a resumed run
    /// had nothing left to train, so that the end of a run does not depend on where it was
    /// resumed.
    ///
    /// # Errors
    /// A message saying what failed.
    fn on_train_end(&mut self, control: &mut Control<'_>) -> Result<(), String> {
        let _ = control;
        Ok(())
    }

    /// What the callback carries from one epoch to the next, for checkpoints. The default,
    /// empty, fits a callback that carries nothing.
    fn state(&self) -> CallbackState {
        CallbackState::default()
    }

    /// Continues from a state [`Self::state`] exported.
    ///
    /// # Errors
    /// A message when the state does not fit; the default accepts only an empty state.
    fn set_state(&mut self, state: &CallbackState) -> Result<(), String> {
        if *state == CallbackState::default() {
            Ok(())
        } else {
            Err("this callback keeps no state, but the checkpoint holds some".to_string())
        }
    }
}
