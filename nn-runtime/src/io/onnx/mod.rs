//! Export to ONNX: a network as a `ModelProto` (IR version 8, opset 17) that ONNX Runtime and
//! other engines can serve. Written with a small protobuf writer; field numbers are those of
//! `onnx/onnx.proto`.
//!
//! | layer | ONNX node |
//! |---|---|
//! | `dense` | `Gemm` with `transB = 1` (the weight stays `[out, in]`) |
//! | `relu`, `sigmoid`, `tanh`, `leaky_relu(a)` | `Relu`, `Sigmoid`, `Tanh`, `LeakyRelu(alpha = a)` |
//! | `relu6` | `Clip` with the bounds 0 and 6 as initializers `<layer>.min`, `<layer>.max` |
//! | `softmax` | `Softmax(axis = 1)` |
//! | `flatten` | `Flatten(axis = 1)` |
//! | `conv2d` | `Conv` with `kernel_shape`, `strides`, `pads` |
//! | `depthwise_conv2d` | `Conv` with `group` = input channels, `kernel_shape`, `strides`, `pads` |
//! | `max_pool2d`, `avg_pool2d` | `MaxPool`, `AveragePool` with `kernel_shape`, `strides` |
//! | `global_avg_pool2d`, `global_max_pool2d` | `ReduceMean`, `ReduceMax` with `axes = [2, 3]`, `keepdims = 0` |
//! | `batch_norm` | `BatchNormalization` (inference: running statistics) with `epsilon` |
//! | `dropout` | `Identity` (inference) |
//! | `rnn`, `lstm`, `gru` | `RNN`, `LSTM`, `GRU(linear_before_reset = 1)` between `Transpose`s, then `Squeeze` (see `recurrent.rs`) |
//!
//! The graph's input is `input`, `[batch, …INPUT_SHAPE]` with a symbolic batch; its output is
//! `output`. Every parameter tensor is an initializer under its `nn` name, except those of
//! recurrent layers, which ONNX wants with its own gate order and packing
//! (`<layer>.W`, `<layer>.R`, `<layer>.B`).

mod proto;
mod recurrent;

use std::path::Path;

use proto::Message;

use super::{write_atomically, WeightsError};
use crate::network::{LayerInfo, LayerOp, Network};

/// `onnx.proto` field numbers, by message.
mod field {
    pub const MODEL_IR_VERSION: u32 = 1;
    pub const MODEL_PRODUCER_NAME: u32 = 2;
    pub const MODEL_PRODUCER_VERSION: u32 = 3;
    pub const MODEL_GRAPH: u32 = 7;
    pub const MODEL_OPSET_IMPORT: u32 = 8;
    pub const OPSET_VERSION: u32 = 2;
    pub const GRAPH_NODE: u32 = 1;
    pub const GRAPH_NAME: u32 = 2;
    pub const GRAPH_INITIALIZER: u32 = 5;
    pub const GRAPH_INPUT: u32 = 11;
    pub const GRAPH_OUTPUT: u32 = 12;
    pub const NODE_INPUT: u32 = 1;
    pub const NODE_OUTPUT: u32 = 2;
    pub const NODE_NAME: u32 = 3;
    pub const NODE_OP_TYPE: u32 = 4;
    pub const NODE_ATTRIBUTE: u32 = 5;
    pub const ATTRIBUTE_NAME: u32 = 1;
    pub const ATTRIBUTE_F: u32 = 2;
    pub const ATTRIBUTE_I: u32 = 3;
    pub const ATTRIBUTE_INTS: u32 = 8;
    pub const ATTRIBUTE_TYPE: u32 = 20;
    pub const TENSOR_DIMS: u32 = 1;
    pub const TENSOR_DATA_TYPE: u32 = 2;
    pub const TENSOR_NAME: u32 = 8;
    pub const TENSOR_INT64_DATA: u32 = 7;
    pub const TENSOR_RAW_DATA: u32 = 9;
    pub const VALUE_INFO_NAME: u32 = 1;
    pub const VALUE_INFO_TYPE: u32 = 2;
    pub const TYPE_TENSOR: u32 = 1;
    pub const TENSOR_TYPE_ELEM_TYPE: u32 = 1;
    pub const TENSOR_TYPE_SHAPE: u32 = 2;
    pub const SHAPE_DIM: u32 = 1;
    pub const DIM_VALUE: u32 = 1;
    pub const DIM_PARAM: u32 = 2;
}

