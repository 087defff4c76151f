//! The checked network: what `check` produces and `expand` consumes. Every shape, offset
//! and count here has been validated, so code generation may assume a valid network.

use nn_runtime::layers::join::{AnyJoin, Join};
use nn_runtime::layers::{AnyLayer, Definition, SamplePass, SequenceRule};
use proc_macro2::Span;
use syn::{Attribute, Ident, Visibility};

pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub input_shape: Vec<usize>,
    /// Whether the input is a sequence, `[steps, features]`.
    pub input_is_sequence: bool,
    /// In spec order, which is an order of the graph: a layer reads only earlier nodes
    /// (node 0 is the input, node `i + 1` the output of layer `i`).
    pub layers: Vec<Layer>,
    /// The nodes the network outputs, side by side in that order; with several, the last
    /// layer is an internal `concat` of them, so the output is always the last node.
    pub outputs: Vec<usize>,
    pub loss: LossSpec,
    pub param_count: usize,
    /// The int8 type to generate beside the network (`quantized: Name`).
    pub quantized: Option<crate::quantized::Quantized>,
}

/// The training loss: one term per output (or one for the single output), plus any
/// Kullback–Leibler terms, weighted and summed.
pub struct LossSpec {
    pub terms: Vec<Term>,
}

pub enum Term {
    /// A loss of output `output` (an index into `Network::outputs`), read from node
    /// `reads` (the logits below a fused softmax or sigmoid, else the output itself).
    Output {
        loss: Loss,
        output: usize,
        reads: usize,
        weight: f32,
    },
    /// `kl(mean, log_var)` of two nodes of equal width.
    Kl {
        mean: usize,
        log_var: usize,
        weight: f32,
    },
}

impl LossSpec {
    /// The one plain loss of a single-output network, as chains always had; `None` for a
    /// weighted sum of several terms.
    pub fn single(&self) -> Option<(Loss, usize)> {
        match self.terms.as_slice() {
            [Term::Output {
                loss,
                reads,
                weight,
                ..
            }] if *weight == 1.0 => Some((*loss, *reads)),
            _ => None,
        }
    }
}

/// What a layer is at run time: a one-input kind or a join of several tensors.
#[derive(Clone, Copy)]
pub enum Value {
    Layer(AnyLayer),
    Join(AnyJoin),
}

pub struct Layer {
    /// The keyword of the layer's kind.
    pub keyword: &'static str,
    /// How the kind treats sequences; `None` for a join.
    pub sequence: Option<SequenceRule>,
    /// The layer's name token in the spec.
    pub span: Span,
    /// Unique name, `<kind>_<n>` or the name given with `as`: the prefix of its tensors'
    /// names.
    pub name: String,
    /// The nodes it reads: one, or a join's several.
    pub inputs: Vec<usize>,
    /// The shape of its (first) input.
    pub input_shape: Vec<usize>,
    pub output_shape: Vec<usize>,
    /// Whether the output is a sequence whose first dimension is the steps.
    pub output_is_sequence: bool,
    pub tensors: Vec<Tensor>,
    /// The runtime value: the kind's type with the layer's resolved geometry, which also
    /// says what the layer costs and how inference runs it.
    pub value: Value,
    /// Floats per sample the layer keeps in the arena's auxiliary region between its
    /// forward and backward pass, and where they start within that region.
    pub aux_width: usize,
    pub aux_offset: usize,
    /// The node it writes (`index + 1`), kept while checking, when earlier layers may have
    /// failed and positions shift.
    pub node: Option<usize>,
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
            .fold(0, |n: u64, l| n.saturating_add(l.flops()))
    }
}

pub fn format_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

impl Layer {
    /// What a one-input layer's kind says about it; `None` for a join.
    pub fn definition(&self) -> Option<&dyn Definition> {
        match &self.value {
            Value::Layer(layer) => Some(layer.definition()),
            Value::Join(_) => None,
        }
    }

    /// A join's kernels; `None` for a one-input layer.
    pub fn join(&self) -> Option<&dyn Join> {
        match &self.value {
            Value::Join(join) => Some(join.join()),
            Value::Layer(_) => None,
        }
    }

    /// How single-sample inference runs it (a join always writes a new tensor).
    pub fn sample_pass(&self) -> SamplePass {
        self.definition()
            .map_or(SamplePass::OutOfPlace, |d| d.sample_pass())
    }

    /// Floating-point operations per sample.
    pub fn flops(&self) -> u64 {
        match &self.value {
            Value::Layer(layer) => layer.definition().flops(),
            Value::Join(join) => join.join().flops(),
        }
    }

    /// Floats of scratch its single-sample pass needs besides its input and output.
    pub fn state_len(&self) -> usize {
        self.definition().map_or(0, |d| d.state_len())
    }

    /// What it computes, as the runtime's `LayerOp`.
    pub fn op(&self) -> nn_runtime::LayerOp {
        match &self.value {
            Value::Layer(layer) => layer.definition().op(),
            Value::Join(join) => join.join().op(),
        }
    }

    /// Writes its runtime value as a Rust expression.
    pub fn write_literal(&self, path: &str, out: &mut String) -> std::fmt::Result {
        match &self.value {
            Value::Layer(layer) => layer.definition().write_literal(path, out),
            Value::Join(join) => join.join().write_literal(&format!("{path}::join"), out),
        }
    }
}
