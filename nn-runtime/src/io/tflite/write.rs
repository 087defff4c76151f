//! Writing a [`Model`] as a `.tflite` flatbuffer: the inverse of [`super::read_from_bytes`]
//! (an [`Op::Other`] is written without options, which this crate does not read).

use flatbuffers::{FlatBufferBuilder, ForwardsUOffset, UnionWIPOffset, Vector, WIPOffset};

use super::model::{Model, Operator, Quantization, Subgraph, Tensor, TensorType};
use super::ops::{Activation, Op, Padding, WeightsFormat};
use super::schema_generated::tflite as fb;

/// An operator code: builtin code, version, custom name.
#[derive(Clone, Debug, PartialEq)]
struct Code {
    builtin: i32,
    version: i32,
    custom: Option<String>,
}

/// The model as flatbuffer bytes, schema version `model.version`, with TFLite's file
/// identifier. Every constant gets a buffer of its own; buffer 0 is the empty one TFLite
/// reserves for activations.
pub(super) fn write_to_bytes(model: &Model) -> Vec<u8> {
    let mut b = FlatBufferBuilder::new();
    let mut buffers = vec![empty_buffer(&mut b)];
    let mut codes = Vec::new();
    let subgraphs: Vec<_> = model
        .subgraphs
        .iter()
        .map(|graph| subgraph(&mut b, graph, &mut buffers, &mut codes))
        .collect();
    let operator_codes: Vec<_> = codes
        .iter()
        .map(|code| operator_code(&mut b, code))
        .collect();
    let operator_codes = b.create_vector(&operator_codes);
    let subgraphs = b.create_vector(&subgraphs);
    let buffers = b.create_vector(&buffers);
    let description = b.create_string(&model.description);
    let root = fb::Model::create(
        &mut b,
        &fb::ModelArgs {
            version: model.version,
            operator_codes: Some(operator_codes),
            subgraphs: Some(subgraphs),
            description: Some(description),
            buffers: Some(buffers),
            ..Default::default()
        },
    );
    fb::finish_model_buffer(&mut b, root);
    b.finished_data().to_vec()
}

fn empty_buffer<'a>(b: &mut FlatBufferBuilder<'a>) -> WIPOffset<fb::Buffer<'a>> {
    fb::Buffer::create(b, &fb::BufferArgs::default())
}

fn subgraph<'a>(
    b: &mut FlatBufferBuilder<'a>,
    graph: &Subgraph,
    buffers: &mut Vec<WIPOffset<fb::Buffer<'a>>>,
    codes: &mut Vec<Code>,
) -> WIPOffset<fb::SubGraph<'a>> {
    let tensors: Vec<_> = graph
        .tensors
        .iter()
        .map(|t| tensor(b, t, buffers))
        .collect();
    let operators: Vec<_> = graph
        .operators
        .iter()
        .map(|o| operator(b, o, codes))
        .collect();
    let tensors = b.create_vector(&tensors);
    let operators: WIPOffset<Vector<ForwardsUOffset<fb::Operator>>> = b.create_vector(&operators);
    let inputs = indices(b, &graph.inputs);
    let outputs = indices(b, &graph.outputs);
    let name = b.create_string(&graph.name);
    fb::SubGraph::create(
        b,
        &fb::SubGraphArgs {
            tensors: Some(tensors),
            inputs: Some(inputs),
            outputs: Some(outputs),
            operators: Some(operators),
            name: Some(name),
            ..Default::default()
        },
    )
}

fn indices<'a>(b: &mut FlatBufferBuilder<'a>, values: &[usize]) -> WIPOffset<Vector<'a, i32>> {
    let values: Vec<i32> = values.iter().map(|&v| v as i32).collect();
    b.create_vector(&values)
}

fn tensor<'a>(
    b: &mut FlatBufferBuilder<'a>,
    t: &Tensor,
    buffers: &mut Vec<WIPOffset<fb::Buffer<'a>>>,
) -> WIPOffset<fb::Tensor<'a>> {
    let buffer = if t.data.is_empty() {
        0
    } else {
        let data = b.create_vector(&t.data);
        buffers.push(fb::Buffer::create(
            b,
            &fb::BufferArgs {
                data: Some(data),
                ..Default::default()
            },
        ));
        buffers.len() - 1
    };
    let shape = indices(b, &t.shape);
    let name = b.create_string(&t.name);
    let quantization = t.quantization.as_ref().map(|q| quantization(b, q));
    fb::Tensor::create(
        b,
        &fb::TensorArgs {
            shape: Some(shape),
            type_: tensor_type(t.dtype),
            buffer: buffer as u32,
            name: Some(name),
            quantization,
            is_variable: t.is_variable,
            ..Default::default()
        },
    )
}

