//! The training loop of a distributed run: the loop of `Model::fit`, with the ranks agreeing
//! on every outcome, combining every measurement, and rank 0 alone writing and printing.

use core::ops::Range;
use std::time::Instant;

use super::cluster::{part, RankData};
use super::exchange::Peers;
use super::plan::{part_batch_shards, whole_batch_shards, PartSchedule, ShardPlan};
use super::trainer::RankTrainer;
use crate::data::{DataFingerprint, Dataset};
use crate::network::Network;
use crate::optim::Optimizer;
use crate::rng::Rng;
use crate::train::callbacks::{Callback, Callbacks};
use crate::train::check::{check_batch_size, check_dataset_and_labels, check_threads, Role};
use crate::train::checkpoint;
use crate::train::epochs::{
    check_epochs_and_metrics, record_step, remaining_epochs, reset_order, restore, run_state,
};
use crate::train::evaluate::tally_rows;
use crate::train::finite::{at_batch, check_params};
use crate::train::fit::{epoch_rng, selected_metrics};
use crate::train::metric_selection::Collected;
use crate::train::metrics::Tally;
use crate::train::progress::EpochProgress;
use crate::train::settings;
use crate::train::settings::validation_anomalies;
use crate::train::{EpochStats, Evaluation, FitConfig, History, TrainError};

/// Mixed into the seed of the generator that shuffles a rank's part, so that it is not the
/// generator of the batches' draws.
const PART_SALT: u64 = 0xD1B5_4A32_D192_ED03;

/// How this rank's epochs are cut into steps.
enum Steps {
    /// Every rank shuffles the whole data alike and trains its shards of every batch.
    Whole,
    /// Each rank contributes from its own part.
    Part(PartSchedule),
}

