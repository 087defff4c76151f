//! The TFLite graph of a quantized network: one operator per step (a `relu` folded into
//! the step before it is that operator's fused activation), constants in TFLite's layouts.

use super::super::model::{Model, Operator, Quantization, Subgraph, Tensor, TensorType};
use super::super::ops::{
    Activation, Conv2dOptions, DepthwiseConv2dOptions, FullyConnectedOptions, Op, Padding,
    Pool2dOptions, WeightsFormat,
};
use super::image::StepImage;
use super::layout::{chw_columns_to_hwc, fits, ohw_to_hwo, oihw_to_ohwi, tflite_shape};
use super::ExportError;
use crate::int8::{
    AvgPool2dShape, Conv2dShape, FusedActivation, Int8Layer, Int8LayerKind, Int8Scales,
    QuantizedNetwork,
};

/// The graph being built: tensors so far, operators so far.
struct Builder {
    tensors: Vec<Tensor>,
    operators: Vec<Operator>,
}

impl Builder {
    fn push(&mut self, tensor: Tensor) -> usize {
        self.tensors.push(tensor);
        self.tensors.len() - 1
    }

    fn activation(
        &mut self,
        name: &str,
        nn_shape: &[usize],
        q: crate::int8::Quantization,
    ) -> usize {
        self.push(Tensor {
            name: name.into(),
            shape: tflite_shape(nn_shape),
            dtype: TensorType::Int8,
            data: Vec::new(),
            quantization: Some(Quantization {
                scales: vec![q.scale],
                zero_points: vec![i64::from(q.zero_point)],
                quantized_dimension: 0,
            }),
            is_variable: false,
        })
    }

    /// A layer's constants: int8 `weight` of `shape` (TFLite's layout), symmetric with
    /// one scale per slice of `dimension` (or one for all), and int32 biases at
    /// `input_scale · weight_scale`, as TFLite's kernels expect them. Returns the two
    /// tensors.
    fn constants(
        &mut self,
        layer: &Int8Layer,
        (weight, shape, dimension): (Vec<i8>, Vec<usize>, usize),
        bias: &[i32],
        (input_scale, weight_scales): (f32, &[f32]),
    ) -> [usize; 2] {
        let quantization = |scales: Vec<f32>, dimension| {
            Some(Quantization {
                zero_points: vec![0; scales.len()],
                scales,
                quantized_dimension: dimension,
            })
        };
        let weight = self.push(Tensor {
            name: format!("{}.weight", layer.name),
            shape,
            dtype: TensorType::Int8,
            data: weight.into_iter().map(|v| v as u8).collect(),
            quantization: quantization(weight_scales.to_vec(), dimension),
            is_variable: false,
        });
        let bias = self.push(Tensor {
            name: format!("{}.bias", layer.name),
            shape: vec![bias.len()],
            dtype: TensorType::Int32,
            data: bias.iter().flat_map(|b| b.to_le_bytes()).collect(),
            quantization: quantization(weight_scales.iter().map(|&s| input_scale * s).collect(), 0),
            is_variable: false,
        });
        [weight, bias]
    }
}

