//! What `network!` reads from a resolved layer besides its kernels: its tensors, its cost,
//! how single-sample inference runs it, its exported operation, and how to write it into
//! generated code.

use super::Kernel;
use crate::network::LayerOp;
use core::fmt;

/// How single-sample inference runs a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplePass {
    /// From its input buffer into another one.
    OutOfPlace,
    /// Over its input buffer ([`super::InPlace`]).
    InPlace,
    /// Not at all: the output is the input, as it is laid out (a reshape, or dropout, which
    /// inference skips).
    Identity,
}

/// One parameter tensor of a layer: its name within the layer, shape and whether training
/// changes it (batch norm's running statistics are state, not trained).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// The name after the layer's, e.g. `weight` in `dense_0.weight`.
    pub name: &'static str,
    dims: [usize; 4],
    rank: usize,
    /// Whether the optimizer updates it.
    pub trainable: bool,
}

impl TensorSpec {
    /// A trainable tensor of the given shape (at most four dimensions).
    pub const fn trained<const R: usize>(name: &'static str, shape: [usize; R]) -> Self {
        let mut dims = [0; 4];
        let mut i = 0;
        while i < R {
            dims[i] = shape[i];
            i += 1;
        }
        TensorSpec {
            name,
            dims,
            rank: R,
            trainable: true,
        }
    }

    /// The same tensor, as state the optimizer never changes.
    pub const fn state(self) -> Self {
        TensorSpec {
            trainable: false,
            ..self
        }
    }

    /// Its shape, row-major.
    pub fn shape(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

/// A layer's tensors, in the order they sit among the parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tensors {
    list: [Option<TensorSpec>; 4],
}

impl Tensors {
    /// No parameters.
    pub const NONE: Tensors = Tensors { list: [None; 4] };

    /// The given tensors.
    pub const fn of<const N: usize>(tensors: [TensorSpec; N]) -> Tensors {
        let mut list = [None; 4];
        let mut i = 0;
        while i < N {
            list[i] = Some(tensors[i]);
            i += 1;
        }
        Tensors { list }
    }

    /// The tensors, in order.
    pub fn iter(&self) -> impl Iterator<Item = &TensorSpec> {
        self.list.iter().flatten()
    }
}

/// Everything `network!` needs to know of a resolved layer besides its kernels. Each kind
/// implements it beside its [`Kernel`], in its own file.
pub trait Definition: Kernel {
    /// The name in specs, e.g. `dense`.
    fn keyword(&self) -> &'static str;
    /// The parameter tensors.
    fn tensors(&self) -> Tensors;
    /// Floating-point operations per sample, 2 per multiply-accumulate (element-wise work
    /// is not counted); saturating.
    fn flops(&self) -> u64;
    /// What it computes, with every hyperparameter an exporter needs.
    fn op(&self) -> LayerOp;
    /// How single-sample inference runs it.
    fn sample_pass(&self) -> SamplePass;
    /// Whether batched inference may run it one sample at a time inside a chain of such
    /// layers: work that is per sample anyway (convolution, pooling, element-wise), as
    /// opposed to one GEMM over the whole batch.
    fn per_sample(&self) -> bool;
    /// Writes the value as a Rust expression, `path` being the module that holds the layer
    /// types (generated code builds the same value).
    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result;
}

/// The saturating product of `factors`, as a FLOP count.
pub(super) fn product(factors: &[usize]) -> u64 {
    factors
        .iter()
        .fold(1, |n: u64, &f| n.saturating_mul(f as u64))
}
