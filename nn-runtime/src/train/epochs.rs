//! What the training loops of `Model::fit` and of a distributed run share: the checks of
//! the epoch settings and metrics, which epochs run, the resumed state, the accounting of
//! each step and the state a checkpoint records.

use super::callbacks::Callbacks;
use super::checkpoint::{Resumed, RunState};
use super::metrics::Tally;
use super::progress::EpochProgress;
use super::workspace::BatchStats;
use super::{FitConfig, History, TrainError};
use crate::network::Network;
use crate::optim::Optimizer;

/// Refuses an `initial_epoch` past the last epoch and a metric that does not fit `N`.
pub(crate) fn check_epochs_and_metrics<N: Network>(config: &FitConfig) -> Result<(), TrainError> {
    if config.initial_epoch > config.epochs {
        return Err(TrainError::InvalidSetting {
            setting: "initial_epoch",
            reason: format!(
                "{} is past the last epoch, {}",
                config.initial_epoch, config.epochs
            ),
        });
    }
    for metric in &config.metrics {
        metric
            .check::<N>()
            .map_err(|reason| TrainError::InvalidSetting {
                setting: "metrics",
                reason,
            })?;
    }
    Ok(())
}

/// Puts back the callbacks' state and the learning rate of a resumed run.
pub(crate) fn restore(
    callbacks: &mut Callbacks<'_, '_>,
    optimizer: &mut dyn Optimizer,
    resumed: &Resumed,
) -> Result<(), TrainError> {
    if resumed.completed == 0 {
        return Ok(());
    }
    callbacks.restore(&resumed.callbacks)?;
    match resumed.learning_rate {
        Some(rate) => optimizer
            .set_learning_rate(rate)
            .map_err(TrainError::InvalidOptimizer),
        None => Ok(()),
    }
}

/// The epochs still to train, counted from 1 (from the later of the checkpoint's and
/// `initial_epoch`; none when a callback had stopped the resumed run), and an empty history
/// for them.
pub(crate) fn remaining_epochs(
    resumed: &Resumed,
    config: &FitConfig,
) -> (impl Iterator<Item = usize>, History) {
    let first = resumed.completed.max(config.initial_epoch);
    let last = if resumed.stopped {
        first
    } else {
        config.epochs
    };
    let history = History {
        // A huge epoch count is legal (train until stopped); the history grows as it goes.
        epochs: Vec::with_capacity((last - first).min(1024)),
    };
    // Counted from the epochs completed, so that no count can overflow.
    ((first..last).map(|done| done + 1), history)
}

/// Resets `order` to the samples' own order, before an epoch shuffles it.
pub(crate) fn reset_order(order: &mut [usize]) {
    for (position, index) in order.iter_mut().enumerate() {
        *index = position;
    }
}

/// Counts training step `step` (from 1) of `epoch` into the epoch's tally and progress;
/// a loss that is not finite ends the run.
pub(crate) fn record_step(
    stats: &BatchStats,
    (epoch, step): (usize, usize),
    tally: &mut Tally,
    progress: &EpochProgress,
) -> Result<(), TrainError> {
    if !stats.loss.is_finite() {
        return Err(TrainError::NonFiniteLoss {
            epoch,
            batch: step,
            loss: stats.loss,
        });
    }
    tally.add(stats.samples, stats.loss, stats.correct, stats.judged);
    progress.advance(stats.samples, tally.evaluation());
    Ok(())
}

/// What a checkpoint records after an epoch besides the parameters and the optimizer.
pub(crate) fn run_state<'a>(
    settings: &'a [(&'static str, f64)],
    optimizer: &dyn Optimizer,
    stopped: bool,
    callbacks: &Callbacks<'_, '_>,
    config: &FitConfig,
) -> RunState<'a> {
    RunState {
        settings,
        learning_rate: optimizer.learning_rate(),
        stopped,
        // Only a checkpoint reads them (copying the best weights is not free).
        callbacks: match config.checkpoint {
            Some(_) => callbacks.states(),
            None => Vec::new(),
        },
    }
}