/// `TensorProto.DataType` values.
const FLOAT: i64 = 1;
const INT64: i64 = 7;
/// `AttributeProto.AttributeType` values.
const ATTRIBUTE_FLOAT: i64 = 1;
const ATTRIBUTE_INT: i64 = 2;
const ATTRIBUTE_INTS: i64 = 7;
const IR_VERSION: i64 = 8;
const OPSET: i64 = 17;

/// `model` as an ONNX model: one node per layer (a few for a recurrent layer), the
/// parameters as initializers.
///
/// # Errors
/// None for the layers `network!` has today: each of them has an export.
/// [`WeightsError::UnsupportedLayer`] is reserved for a layer without an ONNX equivalent.
pub fn to_onnx<N: Network>(model: &N) -> Result<Vec<u8>, WeightsError> {
    let mut graph = Message::new();
    graph.string(field::GRAPH_NAME, "nn");
    let input_shape = N::LAYERS.first().map_or(&[][..], |layer| layer.input_shape);
    let params = model.params();
    let mut initializers = Vec::new();
    // A network of several outputs ends with the join that lays them side by side in its
    // output; ONNX has outputs of their own for them instead.
    let outputs: &[usize] = match N::LAYERS.last() {
        Some(last) if is_outputs_join(last) => last.inputs,
        _ => &[],
    };
    let layers = &N::LAYERS[..N::LAYERS.len() - usize::from(!outputs.is_empty())];
    // Node 0 is the input; node i + 1 the output of layer i, named after the layer.
    let node_name = |node: usize| match node {
        0 => "input".to_string(),
        n if n == N::LAYERS.len() => "output".to_string(),
        n => N::LAYERS[n - 1].name.to_string(),
    };
    for (index, layer) in layers.iter().enumerate() {
        let output = node_name(index + 1);
        let inputs: Vec<String> = layer.inputs.iter().map(|&n| node_name(n)).collect();
        let tensor = |name: &str| layer_tensor::<N>(params, layer, name);
        for node in layer_nodes(layer, tensor, &inputs, &output, &mut initializers)? {
            graph.message(field::GRAPH_NODE, &node);
        }
    }
    for t in N::TENSORS {
        if !is_recurrent::<N>(t.name) {
            let data = &params[t.offset..t.offset + t.len()];
            graph.message(
                field::GRAPH_INITIALIZER,
                &float_tensor(t.name, t.shape, data),
            );
        }
    }
    for tensor in &initializers {
        graph.message(field::GRAPH_INITIALIZER, tensor);
    }
    graph.message(field::GRAPH_INPUT, &value_info("input", input_shape));
    if outputs.is_empty() {
        let output_shape = N::LAYERS
            .last()
            .map_or(input_shape, |layer| layer.output_shape);
        graph.message(field::GRAPH_OUTPUT, &value_info("output", output_shape));
    }
    for &node in outputs {
        let layer = &N::LAYERS[node - 1];
        graph.message(
            field::GRAPH_OUTPUT,
            &value_info(layer.name, layer.output_shape),
        );
    }

    let mut opset = Message::new();
    opset.int(field::OPSET_VERSION, OPSET);
    let mut model = Message::new();
    model
        .int(field::MODEL_IR_VERSION, IR_VERSION)
        .string(field::MODEL_PRODUCER_NAME, "nn")
        .string(field::MODEL_PRODUCER_VERSION, env!("CARGO_PKG_VERSION"))
        .message(field::MODEL_GRAPH, &graph)
        .message(field::MODEL_OPSET_IMPORT, &opset);
    Ok(model.into_bytes())
}

/// Whether `layer` is the join `network!` appends to lay several outputs side by side.
fn is_outputs_join(layer: &LayerInfo) -> bool {
    layer.name == "outputs" && matches!(layer.op, LayerOp::Concat { .. })
}

/// The values of tensor `<layer>.<name>`.
fn layer_tensor<'a, N: Network>(params: &'a [f32], layer: &LayerInfo, name: &str) -> &'a [f32] {
    N::TENSORS
        .iter()
        .find(|t| {
            t.name
                .strip_prefix(layer.name)
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(name)
        })
        .map_or(&[], |t| &params[t.offset..t.offset + t.len()])
}

/// Whether tensor `name` belongs to a recurrent layer (exported repacked, not as it is).
fn is_recurrent<N: Network>(name: &str) -> bool {
    let layer = name.split_once('.').map_or(name, |(layer, _)| layer);
    N::LAYERS
        .iter()
        .any(|l| l.name == layer && matches!(l.op, LayerOp::Recurrent { .. }))
}

/// Writes [`to_onnx`] to `path`, atomically (see [`write_atomically`]).
///
/// # Errors
/// Those of [`to_onnx`], and [`WeightsError::Io`].
pub fn save_onnx<N: Network>(model: &N, path: impl AsRef<Path>) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = to_onnx(model)?;
    write_atomically(path, |file| file.write_all(&bytes)).map_err(|e| WeightsError::io(path, e))
}

