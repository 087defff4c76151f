//! Checkpoints in `fit`: checking the path and resuming before the first epoch, saving after
//! each.

use std::path::Path;

use super::callbacks::CallbackState;
use super::{FitConfig, TrainError};
use crate::data::{DataFingerprint, Dataset};
use crate::io::{check_writable, Checkpoint, WeightsError};
use crate::network::Network;
use crate::optim::{Optimizer, OptimizerStateError};

/// What [`prepare`] found: where the run stands.
pub(crate) struct Resumed {
    /// Epochs already completed (0 for a fresh run).
    pub(crate) completed: usize,
    /// The training data's fingerprint, when checkpoints are written or read.
    pub(crate) data: Option<DataFingerprint>,
    /// The learning rate the checkpoint recorded for the next step.
    pub(crate) learning_rate: Option<f32>,
    /// Whether a callback had stopped the run.
    pub(crate) stopped: bool,
    /// The callbacks' state, by name.
    pub(crate) callbacks: Vec<(String, CallbackState)>,
}

impl Resumed {
    fn fresh(data: Option<DataFingerprint>) -> Self {
        Resumed {
            completed: 0,
            data,
            learning_rate: None,
            stopped: false,
            callbacks: Vec::new(),
        }
    }
}

/// What a checkpoint records besides the network and the optimizer's state.
pub(crate) struct RunState<'a> {
    /// The optimizer's hyperparameters as the run started, and the fit's own settings.
    pub(crate) settings: &'a [(&'static str, f64)],
    pub(crate) learning_rate: Option<f32>,
    pub(crate) stopped: bool,
    pub(crate) callbacks: Vec<(String, CallbackState)>,
}

/// Before training: checks that checkpoints can be written where `config.checkpoint` says
/// (by an optimizer that exports its state, into an existing, writable directory), and
/// resumes from `config.resume_from`, refusing a checkpoint that would not continue the
/// same run bit for bit or that is past `config.epochs`. On error, `network` and
/// `optimizer` are unchanged.
pub(crate) fn prepare<N: Network>(
    network: &mut N,
    optimizer: &mut dyn Optimizer,
    train: &Dataset,
    config: &FitConfig,
    shards: usize,
    settings: &[(&'static str, f64)],
) -> Result<Resumed, TrainError> {
    let fingerprint = || train.fingerprint();
    prepare_for(network, optimizer, fingerprint, config, shards, settings)
}

/// [`prepare`] for training data whose fingerprint `fingerprint` gives (the data of all
/// ranks of a distributed run).
pub(crate) fn prepare_for<N: Network>(
    network: &mut N,
    optimizer: &mut dyn Optimizer,
    fingerprint: impl FnOnce() -> DataFingerprint,
    config: &FitConfig,
    shards: usize,
    settings: &[(&'static str, f64)],
) -> Result<Resumed, TrainError> {
    if let Some(path) = &config.checkpoint {
        if optimizer.state().is_none() {
            return Err(failed(path, OptimizerStateError::Unsupported.into()));
        }
        check_writable(path).map_err(|error| failed(path, WeightsError::io(path, error)))?;
    }
    let data = (config.checkpoint.is_some() || config.resume_from.is_some()).then(fingerprint);
    let Some(path) = &config.resume_from else {
        return Ok(Resumed::fresh(data));
    };
    let checkpoint = Checkpoint::load::<N>(path).map_err(|error| failed(path, error))?;
    check_settings(&checkpoint, config, shards).map_err(|error| failed(path, error))?;
    if let (Some(recorded), Some(given)) = (checkpoint.data, data) {
        if recorded != given {
            let error = WeightsError::DataMismatch {
                checkpoint: recorded,
                given,
            };
            return Err(failed(path, error));
        }
    }
    let same_method = optimizer
        .state()
        .is_some_and(|state| state.method == checkpoint.optimizer.method);
    if same_method {
        // Another method is refused below, by name, which says more than its settings.
        if let Some(recorded) = &checkpoint.hyperparameters {
            check_hyperparameters(recorded, settings).map_err(|error| failed(path, error))?;
        }
    }
    if checkpoint.epoch > config.epochs {
        let error = WeightsError::ResumePastEnd {
            completed: checkpoint.epoch,
            epochs: config.epochs,
        };
        return Err(failed(path, error));
    }
    optimizer
        .set_state(&checkpoint.optimizer)
        .map_err(|error| failed(path, error.into()))?;
    network.params_mut().copy_from_slice(&checkpoint.params);
    Ok(Resumed {
        completed: checkpoint.epoch,
        data,
        learning_rate: checkpoint.learning_rate,
        stopped: checkpoint.stopped,
        callbacks: checkpoint.callbacks,
    })
}

/// The settings that fix the order of the data and the arithmetic must be the checkpoint's.
fn check_settings(
    checkpoint: &Checkpoint,
    config: &FitConfig,
    shards: usize,
) -> Result<(), WeightsError> {
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
    match settings.into_iter().find(|(_, a, b)| a != b) {
        Some((setting, checkpoint, config)) => Err(WeightsError::SettingMismatch {
            setting,
            checkpoint,
            config,
        }),
        None => Ok(()),
    }
}

/// Every hyperparameter must be recorded with the same value (bit for bit) on both sides.
fn check_hyperparameters(
    recorded: &[(String, f64)],
    given: &[(&'static str, f64)],
) -> Result<(), WeightsError> {
    let recorded_value = |name: &str| recorded.iter().find(|(n, _)| n == name).map(|&(_, v)| v);
    let given_value = |name: &str| given.iter().find(|(n, _)| *n == name).map(|&(_, v)| v);
    let names = recorded
        .iter()
        .map(|(name, _)| name.as_str())
        .chain(given.iter().map(|&(name, _)| name));
    for name in names {
        let (checkpoint, optimizer) = (recorded_value(name), given_value(name));
        if checkpoint.map(f64::to_bits) != optimizer.map(f64::to_bits) {
            return Err(WeightsError::HyperparameterMismatch {
                name: name.to_string(),
                checkpoint,
                optimizer,
            });
        }
    }
    Ok(())
}

/// After `epoch` completed: writes the checkpoint, when `config` asks for one.
pub(crate) fn save<N: Network>(
    network: &N,
    optimizer: &dyn Optimizer,
    config: &FitConfig,
    shards: usize,
    epoch: usize,
    data: Option<DataFingerprint>,
    run: RunState<'_>,
) -> Result<(), TrainError> {
    let Some(path) = &config.checkpoint else {
        return Ok(());
    };
    let state = optimizer
        .state()
        .ok_or_else(|| failed(path, OptimizerStateError::Unsupported.into()))?;
    let mut checkpoint = Checkpoint::new(
        network,
        state,
        epoch,
        config.seed,
        config.batch_size,
        config.shuffle,
        shards,
    )
    .with_hyperparameters(run.settings);
    if let Some(data) = data {
        checkpoint = checkpoint.with_data(data);
    }
    checkpoint.learning_rate = run.learning_rate;
    checkpoint.stopped = run.stopped;
    checkpoint.callbacks = run.callbacks;
    checkpoint
        .save::<N>(path)
        .map_err(|error| failed(path, error))
}

fn failed(path: &Path, error: WeightsError) -> TrainError {
    TrainError::Checkpoint {
        path: path.to_path_buf(),
        error,
    }
}
