//! Operators and the options of those the MLPerf Tiny models use.

/// An operator, with its options where this reader knows them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// `CONV_2D`: inputs input, filter (OHWI), bias (optional).
    Conv2d(Conv2dOptions),
    /// `DEPTHWISE_CONV_2D`: inputs input, filter (1HWO), bias (optional).
    DepthwiseConv2d(DepthwiseConv2dOptions),
    /// `AVERAGE_POOL_2D`.
    AveragePool2d(Pool2dOptions),
    /// `MAX_POOL_2D`.
    MaxPool2d(Pool2dOptions),
    /// `FULLY_CONNECTED`: inputs input, weights `[out, in]`, bias (optional).
    FullyConnected(FullyConnectedOptions),
    /// `RESHAPE`: the new shape is in the options or, in newer files, the second input.
    Reshape {
        /// The shape from the options (one entry may be −1), if they give one.
        new_shape: Option<Vec<i32>>,
    },
    /// `SOFTMAX`: `exp(beta · x) / Σ exp(beta · x)` along the last axis.
    Softmax {
        /// The inverse temperature, 1 in ordinary models.
        beta: f32,
    },
    /// `ADD`, element-wise with broadcasting.
    Add {
        /// The activation applied to the sum.
        activation: Activation,
    },
    /// `QUANTIZE`: float to integer (or integer to integer with new parameters).
    Quantize,
    /// `DEQUANTIZE`: integer (or float16) to float.
    Dequantize,
    /// Any other builtin operator of TFLite's schema; its options are not read yet.
    Other {
        /// The builtin code.
        code: i32,
        /// TFLite's name for it, e.g. `"LOGISTIC"`.
        name: &'static str,
    },
    /// A custom operator, by the name its kernel is registered under.
    Custom {
        /// The custom code.
        name: String,
    },
}

impl Op {
    /// TFLite's name for the operator (`"CONV_2D"`, `"SOFTMAX"`, …; a custom operator's
    /// custom code).
    pub fn name(&self) -> &str {
        match self {
            Op::Conv2d(_) => "CONV_2D",
            Op::DepthwiseConv2d(_) => "DEPTHWISE_CONV_2D",
            Op::AveragePool2d(_) => "AVERAGE_POOL_2D",
            Op::MaxPool2d(_) => "MAX_POOL_2D",
            Op::FullyConnected(_) => "FULLY_CONNECTED",
            Op::Reshape { .. } => "RESHAPE",
            Op::Softmax { .. } => "SOFTMAX",
            Op::Add { .. } => "ADD",
            Op::Quantize => "QUANTIZE",
            Op::Dequantize => "DEQUANTIZE",
            Op::Other { name, .. } => name,
            Op::Custom { name } => name,
        }
    }
}

/// How a convolution or pooling window is padded, TensorFlow's two schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(in / stride)`; the padding is split with the odd pixel at the end
    /// (bottom, right).
    Same,
    /// No padding: output size `ceil((in − dilated kernel + 1) / stride)`.
    Valid,
}

/// The activation an operator applies to its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// None.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, −1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// `tanh(x)`.
    Tanh,
    /// The sign bit: 1 for negative, 0 otherwise.
    SignBit,
}

/// Options of `CONV_2D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// The padding scheme.
    pub padding: Padding,
    /// Vertical stride, at least 1.
    pub stride_h: usize,
    /// Horizontal stride, at least 1.
    pub stride_w: usize,
    /// Vertical dilation, at least 1.
    pub dilation_h: usize,
    /// Horizontal dilation, at least 1.
    pub dilation_w: usize,
    /// The fused activation.
    pub activation: Activation,
}

/// Options of `DEPTHWISE_CONV_2D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseConv2dOptions {
    /// The padding scheme.
    pub padding: Padding,
    /// Vertical stride, at least 1.
    pub stride_h: usize,
    /// Horizontal stride, at least 1.
    pub stride_w: usize,
    /// Vertical dilation, at least 1.
    pub dilation_h: usize,
    /// Horizontal dilation, at least 1.
    pub dilation_w: usize,
    /// Output channels per input channel. Some converters write 0 here and leave it to
    /// the filter's shape; the shapes are authoritative.
    pub depth_multiplier: usize,
    /// The fused activation.
    pub activation: Activation,
}

/// Options of `AVERAGE_POOL_2D` and `MAX_POOL_2D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dOptions {
    /// The padding scheme.
    pub padding: Padding,
    /// Vertical stride, at least 1.
    pub stride_h: usize,
    /// Horizontal stride, at least 1.
    pub stride_w: usize,
    /// Window height, at least 1.
    pub filter_h: usize,
    /// Window width, at least 1.
    pub filter_w: usize,
    /// The fused activation.
    pub activation: Activation,
}

/// Options of `FULLY_CONNECTED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullyConnectedOptions {
    /// The fused activation.
    pub activation: Activation,
    /// How the weights are laid out.
    pub weights_format: WeightsFormat,
    /// Whether the output keeps the input's leading dimensions instead of being flattened
    /// to `[batch, out]`.
    pub keep_num_dims: bool,
    /// For hybrid models (float activations, int8 weights): whether the inputs are
    /// quantized asymmetrically at run time.
    pub asymmetric_quantize_inputs: bool,
}

/// The layout of a `FULLY_CONNECTED` operator's weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsFormat {
    /// `[out, in]`, row-major.
    Default,
    /// int8 weights shuffled into 4×16 blocks for an optimized kernel.
    Shuffled4x16Int8,
}
