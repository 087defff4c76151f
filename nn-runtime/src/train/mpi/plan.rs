//! Which samples of each step a rank trains, and how it cuts them into shards: pure
//! arithmetic, the same on every rank.

use core::ops::Range;

/// One shard of a step on this rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ShardPlan {
    /// Its index among the step's shards on all ranks: shards are summed in this order, and
    /// it seeds the shard's dropout masks.
    pub(super) index: usize,
    /// Its samples, as positions in the list of samples the rank trains in this step.
    pub(super) samples: Range<usize>,
}

/// Rank `rank`'s shards of a batch of `batch` samples that every rank holds in full, with
/// `slots` shards (threads) per rank: the batch is cut as one process would cut it among
/// `ranks · slots` threads (fewer shards than that for a smaller batch), and the rank
/// takes shards `rank · slots ..`. Positions are in the whole batch.
pub(super) fn whole_batch_shards(
    batch: usize,
    rank: usize,
    ranks: usize,
    slots: usize,
    into: &mut Vec<ShardPlan>,
) {
    into.clear();
    let count = (ranks * slots).min(batch);
    let first = (rank * slots).min(count);
    let end = ((rank + 1) * slots).min(count);
    into.extend((first..end).map(|k| ShardPlan {
        index: k,
        samples: k * batch / count..(k + 1) * batch / count,
    }));
}

/// Rank `rank`'s shards of the `samples` it contributes from its part to a step, with
/// `slots` shards per rank. Positions are in the rank's own contribution.
pub(super) fn part_batch_shards(
    samples: usize,
    rank: usize,
    slots: usize,
    into: &mut Vec<ShardPlan>,
) {
    into.clear();
    let count = slots.min(samples);
    into.extend((0..count).map(|t| ShardPlan {
        index: rank * slots + t,
        samples: t * samples / count..(t + 1) * samples / count,
    }));
}

/// How the ranks' parts make the epochs' batches: rank `r` contributes
/// `batch_size·(r+1)/N − batch_size·r/N` samples of its part to every batch, until its
/// part runs out; an epoch has as many steps as the rank that needs most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PartSchedule {
    /// Samples of each rank's part.
    lens: Vec<usize>,
    /// What each rank contributes to a full batch.
    shares: Vec<usize>,
    steps: usize,
}

impl PartSchedule {
    /// The schedule of parts of `lens` samples (in rank order) for batches of
    /// `batch_size`.
    ///
    /// # Errors
    /// When `batch_size` is smaller than the number of ranks: some rank would never train.
    pub(super) fn new(batch_size: usize, lens: &[usize]) -> Result<Self, String> {
        let ranks = lens.len();
        if batch_size < ranks {
            return Err(format!(
                "a batch of {batch_size} cannot give each of {ranks} ranks a sample of its \
                 part; use a batch size of at least {ranks}"
            ));
        }
        let bound = |r: usize| batch_size * r / ranks;
        let shares: Vec<usize> = (0..ranks).map(|r| bound(r + 1) - bound(r)).collect();
        let steps = lens
            .iter()
            .zip(&shares)
            .map(|(&len, &share)| len.div_ceil(share))
            .max()
            .unwrap_or(0);
        Ok(PartSchedule {
            lens: lens.to_vec(),
            shares,
            steps,
        })
    }

    /// Steps in an epoch.
    pub(super) fn steps(&self) -> usize {
        self.steps
    }

    /// What rank `rank` contributes to step `step` (0-based): positions in its part's
    /// order for the epoch; empty once its part has run out.
    pub(super) fn contribution(&self, rank: usize, step: usize) -> Range<usize> {
        let (len, share) = (self.lens[rank], self.shares[rank]);
        let start = (step * share).min(len);
        start..(start + share).min(len)
    }

    /// Samples in step `step` over all ranks.
    pub(super) fn batch(&self, step: usize) -> usize {
        (0..self.lens.len())
            .map(|rank| self.contribution(rank, step).len())
            .sum()
    }

    /// The largest contribution of any rank to any step.
    pub(super) fn largest_share(&self) -> usize {
        self.shares.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(batch: usize, rank: usize, ranks: usize, slots: usize) -> Vec<(usize, Range<usize>)> {
        let mut plan = Vec::new();
        whole_batch_shards(batch, rank, ranks, slots, &mut plan);
        plan.into_iter().map(|s| (s.index, s.samples)).collect()
    }

    #[test]
    fn whole_batches_are_cut_as_one_process_cuts_them_among_all_threads() {
        // One process with 4 threads cuts 10 samples at 0, 2, 5, 7, 10.
        assert_eq!(whole(10, 0, 2, 2), [(0, 0..2), (1, 2..5)]);
        assert_eq!(whole(10, 1, 2, 2), [(2, 5..7), (3, 7..10)]);
        assert_eq!(whole(10, 1, 4, 1), [(1, 2..5)]);
        // A batch of 3 over 4 ranks: 3 shards of one sample; the last rank has none.
        assert_eq!(whole(3, 2, 4, 1), [(2, 2..3)]);
        assert_eq!(whole(3, 3, 4, 1), []);
    }

    #[test]
    fn a_contribution_is_cut_among_the_ranks_threads_with_global_shard_indices() {
        let mut plan = Vec::new();
        part_batch_shards(5, 1, 2, &mut plan);
        let cut: Vec<_> = plan.iter().map(|s| (s.index, s.samples.clone())).collect();
        assert_eq!(cut, [(2, 0..2), (3, 2..5)]);
        part_batch_shards(1, 1, 2, &mut plan);
        assert_eq!(
            plan,
            [ShardPlan {
                index: 2,
                samples: 0..1
            }]
        );
        part_batch_shards(0, 1, 2, &mut plan);
        assert!(plan.is_empty());
    }

    #[test]
    fn parts_contribute_their_share_until_they_run_out() {
        // Batches of 5 over 2 ranks: rank 0 gives 2 samples, rank 1 gives 3.
        let schedule = PartSchedule::new(5, &[7, 6]).unwrap();
        assert_eq!(schedule.steps(), 4);
        let steps: Vec<_> = (0..4).map(|s| schedule.contribution(0, s)).collect();
        assert_eq!(steps, [0..2, 2..4, 4..6, 6..7]);
        let steps: Vec<_> = (0..4).map(|s| schedule.contribution(1, s)).collect();
        assert_eq!(steps, [0..3, 3..6, 6..6, 6..6]);
        let batches: Vec<_> = (0..4).map(|s| schedule.batch(s)).collect();
        assert_eq!(batches, [5, 5, 2, 1]);
        assert_eq!(schedule.largest_share(), 3);
    }

    #[test]
    fn a_batch_smaller_than_the_ranks_is_refused() {
        let error = PartSchedule::new(2, &[10, 10, 10]).unwrap_err();
        assert!(error.contains("at least 3"), "{error}");
        assert!(PartSchedule::new(3, &[10, 10, 10]).is_ok());
    }
}
