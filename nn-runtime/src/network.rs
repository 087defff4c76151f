//! What every generated network is, as its users see it.

use crate::arena::Arena;
use crate::ops::recurrent::Cell;

/// Whether a forward pass trains or infers. Layers such as dropout and batch norm behave
/// differently in the two, so every batched forward pass names its mode explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout is active, batch norm uses and updates batch statistics.
    Train,
    /// Inference: deterministic; dropout is off, batch norm uses running statistics.
    Infer,
}

/// The loss a network is trained with, chosen in its spec (or inferred from its last layer).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossKind {
    /// Mean over all outputs of the squared difference.
    MeanSquaredError,
    /// Cross-entropy of a final softmax, computed from its logits with log-sum-exp.
    SoftmaxCrossEntropy,
    /// Binary cross-entropy of a final sigmoid, computed from its logits.
    SigmoidBinaryCrossEntropy,
    /// Mean over all outputs of the absolute difference.
    MeanAbsoluteError,
    /// Mean over all outputs of the Huber loss: quadratic within `delta` of the target,
    /// linear beyond (see [`huber`](crate::ops::loss::huber)).
    Huber {
        /// Where the loss turns from quadratic to linear; finite and greater than 0.
        delta: f32,
    },
    /// A weighted sum of terms (a loss per output of a graph, Kullback–Leibler terms),
    /// computed by the network's own batched loss.
    WeightedSum,
}

impl LossKind {
    /// The name used in `network!` specs.
    pub const fn name(self) -> &'static str {
        match self {
            LossKind::MeanSquaredError => "mse",
            LossKind::SoftmaxCrossEntropy => "cross_entropy",
            LossKind::SigmoidBinaryCrossEntropy => "binary_cross_entropy",
            LossKind::MeanAbsoluteError => "mae",
            LossKind::Huber { .. } => "huber",
            LossKind::WeightedSum => "weighted_sum",
        }
    }

    /// Whether the loss is computed from the logits below a final softmax or sigmoid, whose
    /// backward pass it absorbs.
    pub const fn fused_with_last_layer(self) -> bool {
        matches!(
            self,
            LossKind::SoftmaxCrossEntropy | LossKind::SigmoidBinaryCrossEntropy
        )
    }

    /// Whether the loss has no classes and no accuracy: every loss but the two computed with
    /// a final softmax or sigmoid (a weighted sum of a graph's terms included).
    pub const fn is_regression(self) -> bool {
        !self.fused_with_last_layer()
    }

    /// `Err` with the reason when the loss's own settings are unusable (a Huber `delta` that
    /// is not finite and greater than 0); `network!` never generates such a loss.
    pub fn validate(self) -> Result<(), &'static str> {
        match self {
            LossKind::Huber { delta } if !(delta.is_finite() && delta > 0.0) => {
                Err("the Huber loss's delta must be finite and greater than 0")
            }
            _ => Ok(()),
        }
    }

    /// The mean loss of `values` (the logits for a fused loss, else the outputs) against
    /// `targets`, rows of `width`, writing its gradient to `grad` when given: the kernel of
    /// [`crate::ops::loss`] this loss names.
    ///
    /// # Panics
    /// As the kernel does: on mismatched lengths, and for an invalid loss (see
    /// [`Self::validate`]).
    pub fn compute(
        self,
        values: &[f32],
        targets: &[f32],
        width: usize,
        grad: Option<&mut [f32]>,
    ) -> f32 {
        use crate::ops::loss;
        match self {
            LossKind::MeanSquaredError => loss::mean_squared_error(values, targets, grad),
            LossKind::SoftmaxCrossEntropy => {
                loss::softmax_cross_entropy(values, targets, width, grad)
            }
            LossKind::SigmoidBinaryCrossEntropy => {
                loss::sigmoid_binary_cross_entropy(values, targets, grad)
            }
            LossKind::MeanAbsoluteError => loss::mean_absolute_error(values, targets, grad),
            LossKind::Huber { delta } => loss::huber(values, targets, delta, grad),
            // Several terms have no one kernel; `fit` refuses per-sample weights for such a
            // network before it could get here.
            LossKind::WeightedSum => f32::NAN,
        }
    }
}

/// One parameter tensor of a network: where it sits in the flat parameter array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// Stable name, `<layer>.<tensor>`, e.g. `dense_0.weight`.
    pub name: &'static str,
    /// Index of its first element in [`Network::params`].
    pub offset: usize,
    /// Row-major shape; a dense weight is `[outputs, inputs]`, as in PyTorch.
    pub shape: &'static [usize],
}

