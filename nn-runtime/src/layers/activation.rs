//! `relu`, `relu6`, `leaky_relu`, `sigmoid`, `tanh`, `softmax`: every [`Activation`] is a layer kind,
//! its function and derivative side by side in [`crate::ops::activation`].

use super::args::{ArgKind, ArgSpec, KindInfo, SequenceRule};
use super::shape::{shape_of, Shape, ShapeError};
use super::AnyLayer;
use super::{Backward, Definition, InPlace, Kernel, SamplePass, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::activation::{Activation, LeakyRelu, Relu, Relu6, Sigmoid, Softmax, Tanh};
use crate::rng::Rng;
use core::fmt;

/// The kernels of an activation, whatever it is.
macro_rules! activation_kernels {
    ($($kind:ty),*) => {$(
        impl Kernel for $kind {
            fn aux_width(&self) -> usize {
                0
            }

            fn state_len(&self) -> usize {
                0
            }

            fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}

            fn forward_sample(&self, _params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
                Activation::forward(self, x, y);
            }

            fn forward_batch(
                &self,
                _params: &[f32],
                x: &[f32],
                y: &mut [f32],
                _aux: &mut [f32],
                _batch: usize,
                _mode: Mode,
                _rng: &mut Rng,
            ) {
                Activation::forward(self, x, y);
            }

            /// Activations sit above the lowest layer with parameters, so their input always
            /// needs a gradient.
            fn backward_batch(
                &self,
                _params: &[f32],
                pass: Backward<'_>,
                _param_grads: &mut [f32],
                _batch: usize,
            ) {
                if let Some(dx) = pass.dx {
                    Activation::backward(self, pass.x, pass.y, pass.dy, dx);
                }
            }
        }

        impl InPlace for $kind {
            fn forward_in_place(&self, _params: &[f32], values: &mut [f32]) {
                Activation::forward_in_place(self, values);
            }
        }
    )*};
}

activation_kernels!(Relu, Relu6, LeakyRelu, Sigmoid, Tanh, Softmax);

/// The definition of an activation: no tensors, in place, uncounted FLOPs.
macro_rules! activation_definition {
    ($kind:ty, $keyword:literal, $per_sample:literal, |$layer:ident| $op:expr, |$path:ident, $out:ident| $literal:expr) => {
        impl Definition for $kind {
            fn keyword(&self) -> &'static str {
                $keyword
            }

            fn tensors(&self) -> Tensors {
                Tensors::NONE
            }

            fn flops(&self) -> u64 {
                0
            }

            fn op(&self) -> LayerOp {
                let $layer = self;
                $op
            }

            fn sample_pass(&self) -> SamplePass {
                SamplePass::InPlace
            }

            fn per_sample(&self) -> bool {
                $per_sample
            }

            fn write_literal(&self, $path: &str, $out: &mut dyn fmt::Write) -> fmt::Result {
                let $layer = self;
                $literal
            }
        }
    };
}

activation_definition!(
    Relu,
    "relu",
    true,
    |_layer| LayerOp::Relu,
    |path, out| write!(out, "{path}::Relu")
);
activation_definition!(
    Relu6,
    "relu6",
    true,
    |_layer| LayerOp::Relu6,
    |path, out| write!(out, "{path}::Relu6")
);
activation_definition!(
    LeakyRelu,
    "leaky_relu",
    true,
    |layer| LayerOp::LeakyRelu { alpha: layer.alpha },
    |path, out| write!(out, "{path}::LeakyRelu {{ alpha: {:?}f32 }}", layer.alpha)
);
activation_definition!(
    Sigmoid,
    "sigmoid",
    true,
    |_layer| LayerOp::Sigmoid,
    |path, out| write!(out, "{path}::Sigmoid")
);
activation_definition!(
    Tanh,
    "tanh",
    true,
    |_layer| LayerOp::Tanh,
    |path, out| write!(out, "{path}::Tanh")
);
// Softmax couples a row: batched inference runs it over the whole batch at once.
activation_definition!(
    Softmax,
    "softmax",
    false,
    |layer| {
        let _ = layer;
        LayerOp::Softmax
    },
    |path, out| write!(out, "{path}::Softmax {{ width: {} }}", layer.width)
);

/// Element-wise activations keep their input's shape.
macro_rules! element_wise_resolve {
    ($($kind:ident),*) => {$(
        impl $kind {
            /// The activation over `input`, whose shape it keeps.
            pub fn resolve(self, input: &[usize]) -> ($kind, Shape) {
                (self, shape_of(input))
            }
        }
    )*};
}

element_wise_resolve!(Relu, Relu6, LeakyRelu, Sigmoid, Tanh);

impl Softmax {
    /// Softmax over a vector of at least two values.
    ///
    /// # Errors
    /// [`ShapeError::SoftmaxNotVector`] or [`ShapeError::SoftmaxOfOne`].
    pub fn resolve(input: &[usize]) -> Result<(Softmax, Shape), ShapeError> {
        match *input {
            [width] if width >= 2 => Ok((Softmax { width }, shape_of(input))),
            [_] => Err(ShapeError::SoftmaxOfOne),
            _ => Err(ShapeError::SoftmaxNotVector {
                found: shape_of(input),
            }),
        }
    }
}

/// `relu`.
pub const RELU: KindInfo = KindInfo {
    keyword: "relu",
    args: &[],
    sequence: SequenceRule::Keeps,
    resolve: |_args, input| Ok(wrap(Relu.resolve(input), AnyLayer::Relu)),
};

/// `relu6`.
pub const RELU6: KindInfo = KindInfo {
    keyword: "relu6",
    args: &[],
    sequence: SequenceRule::Keeps,
    resolve: |_args, input| Ok(wrap(Relu6.resolve(input), AnyLayer::Relu6)),
};

/// `leaky_relu`, `leaky_relu(alpha)`: PyTorch's default slope 0.01.
pub const LEAKY_RELU: KindInfo = KindInfo {
    keyword: "leaky_relu",
    args: &[ArgSpec::new(
        "alpha",
        ArgKind::Number,
        false,
        true,
        "leaky_relu(0.01)",
    )],
    sequence: SequenceRule::Keeps,
    resolve: |args, input| {
        let alpha = args.number_or("alpha", 0.01);
        Ok(wrap(
            LeakyRelu { alpha }.resolve(input),
            AnyLayer::LeakyRelu,
        ))
    },
};

/// `sigmoid`.
pub const SIGMOID: KindInfo = KindInfo {
    keyword: "sigmoid",
    args: &[],
    sequence: SequenceRule::Keeps,
    resolve: |_args, input| Ok(wrap(Sigmoid.resolve(input), AnyLayer::Sigmoid)),
};

/// `tanh`.
pub const TANH: KindInfo = KindInfo {
    keyword: "tanh",
    args: &[],
    sequence: SequenceRule::Keeps,
    resolve: |_args, input| Ok(wrap(Tanh.resolve(input), AnyLayer::Tanh)),
};

/// `softmax`: over a whole vector, so not over a sequence.
pub const SOFTMAX: KindInfo = KindInfo {
    keyword: "softmax",
    args: &[],
    sequence: SequenceRule::Rejects,
    resolve: |_args, input| Ok(wrap(Softmax::resolve(input)?, AnyLayer::Softmax)),
};

fn wrap<L>((layer, shape): (L, Shape), kind: fn(L) -> AnyLayer) -> (AnyLayer, Shape) {
    (kind(layer), shape)
}
