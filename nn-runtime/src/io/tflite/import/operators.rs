//! Each TFLite operator matched with its layers.

use super::super::model::Operator;
use super::super::ops::{Activation, Op, WeightsFormat};
use super::error::{ImportError, Mismatch};
use super::values;
use super::walk::{tf_padding_2d, At, Walk};
use crate::network::LayerOp;

impl Walk<'_> {
    /// Matches one operator with the layers it stands for and writes their weights.
    pub(super) fn operator(&mut self, at: &At, operator: &Operator) -> Result<(), ImportError> {
        match &operator.op {
            Op::Conv2d(o) => {
                if (o.dilation_h, o.dilation_w) != (1, 1) {
                    return Err(at.unsupported("dilated convolutions have no counterpart in nn"));
                }
                let input = self.activation_input(at, operator, 0)?;
                let layer = self.take(at, &["conv2d"], &[input.index])?;
                let filter = self.constant(at, operator, 1)?;
                let LayerOp::Conv2d {
                    kernel,
                    stride,
                    padding,
                    ..
                } = layer.op
                else {
                    return Err(at.invalid("the layer is not a convolution"));
                };
                let [o_, kh, kw, i] = self.dims::<4>(at, filter, "OHWI kernel")?;
                let weights = values::ohwi_to_oihw(&self.floats(at, filter)?, [o_, kh, kw, i]);
                self.write(
                    at,
                    layer,
                    "weight",
                    &[o_, i, kh, kw],
                    &weights,
                    "kernel (OHWI in the file)",
                )?;
                self.check_pair(at, layer, "stride", [o.stride_h, o.stride_w], stride)?;
                let pads = tf_padding_2d(o.padding, layer.input_shape, kernel, stride);
                self.check_padding(at, layer, o.padding, pads, padding)?;
                self.bias(at, operator, layer, o_)?;
                self.check_output(at, operator, layer)?;
                self.fused(at, operator, o.activation, None)
            }
            Op::DepthwiseConv2d(o) => {
                if (o.dilation_h, o.dilation_w) != (1, 1) {
                    return Err(at.unsupported("dilated convolutions have no counterpart in nn"));
                }
                let input = self.activation_input(at, operator, 0)?;
                let layer = self.take(at, &["depthwise_conv2d"], &[input.index])?;
                let filter = self.constant(at, operator, 1)?;
                let LayerOp::DepthwiseConv2d {
                    depth_multiplier,
                    kernel,
                    stride,
                    padding,
                    bias,
                } = layer.op
                else {
                    return Err(at.invalid("the layer is not a depthwise convolution"));
                };
                let [one, kh, kw, out] = self.dims::<4>(at, filter, "1HWO kernel")?;
                if one != 1 {
                    return Err(at.invalid(format!(
                        "its kernel is {:?}; expected [1, KH, KW, C·M]",
                        filter.shape
                    )));
                }
                let weights = values::hwo_to_ohw(&self.floats(at, filter)?, [kh, kw, out]);
                self.write(
                    at,
                    layer,
                    "weight",
                    &[out, 1, kh, kw],
                    &weights,
                    "kernel (1HWO in the file)",
                )?;
                let channels = layer.input_shape.first().copied().unwrap_or(1).max(1);
                if out / channels != depth_multiplier {
                    return Err(at.mismatch(
                        Mismatch::Option,
                        Some(layer),
                        format!(
                            "depth multiplier {} ({out} filters over {channels} channels)",
                            out / channels
                        ),
                        format!("depth_multiplier = {depth_multiplier}"),
                    ));
                }
                self.check_pair(at, layer, "stride", [o.stride_h, o.stride_w], stride)?;
                let pads = tf_padding_2d(o.padding, layer.input_shape, kernel, stride);
                self.check_padding(at, layer, o.padding, pads, padding)?;
                let has_bias = operator.inputs.get(2).copied().flatten().is_some();
                if has_bias && !bias {
                    return Err(at.mismatch(
                        Mismatch::Option,
                        Some(layer),
                        "a bias",
                        "none (`bias = false`)",
                    ));
                }
                if bias {
                    self.bias(at, operator, layer, out)?;
                }
                self.check_output(at, operator, layer)?;
                self.fused(at, operator, o.activation, None)
            }
            Op::AveragePool2d(o) | Op::MaxPool2d(o) => {
                let (windowed, global) = match operator.op {
                    Op::AveragePool2d(_) => ("avg_pool2d", "global_avg_pool2d"),
                    _ => ("max_pool2d", "global_max_pool2d"),
                };
                let input = self.activation_input(at, operator, 0)?;
                let layer = self.take(at, &[windowed, global], &[input.index])?;
                let window = [o.filter_h, o.filter_w];
                let map = [
                    layer.input_shape.get(1).copied().unwrap_or(0),
                    layer.input_shape.get(2).copied().unwrap_or(0),
                ];
                let stride = [o.stride_h, o.stride_w];
                let pads = tf_padding_2d(o.padding, layer.input_shape, window, stride);
                if pads != [0; 4] {
                    return Err(at.unsupported(format!(
                        "{:?} padding adds {pads:?} (top, left, bottom, right) around the pooling \
                         window; nn's pooling does not pad",
                        o.padding
                    )));
                }
                match layer.op {
                    LayerOp::AvgPool2d { size, stride: s }
                    | LayerOp::MaxPool2d { size, stride: s } => {
                        self.check_pair(at, layer, "window", window, size)?;
                        self.check_pair(at, layer, "stride", stride, s)?;
                        self.check_output(at, operator, layer)?;
                    }
                    _ if window != map => {
                        return Err(at.mismatch(
                            Mismatch::Option,
                            Some(layer),
                            format!("a {}×{} window", window[0], window[1]),
                            format!("one over the whole {}×{} map", map[0], map[1]),
                        ))
                    }
                    // A global pool's `[C]` is the file's `[1, 1, 1, C]`.
                    _ => {}
                }
                self.fused(at, operator, o.activation, None)
            }
            Op::Reshape { .. } => {
                let input = self.activation_input(at, operator, 0)?;
                let shape = self.node_shape(input.index);
                let next = self.peek();
                if next.is_none_or(|layer| layer.kind != "flatten") && shape.len() == 1 {
                    // Already flat in nn: the reshape only drops TFLite's 1×1 dimensions.
                    let output = self.output_tensor(at, operator)?;
                    self.alias(output, input);
                    return Ok(());
                }
                let layer = self.take(at, &["flatten"], &[input.index])?;
                self.check_output(at, operator, layer)?;
                let hwc = match *layer.input_shape {
                    [c, h, w] if h * w > 1 && c > 1 => Some([h, w, c]),
                    _ => None,
                };
                self.fused(at, operator, Activation::None, hwc)
            }
            Op::FullyConnected(o) => {
                if o.weights_format != WeightsFormat::Default {
                    return Err(at.unsupported("shuffled weights have no counterpart in nn"));
                }
                let input = self.activation_input(at, operator, 0)?;
                let layer = self.take(at, &["dense"], &[input.index])?;
                let weight = self.constant(at, operator, 1)?;
                let [out, inputs] = self.dims::<2>(at, weight, "[out, in] weight")?;
                let mut weights = self.floats(at, weight)?;
                if let Some(hwc) = input.hwc.filter(|[h, w, c]| h * w * c == inputs) {
                    weights = values::hwc_columns_to_chw(&weights, out, hwc);
                }
                self.write(at, layer, "weight", &[out, inputs], &weights, "weight")?;
                self.bias(at, operator, layer, out)?;
                self.check_output(at, operator, layer)?;
                self.fused(at, operator, o.activation, None)
            }
            Op::Softmax { beta } => {
                let input = self.activation_input(at, operator, 0)?;
                let layer = self.take(at, &["softmax"], &[input.index])?;
                if *beta != 1.0 {
                    return Err(at.mismatch(
                        Mismatch::Option,
                        Some(layer),
                        format!("beta {beta}"),
                        "beta 1",
                    ));
                }
                self.check_output(at, operator, layer)?;
                self.fused(at, operator, Activation::None, None)
            }
            Op::Add { activation } => {
                let a = self.activation_input(at, operator, 0)?;
                let b = self.activation_input(at, operator, 1)?;
                let layer = self.take(at, &["add"], &[a.index, b.index])?;
                self.check_output(at, operator, layer)?;
                self.fused(at, operator, *activation, None)
            }
            other => Err(at.unsupported(format!(
                "nn has no layer for {}; the importer reads CONV_2D, DEPTHWISE_CONV_2D, \
                 AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX and ADD",
                other.name()
            ))),
        }
    }
}
