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

use std::sync::RwLock;

use super::check::{check_dataset, Role};
use super::finite::{step_error, SavedState};
use super::metric_selection::Collected;
use super::team::Team;
use super::{BatchStats, TrainError, Workspace};
use crate::data::Dataset;
use crate::network::{LayerOp, Network};
use crate::ops::gemm_split::{with_splitter, ColumnSplitter};
use crate::optim::Optimizer;
use crate::rng::Rng;

/// Runs training steps on one thread or on several, as [`super::FitConfig::threads`] says.
pub(crate) enum Trainer<N: Network> {
    /// One thread: the plain [`Workspace::train_batch`].
    Serial(Workspace<N>),
    /// Several threads, each with its shard's workspace.
    Parallel(Parallel<N>),
    /// Several threads sharing every large GEMM of one workspace's step.
    SplitGemms(Workspace<N>, Team),
}

/// Whether threads should share each large GEMM instead of each batch. A shard repeats the
/// work that grows with the parameters (packing the weights, writing the whole weight
/// gradient, summing the shards): cheap beside a convolution's or a recurrence's work per
/// parameter, but most of the step for dense layers, which do only two FLOPs per weight
/// per sample. So a network whose dense layers do at least 90 % of the work splits each
/// product by columns instead.
pub(super) fn shares_gemms<N: Network>() -> bool {
    let total: u64 = N::LAYERS.iter().map(|layer| layer.flops).sum();
    let dense: u64 = N::LAYERS
        .iter()
        .filter(|layer| matches!(layer.op, LayerOp::Dense { .. }))
        .map(|layer| layer.flops)
        .sum();
    dense * 10 >= total * 9
}

impl ColumnSplitter for Team {
    fn parts(&self) -> usize {
        self.size()
    }
    fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        Team::run(self, job);
    }
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
        if shares_gemms::<N>() {
            let team = start_team(threads)?;
            return Ok(Trainer::SplitGemms(Workspace::new(max_batch), team));
        }
        Ok(Trainer::Parallel(Parallel::new(threads, max_batch)?))
    }

    /// Makes every training step keep its outputs for [`Self::collect`].
    pub(crate) fn keep_outputs(&mut self) {
        match self {
            Trainer::Serial(workspace) | Trainer::SplitGemms(workspace, _) => {
                workspace.keep_outputs = true;
            }
            Trainer::Parallel(parallel) => {
                for shard in &parallel.shards {
                    write(shard).workspace.keep_outputs = true;
                }
            }
        }
    }

    /// Appends the last step's outputs and targets, in the order of its indices.
    pub(crate) fn collect(&self, into: &mut Collected) {
        match self {
            Trainer::Serial(workspace) | Trainer::SplitGemms(workspace, _) => {
                workspace.collect(into, true);
            }
            Trainer::Parallel(parallel) => {
                // Shards hold consecutive slices of the batch; an unused shard's last step
                // was an earlier batch, so only the shards of this step are read.
                for shard in &parallel.shards[..parallel.used] {
                    read(shard).workspace.collect(into, true);
                }
            }
        }
    }

    /// Shards each batch is cut into: 1 unless the threads train data-parallel. Runs with the
    /// same count sum every gradient in the same order.
    pub(crate) fn shards(&self) -> usize {
        match self {
            Trainer::Serial(_) | Trainer::SplitGemms(..) => 1,
            Trainer::Parallel(parallel) => parallel.shards.len(),
        }
    }

    /// One gradient step on the samples named by `indices` of data checked by `fit`, each
    /// sample's loss weighted by `weights[index]` when given; see [`Workspace::train_batch`].
    pub(crate) fn train_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        weights: Option<&[f32]>,
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        match self {
            Trainer::Serial(workspace) => {
                workspace.train_checked_batch(network, data, indices, weights, optimizer, rng)
            }
            Trainer::Parallel(parallel) => {
                parallel.train_batch(network, data, indices, weights, optimizer, rng)
            }
            Trainer::SplitGemms(workspace, team) => with_splitter(team, || {
                workspace.train_checked_batch(network, data, indices, weights, optimizer, rng)
            }),
        }
    }
}

/// One thread's share of a batch: its workspace and what its forward pass measured.
struct Shard<N: Network> {
    workspace: Workspace<N>,
    stats: BatchStats,
}

/// The shards, the summed gradient and the threads that work on them.
pub(crate) struct Parallel<N: Network> {
    shards: Vec<RwLock<Shard<N>>>,
    grads: Vec<f32>,
    saved_state: SavedState,
    team: Team,
    /// Shards the last batch used (fewer than the threads for a batch smaller than them).
    used: usize,
}

/// The summed gradient, written by every thread in a range of its own.
struct Disjoint(*mut f32);

// SAFETY: the threads write disjoint ranges (see `Parallel::sum_gradients`), and the buffer
// outlives the job that writes it.
unsafe impl Sync for Disjoint {}

pub(super) const NO_STATS: BatchStats = BatchStats {
    samples: 0,
    loss: 0.0,
    correct: 0,
    judged: 0,
};

