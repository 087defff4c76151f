//! One rank's training step: its shards' forward and backward passes on its threads, then
//! the exchanges that give every rank the same statistics, running state and gradient.
//!
//! The arithmetic is that of the threaded trainer with one shard per thread of every rank:
//! each shard's dropout masks come from the batch's draw and the shard's global index, the
//! batch's loss is the shards' losses weighted by their share of the batch, summed in shard
//! order, batch norm's running statistics are updated once per shard in shard order, and
//! the gradient is `Σ_k (samples_k / batch) · gradient_k`, summed within a rank in shard
//! order and then across ranks in rank order. With one shard per rank, that is the
//! threaded trainer's sum to the bit.

use std::sync::RwLock;

use super::exchange::{too_many, Peers};
use super::plan::ShardPlan;
use crate::data::Dataset;
use crate::network::Network;
use crate::ops::gemm_split::with_splitter;
use crate::optim::Optimizer;
use crate::rng::Rng;
use crate::train::finite::{state_ranges, step_error, SavedState};
use crate::train::metric_selection::Collected;
use crate::train::parallel::{read, shard_rng, shares_gemms, start_team, write, NO_STATS};
use crate::train::team::Team;
use crate::train::{BatchStats, TrainError, Workspace};

/// Words per shard in the statistics exchange: samples, loss bits, correct, judged.
const STAT_WORDS: usize = 4;

/// A shard's workspace and what its forward pass measured.
struct Slot<N: Network> {
    workspace: Workspace<N>,
    stats: BatchStats,
}

/// One rank's shards, threads and exchange buffers.
pub(super) struct RankTrainer<N: Network> {
    slots: Vec<RwLock<Slot<N>>>,
    /// The rank's threads beyond its own, when it has more than one.
    team: Option<Team>,
    /// Whether the threads share each large product of one shard (see the threaded trainer).
    split_gemms: bool,
    /// Whether the whole job trains one shard per step: that shard then draws its dropout
    /// masks from the epoch's generator, as a single thread does.
    single: bool,
    /// Slots the last step used.
    used: usize,
    partial: Vec<f32>,
    grads: Vec<f32>,
    scratch: Vec<f32>,
    stats_mine: Vec<u64>,
    stats_all: Vec<u64>,
    contributes: Vec<bool>,
    state: Vec<f32>,
    saved_state: SavedState,
}

impl<N: Network + Sync> RankTrainer<N> {
    /// A trainer on `threads` threads in a job of `ranks` ranks, whose shards hold up to
    /// `max_shard(shards per rank)` samples.
    pub(super) fn new(
        threads: usize,
        ranks: usize,
        max_shard: impl FnOnce(usize) -> usize,
    ) -> Result<Self, TrainError> {
        if N::PARAM_COUNT > i32::MAX as usize {
            return Err(too_many(N::PARAM_COUNT as u64));
        }
        let split_gemms = threads > 1 && shares_gemms::<N>();
        let slot_count = if split_gemms { 1 } else { threads.max(1) };
        let team = if threads > 1 {
            Some(start_team(threads)?)
        } else {
            None
        };
        let max_shard = max_shard(slot_count).max(1);
        let slot = || Slot {
            workspace: Workspace::new(max_shard),
            stats: NO_STATS,
        };
        Ok(RankTrainer {
            slots: (0..slot_count).map(|_| RwLock::new(slot())).collect(),
            team,
            split_gemms,
            single: ranks * slot_count == 1,
            used: 0,
            partial: vec![0.0; N::PARAM_COUNT],
            grads: vec![0.0; N::PARAM_COUNT],
            scratch: Vec::new(),
            stats_mine: vec![0; slot_count * STAT_WORDS],
            stats_all: Vec::new(),
            contributes: vec![false; ranks],
            state: Vec::new(),
            saved_state: SavedState::default(),
        })
    }

    /// Shards per rank: the rank's threads, or 1 when they share each product.
    pub(super) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Makes every step keep its outputs for [`Self::collect`].
    pub(super) fn keep_outputs(&mut self) {
        for slot in &self.slots {
            write(slot).workspace.keep_outputs = true;
        }
    }

    /// Appends this rank's outputs and targets of the last step, in shard order.
    pub(super) fn collect(&self, into: &mut Collected) {
        for slot in &self.slots[..self.used] {
            read(slot).workspace.collect(into, true);
        }
    }