fn quantization<'a>(
    b: &mut FlatBufferBuilder<'a>,
    q: &Quantization,
) -> WIPOffset<fb::QuantizationParameters<'a>> {
    let scale = b.create_vector(&q.scales);
    let zero_point = b.create_vector(&q.zero_points);
    fb::QuantizationParameters::create(
        b,
        &fb::QuantizationParametersArgs {
            scale: Some(scale),
            zero_point: Some(zero_point),
            quantized_dimension: q.quantized_dimension as i32,
            ..Default::default()
        },
    )
}

fn tensor_type(dtype: TensorType) -> fb::TensorType {
    match dtype {
        TensorType::Float32 => fb::TensorType::FLOAT32,
        TensorType::Float16 => fb::TensorType::FLOAT16,
        TensorType::Float64 => fb::TensorType::FLOAT64,
        TensorType::Int8 => fb::TensorType::INT8,
        TensorType::UInt8 => fb::TensorType::UINT8,
        TensorType::Int16 => fb::TensorType::INT16,
        TensorType::Int32 => fb::TensorType::INT32,
        TensorType::Int64 => fb::TensorType::INT64,
        TensorType::Bool => fb::TensorType::BOOL,
        TensorType::Other(name) => (0..=i8::MAX)
            .map(fb::TensorType)
            .find(|t| t.variant_name() == Some(name))
            .unwrap_or(fb::TensorType::FLOAT32),
    }
}

/// The operator code of `op`: for the operators this crate reads, the version of the int8
/// kernel TensorFlow's converter writes for int8 models.
fn code(op: &Op) -> Code {
    let (builtin, version) = match op {
        Op::Conv2d(_) => (fb::BuiltinOperator::CONV_2D, 3),
        Op::DepthwiseConv2d(_) => (fb::BuiltinOperator::DEPTHWISE_CONV_2D, 3),
        Op::AveragePool2d(_) => (fb::BuiltinOperator::AVERAGE_POOL_2D, 2),
        Op::MaxPool2d(_) => (fb::BuiltinOperator::MAX_POOL_2D, 2),
        Op::FullyConnected(_) => (fb::BuiltinOperator::FULLY_CONNECTED, 4),
        Op::Reshape { .. } => (fb::BuiltinOperator::RESHAPE, 1),
        Op::Softmax { .. } => (fb::BuiltinOperator::SOFTMAX, 2),
        Op::Add { .. } => (fb::BuiltinOperator::ADD, 2),
        Op::Quantize => (fb::BuiltinOperator::QUANTIZE, 2),
        Op::Dequantize => (fb::BuiltinOperator::DEQUANTIZE, 2),
        Op::Other { code, .. } => (fb::BuiltinOperator(*code), 1),
        Op::Custom { name } => {
            return Code {
                builtin: fb::BuiltinOperator::CUSTOM.0,
                version: 1,
                custom: Some(name.clone()),
            }
        }
    };
    Code {
        builtin: builtin.0,
        version,
        custom: None,
    }
}

fn operator_code<'a>(
    b: &mut FlatBufferBuilder<'a>,
    code: &Code,
) -> WIPOffset<fb::OperatorCode<'a>> {
    let custom_code = code.custom.as_deref().map(|name| b.create_string(name));
    fb::OperatorCode::create(
        b,
        &fb::OperatorCodeArgs {
            // Readers before the 2020 extension of the codes read only this field.
            deprecated_builtin_code: code.builtin.min(127) as i8,
            custom_code,
            version: code.version,
            builtin_code: fb::BuiltinOperator(code.builtin),
        },
    )
}

fn operator<'a>(
    b: &mut FlatBufferBuilder<'a>,
    operator: &Operator,
    codes: &mut Vec<Code>,
) -> WIPOffset<fb::Operator<'a>> {
    let code = code(&operator.op);
    let opcode_index = match codes.iter().position(|c| *c == code) {
        Some(i) => i,
        None => {
            codes.push(code);
            codes.len() - 1
        }
    };
    let (options_type, options) = options(b, &operator.op);
    let inputs: Vec<i32> = operator
        .inputs
        .iter()
        .map(|t| t.map_or(-1, |t| t as i32))
        .collect();
    let inputs = b.create_vector(&inputs);
    let outputs = indices(b, &operator.outputs);
    fb::Operator::create(
        b,
        &fb::OperatorArgs {
            opcode_index: opcode_index as u32,
            inputs: Some(inputs),
            outputs: Some(outputs),
            builtin_options_type: options_type,
            builtin_options: options,
            ..Default::default()
        },
    )
}

