//! Each operator's `Prepare`, as TFLite's int8 kernels do it.

use super::super::error::TfliteError;
use super::super::model::{Operator, Subgraph, Tensor};
use super::super::ops::{Activation, Op, WeightsFormat};
use super::at::At;
use super::stage::{conv_requantization, dense_requantization};
use super::values::{hwo_to_ohw, int8_values, ohwi_to_oihw, weight_quantization};
use super::{Int8Kind, Int8Operator, Requantization};
use crate::int8::{
    activation_range, AddParams, AvgPool2dShape, QuantizedMultiplier, SoftmaxParams,
};
use crate::ops::conv::Conv2dShape;

pub(super) fn prepare_operator(
    graph: &Subgraph,
    index: usize,
    operator: &Operator,
) -> Result<Int8Operator, TfliteError> {
    let at = At {
        graph,
        operator,
        index,
    };
    let (input, input_tensor) = at.activation(0)?;
    let (output, output_tensor) = at.output()?;
    let (input_scale, input_zero_point) = at.quantization(input_tensor, "input")?;
    let (output_scale, output_zero_point) = at.quantization(output_tensor, "output")?;
    let mut inputs = vec![input];
    if !is_undilated(&operator.op) {
        return Err(at.error("dilated convolutions have no int8 kernel here"));
    }
    let kind = match &operator.op {
        Op::Conv2d(o) => {
            let [h, w, c] = at.image(input_tensor)?;
            let [oh, ow, oc] = at.image(output_tensor)?;
            let (_, filter) = at.input(1)?;
            let &[o_, kh, kw, i] = filter.shape.as_slice() else {
                return Err(at.error("the kernel is not 4-D (OHWI)"));
            };
            if (o_, i) != (oc, c) {
                return Err(at.error(format_args!(
                    "a {:?} kernel between {c} and {oc} channels",
                    filter.shape
                )));
            }
            let shape = Conv2dShape {
                in_channels: c,
                in_height: h,
                in_width: w,
                out_channels: oc,
                kernel_h: kh,
                kernel_w: kw,
                stride_h: o.stride_h,
                stride_w: o.stride_w,
                pad_top: at.padding(o.padding, (h, kh, o.stride_h, oh))?,
                pad_left: at.padding(o.padding, (w, kw, o.stride_w, ow))?,
                out_height: oh,
                out_width: ow,
            };
            let weight = ohwi_to_oihw(&int8_values(filter), [oc, kh, kw, c]);
            let stage = conv_stage(
                &at,
                filter,
                0,
                oc,
                o.activation,
                [input_tensor, output_tensor],
            )?;
            Int8Kind::Conv2d {
                shape,
                weight,
                bias: at.bias(oc)?,
                stage,
            }
        }
        Op::DepthwiseConv2d(o) => {
            let [h, w, c] = at.image(input_tensor)?;
            let [oh, ow, oc] = at.image(output_tensor)?;
            let (_, filter) = at.input(1)?;
            let &[1, kh, kw, o_] = filter.shape.as_slice() else {
                return Err(at.error("the kernel is not [1, KH, KW, C·M]"));
            };
            if o_ != oc || c == 0 || !oc.is_multiple_of(c) {
                return Err(at.error(format_args!(
                    "a {:?} kernel between {c} and {oc} channels",
                    filter.shape
                )));
            }
            let shape = Conv2dShape {
                in_channels: c,
                in_height: h,
                in_width: w,
                out_channels: oc,
                kernel_h: kh,
                kernel_w: kw,
                stride_h: o.stride_h,
                stride_w: o.stride_w,
                pad_top: at.padding(o.padding, (h, kh, o.stride_h, oh))?,
                pad_left: at.padding(o.padding, (w, kw, o.stride_w, ow))?,
                out_height: oh,
                out_width: ow,
            };
            let weight = hwo_to_ohw(&int8_values(filter), [kh, kw, oc]);
            let stage = conv_stage(
                &at,
                filter,
                3,
                oc,
                o.activation,
                [input_tensor, output_tensor],
            )?;
            Int8Kind::DepthwiseConv2d {
                shape,
                weight,
                bias: at.bias(oc)?,
                stage,
            }
        }
        Op::FullyConnected(o) => {
            if o.weights_format != WeightsFormat::Default {
                return Err(at.error("shuffled weights have no int8 kernel here"));
            }
            let (_, filter) = at.input(1)?;
            let &[outputs, depth] = filter.shape.as_slice() else {
                return Err(at.error("the weights are not [outputs, inputs]"));
            };
            if input_tensor.len() != depth || output_tensor.len() != outputs {
                return Err(at.error(format_args!(
                    "{:?} weights between {} inputs and {} outputs (batches of one only)",
                    filter.shape,
                    input_tensor.len(),
                    output_tensor.len()
                )));
            }
            let (scales, weight_zero_point) =
                weight_quantization(filter, 0).map_err(|e| at.error(e))?;
            if scales.len() > 1 && weight_zero_point != 0 {
                return Err(at.error("per-channel weights with a non-zero zero point"));
            }
            let (stage, multipliers) = dense_requantization(
                (input_scale, input_zero_point),
                (&scales, weight_zero_point),
                (output_scale, output_zero_point),
                at.fused(o.activation)?,
            );
            Int8Kind::FullyConnected {
                weight: int8_values(filter),
                bias: at.bias(outputs)?,
                stage,
                multipliers,
            }
        }
        Op::AveragePool2d(o) | Op::MaxPool2d(o) => {
            let [h, w, c] = at.image(input_tensor)?;
            let [oh, ow, oc] = at.image(output_tensor)?;
            if oc != c || (input_scale, input_zero_point) != (output_scale, output_zero_point) {
                return Err(at.error(
                    "the input and the output differ in channels or quantization; expected the same",
                ));
            }
            let shape = AvgPool2dShape {
                channels: c,
                in_height: h,
                in_width: w,
                size_h: o.filter_h,
                size_w: o.filter_w,
                stride_h: o.stride_h,
                stride_w: o.stride_w,
                pad_top: at.padding(o.padding, (h, o.filter_h, o.stride_h, oh))?,
                pad_left: at.padding(o.padding, (w, o.filter_w, o.stride_w, ow))?,
                out_height: oh,
                out_width: ow,
            };
            let (min, max) =
                activation_range(at.fused(o.activation)?, output_scale, output_zero_point);
            match operator.op {
                Op::MaxPool2d(_) => Int8Kind::MaxPool2d { shape, min, max },
                _ => Int8Kind::AveragePool2d { shape, min, max },
            }
        }
        Op::Reshape { .. } => {
            if input_tensor.len() != output_tensor.len()
                || (input_scale, input_zero_point) != (output_scale, output_zero_point)
            {
                return Err(at.error("the input and the output differ in size or quantization"));
            }
            Int8Kind::Reshape
        }
        Op::Softmax { beta } => {
            // TFLite's int8 softmax writes probabilities at scale 1/256, zero point −128.
            let scale_ok = (output_scale - 1.0 / 256.0).abs() <= 0.001 / 256.0;
            if output_zero_point != -128 || !scale_ok {
                return Err(at.error(format_args!(
                    "the output is quantized as {output_scale}·(q − {output_zero_point}); \
                     expected 1/256·(q + 128)"
                )));
            }
            Int8Kind::Softmax {
                params: SoftmaxParams::new(*beta, input_scale),
                depth: input_tensor.shape.last().copied().unwrap_or(1),
            }
        }
        Op::Add { activation } => {
            let (second, second_tensor) = at.activation(1)?;
            if second_tensor.shape != input_tensor.shape
                || output_tensor.shape != input_tensor.shape
            {
                return Err(at.error(format_args!(
                    "{:?} + {:?} → {:?} broadcasts; only additions of one shape have a kernel",
                    input_tensor.shape, second_tensor.shape, output_tensor.shape
                )));
            }
            inputs.push(second);
            let second_quantization = at.quantization(second_tensor, "input 1")?;
            let clamp = activation_range(at.fused(*activation)?, output_scale, output_zero_point);
            Int8Kind::Add {
                params: AddParams::new(
                    (input_scale, input_zero_point),
                    second_quantization,
                    (output_scale, output_zero_point),
                    clamp,
                ),
            }
        }
        _ => return Err(at.error("there is no int8 kernel for it here")),
    };
    Ok(Int8Operator {
        index,
        kind,
        inputs,
        output,
    })
}

