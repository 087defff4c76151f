//! The handle of an MPI job: starting MPI, this process's rank, and training on all ranks.

use core::fmt;
use core::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use mpi::environment::{Threading, Universe};
use mpi::topology::{Communicator, SimpleCommunicator};

use super::exchange::Peers;
use crate::data::Dataset;
use crate::optim::Optimizer;
use crate::train::callbacks::Callback;
use crate::train::{Evaluation, FitConfig, History, Model, TrainError};

/// The exit code of a job that a panic aborted.
const PANIC_EXIT_CODE: i32 = 101;

/// Whether a [`Cluster`] is alive, so MPI may be called (a panic hook outlives it).
static STARTED: AtomicBool = AtomicBool::new(false);

/// Why MPI could not be started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MpiError {
    /// MPI was started before in this process (by an earlier [`Cluster::init`] or by other
    /// code); it can be started only once per process.
    #[error(
        "MPI was already started in this process; call Cluster::init once, before anything \
         else uses MPI"
    )]
    AlreadyStarted,
    /// The MPI library cannot call into MPI from the thread that trains while other
    /// threads run (it refused `MPI_THREAD_FUNNELED`).
    #[error(
        "the MPI library does not support MPI_THREAD_FUNNELED (MPI calls from the main \
         thread while other threads run); use an MPI built with thread support"
    )]
    NoThreadSupport,
}

/// What one rank passes to [`Cluster::fit`] as its training (and validation) data.
#[derive(Clone, Copy, Debug)]
pub enum RankData<'a> {
    /// The same, whole data set on every rank; each rank trains its shards of every batch.
    Whole(&'a Dataset),
    /// This rank's own part of the data set (see [`Cluster::part`]); each rank trains its
    /// share of every batch from it.
    Part(&'a Dataset),
}

impl<'a> RankData<'a> {
    pub(super) fn data(self) -> &'a Dataset {
        match self {
            RankData::Whole(data) | RankData::Part(data) => data,
        }
    }

    pub(super) fn is_whole(self) -> bool {
        matches!(self, RankData::Whole(_))
    }
}

/// This process's place in an MPI job, and training across all of the job's processes.
///
/// Dropping it shuts MPI down (`MPI_Finalize`), after which MPI cannot be started again in
/// this process.
pub struct Cluster {
    world: SimpleCommunicator,
    // Last: finalizes MPI when dropped, after the communicator.
    _universe: Universe,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("rank", &self.rank())
            .field("size", &self.size())
            .finish()
    }
}

impl Cluster {
    /// Starts MPI and makes any later panic abort the whole job (`MPI_Abort`, exit code
    /// 101) after printing its message: otherwise the panicking rank would wait in
    /// `MPI_Finalize` for ranks that wait for it, and the job would hang. Run without
    /// `mpirun`, the process is a job of one rank.
    ///
    /// # Errors
    /// [`MpiError::AlreadyStarted`] on a second call, and [`MpiError::NoThreadSupport`]
    /// when the MPI library cannot serve a training thread while others run.
    pub fn init() -> Result<Cluster, MpiError> {
        let (universe, threading) =
            mpi::initialize_with_threading(Threading::Funneled).ok_or(MpiError::AlreadyStarted)?;
        if threading < Threading::Funneled {
            return Err(MpiError::NoThreadSupport);
        }
        STARTED.store(true, Ordering::SeqCst);
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default_hook(info);
            if STARTED.load(Ordering::SeqCst) {
                // SAFETY: MPI is initialized while a `Cluster` lives (it clears the flag
                // before it finalizes MPI).
                unsafe { mpi::ffi::MPI_Abort(mpi::ffi::RSMPI_COMM_WORLD, PANIC_EXIT_CODE) };
            }
        }));
        let world = universe.world();
        Ok(Cluster {
            world,
            _universe: universe,
        })
    }

    /// This process's rank, `0..size()`.
    pub fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    /// Processes in the job.
    pub fn size(&self) -> usize {
        self.world.size() as usize
    }

    /// This rank's part of `len` samples: a contiguous range, the parts of all ranks in rank
    /// order cover `0..len` and differ in length by at most one. Load or slice these rows for
    /// [`RankData::Part`].
    pub fn part(&self, len: usize) -> Range<usize> {
        part(len, self.rank(), self.size())
    }

    /// Ends the whole job at once with exit code `code` (`MPI_Abort`).
    pub fn abort(&self, code: i32) -> ! {
        mpi::traits::Communicator::abort(&self.world, code)
    }

    /// Trains `model` on every rank, data-parallel: see the [module documentation](crate::mpi).
    /// Every rank must call it with the same model, optimizer and `config` (only rank 0's
    /// `config.progress` matters).
    ///
    /// # Errors
    /// Those of [`Model::fit`], on every rank when any rank has one: the failing rank returns
    /// its own, the others [`TrainError::OtherRank`] naming it. And
    /// [`TrainError::InvalidSetting`] when the ranks' whole data sets differ, when a batch
    /// is too small to give every rank a sample of its parts, or when a reduction would
    /// exceed MPI's counts (2³¹ − 1 values).
    pub fn fit<M: Model>(
        &self,
        model: &mut M,
        train: RankData<'_>,
        validation: Option<&Dataset>,
        optimizer: &mut dyn Optimizer,
        config: &FitConfig,
    ) -> Result<History, TrainError> {
        self.fit_with(model, train, validation, optimizer, config, &mut [])
    }

    /// [`Self::fit`] with callbacks, as [`Model::fit_with`]; every rank must pass the same
    /// callbacks.
    ///
    /// # Errors
    /// Those of [`Self::fit`] and [`Model::fit_with`].
    pub fn fit_with<M: Model>(
        &self,
        model: &mut M,
        train: RankData<'_>,
        validation: Option<&Dataset>,
        optimizer: &mut dyn Optimizer,
        config: &FitConfig,
        callbacks: &mut [&mut dyn Callback],
    ) -> Result<History, TrainError> {
        let peers = Peers::new(&self.world);
        super::fit::fit(
            &peers, model, train, validation, optimizer, config, callbacks,
        )
    }

    /// Loss and accuracy over the data of all ranks (each rank evaluates its share: its part,
    /// or its slice of the whole), the same on every rank.
    ///
    /// # Errors
    /// Those of [`Model::evaluate`], on every rank when any rank has one (the others
    /// return [`TrainError::OtherRank`]).
    pub fn evaluate<M: Model>(
        &self,
        model: &M,
        data: RankData<'_>,
        batch_size: usize,
    ) -> Result<Evaluation, TrainError> {
        let peers = Peers::new(&self.world);
        super::fit::evaluate(&peers, model, data, batch_size)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        STARTED.store(false, Ordering::SeqCst);
    }
}

/// Rank `rank`'s part of `len` samples shared by `size` ranks.
pub(super) fn part(len: usize, rank: usize, size: usize) -> Range<usize> {
    let bound = |r: usize| (len as u128 * r as u128 / size as u128) as usize;
    bound(rank)..bound(rank + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_sample_once_in_rank_order_and_differ_by_at_most_one() {
        for (len, size) in [(0, 1), (1, 2), (10, 3), (8000, 7), (5, 8)] {
            let parts: Vec<_> = (0..size).map(|rank| part(len, rank, size)).collect();
            assert_eq!(parts[0].start, 0);
            assert_eq!(parts[size - 1].end, len);
            for pair in parts.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
            }
            let lens: Vec<_> = parts.iter().map(|p| p.len()).collect();
            let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
            assert!(max - min <= 1, "{len} over {size}: {lens:?}");
        }
    }
}