/// The model of `N` with the constants of `steps` and the quantization of `scales` (whose
/// counts the caller has checked).
pub(super) fn int8_model<N: QuantizedNetwork>(
    steps: &[StepImage],
    scales: &Int8Scales,
) -> Result<Model, ExportError> {
    let mut b = Builder {
        tensors: Vec::new(),
        operators: Vec::new(),
    };
    // Index 0 the network's input, `k + 1` step `k`'s output, as `Int8Layer::inputs` counts.
    let mut shapes = vec![N::INPUT_SHAPE.to_vec()];
    let mut outputs = vec![b.activation("input", N::INPUT_SHAPE, scales.activations[0])];
    for (k, (layer, step)) in N::LAYERS.iter().zip(steps).enumerate() {
        check_flatten::<N>(layer, k, &shapes)?;
        let shape = output_shape(layer, &shapes);
        let output = b.activation(layer.name, &shape, scales.activations[k + 1]);
        let inputs: Vec<usize> = layer.inputs.iter().map(|&i| outputs[i]).collect();
        // The input's scale and the weights': the biases' scales.
        let quantized = (
            scales.activations[layer.inputs[0]].scale,
            scales.weights[k].as_slice(),
        );
        let activation = fused(layer.activation);
        let (op, inputs) = match layer.kind {
            Int8LayerKind::Conv2d(s) => {
                let weight = oihw_to_ohwi(
                    &step.weight,
                    [s.out_channels, s.in_channels, s.kernel_h, s.kernel_w],
                );
                let shape = vec![s.out_channels, s.kernel_h, s.kernel_w, s.in_channels];
                let [w, bias] = b.constants(layer, (weight, shape, 0), &step.bias, quantized);
                let op = Op::Conv2d(Conv2dOptions {
                    padding: conv_padding(layer, &s)?,
                    stride_h: s.stride_h,
                    stride_w: s.stride_w,
                    dilation_h: 1,
                    dilation_w: 1,
                    activation,
                });
                (op, vec![inputs[0], w, bias])
            }
            Int8LayerKind::DepthwiseConv2d(s) => {
                let weight = ohw_to_hwo(&step.weight, [s.out_channels, s.kernel_h, s.kernel_w]);
                let shape = vec![1, s.kernel_h, s.kernel_w, s.out_channels];
                // TFLite quantizes depthwise kernels along their last dimension.
                let [w, bias] = b.constants(layer, (weight, shape, 3), &step.bias, quantized);
                let op = Op::DepthwiseConv2d(DepthwiseConv2dOptions {
                    padding: conv_padding(layer, &s)?,
                    stride_h: s.stride_h,
                    stride_w: s.stride_w,
                    dilation_h: 1,
                    dilation_w: 1,
                    depth_multiplier: s.out_channels / s.in_channels.max(1),
                    activation,
                });
                (op, vec![inputs[0], w, bias])
            }
            Int8LayerKind::Dense {
                inputs: depth,
                outputs: units,
                flattened,
            } => {
                let weight = match flattened {
                    Some(chw) => chw_columns_to_hwc(&step.weight, chw),
                    None => step.weight.clone(),
                };
                let shape = vec![units, depth];
                let [w, bias] = b.constants(layer, (weight, shape, 0), &step.bias, quantized);
                let op = Op::FullyConnected(FullyConnectedOptions {
                    activation,
                    weights_format: WeightsFormat::Default,
                    keep_num_dims: false,
                    asymmetric_quantize_inputs: false,
                });
                (op, vec![inputs[0], w, bias])
            }
            Int8LayerKind::AvgPool2d(s) | Int8LayerKind::MaxPool2d(s) => {
                if scales.activations[layer.inputs[0]] != scales.activations[k + 1] {
                    return Err(ExportError::Scales(format!(
                        "pooling step `{}` has other scales at its output than at its input; \
                         TFLite's int8 pooling keeps its input's",
                        layer.name
                    )));
                }
                let options = pool_options(layer, &s, activation)?;
                let op = match layer.kind {
                    Int8LayerKind::MaxPool2d(_) => Op::MaxPool2d(options),
                    _ => Op::AveragePool2d(options),
                };
                (op, inputs)
            }
            Int8LayerKind::Add => (Op::Add { activation }, inputs),
            Int8LayerKind::Softmax { depth } => {
                if tflite_shape(&shape).last() != Some(&depth) {
                    return Err(unsupported(
                        layer,
                        format!(
                            "softmax over rows of {depth} in a {shape:?} tensor is not TFLite's \
                         softmax over the last axis of {:?}",
                            tflite_shape(&shape)
                        ),
                    ));
                }
                (Op::Softmax { beta: 1.0 }, inputs)
            }
            Int8LayerKind::Flatten => {
                let new_shape = vec![1, shape[0] as i32];
                let target = b.push(Tensor {
                    name: format!("{}.shape", layer.name),
                    shape: vec![2],
                    dtype: TensorType::Int32,
                    data: new_shape.iter().flat_map(|d| d.to_le_bytes()).collect(),
                    quantization: None,
                    is_variable: false,
                });
                let op = Op::Reshape {
                    new_shape: Some(new_shape),
                };
                (op, vec![inputs[0], target])
            }
        };
        b.operators.push(Operator {
            op,
            inputs: inputs.into_iter().map(Some).collect(),
            outputs: vec![output],
        });
        outputs.push(output);
        shapes.push(shape);
    }
    let last = *outputs.last().unwrap_or(&0);
    Ok(Model {
        version: 3,
        description: "nn int8 export".into(),
        subgraphs: vec![Subgraph {
            name: "main".into(),
            tensors: b.tensors,
            operators: b.operators,
            inputs: vec![outputs[0]],
            outputs: vec![last],
        }],
    })
}