fn is_undilated(op: &Op) -> bool {
    match op {
        Op::Conv2d(o) => (o.dilation_h, o.dilation_w) == (1, 1),
        Op::DepthwiseConv2d(o) => (o.dilation_h, o.dilation_w) == (1, 1),
        _ => true,
    }
}

/// TFLite's `PopulateConvolutionQuantizationParams`: per output channel,
/// `QuantizeMultiplier(input_scale · weight_scale / output_scale)` in double precision (a
/// single weight scale serves every channel); the clamp from the activation.
fn conv_stage(
    at: &At<'_>,
    filter: &Tensor,
    channel_dimension: usize,
    channels: usize,
    activation: Activation,
    [input, output]: [&Tensor; 2],
) -> Result<Requantization<QuantizedMultiplier>, TfliteError> {
    let (input_scale, input_zero_point) = at.quantization(input, "input")?;
    let (output_scale, output_zero_point) = at.quantization(output, "output")?;
    let (scales, weight_zero_point) =
        weight_quantization(filter, channel_dimension).map_err(|e| at.error(e))?;
    // TFLite's per-channel kernels leave the weights' zero point out of the sums.
    if weight_zero_point != 0 {
        return Err(at.error("the weights' zero point is not 0 (int8 weights are symmetric)"));
    }
    if scales.len() != 1 && scales.len() != channels {
        return Err(at.error(format_args!(
            "{} weight scales for {channels} channels",
            scales.len()
        )));
    }
    Ok(conv_requantization(
        (input_scale, input_zero_point),
        &scales,
        (output_scale, output_zero_point),
        at.fused(activation)?,
        channels,
    ))
}
