//! What the ranks tell each other, always combined in rank order so that every rank gets the
//! same bits, whatever order the MPI library would reduce in.

use mpi::datatype::{Partition, PartitionMut};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::{CommunicatorCollectives, Destination, Root, Source};
use mpi::Count;

use crate::train::TrainError;

/// The ranks of a job, seen from one of them.
pub(super) struct Peers<'a> {
    world: &'a SimpleCommunicator,
    rank: usize,
    size: usize,
}

impl<'a> Peers<'a> {
    pub(super) fn new(world: &'a SimpleCommunicator) -> Self {
        Peers {
            world,
            rank: world.rank() as usize,
            size: world.size() as usize,
        }
    }

    pub(super) fn rank(&self) -> usize {
        self.rank
    }

    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// Every rank's `result` decides: when any rank failed, every rank returns an error (its
    /// own, or [`TrainError::OtherRank`] naming the first rank that failed).
    pub(super) fn agree<T>(&self, result: Result<T, TrainError>) -> Result<T, TrainError> {
        let mine = [i32::from(result.is_err())];
        let mut all = vec![0i32; self.size];
        self.world.all_gather_into(&mine[..], &mut all[..]);
        match (result, all.iter().position(|&failed| failed != 0)) {
            (Err(error), _) => Err(error),
            (Ok(_), Some(rank)) => Err(TrainError::OtherRank { rank }),
            (Ok(value), None) => Ok(value),
        }
    }

    /// Every rank's `mine` (the same length on each), in rank order, into `all`.
    pub(super) fn all_gather(&self, mine: &[u64], all: &mut Vec<u64>) {
        all.clear();
        all.resize(mine.len() * self.size, 0);
        if self.size == 1 {
            all.copy_from_slice(mine);
            return;
        }
        self.world.all_gather_into(mine, &mut all[..]);
    }

    /// Rank 0's `value`, on every rank.
    pub(super) fn rank_0s(&self, value: u64) -> u64 {
        let mut buffer = [value];
        self.world
            .process_at_rank(0)
            .broadcast_into(&mut buffer[..]);
        buffer[0]
    }

    /// Every rank's `mine` (of any length), concatenated in rank order.
    ///
    /// # Errors
    /// When the rows exceed MPI's counts.
    pub(super) fn all_gather_rows(&self, mine: &[f32]) -> Result<Vec<f32>, TrainError> {
        let mut lens = Vec::new();
        self.all_gather(&[mine.len() as u64], &mut lens);
        let counts = counts(&lens)?;
        let displs = displacements(&counts)?;
        let total = lens.iter().sum::<u64>() as usize;
        let mut all = vec![0.0f32; total];
        let mut partition = PartitionMut::new(&mut all[..], counts, displs);
        self.world.all_gather_varcount_into(mine, &mut partition);
        Ok(all)
    }

    /// `out = Σ_r mine_r` over the ranks `r` with `contributes[r]`, summed in rank order for
    /// every element: the first contribution is taken as it is, the others added one by one.
    /// Each rank sums one slice of the elements (the pieces travel all-to-all) and the sums
    /// are then gathered, so every rank sends and receives about `2·(N−1)/N` of the values,
    /// as a ring all-reduce would. `mine` and `out` have the same length on every rank, at
    /// most `i32::MAX` (checked when the trainer is made).
    pub(super) fn rank_ordered_sum(
        &self,
        mine: &[f32],
        contributes: &[bool],
        scratch: &mut Vec<f32>,
        out: &mut [f32],
    ) {
        let (len, size) = (mine.len(), self.size);
        if size == 1 {
            out.copy_from_slice(mine);
            return;
        }
        let bound = |r: usize| (len as u64 * r as u64 / size as u64) as usize;
        let starts: Vec<Count> = (0..size).map(|r| bound(r) as Count).collect();
        let lens: Vec<Count> = (0..size)
            .map(|r| (bound(r + 1) - bound(r)) as Count)
            .collect();
        let own = bound(self.rank)..bound(self.rank + 1);

        // Every rank's piece of this rank's slice, in rank order.
        scratch.clear();
        scratch.resize(own.len() * size, 0.0);
        let own_len = own.len() as Count;
        let piece_starts: Vec<Count> = (0..size as Count).map(|r| r * own_len).collect();
        self.world.all_to_all_varcount_into(
            &Partition::new(mine, &lens[..], &starts[..]),
            &mut PartitionMut::new(&mut scratch[..], vec![own_len; size], piece_starts),
        );
        let mut summed = vec![0.0f32; own.len()];
        let mut first = true;
        for (piece, _) in scratch
            .chunks_exact(own.len().max(1))
            .zip(contributes)
            .filter(|(_, &contributes)| contributes)
        {
            if first {
                summed.copy_from_slice(&piece[..own.len()]);
                first = false;
            } else {
                let piece = &piece[..own.len()];
                summed.iter_mut().zip(piece).for_each(|(s, &p)| *s += p);
            }
        }
        self.world.all_gather_varcount_into(
            &summed[..],
            &mut PartitionMut::new(out, &lens[..], &starts[..]),
        );
    }

    /// Hands `values` from rank to rank in rank order, each applying `apply` to what the
    /// rank before it left, and gives the last rank's result to every rank: a chain of
    /// updates that must happen one after another (batch norm's running statistics).
    pub(super) fn chain(&self, values: &mut [f32], apply: impl FnOnce(&mut [f32])) {
        if self.rank > 0 {
            self.world
                .process_at_rank(self.rank as i32 - 1)
                .receive_into(values);
        }
        apply(values);
        if self.rank + 1 < self.size {
            self.world
                .process_at_rank(self.rank as i32 + 1)
                .send(values);
        }
        if self.size > 1 {
            self.world
                .process_at_rank(self.size as i32 - 1)
                .broadcast_into(values);
        }
    }
}

/// `lens` as MPI counts.
fn counts(lens: &[u64]) -> Result<Vec<Count>, TrainError> {
    lens.iter()
        .map(|&len| Count::try_from(len).map_err(|_| too_many(len)))
        .collect()
}

/// Where each of `counts` starts when they follow each other.
fn displacements(counts: &[Count]) -> Result<Vec<Count>, TrainError> {
    let mut start: Count = 0;
    counts
        .iter()
        .map(|&count| {
            let this = start;
            start = start.checked_add(count).ok_or_else(|| too_many(u64::MAX))?;
            Ok(this)
        })
        .collect()
}

pub(super) fn too_many(values: u64) -> TrainError {
    TrainError::InvalidSetting {
        setting: "mpi",
        reason: format!(
            "{values} values would travel in one MPI message, more than MPI's counts allow \
             ({}); use fewer samples per rank or a smaller model",
            Count::MAX
        ),
    }
}