/// The nodes of one layer, reading tensors `inputs` and writing `output`; `tensor` gives the
/// values of the layer's parameter tensors by name, and the initializers the nodes need
/// beyond the parameters as they are go to `initializers`.
fn layer_nodes<'a>(
    layer: &LayerInfo,
    tensor: impl Fn(&str) -> &'a [f32],
    layer_inputs: &[String],
    output: &str,
    initializers: &mut Vec<Message>,
) -> Result<Vec<Message>, WeightsError> {
    let param = |tensor: &str| format!("{}.{tensor}", layer.name);
    let mut inputs = layer_inputs[..1].to_vec();
    let mut attributes = Vec::new();
    let op_type = match layer.op {
        LayerOp::Dense { .. } => {
            inputs.extend([param("weight"), param("bias")]);
            attributes.push(int_attribute("transB", 1));
            "Gemm"
        }
        LayerOp::Relu => "Relu",
        LayerOp::Relu6 => {
            // `Clip` takes its bounds as (scalar) inputs since opset 11.
            for (bound, value) in [("min", 0.0), ("max", 6.0)] {
                initializers.push(float_tensor(&param(bound), &[], &[value]));
                inputs.push(param(bound));
            }
            "Clip"
        }
        LayerOp::LeakyRelu { alpha } => {
            attributes.push(float_attribute("alpha", alpha));
            "LeakyRelu"
        }
        LayerOp::Sigmoid => "Sigmoid",
        LayerOp::Tanh => "Tanh",
        LayerOp::Softmax => {
            attributes.push(int_attribute("axis", 1));
            "Softmax"
        }
        LayerOp::Flatten => {
            attributes.push(int_attribute("axis", 1));
            "Flatten"
        }
        LayerOp::Conv2d {
            kernel,
            stride,
            padding,
            ..
        } => {
            inputs.extend([param("weight"), param("bias")]);
            attributes.push(ints_attribute("kernel_shape", &kernel));
            attributes.push(ints_attribute("strides", &stride));
            attributes.push(ints_attribute("pads", &padding));
            "Conv"
        }
        LayerOp::DepthwiseConv2d {
            kernel,
            stride,
            padding,
            bias,
            ..
        } => {
            inputs.push(param("weight"));
            if bias {
                inputs.push(param("bias"));
            }
            // One group per input channel; the weight `[C·M, 1, KH, KW]` is ONNX's layout.
            let channels = layer.input_shape.first().copied().unwrap_or(1);
            attributes.push(int_attribute("group", channels as i64));
            attributes.push(ints_attribute("kernel_shape", &kernel));
            attributes.push(ints_attribute("strides", &stride));
            attributes.push(ints_attribute("pads", &padding));
            "Conv"
        }
        LayerOp::MaxPool2d { size, stride } | LayerOp::AvgPool2d { size, stride } => {
            attributes.push(ints_attribute("kernel_shape", &size));
            attributes.push(ints_attribute("strides", &stride));
            if matches!(layer.op, LayerOp::MaxPool2d { .. }) {
                "MaxPool"
            } else {
                "AveragePool"
            }
        }
        // One node each, to the `[batch, C]` the layer outputs (`GlobalAveragePool` would
        // keep two unit dimensions and need a reshape after it).
        LayerOp::GlobalAvgPool2d | LayerOp::GlobalMaxPool2d => {
            attributes.push(ints_attribute("axes", &[2, 3]));
            attributes.push(int_attribute("keepdims", 0));
            if matches!(layer.op, LayerOp::GlobalMaxPool2d) {
                "ReduceMax"
            } else {
                "ReduceMean"
            }
        }
        LayerOp::Dropout { .. } => "Identity",
        LayerOp::BatchNorm { momentum, epsilon } => {
            inputs.extend(["weight", "bias", "running_mean", "running_var"].map(param));
            attributes.push(float_attribute("epsilon", epsilon));
            // ONNX's momentum weighs the old statistics, nn's (as PyTorch's) the new batch.
            attributes.push(float_attribute("momentum", 1.0 - momentum));
            "BatchNormalization"
        }
        LayerOp::Recurrent {
            cell,
            units,
            return_sequences,
        } => {
            let recurrent = recurrent::Layer {
                name: layer.name,
                cell,
                units,
                features: layer.input_shape[1],
                return_sequences,
            };
            let weights = recurrent::Weights {
                weight_ih: tensor("weight_ih"),
                weight_hh: tensor("weight_hh"),
                bias_ih: tensor("bias_ih"),
                bias_hh: tensor("bias_hh"),
            };
            initializers.extend(recurrent::initializers(&recurrent, &weights));
            return Ok(recurrent::nodes(&recurrent, &layer_inputs[0], output));
        }
        LayerOp::Add => {
            inputs = layer_inputs.to_vec();
            if inputs.len() == 2 {
                "Add"
            } else {
                "Sum"
            }
        }
        LayerOp::Concat { axis } => {
            inputs = layer_inputs.to_vec();
            // ONNX counts the batch as axis 0.
            attributes.push(int_attribute("axis", axis as i64 + 1));
            "Concat"
        }
        // Inference draws no noise: the output is the mean, the first input.
        LayerOp::Sample => "Identity",
    };
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    Ok(vec![node(
        layer.name,
        op_type,
        &inputs,
        &[output],
        &attributes,
    )])
}

