//! A TFLite int8 model's operators, prepared for [`crate::int8`]'s kernels: each operator's
//! quantization parameters computed as TFLite's `Prepare` computes them (multipliers and
//! shifts from `input_scale · weight_scale / output_scale` in double precision, clamps from
//! the fused activation and the output's quantization), its weights moved into `nn`'s
//! layouts and its geometry into the kernels' shapes.
//!
//! ```no_run
//! use nn_runtime::io::tflite::{self, int8};
//!
//! let model = tflite::read("kws_ref_model.tflite")?;
//! for operator in int8::prepare(model.main_graph())? {
//!     println!("{} reads {:?}, writes {}", operator.kind.name(), operator.inputs, operator.output);
//! }
//! # Ok::<(), nn_runtime::io::tflite::TfliteError>(())
//! ```
//!
//! [`Int8Operator::run`] runs one on a sample, in `nn`'s layouts. It is how the tests check
//! the kernels against TFLite operator by operator, not an interpreter: a deployed network
//! calls the kernels from the code `network!` generates (`quantized: Name`), and
//! [`load_int8`] fills that type from a file, checking its operators against the
//! declaration's steps.

mod at;
mod describe;
mod load;
mod operators;
mod scales;
pub(crate) mod stage;
pub(super) mod values;

use super::error::TfliteError;
use super::model::{Subgraph, Tensor, TensorType};
use crate::int8::{
    self, AddParams, AvgPool2dShape, DoubleScale, OutputStage, QuantizedMultiplier, Requantize,
    SoftmaxParams,
};
use crate::ops::conv::Conv2dShape;

pub use load::{int8_param_bytes, load_int8, load_int8_from_bytes, load_int8_into};
pub use scales::int8_scales;
pub use values::tensor_quantization;

/// One operator of an int8 graph, ready for the kernels.
#[derive(Clone, Debug, PartialEq)]
pub struct Int8Operator {
    /// The operator's index in the graph.
    pub index: usize,
    /// What it computes, with its prepared parameters.
    pub kind: Int8Kind,
    /// The activation tensors it reads, in the kernel's order (constants are in `kind`).
    pub inputs: Vec<usize>,
    /// The tensor it writes.
    pub output: usize,
}

/// The prepared operators: those the MLPerf Tiny int8 models use, and `MAX_POOL_2D`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Int8Kind {
    /// `CONV_2D`, for [`crate::int8::conv2d`]; weight `[O, I, KH, KW]`.
    Conv2d {
        /// The geometry, TensorFlow's padding resolved.
        shape: Conv2dShape,
        /// The weights in `nn`'s layout.
        weight: Vec<i8>,
        /// The biases (empty without).
        bias: Vec<i32>,
        /// Zero points, per-channel multipliers, clamp.
        stage: Requantization<QuantizedMultiplier>,
    },
    /// `DEPTHWISE_CONV_2D`, for [`crate::int8::depthwise_conv2d`]; weight `[C·M, KH, KW]`.
    DepthwiseConv2d {
        /// The geometry; `out_channels` is `in_channels · multiplier`.
        shape: Conv2dShape,
        /// The weights in `nn`'s layout.
        weight: Vec<i8>,
        /// The biases (empty without).
        bias: Vec<i32>,
        /// Zero points, per-channel multipliers, clamp.
        stage: Requantization<QuantizedMultiplier>,
    },
    /// `FULLY_CONNECTED`, for [`crate::int8::fully_connected`]; weight `[out, in]`.
    FullyConnected {
        /// The weights.
        weight: Vec<i8>,
        /// The biases (empty without).
        bias: Vec<i32>,
        /// TFLite's reference kernel's requantization, in double precision.
        stage: Requantization<DoubleScale>,
        /// The fixed-point multipliers TFLite's `Prepare` computes for its optimized kernels
        /// (and TFLite Micro's): the same scales, rounded to 31 bits, which can differ from
        /// the reference by one step on some outputs.
        multipliers: Vec<QuantizedMultiplier>,
    },
    /// `AVERAGE_POOL_2D`, for [`crate::int8::avg_pool2d`].
    AveragePool2d {
        /// The geometry, padding resolved.
        shape: AvgPool2dShape,
        /// The smallest output.
        min: i8,
        /// The largest output.
        max: i8,
    },
    /// `MAX_POOL_2D`, for [`crate::int8::max_pool2d`].
    MaxPool2d {
        /// The geometry, padding resolved.
        shape: AvgPool2dShape,
        /// The smallest output.
        min: i8,
        /// The largest output.
        max: i8,
    },
    /// `RESHAPE`: a copy ([`crate::int8::reshape`]); the shapes are the tensors'.
    Reshape,
    /// `SOFTMAX` over the last axis, for [`crate::int8::softmax`].
    Softmax {
        /// The input's rescaling and cut-off.
        params: SoftmaxParams,
        /// The length of the last axis.
        depth: usize,
    },
    /// `ADD` of two tensors of one shape, for [`crate::int8::add`].
    Add {
        /// Multipliers, zero points and clamp.
        params: AddParams,
    },
}

