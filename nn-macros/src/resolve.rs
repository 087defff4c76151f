//! A checked layer's runtime value: its kind's type in `nn_runtime::layers`, with the
//! geometry resolved from its arguments and input shape. Everything else about the layer
//! (tensors, costs, how inference runs it, the code that builds it) is read from there.

use crate::ir::{element_count, Cell, Init, LayerKind};
use crate::shape;
use nn_runtime::layers::{self as rt, AnyLayer};

/// The runtime value of a layer of `kind` over `input` producing `output`, or why the
/// geometry cannot be resolved (`check` has already ruled that out).
pub fn resolve(kind: &LayerKind, input: &[usize], output: &[usize]) -> Result<AnyLayer, String> {
    let init = |init: Init| match init {
        Init::He => rt::Init::He,
        Init::Glorot => rt::Init::Glorot,
    };
    let width = element_count(output);
    Ok(match *kind {
        LayerKind::Dense { units, init: i } => AnyLayer::Dense(rt::Dense {
            inputs: element_count(input),
            units,
            init: init(i),
        }),
        LayerKind::Relu => AnyLayer::Relu(rt::Relu),
        LayerKind::LeakyRelu { alpha } => AnyLayer::LeakyRelu(rt::LeakyRelu { alpha }),
        LayerKind::Sigmoid => AnyLayer::Sigmoid(rt::Sigmoid),
        LayerKind::Tanh => AnyLayer::Tanh(rt::Tanh),
        LayerKind::Softmax => AnyLayer::Softmax(rt::Softmax { width }),
        LayerKind::Flatten => AnyLayer::Flatten(rt::Flatten { width }),
        LayerKind::Conv2d {
            filters, init: i, ..
        } => {
            let w = shape::window(kind, input)?;
            AnyLayer::Conv2d(rt::Conv2d {
                shape: rt::Conv2dShape {
                    in_channels: w.channels,
                    in_height: w.input.0,
                    in_width: w.input.1,
                    out_channels: filters,
                    kernel_h: w.size.0,
                    kernel_w: w.size.1,
                    stride_h: w.stride.0,
                    stride_w: w.stride.1,
                    pad_top: w.pad_before.0,
                    pad_left: w.pad_before.1,
                    out_height: w.output.0,
                    out_width: w.output.1,
                },
                init: init(i),
            })
        }
        LayerKind::MaxPool2d { .. } => AnyLayer::MaxPool2d(rt::MaxPool2d(pool_shape(kind, input)?)),
        LayerKind::AvgPool2d { .. } => AnyLayer::AvgPool2d(rt::AvgPool2d(pool_shape(kind, input)?)),
        LayerKind::Dropout { rate } => AnyLayer::Dropout(rt::Dropout { rate, width }),
        LayerKind::BatchNorm { momentum, epsilon } => {
            let (channels, spatial) = shape::batch_norm_groups(input);
            AnyLayer::BatchNorm(rt::BatchNorm(rt::BatchNormShape {
                channels,
                spatial,
                momentum,
                epsilon,
            }))
        }
        LayerKind::Recurrent {
            cell,
            units,
            sequences,
        } => {
            let &[steps, features] = input else {
                return Err("a recurrent layer needs a [steps, features] input".into());
            };
            AnyLayer::Recurrent(rt::Recurrent(rt::RecurrentShape {
                cell: match cell {
                    Cell::Rnn => rt::Cell::Rnn,
                    Cell::Lstm => rt::Cell::Lstm,
                    Cell::Gru => rt::Cell::Gru,
                },
                steps,
                features,
                units,
                sequences,
            }))
        }
    })
}

fn pool_shape(kind: &LayerKind, input: &[usize]) -> Result<rt::Pool2dShape, String> {
    let w = shape::window(kind, input)?;
    Ok(rt::Pool2dShape {
        channels: w.channels,
        in_height: w.input.0,
        in_width: w.input.1,
        size_h: w.size.0,
        size_w: w.size.1,
        stride_h: w.stride.0,
        stride_w: w.stride.1,
        out_height: w.output.0,
        out_width: w.output.1,
    })
}