fn options<'a>(
    b: &mut FlatBufferBuilder<'a>,
    op: &Op,
) -> (fb::BuiltinOptions, Option<WIPOffset<UnionWIPOffset>>) {
    let (kind, offset) = match op {
        Op::Conv2d(o) => (
            fb::BuiltinOptions::Conv2DOptions,
            fb::Conv2DOptions::create(
                b,
                &fb::Conv2DOptionsArgs {
                    padding: padding(o.padding),
                    stride_w: o.stride_w as i32,
                    stride_h: o.stride_h as i32,
                    fused_activation_function: activation(o.activation),
                    dilation_w_factor: o.dilation_w as i32,
                    dilation_h_factor: o.dilation_h as i32,
                    ..Default::default()
                },
            )
            .as_union_value(),
        ),
        Op::DepthwiseConv2d(o) => (
            fb::BuiltinOptions::DepthwiseConv2DOptions,
            fb::DepthwiseConv2DOptions::create(
                b,
                &fb::DepthwiseConv2DOptionsArgs {
                    padding: padding(o.padding),
                    stride_w: o.stride_w as i32,
                    stride_h: o.stride_h as i32,
                    depth_multiplier: o.depth_multiplier as i32,
                    fused_activation_function: activation(o.activation),
                    dilation_w_factor: o.dilation_w as i32,
                    dilation_h_factor: o.dilation_h as i32,
                },
            )
            .as_union_value(),
        ),
        Op::AveragePool2d(o) | Op::MaxPool2d(o) => (
            fb::BuiltinOptions::Pool2DOptions,
            fb::Pool2DOptions::create(
                b,
                &fb::Pool2DOptionsArgs {
                    padding: padding(o.padding),
                    stride_w: o.stride_w as i32,
                    stride_h: o.stride_h as i32,
                    filter_width: o.filter_w as i32,
                    filter_height: o.filter_h as i32,
                    fused_activation_function: activation(o.activation),
                },
            )
            .as_union_value(),
        ),
        Op::FullyConnected(o) => (
            fb::BuiltinOptions::FullyConnectedOptions,
            fb::FullyConnectedOptions::create(
                b,
                &fb::FullyConnectedOptionsArgs {
                    fused_activation_function: activation(o.activation),
                    weights_format: match o.weights_format {
                        WeightsFormat::Default => fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                        WeightsFormat::Shuffled4x16Int8 => {
                            fb::FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8
                        }
                    },
                    keep_num_dims: o.keep_num_dims,
                    asymmetric_quantize_inputs: o.asymmetric_quantize_inputs,
                    ..Default::default()
                },
            )
            .as_union_value(),
        ),
        Op::Reshape {
            new_shape: Some(shape),
        } => {
            let new_shape = b.create_vector(shape);
            (
                fb::BuiltinOptions::ReshapeOptions,
                fb::ReshapeOptions::create(
                    b,
                    &fb::ReshapeOptionsArgs {
                        new_shape: Some(new_shape),
                    },
                )
                .as_union_value(),
            )
        }
        Op::Softmax { beta } => (
            fb::BuiltinOptions::SoftmaxOptions,
            fb::SoftmaxOptions::create(b, &fb::SoftmaxOptionsArgs { beta: *beta }).as_union_value(),
        ),
        Op::Add { activation: a } => (
            fb::BuiltinOptions::AddOptions,
            fb::AddOptions::create(
                b,
                &fb::AddOptionsArgs {
                    fused_activation_function: activation(*a),
                    ..Default::default()
                },
            )
            .as_union_value(),
        ),
        _ => return (fb::BuiltinOptions::NONE, None),
    };
    (kind, Some(offset))
}

fn padding(p: Padding) -> fb::Padding {
    match p {
        Padding::Same => fb::Padding::SAME,
        Padding::Valid => fb::Padding::VALID,
    }
}

fn activation(a: Activation) -> fb::ActivationFunctionType {
    match a {
        Activation::None => fb::ActivationFunctionType::NONE,
        Activation::Relu => fb::ActivationFunctionType::RELU,
        Activation::ReluN1To1 => fb::ActivationFunctionType::RELU_N1_TO_1,
        Activation::Relu6 => fb::ActivationFunctionType::RELU6,
        Activation::Tanh => fb::ActivationFunctionType::TANH,
        Activation::SignBit => fb::ActivationFunctionType::SIGN_BIT,
    }
}
