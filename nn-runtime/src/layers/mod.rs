//! One type per layer kind, holding its resolved geometry, and the kernels of that kind
//! behind one trait: what a generated network calls for every layer.
//!
//! `network!` checks a spec and resolves every layer to one of these values (a [`Dense`] of
//! 784 inputs and 128 units, a [`Conv2d`] with its whole [`Conv2dShape`], …);
//! the generated code then makes the same few calls for every layer, through [`Kernel`] and,
//! where a kind has them, [`InPlace`] and [`RunningState`]. A kind that lacks a kernel the
//! generated code calls does not compile: nothing falls back to a default.
//!
//! Parameters are handed to a kernel as one slice: the layer's tensors, adjacent and in the
//! order of its `TENSORS` entries.

mod activation;
mod args;
mod batch_norm;
mod conv2d;
mod definition;
mod dense;
mod depthwise_conv2d;
mod dropout;
mod flatten;
#[macro_use]
mod pooling;
mod global_pool;
pub mod join;
mod pool;
mod recurrent;
mod shape;

pub use args::{ArgKind, ArgSpec, ArgValue, Args, KindInfo, Resolved, SequenceRule};
pub use batch_norm::BatchNorm;
pub use conv2d::Conv2d;
pub use definition::{Definition, SamplePass, TensorSpec, Tensors};
pub use dense::Dense;
pub use depthwise_conv2d::DepthwiseConv2d;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use global_pool::{GlobalAvgPool2d, GlobalMaxPool2d};
pub use pool::{AvgPool2d, MaxPool2d};
pub use recurrent::Recurrent;
pub use shape::{Padding, Shape, ShapeError, Window, MAX_RANK};

pub use crate::ops::activation::{LeakyRelu, Relu, Relu6, Sigmoid, Softmax, Tanh};
pub use crate::ops::conv::Conv2dShape;
pub use crate::ops::global_pool::GlobalPoolShape;
pub use crate::ops::normalization::BatchNormShape;
pub use crate::ops::pool::Pool2dShape;
pub use crate::ops::recurrent::{Cell, RecurrentShape};

use crate::network::Mode;
use crate::rng::Rng;

/// Every layer kind, once: the registry `network!` resolves layers into. Adding a kind is a
/// file beside this one (its type, [`Kernel`] and [`Definition`]) and a line here.
macro_rules! registry {
    ($($kind:ident: $($info:path),+;)*) => {
        /// A resolved layer of any kind.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum AnyLayer {
            $(
                #[doc = concat!("A [`", stringify!($kind), "`] layer.")]
                $kind($kind),
            )*
        }

        impl AnyLayer {
            /// Its definition.
            pub fn definition(&self) -> &dyn Definition {
                match self {
                    $(AnyLayer::$kind(layer) => layer,)*
                }
            }
        }

        /// Every kind as specs name it, in the order of the grammar's table.
        pub const KINDS: &[KindInfo] = &[$($($info),+),*];
    };
}

registry! {
    Dense: dense::KIND;
    Relu: activation::RELU;
    Relu6: activation::RELU6;
    LeakyRelu: activation::LEAKY_RELU;
    Sigmoid: activation::SIGMOID;
    Tanh: activation::TANH;
    Softmax: activation::SOFTMAX;
    Flatten: flatten::KIND;
    Conv2d: conv2d::KIND;
    DepthwiseConv2d: depthwise_conv2d::KIND;
    MaxPool2d: pool::MAX_POOL2D;
    AvgPool2d: pool::AVG_POOL2D;
    GlobalAvgPool2d: global_pool::GLOBAL_AVG_POOL2D;
    GlobalMaxPool2d: global_pool::GLOBAL_MAX_POOL2D;
    Dropout: dropout::KIND;
    BatchNorm: batch_norm::KIND;
    Recurrent: recurrent::RNN, recurrent::LSTM, recurrent::GRU;
}

/// The kind specs name `keyword`.
pub fn kind(keyword: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|kind| kind.keyword == keyword)
}

/// How a layer's weight starts: He (Kaiming) uniform before ReLU-family activations, Glorot
/// (Xavier) uniform otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// `U(±√(6/fan_in))`.
    He,
    /// `U(±√(6/(fan_in + fan_out)))`.
    Glorot,
}

impl Init {
    /// Writes the value as a Rust expression, `path` being this module.
    pub fn write_literal(self, path: &str, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        write!(out, "{path}::Init::{self:?}")
    }

    /// Fills `weights` for a layer with the given fans.
    pub fn fill(self, weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        match self {
            Init::He => crate::ops::init::he_uniform(weights, fan_in, rng),
            Init::Glorot => crate::ops::init::glorot_uniform(weights, fan_in, fan_out, rng),
        }
    }
}

/// What the backward pass of one layer reads and writes, over a batch.
pub struct Backward<'a> {
    /// The layer's input, as the forward pass saw it.
    pub x: &'a [f32],
    /// The layer's output.
    pub y: &'a [f32],
    /// What the forward pass kept (dropout masks, im2col matrices, batch statistics, a
    /// recurrent layer's gates); the backward pass may overwrite it.
    pub aux: &'a mut [f32],
    /// The gradient of the loss with respect to `y`.
    pub dy: &'a [f32],
    /// Where the gradient with respect to `x` goes (overwritten), unless nothing below needs
    /// it.
    pub dx: Option<&'a mut [f32]>,
}

/// The kernels of one layer kind.
pub trait Kernel {
    /// Floats per sample the batched forward pass keeps for the backward pass.
    fn aux_width(&self) -> usize;

    /// Scratch floats single-sample inference needs besides its input and output.
    fn state_len(&self) -> usize;

    /// Fills the layer's parameters (which start at zero) from `rng`.
    fn init(&self, params: &mut [f32], rng: &mut Rng);

    /// Inference on one sample, from `x` into `y`; `state` holds [`Self::state_len`] floats.
    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], state: &mut [f32]);

    /// The forward pass over `batch` samples; in [`Mode::Train`] it fills `aux`
    /// ([`Self::aux_width`] floats per sample) for the backward pass.
    #[allow(clippy::too_many_arguments)]
    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        mode: Mode,
        rng: &mut Rng,
    );

    /// The backward pass over `batch` samples after a [`Mode::Train`] forward pass: *adds*
    /// the parameter gradients into `param_grads`, *overwrites* `pass.dx` when given.
    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    );
}

/// A kind whose single-sample inference can overwrite its input with its output.
pub trait InPlace: Kernel {
    /// Inference on one sample, in place.
    fn forward_in_place(&self, params: &[f32], values: &mut [f32]);
}

/// A kind with non-trainable state that a training batch updates (batch norm's running
/// statistics), kept among its parameters.
pub trait RunningState: Kernel {
    /// After a [`Mode::Train`] forward pass: updates the state in `params` from what the pass
    /// kept in `aux`.
    fn update_state(&self, params: &mut [f32], aux: &[f32], batch: usize);
}

#[cfg(all(test, feature = "std"))]
mod tests;
