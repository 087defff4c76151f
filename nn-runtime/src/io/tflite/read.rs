//! From verified flatbuffer to the plain description: every index, dimension and option is
//! checked here, so that what [`super::Model`] holds is consistent.

use flatbuffers::{InvalidFlatbuffer, Vector, VerifierOptions};

use super::error::TfliteError;
use super::model::{Model, Operator, Quantization, Subgraph, Tensor, TensorType};
use super::ops::{
    Activation, Conv2dOptions, DepthwiseConv2dOptions, FullyConnectedOptions, Op, Padding,
    Pool2dOptions, WeightsFormat,
};
use super::schema_generated::tflite as fb;

/// TFLite's schema version, unchanged since 2018.
const SCHEMA_VERSION: u32 = 3;

/// The deprecated one-byte code that says "see the 32-bit `builtin_code` field".
const PLACEHOLDER_FOR_GREATER_OP_CODES: i32 = 127;

/// Reads a TFLite model from the bytes of a `.tflite` file.
pub fn read_from_bytes(bytes: &[u8]) -> Result<Model, TfliteError> {
    if bytes.len() < 8 {
        return Err(TfliteError::Malformed {
            reason: format!(
                "the file is truncated: {} bytes, but a flatbuffer starts with 8 (the root \
                 offset and the file identifier)",
                bytes.len()
            ),
        });
    }
    if !fb::model_buffer_has_identifier(bytes) {
        return Err(TfliteError::NotTflite {
            found: bytes[4..8].escape_ascii().to_string(),
        });
    }
    let model = fb::root_as_model_with_opts(&VerifierOptions::default(), bytes)
        .map_err(|error| malformed(error, bytes.len()))?;
    if model.version() != SCHEMA_VERSION {
        return Err(TfliteError::UnsupportedVersion {
            found: model.version(),
        });
    }

    let buffers = read_buffers(&model, bytes)?;
    let codes = model.operator_codes();
    let subgraphs = model
        .subgraphs()
        .ok_or_else(|| TfliteError::invalid("the model has no subgraphs"))?;
    if subgraphs.is_empty() {
        return Err(TfliteError::invalid("the model has no subgraphs"));
    }
    let subgraphs = subgraphs
        .iter()
        .enumerate()
        .map(|(i, graph)| {
            read_subgraph(graph, codes, &buffers).map_err(|error| match error {
                TfliteError::Invalid { reason } if subgraphs.len() > 1 => {
                    TfliteError::invalid(format!("subgraph {i}: {reason}"))
                }
                other => other,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Model {
        version: model.version(),
        description: model.description().unwrap_or_default().to_string(),
        subgraphs,
    })
}

fn malformed(error: InvalidFlatbuffer, len: usize) -> TfliteError {
    let past_end = match &error {
        InvalidFlatbuffer::RangeOutOfBounds { range, .. } => range.end > len,
        _ => false,
    };
    let reason = if past_end {
        format!("the file is truncated or an offset points past its end ({len} bytes): {error}")
    } else {
        error.to_string()
    };
    TfliteError::Malformed { reason }
}

/// Every buffer's bytes: inside the flatbuffer, or after it (schema 3c's `offset`/`size`,
/// for models over 2 GB).
fn read_buffers<'a>(model: &fb::Model<'a>, bytes: &'a [u8]) -> Result<Vec<&'a [u8]>, TfliteError> {
    let Some(buffers) = model.buffers() else {
        return Ok(Vec::new());
    };
    buffers
        .iter()
        .enumerate()
        .map(|(i, buffer)| {
            if let Some(data) = buffer.data() {
                return Ok(data.bytes());
            }
            // Offset 0 and 1 both mean "no data outside the flatbuffer".
            if buffer.offset() <= 1 {
                return Ok(&[][..]);
            }
            let start = usize::try_from(buffer.offset()).ok();
            let len = usize::try_from(buffer.size()).ok();
            start
                .zip(len)
                .and_then(|(start, len)| bytes.get(start..start.checked_add(len)?))
                .ok_or_else(|| {
                    TfliteError::invalid(format!(
                        "buffer {i} lies at bytes {}..+{} outside the file's {} bytes (truncated?)",
                        buffer.offset(),
                        buffer.size(),
                        bytes.len()
                    ))
                })
        })
        .collect()
}

fn read_subgraph(
    graph: fb::SubGraph<'_>,
    codes: Option<Vector<'_, flatbuffers::ForwardsUOffset<fb::OperatorCode<'_>>>>,
    buffers: &[&[u8]],
) -> Result<Subgraph, TfliteError> {
    let tensors = graph
        .tensors()
        .map(|tensors| {
            tensors
                .iter()
                .enumerate()
                .map(|(i, tensor)| read_tensor(i, tensor, buffers))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let tensor_index = |what: &dyn Fn() -> String, index: i32| {
        usize::try_from(index)
            .ok()
            .filter(|&index| index < tensors.len())
            .ok_or_else(|| {
                TfliteError::invalid(format!(
                    "{} refers to tensor {index}, but the subgraph has {} tensors",
                    what(),
                    tensors.len()
                ))
            })
    };
    let indices = |what: &str, list: Option<Vector<'_, i32>>| {
        list.iter()
            .flatten()
            .enumerate()
            .map(|(k, index)| tensor_index(&|| format!("{what} {k}"), index))
            .collect::<Result<Vec<_>, _>>()
    };
    let inputs = indices("graph input", graph.inputs())?;
    let outputs = indices("graph output", graph.outputs())?;

    let mut operators = Vec::new();
    for (i, operator) in graph.operators().iter().flatten().enumerate() {
        let op = read_op(i, &operator, codes)?;
        let inputs = operator
            .inputs()
            .iter()
            .flatten()
            .enumerate()
            .map(|(k, index)| match index {
                -1 => Ok(None),
                _ => tensor_index(&|| format!("input {k} of operator {i}"), index).map(Some),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let outputs = operator
            .outputs()
            .iter()
            .flatten()
            .enumerate()
            .map(|(k, index)| tensor_index(&|| format!("output {k} of operator {i}"), index))
            .collect::<Result<Vec<_>, _>>()?;
        operators.push(Operator {
            op,
            inputs,
            outputs,
        });
    }
    Ok(Subgraph {
        name: graph.name().unwrap_or_default().to_string(),
        tensors,
        operators,
        inputs,
        outputs,
    })
}

fn read_tensor(i: usize, tensor: fb::Tensor<'_>, buffers: &[&[u8]]) -> Result<Tensor, TfliteError> {
    let name = tensor.name().unwrap_or_default().to_string();
    let context = || format!("tensor {i} (\"{name}\")");
    let shape = tensor
        .shape()
        .iter()
        .flatten()
        .map(|dim| {
            usize::try_from(dim).map_err(|_| {
                TfliteError::invalid(format!("{} has the negative dimension {dim}", context()))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // So that `Tensor::len` cannot overflow.
    if shape
        .iter()
        .try_fold(1usize, |acc, &dim| acc.checked_mul(dim))
        .is_none()
    {
        return Err(TfliteError::invalid(format!(
            "{} has the shape {shape:?}, of more elements than memory can address",
            context()
        )));
    }
    let dtype = tensor_type(tensor.type_()).ok_or_else(|| {
        TfliteError::invalid(format!(
            "{} has the unknown type code {}",
            context(),
            tensor.type_().0
        ))
    })?;
    let buffer = tensor.buffer() as usize;
    // Buffer 0 is the empty sentinel; a model without buffers has no constants at all.
    let data = match buffers.get(buffer) {
        Some(data) => data.to_vec(),
        None if buffer == 0 => Vec::new(),
        None => {
            return Err(TfliteError::invalid(format!(
                "{} refers to buffer {buffer}, but the model has {} buffers",
                context(),
                buffers.len()
            )))
        }
    };
    if let (false, Some(bytes)) = (data.is_empty(), dtype.element_bytes()) {
        let expected = shape
            .iter()
            .try_fold(bytes, |acc, &dim| acc.checked_mul(dim));
        if expected != Some(data.len()) {
            return Err(TfliteError::invalid(format!(
                "{} of shape {shape:?} and type {dtype:?} needs {} bytes of data, but its buffer \
                 {buffer} holds {}",
                context(),
                expected.map_or("more than usize::MAX".to_string(), |n| n.to_string()),
                data.len()
            )));
        }
    }
    let quantization = tensor
        .quantization()
        .map(|q| read_quantization(q, &shape, &context))
        .transpose()?
        .flatten();
    Ok(Tensor {
        name,
        shape,
        dtype,
        data,
        quantization,
        is_variable: tensor.is_variable(),
    })
}

fn read_quantization(
    q: fb::QuantizationParameters<'_>,
    shape: &[usize],
    context: &dyn Fn() -> String,
) -> Result<Option<Quantization>, TfliteError> {
    let scales: Vec<f32> = q.scale().iter().flatten().collect();
    if scales.is_empty() {
        // A quantization table with only min/max (or nothing) leaves the tensor unquantized.
        return Ok(None);
    }
    let zero_points: Vec<i64> = q.zero_point().iter().flatten().collect();
    if zero_points.len() != scales.len() {
        return Err(TfliteError::invalid(format!(
            "{} has {} quantization scales but {} zero points; expected as many of each",
            context(),
            scales.len(),
            zero_points.len()
        )));
    }
    let quantized_dimension = usize::try_from(q.quantized_dimension()).ok();
    let quantized_dimension = match (scales.len(), quantized_dimension) {
        (1, Some(dim)) => dim,
        (n, Some(dim)) if shape.get(dim) == Some(&n) => dim,
        (n, _) => {
            return Err(TfliteError::invalid(format!(
                "{} has {n} per-channel quantization scales along dimension {}, but its shape \
                 is {shape:?}",
                context(),
                q.quantized_dimension()
            )))
        }
    };
    Ok(Some(Quantization {
        scales,
        zero_points,
        quantized_dimension,
    }))
}

fn tensor_type(t: fb::TensorType) -> Option<TensorType> {
    Some(match t {
        fb::TensorType::FLOAT32 => TensorType::Float32,
        fb::TensorType::FLOAT16 => TensorType::Float16,
        fb::TensorType::FLOAT64 => TensorType::Float64,
        fb::TensorType::INT8 => TensorType::Int8,
        fb::TensorType::UINT8 => TensorType::UInt8,
        fb::TensorType::INT16 => TensorType::Int16,
        fb::TensorType::INT32 => TensorType::Int32,
        fb::TensorType::INT64 => TensorType::Int64,
        fb::TensorType::BOOL => TensorType::Bool,
        other => TensorType::Other(other.variant_name()?),
    })
}

/// The operator's builtin code, resolved as TFLite does: files before schema 3a have only
/// the one-byte `deprecated_builtin_code`; later ones have the 32-bit `builtin_code` too,
/// with 127 in the old field for codes that do not fit it. The larger of the two is right
/// in every case.
fn read_op(
    i: usize,
    operator: &fb::Operator<'_>,
    codes: Option<Vector<'_, flatbuffers::ForwardsUOffset<fb::OperatorCode<'_>>>>,
) -> Result<Op, TfliteError> {
    let index = operator.opcode_index() as usize;
    let count = codes.map_or(0, |codes| codes.len());
    let code = codes
        .filter(|_| index < count)
        .map(|codes| codes.get(index))
        .ok_or_else(|| {
            TfliteError::invalid(format!(
                "operator {i} has opcode index {index}, but the model has {count} operator codes"
            ))
        })?;
    let builtin = i32::from(code.deprecated_builtin_code()).max(code.builtin_code().0);
    let builtin_op = fb::BuiltinOperator(builtin);
    if builtin_op == fb::BuiltinOperator::CUSTOM {
        return Ok(Op::Custom {
            name: code.custom_code().unwrap_or_default().to_string(),
        });
    }
    let name = match builtin_op.variant_name() {
        Some(name) if builtin != PLACEHOLDER_FOR_GREATER_OP_CODES => name,
        _ => {
            return Err(TfliteError::UnknownOperator {
                operator: i,
                code: builtin,
            })
        }
    };
    let missing = || {
        TfliteError::invalid(format!(
            "operator {i} ({name}) has no options of its kind (found {})",
            operator
                .builtin_options_type()
                .variant_name()
                .unwrap_or("an unknown kind")
        ))
    };
    let context = |what: &str| format!("operator {i} ({name}): {what}");
    Ok(match builtin_op {
        fb::BuiltinOperator::CONV_2D => {
            let o = operator
                .builtin_options_as_conv_2_doptions()
                .ok_or_else(missing)?;
            Op::Conv2d(Conv2dOptions {
                padding: padding(o.padding(), &context)?,
                stride_h: positive(o.stride_h(), "stride_h", &context)?,
                stride_w: positive(o.stride_w(), "stride_w", &context)?,
                dilation_h: positive(o.dilation_h_factor(), "dilation_h_factor", &context)?,
                dilation_w: positive(o.dilation_w_factor(), "dilation_w_factor", &context)?,
                activation: activation(o.fused_activation_function(), &context)?,
            })
        }
        fb::BuiltinOperator::DEPTHWISE_CONV_2D => {
            let o = operator
                .builtin_options_as_depthwise_conv_2_doptions()
                .ok_or_else(missing)?;
            Op::DepthwiseConv2d(DepthwiseConv2dOptions {
                padding: padding(o.padding(), &context)?,
                stride_h: positive(o.stride_h(), "stride_h", &context)?,
                stride_w: positive(o.stride_w(), "stride_w", &context)?,
                dilation_h: positive(o.dilation_h_factor(), "dilation_h_factor", &context)?,
                dilation_w: positive(o.dilation_w_factor(), "dilation_w_factor", &context)?,
                depth_multiplier: usize::try_from(o.depth_multiplier()).map_err(|_| {
                    TfliteError::invalid(context(&format!(
                        "depth_multiplier is {}; expected 0 or more",
                        o.depth_multiplier()
                    )))
                })?,
                activation: activation(o.fused_activation_function(), &context)?,
            })
        }
        fb::BuiltinOperator::AVERAGE_POOL_2D | fb::BuiltinOperator::MAX_POOL_2D => {
            let o = operator
                .builtin_options_as_pool_2_doptions()
                .ok_or_else(missing)?;
            let options = Pool2dOptions {
                padding: padding(o.padding(), &context)?,
                stride_h: positive(o.stride_h(), "stride_h", &context)?,
                stride_w: positive(o.stride_w(), "stride_w", &context)?,
                filter_h: positive(o.filter_height(), "filter_height", &context)?,
                filter_w: positive(o.filter_width(), "filter_width", &context)?,
                activation: activation(o.fused_activation_function(), &context)?,
            };
            if builtin_op == fb::BuiltinOperator::MAX_POOL_2D {
                Op::MaxPool2d(options)
            } else {
                Op::AveragePool2d(options)
            }
        }
        fb::BuiltinOperator::FULLY_CONNECTED => {
            let o = operator
                .builtin_options_as_fully_connected_options()
                .ok_or_else(missing)?;
            let weights_format = match o.weights_format() {
                fb::FullyConnectedOptionsWeightsFormat::DEFAULT => WeightsFormat::Default,
                fb::FullyConnectedOptionsWeightsFormat::SHUFFLED4x16INT8 => {
                    WeightsFormat::Shuffled4x16Int8
                }
                other => {
                    return Err(TfliteError::invalid(context(&format!(
                        "unknown weights format {}; expected DEFAULT or SHUFFLED4x16INT8",
                        other.0
                    ))))
                }
            };
            Op::FullyConnected(FullyConnectedOptions {
                activation: activation(o.fused_activation_function(), &context)?,
                weights_format,
                keep_num_dims: o.keep_num_dims(),
                asymmetric_quantize_inputs: o.asymmetric_quantize_inputs(),
            })
        }
        // The shape may come from the second input instead, so the options are optional.
        fb::BuiltinOperator::RESHAPE => Op::Reshape {
            new_shape: operator
                .builtin_options_as_reshape_options()
                .and_then(|o| o.new_shape())
                .map(|shape| shape.iter().collect()),
        },
        fb::BuiltinOperator::SOFTMAX => {
            let o = operator
                .builtin_options_as_softmax_options()
                .ok_or_else(missing)?;
            Op::Softmax { beta: o.beta() }
        }
        // Without options, TFLite adds without an activation.
        fb::BuiltinOperator::ADD => Op::Add {
            activation: operator
                .builtin_options_as_add_options()
                .map(|o| activation(o.fused_activation_function(), &context))
                .transpose()?
                .unwrap_or(Activation::None),
        },
        fb::BuiltinOperator::QUANTIZE => Op::Quantize,
        fb::BuiltinOperator::DEQUANTIZE => Op::Dequantize,
        _ => Op::Other {
            code: builtin,
            name,
        },
    })
}

fn padding(p: fb::Padding, context: &dyn Fn(&str) -> String) -> Result<Padding, TfliteError> {
    match p {
        fb::Padding::SAME => Ok(Padding::Same),
        fb::Padding::VALID => Ok(Padding::Valid),
        other => Err(TfliteError::invalid(context(&format!(
            "unknown padding {}; expected SAME or VALID",
            other.0
        )))),
    }
}

fn activation(
    a: fb::ActivationFunctionType,
    context: &dyn Fn(&str) -> String,
) -> Result<Activation, TfliteError> {
    Ok(match a {
        fb::ActivationFunctionType::NONE => Activation::None,
        fb::ActivationFunctionType::RELU => Activation::Relu,
        fb::ActivationFunctionType::RELU_N1_TO_1 => Activation::ReluN1To1,
        fb::ActivationFunctionType::RELU6 => Activation::Relu6,
        fb::ActivationFunctionType::TANH => Activation::Tanh,
        fb::ActivationFunctionType::SIGN_BIT => Activation::SignBit,
        other => {
            return Err(TfliteError::invalid(context(&format!(
                "unknown fused activation {}; expected NONE, RELU, RELU_N1_TO_1, RELU6, TANH \
                 or SIGN_BIT",
                other.0
            ))))
        }
    })
}

fn positive(
    value: i32,
    field: &str,
    context: &dyn Fn(&str) -> String,
) -> Result<usize, TfliteError> {
    usize::try_from(value)
        .ok()
        .filter(|&v| v >= 1)
        .ok_or_else(|| {
            TfliteError::invalid(context(&format!("{field} is {value}; expected 1 or more")))
        })
}
