//! The plain description of a TFLite model that the reader returns.

use super::ops::Op;

/// A TFLite model: its subgraphs, of which the first is the one that runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The schema version, always 3.
    pub version: u32,
    /// The converter's description, e.g. `"MLIR Converted."`; empty if absent.
    pub description: String,
    /// The subgraphs; never empty. Control flow (`WHILE`, `IF`) refers to the others.
    pub subgraphs: Vec<Subgraph>,
}

impl Model {
    /// The main subgraph, the one TFLite runs: the first.
    ///
    /// # Panics
    ///
    /// If `subgraphs` is empty, which it never is in a model the reader returns.
    pub fn main_graph(&self) -> &Subgraph {
        &self.subgraphs[0]
    }
}

/// One subgraph: tensors, the operators that connect them in execution order, and which
/// tensors are its inputs and outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Subgraph {
    /// The subgraph's name, often empty or `"main"`.
    pub name: String,
    /// Every tensor; operators and the inputs and outputs refer to them by index.
    pub tensors: Vec<Tensor>,
    /// The operators in the order they run.
    pub operators: Vec<Operator>,
    /// The indices of the graph's input tensors.
    pub inputs: Vec<usize>,
    /// The indices of the graph's output tensors.
    pub outputs: Vec<usize>,
}

/// A tensor: an activation, or a constant (weights, biases, shapes) with its data.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// The name the converter gave it.
    pub name: String,
    /// The shape, TFLite's order: NHWC for activations, OHWI for convolution kernels, 1HWO
    /// for depthwise kernels, `[out, in]` for dense weights.
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: TensorType,
    /// The constant data, little-endian as TFLite stores it; empty for activations.
    pub data: Vec<u8>,
    /// Quantization parameters, if the tensor is quantized.
    pub quantization: Option<Quantization>,
    /// Whether it is a variable tensor (state that persists between runs).
    pub is_variable: bool,
}

impl Tensor {
    /// The number of elements, the product of the shape (the reader checks that it fits a
    /// `usize`).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no elements (a zero in its shape).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the tensor is a constant: it has data.
    pub fn is_constant(&self) -> bool {
        !self.data.is_empty()
    }
}

/// Affine quantization: `real = scale · (q − zero_point)`, one pair for the whole tensor or
/// one per slice along `quantized_dimension` (per-channel, as convolution weights are).
#[derive(Clone, Debug, PartialEq)]
pub struct Quantization {
    /// The scales, one or one per channel.
    pub scales: Vec<f32>,
    /// The zero points, as many as there are scales.
    pub zero_points: Vec<i64>,
    /// The axis the per-channel parameters run along (0 when there is one pair).
    pub quantized_dimension: usize,
}

/// A tensor's element type, as TFLite's schema names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TensorType {
    /// 32-bit float.
    Float32,
    /// 16-bit float.
    Float16,
    /// 64-bit float.
    Float64,
    /// Signed 8-bit integer.
    Int8,
    /// Unsigned 8-bit integer.
    UInt8,
    /// Signed 16-bit integer.
    Int16,
    /// Signed 32-bit integer.
    Int32,
    /// Signed 64-bit integer.
    Int64,
    /// Boolean, one byte each.
    Bool,
    /// Any other type of the schema (strings, complex numbers, 4-bit integers, …), by name.
    Other(&'static str),
}

impl TensorType {
    /// Bytes per element, for the types that have a fixed one this reader knows.
    pub fn element_bytes(self) -> Option<usize> {
        match self {
            TensorType::Int8 | TensorType::UInt8 | TensorType::Bool => Some(1),
            TensorType::Float16 | TensorType::Int16 => Some(2),
            TensorType::Float32 | TensorType::Int32 => Some(4),
            TensorType::Float64 | TensorType::Int64 => Some(8),
            TensorType::Other(_) => None,
        }
    }
}

/// One operator: what it computes and which tensors it reads and writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    /// The operator and its options.
    pub op: Op,
    /// Input tensor indices; `None` where an optional input is left out (TFLite's −1, e.g.
    /// a convolution without bias).
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
}