/// Trains `network` on every rank; see [`super::Cluster::fit_with`].
pub(super) fn fit<N: Network + Sync>(
    peers: &Peers<'_>,
    network: &mut N,
    train: RankData<'_>,
    validation: Option<&Dataset>,
    optimizer: &mut dyn Optimizer,
    config: &FitConfig,
    callbacks: &mut [&mut dyn Callback],
) -> Result<History, TrainError> {
    let data = train.data();
    let (rank, ranks) = (peers.rank(), peers.size());

    // What each rank checks alone, as `Model::fit` does; then whether all passed.
    let checked = check_locally::<N>(data, validation, config).and_then(|checked| {
        let callbacks = Callbacks::new(callbacks, config.epochs)?;
        optimizer
            .validate(N::PARAM_COUNT)
            .map_err(TrainError::InvalidOptimizer)?;
        Ok((checked, callbacks))
    });
    let ((split, weights, threads), mut callbacks) = peers.agree(checked)?;
    let mut run_settings = optimizer.hyperparameters();
    run_settings.extend(settings::recorded_settings(config));

    // What the ranks learn from each other: the data's fingerprint and how the epochs go.
    let train_len = split.train.len();
    let fingerprint =
        (train.is_whole() || config.checkpoint.is_some() || config.resume_from.is_some())
            .then(|| data.fingerprint());
    let mut mine = vec![train_len as u64];
    mine.extend(fingerprint.map_or([0; 4], words));
    let mut all = Vec::new();
    peers.all_gather(&mine, &mut all);
    let ranks_words: Vec<&[u64]> = all.chunks_exact(mine.len()).collect();
    let (steps, fingerprint, total) = if train.is_whole() {
        if let Some(other) = ranks_words.iter().position(|w| *w != ranks_words[0]) {
            return Err(TrainError::InvalidSetting {
                setting: "RankData::Whole",
                reason: format!(
                    "rank {other}'s training data differs from rank 0's; give every rank the \
                     same data, or each its own part with RankData::Part"
                ),
            });
        }
        (Steps::Whole, fingerprint, train_len)
    } else {
        let lens: Vec<usize> = ranks_words.iter().map(|w| w[0] as usize).collect();
        let schedule = PartSchedule::new(config.batch_size, &lens).map_err(|reason| {
            TrainError::InvalidSetting {
                setting: "batch_size",
                reason,
            }
        })?;
        let combined = fingerprint.map(|_| combine_fingerprints(&ranks_words));
        (Steps::Part(schedule), combined, lens.iter().sum())
    };

    // The threads first: if they cannot start, the checkpoint has not touched the model.
    let max_shard = |slots: usize| match &steps {
        Steps::Whole => config.batch_size.min(train_len).div_ceil(ranks * slots),
        Steps::Part(schedule) => schedule.largest_share().div_ceil(slots),
    };
    let trainer = RankTrainer::<N>::new(threads, ranks, max_shard);
    let mut trainer = peers.agree(trainer)?;
    let shards = ranks * trainer.slots();
    let resumed = checkpoint::prepare_for(
        network,
        optimizer,
        || fingerprint.unwrap_or_else(|| data.fingerprint()),
        config,
        shards,
        &run_settings,
    )
    .and_then(|resumed| check_params::<N>(network.params()).map(|()| resumed));
    let resumed = peers.agree(resumed)?;
    let measuring = !config.metrics.is_empty();
    let (mut train_rows, mut validation_rows) = (Collected::default(), Collected::default());
    if measuring {
        trainer.keep_outputs();
    }
    callbacks.set_resumed_from(resumed.completed);
    peers.agree(callbacks.run(network, optimizer, |callback, control| {
        callback.on_train_begin(control)
    }))?;
    if resumed.completed > 0 {
        peers.agree(restore(&mut callbacks, optimizer, &resumed))?;
    }

    let mut order: Vec<usize> = split.train.clone().collect();
    let (epochs, mut history) = remaining_epochs(&resumed, config);
    let mut plan: Vec<ShardPlan> = Vec::new();
    let show_progress = config.progress && rank == 0;

    for epoch in epochs {
        let started = Instant::now();
        peers.agree(callbacks.run(network, optimizer, |callback, control| {
            callback.on_epoch_begin(epoch, control)
        }))?;
        let mut rng = epoch_rng(config.seed, epoch);
        if config.shuffle {
            reset_order(&mut order);
            match &steps {
                Steps::Whole => rng.shuffle(&mut order),
                Steps::Part(_) => part_rng(config.seed, rank, epoch).shuffle(&mut order),
            }
        }

        let progress = EpochProgress::start(show_progress, epoch, config.epochs, total);
        let mut tally = Tally::new(N::LOSS);
        train_rows.clear();
        validation_rows.clear();
        let step_count = match &steps {
            Steps::Whole => train_len.div_ceil(config.batch_size),
            Steps::Part(schedule) => schedule.steps(),
        };
        for step in 0..step_count {
            let (samples, batch) = match &steps {
                Steps::Whole => {
                    let end = ((step + 1) * config.batch_size).min(train_len);
                    let samples = &order[step * config.batch_size..end];
                    whole_batch_shards(samples.len(), rank, ranks, trainer.slots(), &mut plan);
                    (samples, samples.len())
                }
                Steps::Part(schedule) => {
                    let samples = &order[schedule.contribution(rank, step)];
                    part_batch_shards(samples.len(), rank, trainer.slots(), &mut plan);
                    (samples, schedule.batch(step))
                }
            };
            let stats = trainer
                .step(
                    peers,
                    network,
                    data,
                    samples,
                    &plan,
                    batch,
                    weights.as_deref(),
                    optimizer,
                    &mut rng,
                )
                .map_err(|error| at_batch(error, epoch, step + 1))?;
            if measuring {
                trainer.collect(&mut train_rows);
            }
            record_step(&stats, (epoch, step + 1), &mut tally, &progress)?;
        }

        // This rank's share of the validation data, then the sums of all ranks.
        let collect = measuring.then_some(&mut validation_rows);
        let whole = matches!(steps, Steps::Whole);
        let share = |rows: Range<usize>| {
            if !whole {
                return rows;
            }
            let mine = part(rows.len(), rank, ranks);
            rows.start + mine.start..rows.start + mine.end
        };
        let validated = match (validation, &split.validation) {
            (Some(data), _) => Some(tally_rows(
                network,
                data,
                share(0..data.len()),
                config.batch_size,
                Role::Validation,
                None,
                collect,
            )),
            (None, Some(rows)) => Some(tally_rows(
                network,
                data,
                share(rows.clone()),
                config.batch_size,
                Role::Validation,
                config.sample_weight.as_deref(),
                collect,
            )),
            (None, None) => None,
        };
        let validated = peers.agree(validated.transpose())?;
        let validation = validated.map(|tally| combine_tallies(peers, &tally).evaluation());
        let metrics = if measuring {
            let train_rows = gather_rows(peers, &train_rows)?;
            let validation_rows = gather_rows(peers, &validation_rows)?;
            // Gathered in rank order, the rows are the validation set's own order again.
            let anomalies = validation_anomalies(
                config,
                validation
                    .is_some()
                    .then_some(validation_rows.outputs.len() / N::OUTPUT_LEN),
            )?;
            selected_metrics::<N>(
                &config.metrics,
                &train_rows,
                validation.is_some().then_some(&validation_rows),
                anomalies,
            )?
        } else {
            Vec::new()
        };
        let stats = EpochStats {
            epoch,
            train: tally.evaluation(),
            validation,
            seconds: started.elapsed().as_secs_f64(),
            metrics,
        };
        let stop = peers.agree(callbacks.run(network, optimizer, |callback, control| {
            callback.on_epoch_end(&stats, control)
        }))?;
        // Rank 0's decision holds, so that callbacks that differ cannot part the ranks.
        let stop = peers.rank_0s(u64::from(stop)) != 0;
        progress.finish(&stats, total);
        history.epochs.push(stats);
        let saved = if rank == 0 {
            let run = run_state(&run_settings, optimizer, stop, &callbacks, config);
            checkpoint::save(network, optimizer, config, shards, epoch, resumed.data, run)
        } else {
            Ok(())
        };
        peers.agree(saved)?;
        if stop {
            break;
        }
    }
    peers.agree(callbacks.run(network, optimizer, |callback, control| {
        callback.on_train_end(control)
    }))?;
    Ok(history)
}

