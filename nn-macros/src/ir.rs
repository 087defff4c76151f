//! The checked network: what `check` produces and `expand` consumes. Every shape, offset
//! and count here has been validated, so code generation may assume a valid network.

use nn_runtime::layers::{AnyLayer, Definition, SamplePass};
use proc_macro2::Span;
use syn::{Attribute, Ident, Visibility};

pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub input_shape: Vec<usize>,
    /// Whether the input is a sequence, `[steps, features]`.
    pub input_is_sequence: bool,
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
    /// Whether the output is a sequence whose first dimension is the steps.
    pub output_is_sequence: bool,
    pub tensors: Vec<Tensor>,
    /// The runtime value: the kind's type with the layer's resolved geometry, which also
    /// says what the layer costs and how inference runs it.
    pub value: AnyLayer,
    /// Floats per sample the layer keeps in the arena's auxiliary region between its
    /// forward and backward pass, and where they start within that region.
    pub aux_width: usize,
    pub aux_offset: usize,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum LayerKind {
    Dense {
        units: usize,
        init: Init,
    },
    Relu,
    LeakyRelu {
        alpha: f32,
    },
    Sigmoid,
    Tanh,
    Softmax,
    Flatten,
    Conv2d {
        filters: usize,
        kernel: Pair,
        stride: Pair,
        padding: Padding,
        init: Init,
    },
    MaxPool2d {
        size: Pair,
        stride: Pair,
    },
    AvgPool2d {
        size: Pair,
        stride: Pair,
    },
    Dropout {
        rate: f32,
    },
    BatchNorm {
        momentum: f32,
        epsilon: f32,
    },
    /// Over a `[steps, features]` sequence; outputs `[steps, units]` when `sequences`, else
    /// the last state `[units]`.
    Recurrent {
        cell: Cell,
        units: usize,
        sequences: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cell {
    Rnn,
    Lstm,
    Gru,
}

/// (height, width).
pub type Pair = (usize, usize);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Padding {
    Valid,
    /// Output size `ceil(input / stride)`, extra padding at the bottom and right (as Keras).
    Same,
    /// The same number of zeros on both sides: (rows, columns).
    Explicit(Pair),
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
    /// False for state the optimizer never changes (batch norm's running statistics).
    pub trainable: bool,
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
            LayerKind::Conv2d { .. } => "conv2d",
            LayerKind::MaxPool2d { .. } => "max_pool2d",
            LayerKind::AvgPool2d { .. } => "avg_pool2d",
            LayerKind::Dropout { .. } => "dropout",
            LayerKind::BatchNorm { .. } => "batch_norm",
            LayerKind::Recurrent { cell, .. } => match cell {
                Cell::Rnn => "rnn",
                Cell::Lstm => "lstm",
                Cell::Gru => "gru",
            },
        }
    }

    /// Whether the layer works value by value and keeps its input's shape and sequence-ness.
    pub fn element_wise(&self) -> bool {
        matches!(
            self,
            LayerKind::Relu
                | LayerKind::LeakyRelu { .. }
                | LayerKind::Sigmoid
                | LayerKind::Tanh
                | LayerKind::Dropout { .. }
        )
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

/// The values in a tensor of `shape`, saturating at `usize::MAX`: `check` rejects anything
/// near that, so a saturated count only ever reaches an error message.
pub fn element_count(shape: &[usize]) -> usize {
    shape.iter().fold(1, |n: usize, &d| n.saturating_mul(d))
}

impl Network {
    /// Floating-point operations of one forward pass (saturating).
    pub fn flops(&self) -> u64 {
        self.layers
            .iter()
            .fold(0, |n: u64, l| n.saturating_add(l.definition().flops()))
    }
}

pub fn format_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

impl Layer {
    /// What the layer's kind says about it.
    pub fn definition(&self) -> &dyn Definition {
        self.value.definition()
    }

    /// How single-sample inference runs it.
    pub fn sample_pass(&self) -> SamplePass {
        self.definition().sample_pass()
    }
}
