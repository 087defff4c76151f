//! The training loop: epochs of seeded, shuffled batches through a [`Workspace`].

use std::time::Instant;

use super::check::{check_batch_size, check_dataset, check_threads, Role};
use super::checkpoint;
use super::evaluate::evaluate_as;
use super::finite::{at_batch, check_params};
use super::metrics::Tally;
use super::parallel::Trainer;
use super::progress::EpochProgress;
use super::{EpochStats, FitConfig, History, TrainError};
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

/// Trains `network` in place; see [`super::Model::fit`].
pub(crate) fn fit<N: Network + Sync>(
    network: &mut N,
    train: &Dataset,
    validation: Option<&Dataset>,
    optimizer: &mut dyn Optimizer,
    config: &FitConfig,
) -> Result<History, TrainError> {
    check_batch_size(config.batch_size)?;
    let samples = check_dataset::<N>(train, Role::Training)?;
    if let Some(validation) = validation {
        check_dataset::<N>(validation, Role::Validation)?;
    }

    let threads = check_threads(config.threads)?;
    optimizer
        .validate(N::PARAM_COUNT)
        .map_err(TrainError::InvalidOptimizer)?;

    // The threads first: if they cannot start, the checkpoint has not touched the model.
    let mut trainer = Trainer::<N>::new(threads, config.batch_size.min(samples))?;
    let resumed = checkpoint::prepare(network, optimizer, train, config, trainer.shards())?;
    check_params::<N>(network.params())?;
    let mut order: Vec<usize> = (0..samples).collect();
    let batches = samples.div_ceil(config.batch_size);
    let remaining = config.epochs - resumed.completed; // `prepare` checked the order
    let mut history = History {
        // A huge epoch count is legal (train until stopped); the history grows as it goes.
        epochs: Vec::with_capacity(remaining.min(1024)),
    };

    // Counted from the epochs completed, so that no count can overflow.
    for epoch in (resumed.completed..config.epochs).map(|done| done + 1) {
        let started = Instant::now();
        let mut rng = epoch_rng(config.seed, epoch);
        if config.shuffle {
            for (position, index) in order.iter_mut().enumerate() {
                *index = position;
            }
            rng.shuffle(&mut order);
        }

        let progress = EpochProgress::start(config.progress, epoch, config.epochs, batches);
        let mut tally = Tally::new(N::LOSS);
        for (batch, indices) in order.chunks(config.batch_size).enumerate() {
            let stats = trainer
                .train_batch(network, train, indices, optimizer, &mut rng)
                .map_err(|error| at_batch(error, epoch, batch + 1))?;
            if !stats.loss.is_finite() {
                return Err(TrainError::NonFiniteLoss {
                    epoch,
                    batch: batch + 1,
                    loss: stats.loss,
                });
            }
            tally.add(stats.samples, stats.loss, stats.correct, stats.judged);
            progress.advance(tally.evaluation());
        }

        let validation = match validation {
            Some(data) => Some(evaluate_as(
                network,
                data,
                config.batch_size,
                Role::Validation,
            )?),
            None => None,
        };
        let stats = EpochStats {
            epoch,
            train: tally.evaluation(),
            validation,
            seconds: started.elapsed().as_secs_f64(),
        };
        progress.finish(&stats);
        history.epochs.push(stats);
        checkpoint::save(
            network,
            optimizer,
            config,
            trainer.shards(),
            epoch,
            resumed.data,
        )?;
    }
    Ok(history)
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