/// Loss and accuracy over all ranks' data; see [`super::Cluster::evaluate`].
pub(super) fn evaluate<N: Network>(
    peers: &Peers<'_>,
    network: &N,
    data: RankData<'_>,
    batch_size: usize,
) -> Result<Evaluation, TrainError> {
    let rows = check_batch_size(batch_size)
        .and_then(|()| check_dataset_and_labels::<N>(data.data(), Role::Evaluation));
    let rows = peers.agree(rows)?;
    let rows = match data {
        RankData::Whole(_) => part(rows, peers.rank(), peers.size()),
        RankData::Part(_) => 0..rows,
    };
    let role = Role::Evaluation;
    let tally = tally_rows(network, data.data(), rows, batch_size, role, None, None);
    let tally = peers.agree(tally)?;
    Ok(combine_tallies(peers, &tally).evaluation())
}

/// The checks of `Model::fit` that need no other rank: the data, the settings and the
/// threads; returns the split, the sample weights and the thread count.
type Checked = (settings::Split, Option<Vec<f32>>, usize);

fn check_locally<N: Network>(
    data: &Dataset,
    validation: Option<&Dataset>,
    config: &FitConfig,
) -> Result<Checked, TrainError> {
    check_batch_size(config.batch_size)?;
    let samples = check_dataset_and_labels::<N>(data, Role::Training)?;
    if let Some(validation) = validation {
        check_dataset_and_labels::<N>(validation, Role::Validation)?;
    }
    let split = settings::split(samples, config, validation.is_some())?;
    let weights = settings::sample_weights::<N>(data, samples, config)?;
    check_epochs_and_metrics::<N>(config)?;
    let threads = check_threads(config.threads)?;
    Ok((split, weights, threads))
}

/// The generator that shuffles rank `rank`'s part in `epoch`.
fn part_rng(seed: u64, rank: usize, epoch: usize) -> Rng {
    epoch_rng(seed ^ PART_SALT.wrapping_mul(rank as u64 + 1), epoch)
}

fn words(fingerprint: DataFingerprint) -> [u64; 4] {
    [
        fingerprint.samples as u64,
        fingerprint.input_len as u64,
        fingerprint.target_len as u64,
        fingerprint.hash,
    ]
}

/// One fingerprint for the ranks' parts, in rank order (each rank's words: its training
/// samples, then its part's fingerprint).
fn combine_fingerprints(ranks: &[&[u64]]) -> DataFingerprint {
    let mut hash = 0xCBF2_9CE4_8422_2325u64;
    for words in ranks {
        hash = (hash ^ words[4]).wrapping_mul(0x0000_0100_0000_01B3);
    }
    DataFingerprint {
        samples: ranks.iter().map(|words| words[1] as usize).sum(),
        input_len: ranks[0][2] as usize,
        target_len: ranks[0][3] as usize,
        hash,
    }
}

/// Every rank's tally added up in rank order.
fn combine_tallies(peers: &Peers<'_>, tally: &Tally) -> Tally {
    let mine = [
        tally.samples as u64,
        tally.loss_sum.to_bits(),
        tally.correct as u64,
        tally.judged as u64,
    ];
    let mut all = Vec::new();
    peers.all_gather(&mine, &mut all);
    let mut total = *tally;
    (total.samples, total.loss_sum, total.correct, total.judged) = (0, 0.0, 0, 0);
    for words in all.chunks_exact(mine.len()) {
        total.samples += words[0] as usize;
        total.loss_sum += f64::from_bits(words[1]);
        total.correct += words[2] as usize;
        total.judged += words[3] as usize;
    }
    total
}

/// Every rank's rows, in rank order.
fn gather_rows(peers: &Peers<'_>, rows: &Collected) -> Result<Collected, TrainError> {
    Ok(Collected {
        outputs: peers.all_gather_rows(&rows.outputs)?,
        targets: peers.all_gather_rows(&rows.targets)?,
    })
}