fn unsupported(layer: &Int8Layer, reason: String) -> ExportError {
    ExportError::Unsupported {
        layer: layer.name,
        reason,
    }
}

/// The shape of `layer`'s output in `nn`'s order, from its inputs'.
fn output_shape(layer: &Int8Layer, shapes: &[Vec<usize>]) -> Vec<usize> {
    let input = &shapes[layer.inputs[0]];
    match layer.kind {
        Int8LayerKind::Conv2d(s) | Int8LayerKind::DepthwiseConv2d(s) => {
            vec![s.out_channels, s.out_height, s.out_width]
        }
        Int8LayerKind::AvgPool2d(s) | Int8LayerKind::MaxPool2d(s) => {
            vec![s.channels, s.out_height, s.out_width]
        }
        Int8LayerKind::Dense { outputs, .. } => vec![outputs],
        Int8LayerKind::Flatten => vec![input.iter().product()],
        Int8LayerKind::Add | Int8LayerKind::Softmax { .. } => input.clone(),
    }
}

/// A flatten of a map larger than 1×1 orders its values as `nn`'s `[C, H, W]` and TFLite's
/// `RESHAPE` as `[H, W, C]`: the same only for a dense layer reading it, whose weight
/// columns move with the order.
fn check_flatten<N: QuantizedNetwork>(
    layer: &Int8Layer,
    k: usize,
    shapes: &[Vec<usize>],
) -> Result<(), ExportError> {
    let Int8LayerKind::Flatten = layer.kind else {
        return Ok(());
    };
    let reorders = matches!(shapes[layer.inputs[0]].as_slice(), &[_, h, w] if h * w > 1);
    let readers: Vec<&Int8Layer> = N::LAYERS
        .iter()
        .filter(|l| l.inputs.contains(&(k + 1)))
        .collect();
    let only_dense = !readers.is_empty()
        && readers
            .iter()
            .all(|l| matches!(l.kind, Int8LayerKind::Dense { .. }));
    if reorders && !only_dense {
        return Err(unsupported(
            layer,
            "it flattens a map larger than 1×1 for something other than a dense layer, which \
             would see TFLite's [H, W, C] order instead of nn's [C, H, W]"
                .into(),
        ));
    }
    Ok(())
}

fn fused(activation: FusedActivation) -> Activation {
    match activation {
        FusedActivation::None => Activation::None,
        FusedActivation::Relu => Activation::Relu,
        FusedActivation::Relu6 => Activation::Relu6,
        FusedActivation::ReluN1To1 => Activation::ReluN1To1,
    }
}

/// The TensorFlow padding scheme of both axes, or an error naming the padding.
fn scheme(
    layer: &Int8Layer,
    rows: (usize, usize, usize, usize),
    columns: (usize, usize, usize, usize),
    [top, left]: [usize; 2],
) -> Result<Padding, ExportError> {
    [Padding::Valid, Padding::Same]
        .into_iter()
        .find(|&p| fits(p, rows, top) && fits(p, columns, left))
        .ok_or_else(|| {
            unsupported(
                layer,
                format!(
                    "padding {top} above and {left} left is neither TensorFlow's SAME nor \
                     VALID for a {}×{} window at stride {}×{} (TFLite has no other)",
                    rows.1, columns.1, rows.2, columns.2
                ),
            )
        })
}

fn conv_padding(layer: &Int8Layer, s: &Conv2dShape) -> Result<Padding, ExportError> {
    scheme(
        layer,
        (s.in_height, s.kernel_h, s.stride_h, s.out_height),
        (s.in_width, s.kernel_w, s.stride_w, s.out_width),
        [s.pad_top, s.pad_left],
    )
}

fn pool_options(
    layer: &Int8Layer,
    s: &AvgPool2dShape,
    activation: Activation,
) -> Result<Pool2dOptions, ExportError> {
    let padding = scheme(
        layer,
        (s.in_height, s.size_h, s.stride_h, s.out_height),
        (s.in_width, s.size_w, s.stride_w, s.out_width),
        [s.pad_top, s.pad_left],
    )?;
    Ok(Pool2dOptions {
        padding,
        stride_h: s.stride_h,
        stride_w: s.stride_w,
        filter_h: s.size_h,
        filter_w: s.size_w,
        activation,
    })
}
