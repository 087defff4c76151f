//! The training loop: epochs of seeded, shuffled batches through a [`Workspace`].

use std::time::Instant;

use super::callbacks::{Callback, Callbacks};
use super::check::{check_batch_size, check_dataset_and_labels, check_threads, Role};
use super::checkpoint;
use super::epochs::{
    check_epochs_and_metrics, record_step, remaining_epochs, reset_order, restore, run_state,
};
use super::evaluate::evaluate_rows;
use super::finite::{at_batch, check_params};
use super::metric_selection::Collected;
use super::metrics::Tally;
use super::parallel::Trainer;
use super::progress::EpochProgress;
use super::settings;
use super::{EpochStats, FitConfig, History, Metric, MetricValue, TrainError};
use crate::data::Dataset;
use crate::network::Network;
use crate::optim::Optimizer;
use crate::rng::Rng;

/// The generator of one epoch: a function of the seed and the epoch alone, so an epoch's
/// order and dropout masks do not depend on how many numbers earlier epochs drew.
pub(crate) fn epoch_rng(seed: u64, epoch: usize) -> Rng {
    // Golden-ratio multiple keeps consecutive epochs far apart in SplitMix64's sequence;
    // the first output then decorrelates seeds that differ in few bits.
    let mut mixer = Rng::new(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    Rng::new(mixer.next_u64())
}

/// Trains `network` in place; see [`super::Model::fit`] and [`super::Model::fit_with`].
pub(crate) fn fit<N: Network + Sync>(
    network: &mut N,
    train: &Dataset,
    validation: Option<&Dataset>,
    optimizer: &mut dyn Optimizer,
    config: &FitConfig,
    callbacks: &mut [&mut dyn Callback],
) -> Result<History, TrainError> {
    check_batch_size(config.batch_size)?;
    let samples = check_dataset_and_labels::<N>(train, Role::Training)?;
    if let Some(validation) = validation {
        check_dataset_and_labels::<N>(validation, Role::Validation)?;
    }
    let split = settings::split(samples, config, validation.is_some())?;
    let weights = settings::sample_weights::<N>(train, samples, config)?;
    let validation_weights = settings::validation_weights(config, validation)?;
    let validation_samples = validation
        .map(Dataset::len)
        .or(split.validation.as_ref().map(|rows| rows.len()));
    let anomalies = settings::validation_anomalies(config, validation_samples)?;
    check_epochs_and_metrics::<N>(config)?;
    let mut callbacks = Callbacks::new(callbacks, config.epochs)?;

    let threads = check_threads(config.threads)?;
    optimizer
        .validate(N::PARAM_COUNT)
        .map_err(TrainError::InvalidOptimizer)?;
    // What a checkpoint records as the run's settings: the optimizer's as it starts (a
    // schedule changes its learning rate later), and the fit's own.
    let mut run_settings = optimizer.hyperparameters();
    run_settings.extend(settings::recorded_settings(config));

    // The threads first: if they cannot start, the checkpoint has not touched the model.
    let train_len = split.train.len();
    let mut trainer = Trainer::<N>::new(threads, config.batch_size.min(train_len))?;
    let resumed = checkpoint::prepare(
        network,
        optimizer,
        train,
        config,
        trainer.shards(),
        &run_settings,
    )?;
    check_params::<N>(network.params())?;
    let measuring = !config.metrics.is_empty();
    let (mut train_rows, mut validation_rows) = (Collected::default(), Collected::default());
    if measuring {
        trainer.keep_outputs();
    }
    callbacks.set_resumed_from(resumed.completed);
    callbacks.run(network, optimizer, |callback, control| {
        callback.on_train_begin(control)
    })?;
    restore(&mut callbacks, optimizer, &resumed)?;

    let mut order: Vec<usize> = split.train.clone().collect();
    let (epochs, mut history) = remaining_epochs(&resumed, config);
    for epoch in epochs {
        let started = Instant::now();
        callbacks.run(network, optimizer, |callback, control| {
            callback.on_epoch_begin(epoch, control)
        })?;
        let mut rng = epoch_rng(config.seed, epoch);
        if config.shuffle {
            reset_order(&mut order);
            rng.shuffle(&mut order);
        }

        let progress = EpochProgress::start(config.progress, epoch, config.epochs, train_len);
        let mut tally = Tally::new(N::LOSS);
        train_rows.clear();
        validation_rows.clear();
        for (batch, indices) in order.chunks(config.batch_size).enumerate() {
            let stats = trainer
                .train_batch(
                    network,
                    train,
                    indices,
                    weights.as_deref(),
                    optimizer,
                    &mut rng,
                )
                .map_err(|error| at_batch(error, epoch, batch + 1))?;
            if measuring {
                trainer.collect(&mut train_rows);
            }
            record_step(&stats, (epoch, batch + 1), &mut tally, &progress)?;
        }

        let collect = measuring.then_some(&mut validation_rows);
        let validation = match (validation, &split.validation) {
            (Some(data), _) => Some(evaluate_rows(
                network,
                data,
                0..data.len(),
                config.batch_size,
                Role::Validation,
                validation_weights,
                collect,
            )?),
            (None, Some(rows)) => Some(evaluate_rows(
                network,
                train,
                rows.clone(),
                config.batch_size,
                Role::Validation,
                // Keras splits the sample weights with the data; class weights train only.
                config.sample_weight.as_deref(),
                collect,
            )?),
            (None, None) => None,
        };
        let metrics = selected_metrics::<N>(
            &config.metrics,
            &train_rows,
            validation.is_some().then_some(&validation_rows),
            anomalies,
        )?;
        let stats = EpochStats {
            epoch,
            train: tally.evaluation(),
            validation,
            seconds: started.elapsed().as_secs_f64(),
            metrics,
        };
        let stop = callbacks.run(network, optimizer, |callback, control| {
            callback.on_epoch_end(&stats, control)
        })?;
        progress.finish(&stats, train_len);
        history.epochs.push(stats);
        let run = run_state(&run_settings, optimizer, stop, &callbacks, config);
        checkpoint::save(
            network,
            optimizer,
            config,
            trainer.shards(),
            epoch,
            resumed.data,
            run,
        )?;
        if stop {
            break;
        }
    }
    callbacks.run(network, optimizer, |callback, control| {
        callback.on_train_end(control)
    })?;
    Ok(history)
}

/// The selected metrics of an epoch's training and validation rows (the latter's anomaly
/// labels `anomalies`).
pub(super) fn selected_metrics<N: Network>(
    metrics: &[Metric],
    train: &Collected,
    validation: Option<&Collected>,
    anomalies: Option<&[bool]>,
) -> Result<Vec<MetricValue>, TrainError> {
    if metrics.is_empty() {
        return Ok(Vec::new());
    }
    let failed = |error: crate::metrics::MetricError| TrainError::InvalidSetting {
        setting: "metrics",
        reason: error.to_string(),
    };
    let trained = train.compute::<N>(metrics, None).map_err(failed)?;
    let validated = match validation {
        Some(rows) => Some(rows.compute::<N>(metrics, anomalies).map_err(failed)?),
        None => None,
    };
    Ok(metrics
        .iter()
        .enumerate()
        .map(|(index, &metric)| MetricValue {
            metric,
            train: trained[index],
            validation: validated.as_ref().and_then(|values| values[index]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_generators_depend_on_seed_and_epoch_only() {
        let first = |seed, epoch| epoch_rng(seed, epoch).next_u64();
        assert_eq!(first(7, 2), first(7, 2));
        assert_ne!(first(7, 2), first(7, 3));
        assert_ne!(first(7, 2), first(8, 2));
        assert_ne!(first(0, 1), first(1, 0));
    }
}
