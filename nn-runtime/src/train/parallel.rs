//! Data-parallel training steps: each mini-batch is cut into one contiguous shard per thread,
//! every shard runs its forward and backward pass in a [`Workspace`] of its own, and the
//! shards' gradients are summed in shard order, weighted by their share of the batch.
//!
//! The sum's order is fixed, so a run is bit-for-bit reproducible for a given thread count;
//! a different thread count rounds differently (and reaches the same accuracy within noise).
//! What changes with sharding:
//! - dropout draws its masks from one generator per shard, derived from the epoch's
//!   generator and the shard's index, so the masks depend on the thread count;
//! - batch norm normalizes each shard with the shard's own statistics, and its running
//!   statistics are updated once per shard, in shard order (as with smaller batches).

use rayon::prelude::*;

use super::check::{check_dataset, Role};
use super::{BatchStats, TrainError, Workspace};
use crate::data::Dataset;
use crate::network::Network;
use crate::optim::Optimizer;
use crate::rng::Rng;

/// Runs training steps on one thread or on several, as [`super::FitConfig::threads`] says.
pub(crate) enum Trainer<N: Network> {
    /// One thread: the plain [`Workspace::train_batch`].
    Serial(Workspace<N>),
    /// Several threads, each with its shard's workspace.
    Parallel(Parallel<N>),
}

impl<N: Network + Sync> Trainer<N> {
    /// A trainer for batches of up to `max_batch` samples on `threads` threads (0: one per
    /// core).
    pub(crate) fn new(threads: usize, max_batch: usize) -> Result<Self, TrainError> {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        if threads <= 1 {
            return Ok(Trainer::Serial(Workspace::new(max_batch)));
        }
        Ok(Trainer::Parallel(Parallel::new(threads, max_batch)?))
    }

    /// One gradient step on the samples named by `indices`; see [`Workspace::train_batch`].
    pub(crate) fn train_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        match self {
            Trainer::Serial(workspace) => {
                workspace.train_batch(network, data, indices, optimizer, rng)
            }
            Trainer::Parallel(parallel) => {
                parallel.train_batch(network, data, indices, optimizer, rng)
            }
        }
    }
}

/// The shards' workspaces, the summed gradient and the threads that run them.
pub(crate) struct Parallel<N: Network> {
    shards: Vec<Workspace<N>>,
    /// Per shard: its statistics from the forward pass.
    stats: Vec<BatchStats>,
    grads: Vec<f32>,
    pool: rayon::ThreadPool,
}

/// Parameters per task of the gradient sum: large enough to amortize a task, small enough
/// to spread a small network over the threads.
const SUM_CHUNK: usize = 8 * 1024;

impl<N: Network + Sync> Parallel<N> {
    fn new(threads: usize, max_batch: usize) -> Result<Self, TrainError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("nn-train-{i}"))
            .build()
            .map_err(|e| TrainError::Threads {
                threads,
                reason: e.to_string(),
            })?;
        let shard_batch = max_batch.div_ceil(threads);
        Ok(Parallel {
            shards: (0..threads).map(|_| Workspace::new(shard_batch)).collect(),
            stats: vec![
                BatchStats {
                    samples: 0,
                    loss: 0.0,
                    correct: 0,
                    judged: 0,
                };
                threads
            ],
            grads: vec![0.0; N::PARAM_COUNT],
            pool,
        })
    }

    fn train_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        let rows = check_dataset::<N>(data, Role::Training)?;
        let batch = indices.len();
        if batch == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        let max_batch = self.shards[0].max_batch() * self.shards.len();
        if batch > max_batch {
            return Err(TrainError::BatchTooLarge { batch, max_batch });
        }
        if let Some(&index) = indices.iter().find(|&&index| index >= rows) {
            return Err(TrainError::SampleOutOfRange { index, len: rows });
        }
        // One draw per batch, whatever the thread count; the shards' generators follow.
        let batch_seed = rng.next_u64();
        let shards = self.shards.len().min(batch);
        let shard_indices = |k: usize| &indices[k * batch / shards..(k + 1) * batch / shards];

        // Forward passes and losses, one shard per thread.
        let net: &N = network;
        self.pool.install(|| {
            self.shards[..shards]
                .par_iter_mut()
                .zip(&mut self.stats[..shards])
                .enumerate()
                .for_each(|(k, (workspace, stats))| {
                    let mut shard_rng = shard_rng(batch_seed, k);
                    *stats = workspace.forward_loss(net, data, shard_indices(k), &mut shard_rng);
                });
        });
        let stats = combine(&self.stats[..shards], batch);
        if !stats.loss.is_finite() {
            return Ok(stats);
        }

        // State updates (batch norm's running statistics) in shard order, then the backward
        // passes, which may overwrite what the updates read.
        for (k, workspace) in self.shards[..shards].iter().enumerate() {
            network.update_state(
                workspace.nodes(shard_indices(k).len()),
                shard_indices(k).len(),
            );
        }
        let net: &N = network;
        let (workspaces, grads) = (&mut self.shards[..shards], &mut self.grads);
        self.pool.install(|| {
            workspaces
                .par_iter_mut()
                .enumerate()
                .for_each(|(k, workspace)| workspace.backward(net, shard_indices(k).len()));
            // The batch's gradient: Σ_k (samples_k / batch) · gradient_k, in shard order for
            // every parameter, however the parameters are split into tasks.
            let workspaces = &*workspaces;
            grads
                .par_chunks_mut(SUM_CHUNK)
                .enumerate()
                .for_each(|(chunk, sum)| {
                    let start = chunk * SUM_CHUNK;
                    for (k, workspace) in workspaces.iter().enumerate() {
                        let share = shard_indices(k).len() as f32 / batch as f32;
                        let part = &workspace.param_grads()[start..start + sum.len()];
                        if k == 0 {
                            sum.iter_mut().zip(part).for_each(|(s, &g)| *s = share * g);
                        } else {
                            sum.iter_mut().zip(part).for_each(|(s, &g)| *s += share * g);
                        }
                    }
                });
        });
        optimizer.step(network.params_mut(), &self.grads);
        Ok(stats)
    }
}

/// Shard `k`'s generator for a batch: SplitMix64 of the batch's draw and the shard index,
/// so shards differ from each other and from batch to batch.
fn shard_rng(batch_seed: u64, shard: usize) -> Rng {
    let mut mixer = Rng::new(batch_seed ^ (shard as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    Rng::new(mixer.next_u64())
}

/// The batch's statistics from its shards': samples and counts add up, the mean loss is the
/// shards' means weighted by their sizes.
fn combine(shards: &[BatchStats], batch: usize) -> BatchStats {
    let mut total = BatchStats {
        samples: 0,
        loss: 0.0,
        correct: 0,
        judged: 0,
    };
    for shard in shards {
        total.samples += shard.samples;
        total.loss += shard.loss * (shard.samples as f32 / batch as f32);
        total.correct += shard.correct;
        total.judged += shard.judged;
    }
    total
}