impl TensorInfo {
    /// Number of elements.
    pub const fn len(&self) -> usize {
        let mut n = 1;
        let mut i = 0;
        while i < self.shape.len() {
            n *= self.shape[i];
            i += 1;
        }
        n
    }

    /// True for a tensor with a zero dimension (never produced by `network!`).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a layer computes, with every hyperparameter an exporter needs to rebuild it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum LayerOp {
    /// `y = W x + b`, `W` is `[units, inputs]`.
    Dense {
        /// Output width.
        units: usize,
    },
    /// `max(x, 0)`.
    Relu,
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `x` for positive inputs, `alpha · x` otherwise.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// `1 / (1 + e^−x)`.
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Softmax over the whole (1-D) sample.
    Softmax,
    /// Reshape to one dimension; the data does not move.
    Flatten,
    /// 2-D convolution with bias over `[C, H, W]` samples; the weight is `[filters, C, KH, KW]`.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Window (height, width).
        kernel: [usize; 2],
        /// Step (height, width).
        stride: [usize; 2],
        /// Zeros added (top, left, bottom, right), as ONNX's `pads` orders them by axis.
        padding: [usize; 4],
    },
    /// Depthwise 2-D convolution over `[C, H, W]` samples: each channel convolved with
    /// `depth_multiplier` filters of its own; the weight is `[C·M, 1, KH, KW]`.
    DepthwiseConv2d {
        /// Filters per input channel (M).
        depth_multiplier: usize,
        /// Window (height, width).
        kernel: [usize; 2],
        /// Step (height, width).
        stride: [usize; 2],
        /// Zeros added (top, left, bottom, right), as ONNX's `pads` orders them by axis.
        padding: [usize; 4],
        /// Whether it has a bias `[C·M]`.
        bias: bool,
    },
    /// Maximum over windows, per channel; no padding.
    MaxPool2d {
        /// Window (height, width).
        size: [usize; 2],
        /// Step (height, width).
        stride: [usize; 2],
    },
    /// Mean over windows, per channel; no padding.
    AvgPool2d {
        /// Window (height, width).
        size: [usize; 2],
        /// Step (height, width).
        stride: [usize; 2],
    },
    /// The mean of each channel's whole map: `[C, H, W]` → `[C]`.
    GlobalAvgPool2d,
    /// The maximum of each channel's whole map: `[C, H, W]` → `[C]`.
    GlobalMaxPool2d,
    /// Zeroes inputs with probability `rate` in training (scaling the rest); identity in inference.
    Dropout {
        /// Probability of dropping.
        rate: f32,
    },
    /// Per-channel normalization (first dimension) with learned scale and shift.
    BatchNorm {
        /// Weight of the newest batch in the running statistics.
        momentum: f32,
        /// Added to the variance.
        epsilon: f32,
    },
    /// A recurrent layer over `[steps, features]`, with PyTorch's equations and tensors
    /// (see [`crate::ops::recurrent`]).
    Recurrent {
        /// RNN, LSTM or GRU.
        cell: Cell,
        /// State width.
        units: usize,
        /// Whether it outputs every step's state `[steps, units]` or only the last `[units]`.
        return_sequences: bool,
    },
    /// The element-wise sum of several tensors of one shape.
    Add,
    /// Tensors side by side along `axis` of each sample.
    Concat {
        /// 0 (channels or features), or 1 (the features of each step of a sequence).
        axis: usize,
    },
    /// `mean + exp(log_var / 2) · ε` of its two inputs, ε ~ N(0, I) in training and 0 in
    /// inference (the reparameterization of a variational autoencoder).
    Sample,
}

