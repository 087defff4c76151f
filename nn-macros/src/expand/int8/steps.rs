//! The int8 steps of a checked network: one per layer, except a `relu` or `relu6`, which
//! is the clamp of the step before it. Generation may assume `quantized::check` passed.

use crate::ir::{element_count, Layer, Network};
use nn_runtime::LayerOp;

/// What a step computes, with the geometry its kernel takes.
pub enum Kind {
    Conv2d(ConvGeometry),
    DepthwiseConv2d(ConvGeometry),
    Dense {
        inputs: usize,
        outputs: usize,
        flattened: Option<[usize; 3]>,
    },
    AvgPool2d(PoolGeometry),
    MaxPool2d(PoolGeometry),
    Add,
    Softmax {
        depth: usize,
    },
    Flatten,
}

/// `Conv2dShape`'s fields.
pub struct ConvGeometry {
    pub in_channels: usize,
    pub in_height: usize,
    pub in_width: usize,
    pub out_channels: usize,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub pad: [usize; 2],
    pub out_height: usize,
    pub out_width: usize,
}

/// `AvgPool2dShape`'s fields.
pub struct PoolGeometry {
    pub channels: usize,
    pub in_height: usize,
    pub in_width: usize,
    pub size: [usize; 2],
    pub stride: [usize; 2],
    pub out_height: usize,
    pub out_width: usize,
}

pub struct Step<'a> {
    pub layer: &'a Layer,
    /// The layer's index in the network.
    pub index: usize,
    pub kind: Kind,
    /// `None`, `Relu` or `Relu6`: the folded activation.
    pub activation: &'static str,
    /// What it reads: 0 for the input, `k + 1` for step `k`'s output.
    pub inputs: Vec<usize>,
}

impl Step<'_> {
    /// The node (of the network's graph) that holds the step's final output: its own, or
    /// that of the activation folded into it.
    pub fn node(&self, net: &Network) -> usize {
        let own = self.index + 1;
        net.layers
            .iter()
            .position(|l| is_activation(l) && l.inputs[0] == own)
            .map_or(own, |i| i + 1)
    }
}

pub fn is_activation(layer: &Layer) -> bool {
    matches!(layer.keyword, "relu" | "relu6")
}

fn dims3(shape: &[usize]) -> [usize; 3] {
    match shape {
        [c, h, w] => [*c, *h, *w],
        _ => [element_count(shape), 1, 1],
    }
}

pub fn steps(net: &Network) -> Vec<Step<'_>> {
    // The step (plus one) that holds each node: an activation's node is its producer's.
    let mut step_of_node = vec![0usize; net.layers.len() + 1];
    let mut steps: Vec<Step> = Vec::new();
    for (index, layer) in net.layers.iter().enumerate() {
        let node = index + 1;
        if is_activation(layer) {
            let producer = step_of_node[layer.inputs[0]];
            step_of_node[node] = producer;
            if let Some(step) = producer.checked_sub(1).and_then(|s| steps.get_mut(s)) {
                step.activation = if layer.keyword == "relu" {
                    "Relu"
                } else {
                    "Relu6"
                };
            }
            continue;
        }
        let [c, h, w] = dims3(&layer.input_shape);
        let [oc, oh, ow] = dims3(&layer.output_shape);
        let kind = match layer.op() {
            LayerOp::Conv2d {
                kernel,
                stride,
                padding,
                ..
            }
            | LayerOp::DepthwiseConv2d {
                kernel,
                stride,
                padding,
                ..
            } => {
                let geometry = ConvGeometry {
                    in_channels: c,
                    in_height: h,
                    in_width: w,
                    out_channels: oc,
                    kernel,
                    stride,
                    pad: [padding[0], padding[1]],
                    out_height: oh,
                    out_width: ow,
                };
                if layer.keyword == "conv2d" {
                    Kind::Conv2d(geometry)
                } else {
                    Kind::DepthwiseConv2d(geometry)
                }
            }
            LayerOp::AvgPool2d { size, stride } => Kind::AvgPool2d(PoolGeometry {
                channels: c,
                in_height: h,
                in_width: w,
                size,
                stride,
                out_height: oh,
                out_width: ow,
            }),
            LayerOp::MaxPool2d { size, stride } => Kind::MaxPool2d(PoolGeometry {
                channels: c,
                in_height: h,
                in_width: w,
                size,
                stride,
                out_height: oh,
                out_width: ow,
            }),
            LayerOp::GlobalAvgPool2d => Kind::AvgPool2d(PoolGeometry {
                channels: c,
                in_height: h,
                in_width: w,
                size: [h, w],
                stride: [1, 1],
                out_height: 1,
                out_width: 1,
            }),
            LayerOp::Dense { units } => {
                let source = layer.inputs[0];
                let flattened = source
                    .checked_sub(1)
                    .map(|i| &net.layers[i])
                    .filter(|l| l.keyword == "flatten")
                    .map(|l| dims3(&l.input_shape))
                    .filter(|&[_, h, w]| h * w > 1);
                Kind::Dense {
                    inputs: element_count(&layer.input_shape),
                    outputs: units,
                    flattened,
                }
            }
            LayerOp::Softmax => Kind::Softmax {
                depth: element_count(&layer.input_shape),
            },
            LayerOp::Add => Kind::Add,
            _ => Kind::Flatten,
        };
        steps.push(Step {
            layer,
            index,
            kind,
            activation: "None",
            inputs: layer.inputs.iter().map(|&n| step_of_node[n]).collect(),
        });
        step_of_node[node] = steps.len();
    }
    steps
}
