//! Joins: layers that read several tensors of a graph network, each kind defined once in
//! its own file (its type, [`Join`] kernels and [`JoinInfo`]) and registered in one line
//! below, as the single-input kinds are in [`super`].
//!
//! The inputs of a join are named in the spec (`add(stem, residual)`); `resolve` judges
//! their shapes together and says which two disagree, and the macro puts the names to it.

mod add;
mod concat;
mod sample;

pub use add::Add;
pub use concat::Concat;
pub use sample::Sample;

use super::shape::Shape;
use crate::network::{LayerOp, Mode};
use crate::rng::Rng;
use core::fmt;

/// Why a join cannot take the shapes it is given: inputs `first` and `second` (positions
/// in its input list) disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinError {
    /// The earlier input of the pair that disagrees.
    pub first: usize,
    /// The later input.
    pub second: usize,
    /// What the kind needs of them, e.g. "`add` needs inputs of equal shapes".
    pub needs: &'static str,
}

/// A join kind as specs write it.
#[derive(Clone, Copy)]
pub struct JoinInfo {
    /// The name in specs, e.g. `add`.
    pub keyword: &'static str,
    /// How many inputs it takes at least, and at most.
    pub inputs: (usize, usize),
    /// How it is written, for messages.
    pub example: &'static str,
    /// The rule: the inputs' shapes (and whether they are sequences `[steps, features]`) to
    /// the resolved join and its output shape.
    pub resolve: fn(&[&[usize]], bool) -> JoinResolved,
}

/// What a join kind's rule gives: the resolved join and its output shape, or why not.
pub type JoinResolved = Result<(AnyJoin, Shape), JoinError>;

impl fmt::Debug for JoinInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinInfo")
            .field("keyword", &self.keyword)
            .finish_non_exhaustive()
    }
}

/// The kernels and facts of one join kind.
pub trait Join {
    /// The name in specs.
    fn keyword(&self) -> &'static str;
    /// Floats per sample the batched forward pass keeps for the backward pass.
    fn aux_width(&self) -> usize;
    /// Floating-point operations per sample (saturating).
    fn flops(&self) -> u64;
    /// What it computes, for exporters.
    fn op(&self) -> LayerOp;
    /// Writes the value as a Rust expression, `path` being the module that holds it.
    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result;
    /// Inference on one sample (deterministic: a `sample` join takes its mean).
    fn forward_sample(&self, inputs: &[&[f32]], y: &mut [f32]);
    /// The forward pass over `batch` samples; in [`Mode::Train`] it fills `aux`.
    fn forward_batch(
        &self,
        inputs: &[&[f32]],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        mode: Mode,
        rng: &mut Rng,
    );
    /// The gradient with respect to input `which`, from the output's gradient `dy`: written
    /// to `dx`, or added to it when `accumulate` (the tensor feeds other layers too).
    #[allow(clippy::too_many_arguments)]
    fn backward_input(
        &self,
        which: usize,
        inputs: &[&[f32]],
        aux: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        batch: usize,
        accumulate: bool,
    );
}

macro_rules! joins {
    ($($kind:ident: $info:path;)*) => {
        /// A resolved join of any kind.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum AnyJoin {
            $(
                #[doc = concat!("An [`", stringify!($kind), "`] join.")]
                $kind($kind),
            )*
        }

        impl AnyJoin {
            /// Its kernels and facts.
            pub fn join(&self) -> &dyn Join {
                match self {
                    $(AnyJoin::$kind(join) => join,)*
                }
            }
        }

        /// Every join kind as specs name it.
        pub const JOINS: &[JoinInfo] = &[$($info),*];
    };
}

joins! {
    Add: add::KIND;
    Concat: concat::KIND;
    Sample: sample::KIND;
}

/// The join kind specs name `keyword`.
pub fn join_kind(keyword: &str) -> Option<&'static JoinInfo> {
    JOINS.iter().find(|kind| kind.keyword == keyword)
}

/// Writes `value` into `dx`, or adds it.
#[inline]
fn put(dx: &mut f32, value: f32, accumulate: bool) {
    if accumulate {
        *dx += value;
    } else {
        *dx = value;
    }
}

/// The first pair of inputs whose shapes differ.
fn first_unequal(inputs: &[&[usize]]) -> Option<(usize, usize)> {
    (1..inputs.len())
        .find(|&i| inputs[i] != inputs[0])
        .map(|i| (0, i))
}

#[cfg(test)]
mod tests;