/// A `NodeProto`; an empty name in `outputs` leaves an optional output out.
fn node(
    name: &str,
    op_type: &str,
    inputs: &[&str],
    outputs: &[&str],
    attributes: &[Message],
) -> Message {
    let mut node = Message::new();
    for input in inputs {
        node.string(field::NODE_INPUT, input);
    }
    for output in outputs {
        node.string(field::NODE_OUTPUT, output);
    }
    node.string(field::NODE_NAME, name)
        .string(field::NODE_OP_TYPE, op_type);
    for attribute in attributes {
        node.message(field::NODE_ATTRIBUTE, attribute);
    }
    node
}

/// A FLOAT `TensorProto` with its data little-endian in `raw_data`.
fn float_tensor(name: &str, dims: &[usize], data: &[f32]) -> Message {
    let mut tensor = Message::new();
    for &dim in dims {
        tensor.int(field::TENSOR_DIMS, dim as i64);
    }
    let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    tensor
        .int(field::TENSOR_DATA_TYPE, FLOAT)
        .string(field::TENSOR_NAME, name)
        .bytes(field::TENSOR_RAW_DATA, &raw);
    tensor
}

/// A one-dimensional INT64 `TensorProto` (axes, shapes), in `int64_data`.
fn int64_tensor(name: &str, values: &[i64]) -> Message {
    let mut tensor = Message::new();
    tensor
        .int(field::TENSOR_DIMS, values.len() as i64)
        .int(field::TENSOR_DATA_TYPE, INT64);
    for &value in values {
        tensor.int(field::TENSOR_INT64_DATA, value);
    }
    tensor.string(field::TENSOR_NAME, name);
    tensor
}

fn int_attribute(name: &str, value: i64) -> Message {
    let mut attribute = Message::new();
    attribute
        .string(field::ATTRIBUTE_NAME, name)
        .int(field::ATTRIBUTE_TYPE, ATTRIBUTE_INT)
        .int(field::ATTRIBUTE_I, value);
    attribute
}

fn float_attribute(name: &str, value: f32) -> Message {
    let mut attribute = Message::new();
    attribute
        .string(field::ATTRIBUTE_NAME, name)
        .int(field::ATTRIBUTE_TYPE, ATTRIBUTE_FLOAT)
        .float(field::ATTRIBUTE_F, value);
    attribute
}

fn ints_attribute(name: &str, values: &[usize]) -> Message {
    let mut attribute = Message::new();
    attribute
        .string(field::ATTRIBUTE_NAME, name)
        .int(field::ATTRIBUTE_TYPE, ATTRIBUTE_INTS);
    for &value in values {
        attribute.int(field::ATTRIBUTE_INTS, value as i64);
    }
    attribute
}

/// A float tensor of shape `[batch, …sample]`, the batch symbolic.
fn value_info(name: &str, sample: &[usize]) -> Message {
    let mut shape = Message::new();
    let mut batch = Message::new();
    batch.string(field::DIM_PARAM, "batch");
    shape.message(field::SHAPE_DIM, &batch);
    for &size in sample {
        let mut dim = Message::new();
        dim.int(field::DIM_VALUE, size as i64);
        shape.message(field::SHAPE_DIM, &dim);
    }
    let mut tensor = Message::new();
    tensor
        .int(field::TENSOR_TYPE_ELEM_TYPE, FLOAT)
        .message(field::TENSOR_TYPE_SHAPE, &shape);
    let mut value_type = Message::new();
    value_type.message(field::TYPE_TENSOR, &tensor);
    let mut info = Message::new();
    info.string(field::VALUE_INFO_NAME, name)
        .message(field::VALUE_INFO_TYPE, &value_type);
    info
}
