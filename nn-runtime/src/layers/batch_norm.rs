//! `batch_norm`: per-channel normalization with learned scale and shift; tensors `weight`
//! (γ), `bias` (β), `running_mean` and `running_var`, each `[channels]`, the last two
//! non-trainable state.

use super::args::{ArgKind, ArgSpec, KindInfo, SequenceRule};
use super::shape::{element_count, shape_of, Shape};
use super::AnyLayer;
use super::{Backward, Definition, InPlace, Kernel, RunningState, SamplePass, TensorSpec, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::normalization::{
    batch_norm_backward, batch_norm_forward_train, batch_norm_infer_in_place,
    batch_norm_update_running, BatchNormShape,
};
use crate::rng::Rng;
use core::fmt;

/// Batch normalization of a fixed geometry and settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNorm(pub BatchNormShape);

impl BatchNorm {
    /// γ, β, running mean, running variance.
    fn split<'a>(&self, params: &'a [f32]) -> [&'a [f32]; 4] {
        let c = self.0.channels;
        [
            &params[..c],
            &params[c..2 * c],
            &params[2 * c..3 * c],
            &params[3 * c..4 * c],
        ]
    }

    /// The batch statistics the training pass keeps: mean and 1/√(var+ε) per channel.
    fn stats_len(&self) -> usize {
        2 * self.0.channels
    }
}

impl Kernel for BatchNorm {
    fn aux_width(&self) -> usize {
        self.stats_len()
    }

    fn state_len(&self) -> usize {
        0
    }

    /// γ and the running variance start at 1, β and the running mean at 0.
    fn init(&self, params: &mut [f32], _rng: &mut Rng) {
        let c = self.0.channels;
        params[..c].fill(1.0);
        params[3 * c..4 * c].fill(1.0);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        y.copy_from_slice(x);
        self.forward_in_place(params, y);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        mode: Mode,
        _rng: &mut Rng,
    ) {
        let [gamma, beta, mean, var] = self.split(params);
        match mode {
            Mode::Train => {
                let stats = &mut aux[..self.stats_len()];
                batch_norm_forward_train(&self.0, gamma, beta, x, y, stats, batch);
            }
            Mode::Infer => {
                y.copy_from_slice(x);
                batch_norm_infer_in_place(&self.0, gamma, beta, mean, var, y);
            }
        }
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        let [gamma, ..] = self.split(params);
        let c = self.0.channels;
        let (gamma_grad, rest) = param_grads.split_at_mut(c);
        let stats = &pass.aux[..self.stats_len()];
        batch_norm_backward(
            &self.0,
            gamma,
            pass.x,
            stats,
            pass.dy,
            pass.dx,
            gamma_grad,
            &mut rest[..c],
            batch,
        );
    }
}

impl InPlace for BatchNorm {
    fn forward_in_place(&self, params: &[f32], values: &mut [f32]) {
        let [gamma, beta, mean, var] = self.split(params);
        batch_norm_infer_in_place(&self.0, gamma, beta, mean, var, values);
    }
}

impl RunningState for BatchNorm {
    fn update_state(&self, params: &mut [f32], aux: &[f32], batch: usize) {
        let c = self.0.channels;
        let (mean, var) = params[2 * c..4 * c].split_at_mut(c);
        batch_norm_update_running(&self.0, &aux[..self.stats_len()], mean, var, batch);
    }
}

impl Definition for BatchNorm {
    fn keyword(&self) -> &'static str {
        "batch_norm"
    }

    fn tensors(&self) -> Tensors {
        let c = self.0.channels;
        Tensors::of([
            TensorSpec::trained("weight", [c]),
            TensorSpec::trained("bias", [c]),
            TensorSpec::trained("running_mean", [c]).state(),
            TensorSpec::trained("running_var", [c]).state(),
        ])
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::BatchNorm {
            momentum: self.0.momentum,
            epsilon: self.0.epsilon,
        }
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::InPlace
    }

    fn per_sample(&self) -> bool {
        true
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let BatchNormShape {
            channels,
            spatial,
            momentum,
            epsilon,
        } = self.0;
        write!(
            out,
            "{path}::BatchNorm({path}::BatchNormShape {{ channels: {channels}, \
             spatial: {spatial}, momentum: {momentum:?}f32, epsilon: {epsilon:?}f32 }})"
        )
    }
}

impl BatchNorm {
    /// Batch norm over `input`, whose shape it keeps: the first dimension is the channel
    /// (the features of a vector, the feature maps of an image).
    pub fn resolve(input: &[usize], momentum: f32, epsilon: f32) -> (BatchNorm, Shape) {
        let (channels, spatial) = match input {
            [channels, rest @ ..] => (*channels, element_count(rest)),
            [] => (0, 0),
        };
        let shape = BatchNormShape {
            channels,
            spatial,
            momentum,
            epsilon,
        };
        (BatchNorm(shape), shape_of(input))
    }
}

/// `batch_norm(momentum = 0.1, epsilon = 1e-5)`, PyTorch's defaults.
pub const KIND: KindInfo = KindInfo {
    keyword: "batch_norm",
    args: &[
        ArgSpec::new(
            "momentum",
            ArgKind::Fraction,
            false,
            false,
            "batch_norm(momentum = 0.1)",
        ),
        ArgSpec::new(
            "epsilon",
            ArgKind::Positive,
            false,
            false,
            "batch_norm(epsilon = 1e-5)",
        ),
    ],
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let momentum = args.number_or("momentum", 0.1);
        let epsilon = args.number_or("epsilon", 1e-5);
        let (layer, output) = BatchNorm::resolve(input, momentum, epsilon);
        Ok((AnyLayer::BatchNorm(layer), output))
    },
};