impl<N: Network + Sync> Parallel<N> {
    fn new(threads: usize, max_batch: usize) -> Result<Self, TrainError> {
        let team = start_team(threads)?;
        let shard_batch = max_batch.div_ceil(threads);
        let shard = || Shard {
            workspace: Workspace::new(shard_batch),
            stats: NO_STATS,
        };
        Ok(Parallel {
            shards: (0..threads).map(|_| RwLock::new(shard())).collect(),
            grads: vec![0.0; N::PARAM_COUNT],
            saved_state: SavedState::default(),
            team,
            used: 0,
        })
    }

    fn train_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        weights: Option<&[f32]>,
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        let rows = check_dataset::<N>(data, Role::Training)?;
        let batch = indices.len();
        if batch == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        let max_batch = read(&self.shards[0]).workspace.max_batch() * self.shards.len();
        if batch > max_batch {
            return Err(TrainError::BatchTooLarge { batch, max_batch });
        }
        if let Some(&index) = indices.iter().find(|&&index| index >= rows) {
            return Err(TrainError::SampleOutOfRange { index, len: rows });
        }
        // One draw per batch, whatever the thread count; the shards' generators follow.
        let batch_seed = rng.next_u64();
        let shards = &self.shards[..self.shards.len().min(batch)];
        let count = shards.len();
        self.used = count;
        let shard_indices = |k: usize| &indices[k * batch / count..(k + 1) * batch / count];

        // Forward passes and losses, one shard per thread.
        let net: &N = network;
        self.team.run(&|k| {
            if let Some(shard) = shards.get(k) {
                let shard = &mut *write(shard);
                let mut shard_rng = shard_rng(batch_seed, k);
                shard.stats = shard.workspace.forward_loss(
                    net,
                    data,
                    shard_indices(k),
                    weights,
                    &mut shard_rng,
                );
            }
        });
        let stats = combine(shards.iter().map(|shard| read(shard).stats), batch);
        if !stats.loss.is_finite() {
            return Ok(stats);
        }

        // State updates (batch norm's running statistics) in shard order, then the backward
        // passes, which may overwrite what the updates read.
        self.saved_state.save::<N>(network.params());
        for (k, shard) in shards.iter().enumerate() {
            let samples = shard_indices(k).len();
            network.update_state(read(shard).workspace.nodes(samples), samples);
        }
        let net: &N = network;
        self.team.run(&|k| {
            if let Some(shard) = shards.get(k) {
                write(shard).workspace.backward(net, shard_indices(k).len());
            }
        });
        Self::sum_gradients(&self.team, shards, &mut self.grads, batch);
        if let Err(error) = optimizer.try_step(network.params_mut(), &self.grads) {
            self.saved_state.restore::<N>(network.params_mut());
            return Err(step_error::<N>(error));
        }
        Ok(stats)
    }

    /// `grads = Σ_k (samples_k / batch) · gradient_k`, in shard order for every parameter
    /// (so the result does not depend on how the parameters are split among the threads),
    /// each thread summing a contiguous range of parameters.
    fn sum_gradients(team: &Team, shards: &[RwLock<Shard<N>>], grads: &mut [f32], batch: usize) {
        let (len, parts) = (grads.len(), team.size());
        let out = Disjoint(grads.as_mut_ptr());
        let out = &out;
        team.run(&|part| {
            let range = part * len / parts..(part + 1) * len / parts;
            // SAFETY: the ranges of different parts do not overlap and lie inside `grads`,
            // which is borrowed mutably for the whole run.
            let sum =
                unsafe { std::slice::from_raw_parts_mut(out.0.add(range.start), range.len()) };
            for (k, shard) in shards.iter().enumerate() {
                let shard = read(shard);
                let share = shard.stats.samples as f32 / batch as f32;
                let part = &shard.workspace.param_grads()[range.clone()];
                if k == 0 {
                    sum.iter_mut().zip(part).for_each(|(s, &g)| *s = share * g);
                } else {
                    sum.iter_mut().zip(part).for_each(|(s, &g)| *s += share * g);
                }
            }
        });
    }
}

pub(super) fn start_team(threads: usize) -> Result<Team, TrainError> {
    Team::new(threads).map_err(|source| TrainError::Threads { threads, source })
}

/// A shard for reading; a panic elsewhere (reported by the team) does not poison it for us.
pub(super) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

/// A shard for writing.
pub(super) fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

/// Shard `k`'s generator for a batch: SplitMix64 of the batch's draw and the shard index,
/// so shards differ from each other and from batch to batch.
pub(super) fn shard_rng(batch_seed: u64, shard: usize) -> Rng {
    let mut mixer = Rng::new(batch_seed ^ (shard as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    Rng::new(mixer.next_u64())
}

/// The batch's statistics from its shards': samples and counts add up, the mean loss is the
/// shards' means weighted by their sizes.
fn combine(shards: impl Iterator<Item = BatchStats>, batch: usize) -> BatchStats {
    let mut total = NO_STATS;
    for shard in shards {
        total.samples += shard.samples;
        total.loss += shard.loss * (shard.samples as f32 / batch as f32);
        total.correct += shard.correct;
        total.judged += shard.judged;
    }
    total
}
