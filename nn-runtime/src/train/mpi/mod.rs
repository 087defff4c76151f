//! Data-parallel training across processes and machines on MPI (feature `mpi`).
//!
//! Every process (a *rank*) of an MPI job holds the whole model. Every global batch is cut
//! into shards, one per training thread of every rank; each rank runs the forward and
//! backward passes of its own shards, the gradients are summed in a fixed order (shard order
//! within a rank, then rank order, whatever MPI's own reductions would do), and every rank
//! applies the same optimizer step to the same parameters. So a run is reproducible bit for
//! bit for a given number of ranks and threads, and N ranks of one thread each give the very
//! bits of one process training with [`FitConfig::threads`](crate::FitConfig::threads)`(N)` when that splits each batch
//! into shards (any network but one whose dense layers do nearly all of its work).
//!
//! ```no_run
//! use nn_runtime::mpi::{Cluster, RankData};
//! # use nn_runtime::{Adam, Dataset, FitConfig, Model, TrainError};
//! # fn train<M: Model>(model: &mut M, all: &Dataset) -> Result<(), Box<dyn std::error::Error>> {
//! let cluster = Cluster::init()?; // once per process, before anything else uses MPI
//! // Either every rank passes the whole data set ...
//! let config = FitConfig::new(5, 64).checkpoint("run.ckpt");
//! cluster.fit(model, RankData::Whole(all), None, &mut Adam::new(1e-3), &config)?;
//! // ... or each its own part of it, which is all that rank has to read.
//! let rows: Vec<usize> = cluster.part(all.len()).collect();
//! let part = all.subset(&rows);
//! cluster.fit(model, RankData::Part(&part), None, &mut Adam::new(1e-3), &config)?;
//! # Ok(()) }
//! ```
//!
//! # The data
//! - [`RankData::Whole`]: every rank passes the same data set. The epochs visit it in the
//!   order a single process would, and rank `r` trains shards `r·T .. (r+1)·T` of every
//!   batch (T threads per rank). The ranks check that they were given the same data.
//! - [`RankData::Part`]: each rank passes only its part, for instance
//!   `data.subset(&rows)` of the rows in `cluster.part(len)` or the rows it loaded itself from
//!   [`Cluster::part`]'s range. Each global batch takes its share from every rank: rank `r`
//!   contributes `batch_size·(r+1)/N − batch_size·r/N` samples of its own part, shuffled
//!   within that part; a rank whose part runs out before the others' contributes nothing
//!   to the last batches. The validation data is per rank too.
//!
//! # What runs where
//! Every rank evaluates its share of the validation data (its part, or its slice of the
//! whole), and the loss, the accuracy and the metrics are combined over all ranks, so every
//! rank sees the same [`History`](super::History) and its callbacks take the same decisions
//! (rank 0's stop decision is the one that counts). Rank 0 alone shows the progress bar and
//! writes [`FitConfig::checkpoint`](crate::FitConfig::checkpoint); every rank reads [`FitConfig::resume_from`](crate::FitConfig::resume_from), so it
//! must be on a file system they all see. Callbacks run on every rank: one that writes files
//! writes them on every rank, so give it a path per rank (or a rank-local disk).
//!
//! # Failure
//! When `fit` fails on one rank (bad data, a callback's error, a checkpoint that cannot be
//! written), every rank returns an error at the next point where the ranks meet, and the
//! others name it as [`TrainError::OtherRank`](crate::TrainError::OtherRank). [`Cluster::init`] makes a panic anywhere
//! abort the whole job (`MPI_Abort`) instead of leaving the other ranks waiting; a rank
//! that dies is noticed by the MPI launcher, which ends the job. Checkpoints are written
//! atomically, so the last one stays readable.

mod cluster;
mod exchange;
mod fit;
mod plan;
mod trainer;

pub use cluster::{Cluster, MpiError, RankData};
