//! The runtime of `nn`: the arithmetic behind every network that `nn::network!` generates.
//!
//! The macro emits types, shape constants and a call sequence; everything that computes lives
//! here as ordinary functions over slices, each tested against a naive reference.
//!
//! [`int8`] holds the quantized kernels, bit-exact with TensorFlow Lite's reference kernels.
//!
//! # Features
//! - `std` (default): batched GEMM through `matrixmultiply`, the training loop
//!   ([`train`], data-parallel on request), data loading ([`data`]), weight files and
//!   checkpoints ([`io`]), batch-norm folding for deployment ([`fold`]), stateful
//!   optimizers that own their buffers, and on x86-64 the AVX2 + FMA and AVX-512 variants
//!   of the kernels, chosen once at run time or forced with `NN_KERNELS`
//!   ([`ops::kernels`]); without it the variant is chosen statically.
//!   Without it the crate is `#![no_std]` and links no allocator: single-sample inference
//!   and the slice-level kernels and optimizer steps remain.
//! - `plot` (default, implies `std`): [`plot`], training curves and confusion matrices as
//!   PNG and SVG pictures.
//! - `mpi` (implies `std`): `mpi`, data-parallel training across processes and machines on
//!   MPI; links the system's MPI library (OpenMPI or MPICH).
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

mod arena;
pub mod int8;
pub mod layers;
pub mod network;
pub mod ops;
pub mod optim;
pub mod rng;

#[cfg(feature = "std")]
pub mod data;
#[cfg(feature = "std")]
pub mod fold;
#[cfg(feature = "std")]
pub mod io;
#[cfg(feature = "std")]
pub mod metrics;
#[cfg(feature = "plot")]
pub mod plot;
#[cfg(feature = "std")]
pub mod train;

#[doc(hidden)]
pub mod __private;

pub use network::{LayerInfo, LayerOp, LossKind, Mode, Network, TensorInfo};
pub use rng::Rng;

#[cfg(feature = "std")]
pub use data::{DataError, Dataset};
#[cfg(feature = "std")]
pub use fold::{fold_batch_norm, FoldError};
#[cfg(feature = "std")]
pub use io::{
    load_weights, load_weights_from_bytes, load_weights_mapped, save_onnx, save_weights, to_onnx,
    weights_to_bytes, Checkpoint, WeightsError,
};
#[cfg(feature = "std")]
pub use optim::{Adam, Optimizer, Sgd};
#[cfg(feature = "mpi")]
pub use train::mpi;
#[cfg(feature = "std")]
pub use train::{
    callbacks, EpochStats, Evaluation, FitConfig, History, Model, TrainError, Workspace,
};
