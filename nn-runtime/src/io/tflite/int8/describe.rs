//! How mismatch messages describe an int8 step of a network and an operator of a file, in
//! the same words, so the two read side by side.

use super::super::model::Model;
use super::super::ops::{Activation, Op};
use super::{Int8Kind, Int8Operator};
use crate::int8::{AvgPool2dShape, Conv2dShape, FusedActivation, Int8Layer, Int8LayerKind};

/// A step as messages name what the network expects.
pub(super) fn describe(layer: &Int8Layer) -> String {
    let activation = match layer.activation {
        FusedActivation::None => String::new(),
        other => format!(" with a fused {other:?}"),
    };
    let what = match &layer.kind {
        Int8LayerKind::Conv2d(s) => format!("a CONV_2D {}", conv(s)),
        Int8LayerKind::DepthwiseConv2d(s) => format!("a DEPTHWISE_CONV_2D {}", conv(s)),
        Int8LayerKind::Dense {
            inputs, outputs, ..
        } => format!("a FULLY_CONNECTED of {inputs} inputs and {outputs} outputs"),
        Int8LayerKind::AvgPool2d(s) => format!("an AVERAGE_POOL_2D {}", pool(s)),
        Int8LayerKind::MaxPool2d(s) => format!("a MAX_POOL_2D {}", pool(s)),
        Int8LayerKind::Add => "an ADD".into(),
        Int8LayerKind::Softmax { depth } => format!("a SOFTMAX over {depth}"),
        Int8LayerKind::Flatten => "a RESHAPE".into(),
    };
    what + &activation
}

/// `3×3 stride 2×2 from [16, 32, 32] to [32, 16, 16], padding 0 above and 0 left`.
fn conv(s: &Conv2dShape) -> String {
    format!(
        "{}×{} stride {}×{} from [{}, {}, {}] to [{}, {}, {}], padding {} above and {} left",
        s.kernel_h,
        s.kernel_w,
        s.stride_h,
        s.stride_w,
        s.in_channels,
        s.in_height,
        s.in_width,
        s.out_channels,
        s.out_height,
        s.out_width,
        s.pad_top,
        s.pad_left
    )
}

/// As [`conv`], for a pooling window.
fn pool(s: &AvgPool2dShape) -> String {
    format!(
        "{}×{} stride {}×{} from [{}, {}, {}] to [{}, {}, {}], padding {} above and {} left",
        s.size_h,
        s.size_w,
        s.stride_h,
        s.stride_w,
        s.channels,
        s.in_height,
        s.in_width,
        s.channels,
        s.out_height,
        s.out_width,
        s.pad_top,
        s.pad_left
    )
}

/// What the file holds, in the words of [`describe`].
pub(super) fn describe_operator(model: &Model, operator: &Int8Operator) -> String {
    let activation = match fused(model, operator) {
        Activation::None => String::new(),
        other => format!(" with a fused {other:?}"),
    };
    let what = match &operator.kind {
        Int8Kind::Conv2d { shape, .. } => format!("a CONV_2D {}", conv(shape)),
        Int8Kind::DepthwiseConv2d { shape, .. } => {
            format!("a DEPTHWISE_CONV_2D {}", conv(shape))
        }
        Int8Kind::FullyConnected { weight, .. } => {
            let outputs = model.main_graph().tensors[operator.output].len();
            format!(
                "a FULLY_CONNECTED of {} inputs and {outputs} outputs",
                weight.len() / outputs.max(1)
            )
        }
        Int8Kind::AveragePool2d { shape, .. } => format!("an AVERAGE_POOL_2D {}", pool(shape)),
        Int8Kind::MaxPool2d { shape, .. } => format!("a MAX_POOL_2D {}", pool(shape)),
        Int8Kind::Add { .. } => "an ADD".into(),
        Int8Kind::Softmax { depth, .. } => format!("a SOFTMAX over {depth}"),
        Int8Kind::Reshape => "a RESHAPE".into(),
    };
    what + &activation
}

/// The operator's fused activation, as the file states it.
pub(super) fn fused(model: &Model, operator: &Int8Operator) -> Activation {
    match &model.main_graph().operators[operator.index].op {
        Op::Conv2d(o) => o.activation,
        Op::DepthwiseConv2d(o) => o.activation,
        Op::FullyConnected(o) => o.activation,
        Op::AveragePool2d(o) | Op::MaxPool2d(o) => o.activation,
        Op::Add { activation } => *activation,
        _ => Activation::None,
    }
}
