//! Checkpoints in `fit`: resuming before the first epoch, saving after each.

use std::path::Path;

use super::{FitConfig, TrainError};
use crate::io::{Checkpoint, WeightsError};
use crate::network::Network;
use crate::optim::{Optimizer, OptimizerStateError};

/// Before training: checks that the optimizer can be checkpointed when checkpoints are asked
/// for, and resumes from `config.resume_from`. Returns the epochs already completed (0 for a
/// fresh run). On error, `network` and `optimizer` are unchanged.
pub(crate) fn prepare<N: Network>(
    network: &mut N,
    optimizer: &mut dyn Optimizer,
    config: &FitConfig,
    shards: usize,
) -> Result<usize, TrainError> {
    if let Some(path) = &config.checkpoint {
        if optimizer.state().is_none() {
            return Err(failed(path, OptimizerStateError::Unsupported.into()));
        }
    }
    let Some(path) = &config.resume_from else {
        return Ok(0);
    };
    let checkpoint = Checkpoint::load::<N>(path).map_err(|error| failed(path, error))?;
    let settings = [
        ("seed", checkpoint.seed.to_string(), config.seed.to_string()),
        (
            "batch_size",
            checkpoint.batch_size.to_string(),
            config.batch_size.to_string(),
        ),
        (
            "shuffle",
            checkpoint.shuffle.to_string(),
            config.shuffle.to_string(),
        ),
        (
            "data-parallel shards (threads that split each batch)",
            checkpoint.shards.to_string(),
            shards.to_string(),
        ),
    ];
    if let Some((setting, checkpoint, config)) = settings.into_iter().find(|(_, a, b)| a != b) {
        let error = WeightsError::SettingMismatch {
            setting,
            checkpoint,
            config,
        };
        return Err(failed(path, error));
    }
    optimizer
        .set_state(&checkpoint.optimizer)
        .map_err(|error| failed(path, error.into()))?;
    network.params_mut().copy_from_slice(&checkpoint.params);
    Ok(checkpoint.epoch)
}

/// After `epoch` completed: writes the checkpoint, when `config` asks for one.
pub(crate) fn save<N: Network>(
    network: &N,
    optimizer: &dyn Optimizer,
    config: &FitConfig,
    shards: usize,
    epoch: usize,
) -> Result<(), TrainError> {
    let Some(path) = &config.checkpoint else {
        return Ok(());
    };
    let state = optimizer
        .state()
        .ok_or_else(|| failed(path, OptimizerStateError::Unsupported.into()))?;
    Checkpoint::new(
        network,
        state,
        epoch,
        config.seed,
        config.batch_size,
        config.shuffle,
        shards,
    )
    .save::<N>(path)
    .map_err(|error| failed(path, error))
}

fn failed(path: &Path, error: WeightsError) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        error,
    }
}