    /// One step of a batch of `batch` samples over all ranks, of which this rank trains the
    /// shards `plan` of its `samples` (indices into checked `data`). Every rank returns the
    /// same statistics and leaves the same parameters.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn step(
        &mut self,
        peers: &Peers<'_>,
        network: &mut N,
        data: &Dataset,
        samples: &[usize],
        plan: &[ShardPlan],
        batch: usize,
        weights: Option<&[f32]>,
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        self.used = plan.len();
        if self.single {
            let slot = &mut *write(&self.slots[0]);
            let workspace = &mut slot.workspace;
            return match &self.team {
                Some(team) => with_splitter(team, || {
                    workspace.train_checked_batch(network, data, samples, weights, optimizer, rng)
                }),
                None => {
                    workspace.train_checked_batch(network, data, samples, weights, optimizer, rng)
                }
            };
        }
        // One draw per batch on every rank; the shards' generators follow from it.
        let batch_seed = rng.next_u64();
        self.forward(network, data, samples, plan, weights, batch_seed);
        let stats = self.exchange_stats(peers, batch);
        if !stats.loss.is_finite() {
            return Ok(stats);
        }
        self.saved_state.save::<N>(network.params());
        self.update_state(peers, network, plan);
        self.backward(network, plan);
        self.sum_gradients(peers, batch);
        if let Err(error) = optimizer.try_step(network.params_mut(), &self.grads) {
            self.saved_state.restore::<N>(network.params_mut());
            return Err(step_error::<N>(error));
        }
        Ok(stats)
    }

    /// Runs `job(slot)` for every slot `0..used` on the rank's threads.
    fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        match &self.team {
            Some(team) if !self.split_gemms => team.run(&|k| {
                if k < self.used {
                    job(k);
                }
            }),
            Some(team) => with_splitter(team, || (0..self.used).for_each(job)),
            None => (0..self.used).for_each(job),
        }
    }

    fn forward(
        &mut self,
        network: &N,
        data: &Dataset,
        samples: &[usize],
        plan: &[ShardPlan],
        weights: Option<&[f32]>,
        batch_seed: u64,
    ) {
        for slot in &self.slots[plan.len()..] {
            write(slot).stats = NO_STATS;
        }
        let slots = &self.slots;
        self.run(&|k| {
            let slot = &mut *write(&slots[k]);
            let shard = &plan[k];
            let mut rng = shard_rng(batch_seed, shard.index);
            let indices = &samples[shard.samples.clone()];
            slot.stats = slot
                .workspace
                .forward_loss(network, data, indices, weights, &mut rng);
        });
    }

    /// Every shard's statistics on every rank, combined in shard order as the threaded
    /// trainer combines its shards'; notes which ranks trained any sample.
    fn exchange_stats(&mut self, peers: &Peers<'_>, batch: usize) -> BatchStats {
        for (words, slot) in self
            .stats_mine
            .chunks_exact_mut(STAT_WORDS)
            .zip(&self.slots)
        {
            let stats = read(slot).stats;
            words.copy_from_slice(&[
                stats.samples as u64,
                u64::from(stats.loss.to_bits()),
                stats.correct as u64,
                stats.judged as u64,
            ]);
        }
        peers.all_gather(&self.stats_mine, &mut self.stats_all);
        let mut total = NO_STATS;
        let per_rank = self.slots.len() * STAT_WORDS;
        for (rank, words) in self.stats_all.chunks_exact(per_rank).enumerate() {
            self.contributes[rank] = false;
            for shard in words.chunks_exact(STAT_WORDS) {
                let samples = shard[0] as usize;
                if samples == 0 {
                    continue;
                }
                self.contributes[rank] = true;
                let loss = f32::from_bits(shard[1] as u32);
                total.samples += samples;
                total.loss += loss * (samples as f32 / batch as f32);
                total.correct += shard[2] as usize;
                total.judged += shard[3] as usize;
            }
        }
        total
    }

    /// Batch norm's running statistics, updated by every shard of every rank in shard order:
    /// each rank applies its shards' updates to what the rank before it left.
    fn update_state(&mut self, peers: &Peers<'_>, network: &mut N, plan: &[ShardPlan]) {
        if state_ranges::<N>().next().is_none() {
            return;
        }
        let mut state = std::mem::take(&mut self.state);
        state.clear();
        for range in state_ranges::<N>() {
            state.extend_from_slice(&network.params()[range]);
        }
        let slots = &self.slots;
        peers.chain(&mut state, |state| {
            put_state::<N>(state, network.params_mut());
            for (slot, shard) in slots.iter().zip(plan) {
                let samples = shard.samples.len();
                network.update_state(read(slot).workspace.nodes(samples), samples);
            }
            let mut offset = 0;
            for range in state_ranges::<N>() {
                let len = range.len();
                state[offset..offset + len].copy_from_slice(&network.params()[range]);
                offset += len;
            }
        });
        put_state::<N>(&state, network.params_mut());
        self.state = state;
    }

    fn backward(&mut self, network: &N, plan: &[ShardPlan]) {
        let slots = &self.slots;
        self.run(&|k| {
            write(&slots[k])
                .workspace
                .backward(network, plan[k].samples.len());
        });
    }

    /// This rank's shards' gradients weighted by their share of the batch, in shard order,
    /// then summed over the ranks in rank order.
    fn sum_gradients(&mut self, peers: &Peers<'_>, batch: usize) {
        for (k, slot) in self.slots[..self.used].iter().enumerate() {
            let slot = read(slot);
            let share = slot.stats.samples as f32 / batch as f32;
            let grads = slot.workspace.param_grads();
            let partial = self.partial.iter_mut().zip(grads);
            if k == 0 {
                partial.for_each(|(s, &g)| *s = share * g);
            } else {
                partial.for_each(|(s, &g)| *s += share * g);
            }
        }
        peers.rank_ordered_sum(
            &self.partial,
            &self.contributes,
            &mut self.scratch,
            &mut self.grads,
        );
    }
}

/// Writes `state`, the values of `N`'s state tensors in order, into `params`.
fn put_state<N: Network>(state: &[f32], params: &mut [f32]) {
    let mut offset = 0;
    for range in state_ranges::<N>() {
        let len = range.len();
        params[range].copy_from_slice(&state[offset..offset + len]);
        offset += len;
    }
}
