//! The checked network: what `check` produces and `expand` consumes. Every shape, offset
//! and count here has been validated, so code generation may assume a valid network.

use nn_runtime::layers::{AnyLayer, Definition, KindInfo, SamplePass};
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
    /// The layer's kind: its keyword, arguments and sequence rule.
    pub kind: &'static KindInfo,
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

pub struct Tensor {
    pub name: String,
    pub offset: usize,
    pub shape: Vec<usize>,
    /// False for state the optimizer never changes (batch norm's running statistics).
    pub trainable: bool,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Loss {
    MeanSquaredError,
    SoftmaxCrossEntropy,
    SigmoidBinaryCrossEntropy,
    MeanAbsoluteError,
    /// `delta` checked finite and greater than 0.
    Huber {
        delta: f32,
    },
}

impl Loss {
    pub fn keyword(self) -> &'static str {
        match self {
            Loss::MeanSquaredError => "mse",
            Loss::SoftmaxCrossEntropy => "cross_entropy",
            Loss::SigmoidBinaryCrossEntropy => "binary_cross_entropy",
            Loss::MeanAbsoluteError => "mae",
            Loss::Huber { .. } => "huber",
        }
    }

    /// Losses computed from the logits of the final activation, whose backward pass starts
    /// below that activation.
    pub fn fused_with_last_layer(self) -> bool {
        matches!(
            self,
            Loss::SoftmaxCrossEntropy | Loss::SigmoidBinaryCrossEntropy
        )
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