impl LayerOp {
    /// Writes the value as a Rust expression, `path` being a module that exports `LayerOp`
    /// and `Cell` (generated code builds the same value for `Network::LAYERS`).
    pub fn write_literal(&self, path: &str, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        let op = format_args!("{path}::LayerOp");
        match *self {
            LayerOp::Dense { units } => write!(out, "{op}::Dense {{ units: {units} }}"),
            LayerOp::Relu => write!(out, "{op}::Relu"),
            LayerOp::Relu6 => write!(out, "{op}::Relu6"),
            LayerOp::LeakyRelu { alpha } => {
                write!(out, "{op}::LeakyRelu {{ alpha: {alpha:?}f32 }}")
            }
            LayerOp::Sigmoid => write!(out, "{op}::Sigmoid"),
            LayerOp::Tanh => write!(out, "{op}::Tanh"),
            LayerOp::Softmax => write!(out, "{op}::Softmax"),
            LayerOp::Flatten => write!(out, "{op}::Flatten"),
            LayerOp::Conv2d {
                filters,
                kernel,
                stride,
                padding,
            } => write!(
                out,
                "{op}::Conv2d {{ filters: {filters}, kernel: {kernel:?}, stride: {stride:?}, \
                 padding: {padding:?} }}"
            ),
            LayerOp::DepthwiseConv2d {
                depth_multiplier,
                kernel,
                stride,
                padding,
                bias,
            } => write!(
                out,
                "{op}::DepthwiseConv2d {{ depth_multiplier: {depth_multiplier}, \
                 kernel: {kernel:?}, stride: {stride:?}, padding: {padding:?}, bias: {bias} }}"
            ),
            LayerOp::MaxPool2d { size, stride } => {
                write!(
                    out,
                    "{op}::MaxPool2d {{ size: {size:?}, stride: {stride:?} }}"
                )
            }
            LayerOp::AvgPool2d { size, stride } => {
                write!(
                    out,
                    "{op}::AvgPool2d {{ size: {size:?}, stride: {stride:?} }}"
                )
            }
            LayerOp::GlobalAvgPool2d => write!(out, "{op}::GlobalAvgPool2d"),
            LayerOp::GlobalMaxPool2d => write!(out, "{op}::GlobalMaxPool2d"),
            LayerOp::Dropout { rate } => write!(out, "{op}::Dropout {{ rate: {rate:?}f32 }}"),
            LayerOp::BatchNorm { momentum, epsilon } => write!(
                out,
                "{op}::BatchNorm {{ momentum: {momentum:?}f32, epsilon: {epsilon:?}f32 }}"
            ),
            LayerOp::Recurrent {
                cell,
                units,
                return_sequences,
            } => write!(
                out,
                "{op}::Recurrent {{ cell: {path}::Cell::{cell:?}, units: {units}, \
                 return_sequences: {return_sequences} }}"
            ),
            LayerOp::Add => write!(out, "{op}::Add"),
            LayerOp::Concat { axis } => write!(out, "{op}::Concat {{ axis: {axis} }}"),
            LayerOp::Sample => write!(out, "{op}::Sample"),
        }
    }
}

/// One layer of a network, as `summary()` shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerInfo {
    /// Unique name, e.g. `dense_1`.
    pub name: &'static str,
    /// Layer kind as written in the spec, e.g. `dense`.
    pub kind: &'static str,
    /// What it computes, with its hyperparameters.
    pub op: LayerOp,
    /// Input shape of one sample (of its first input, for a join).
    pub input_shape: &'static [usize],
    /// The nodes it reads: 0 is the network's input, `i + 1` the output of layer `i`. A
    /// chain's layer `i` reads node `i`; a join reads several.
    pub inputs: &'static [usize],
    /// Output shape of one sample.
    pub output_shape: &'static [usize],
    /// Trainable parameters.
    pub params: usize,
    /// Floating-point operations per sample (2 per multiply-accumulate).
    pub flops: u64,
}

/// A network generated by `nn::network!`: what its users call.
///
/// Parameters live in one flat array of [`Self::PARAM_COUNT`] floats, laid out as
/// [`Self::TENSORS`] says; it includes non-trainable state such as batch norm's running
/// statistics. [`Model`](crate::train::Model) (with `std`) trains, evaluates and exports any
/// `Network`.
///
/// Only `network!` implements it: the batched passes that training runs over a node arena
/// are a separate, hidden contract between the macro and the runtime (the supertrait), so
/// that contract can change without changing this trait.
pub trait Network: Arena {
    /// Floats in one input sample.
    const INPUT_LEN: usize;
    /// Floats in one output sample.
    const OUTPUT_LEN: usize;
    /// Floats in the flat parameter array: every weight and bias, and non-trainable state
    /// such as batch norm's running mean and variance, laid out as [`Self::TENSORS`] says.
    const PARAM_COUNT: usize;
    /// The loss of the spec.
    const LOSS: LossKind;
    /// Every parameter tensor, in order.
    const TENSORS: &'static [TensorInfo];
    /// Every layer, in order.
    const LAYERS: &'static [LayerInfo];

    /// All parameters, flat.
    fn params(&self) -> &[f32];
    /// All parameters, flat and writable.
    fn params_mut(&mut self) -> &mut [f32];
    /// Re-initializes every parameter from `seed` (He or Glorot uniform, biases zero).
    fn init(&mut self, seed: u64);

    /// Inference on one sample, with no heap: `input.len() == INPUT_LEN`,
    /// `output.len() == OUTPUT_LEN` (checked).
    fn forward_sample(&self, input: &[f32], output: &mut [f32]);
}