impl Int8Operator {
    /// Runs the operator on one sample: `inputs` are the tensors of [`Self::inputs`] in
    /// `nn`'s layout (`[C, H, W]` for images), `output` the tensor [`Self::output`].
    ///
    /// # Panics
    ///
    /// If a slice's length is not its tensor's, or an input is missing.
    pub fn run(&self, inputs: &[&[i8]], output: &mut [i8]) {
        assert_eq!(
            inputs.len(),
            self.inputs.len(),
            "operator {} ({}) reads {} tensors",
            self.index,
            self.kind.name(),
            self.inputs.len()
        );
        let input = inputs[0];
        match &self.kind {
            Int8Kind::Conv2d {
                shape,
                weight,
                bias,
                stage,
            } => int8::conv2d(shape, &stage.stage(), weight, bias, input, output),
            Int8Kind::DepthwiseConv2d {
                shape,
                weight,
                bias,
                stage,
            } => int8::depthwise_conv2d(shape, &stage.stage(), weight, bias, input, output),
            Int8Kind::FullyConnected {
                weight,
                bias,
                stage,
                ..
            } => int8::fully_connected(&stage.stage(), weight, bias, input, output),
            Int8Kind::AveragePool2d { shape, min, max } => {
                int8::avg_pool2d(shape, *min, *max, input, output)
            }
            Int8Kind::MaxPool2d { shape, min, max } => {
                int8::max_pool2d(shape, *min, *max, input, output)
            }
            Int8Kind::Reshape => int8::reshape(input, output),
            Int8Kind::Softmax { params, depth } => int8::softmax(params, *depth, input, output),
            Int8Kind::Add { params } => int8::add(params, input, inputs[1], output),
        }
    }
}

impl Int8Kind {
    /// TFLite's name for the operator.
    pub fn name(&self) -> &'static str {
        match self {
            Int8Kind::Conv2d { .. } => "CONV_2D",
            Int8Kind::DepthwiseConv2d { .. } => "DEPTHWISE_CONV_2D",
            Int8Kind::FullyConnected { .. } => "FULLY_CONNECTED",
            Int8Kind::AveragePool2d { .. } => "AVERAGE_POOL_2D",
            Int8Kind::MaxPool2d { .. } => "MAX_POOL_2D",
            Int8Kind::Reshape => "RESHAPE",
            Int8Kind::Softmax { .. } => "SOFTMAX",
            Int8Kind::Add { .. } => "ADD",
        }
    }
}

/// An [`OutputStage`] that owns its scales.
#[derive(Clone, Debug, PartialEq)]
pub struct Requantization<R> {
    /// The input's zero point.
    pub input_zero_point: i32,
    /// The weights' zero point (0 for symmetric weights).
    pub weight_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// The smallest output.
    pub min: i8,
    /// The largest output.
    pub max: i8,
    /// One scale per output channel (per-channel weights) or one for all.
    pub scales: Vec<R>,
}

impl<R: Requantize> Requantization<R> {
    /// The borrowed form the kernels take.
    pub fn stage(&self) -> OutputStage<'_, R> {
        OutputStage {
            input_zero_point: self.input_zero_point,
            weight_zero_point: self.weight_zero_point,
            output_zero_point: self.output_zero_point,
            min: self.min,
            max: self.max,
            scales: &self.scales,
        }
    }
}

/// Prepares every operator of `graph`, in execution order. Fails on an operator without an
/// int8 kernel here, on tensors that are not int8 (int32 for biases and shapes), on
/// broadcasting additions, dilated convolutions and batches other than one.
pub fn prepare(graph: &Subgraph) -> Result<Vec<Int8Operator>, TfliteError> {
    graph
        .operators
        .iter()
        .enumerate()
        .map(|(index, operator)| operators::prepare_operator(graph, index, operator))
        .collect()
}

/// The shape of an activation tensor in `nn`'s order: `[C, H, W]` for TFLite's `[1, H, W, C]`,
/// the batch of one dropped otherwise.
pub fn nn_shape(tensor: &Tensor) -> Vec<usize> {
    match tensor.shape.as_slice() {
        [_, h, w, c] => vec![*c, *h, *w],
        [_, rest @ ..] => rest.to_vec(),
        [] => Vec::new(),
    }
}

fn is_int8(tensor: &Tensor) -> bool {
    tensor.dtype == TensorType::Int8
}
