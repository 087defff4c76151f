//! The checked network: what `check` produces and `expand` consumes. Every shape, offset
//! and count here has been validated, so code generation may assume a valid network.

use proc_macro2::Span;
use syn::{Attribute, Ident, Visibility};

pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub input_shape: Vec<usize>,
    pub layers: Vec<Layer>,
    pub loss: Loss,
    pub param_count: usize,
}

pub struct Layer {
    pub kind: LayerKind,
    /// The layer's name token in the spec.
    pub span: Span,
    /// Unique name, `<kind>_<n>`: the prefix of its tensors' names.
    pub name: String,
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
    pub tensors: Vec<Tensor>,
    pub flops: u64,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum LayerKind {
    Dense { units: usize, init: Init },
    Relu,
    LeakyRelu { alpha: f32 },
    Sigmoid,
    Tanh,
    Softmax,
    Flatten,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Init {
    He,
    Glorot,
}

pub struct Tensor {
    pub name: String,
    pub offset: usize,
    pub shape: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Loss {
    MeanSquaredError,
    SoftmaxCrossEntropy,
    SigmoidBinaryCrossEntropy,
}

impl LayerKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            LayerKind::Dense { .. } => "dense",
            LayerKind::Relu => "relu",
            LayerKind::LeakyRelu { .. } => "leaky_relu",
            LayerKind::Sigmoid => "sigmoid",
            LayerKind::Tanh => "tanh",
            LayerKind::Softmax => "softmax",
            LayerKind::Flatten => "flatten",
        }
    }

    /// Whether single-sample inference can apply the layer to its input buffer in place.
    pub fn in_place(&self) -> bool {
        !matches!(self, LayerKind::Dense { .. })
    }
}

impl Loss {
    pub fn keyword(self) -> &'static str {
        match self {
            Loss::MeanSquaredError => "mse",
            Loss::SoftmaxCrossEntropy => "cross_entropy",
            Loss::SigmoidBinaryCrossEntropy => "binary_cross_entropy",
        }
    }

    /// Losses computed from the logits of the final activation, whose backward pass starts
    /// below that activation.
    pub fn fused_with_last_layer(self) -> bool {
        !matches!(self, Loss::MeanSquaredError)
    }
}

pub fn element_count(shape: &[usize]) -> usize {
    shape.iter().product()
}

pub fn format_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}
