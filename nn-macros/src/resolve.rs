//! A layer's runtime value: its kind's type in `nn_runtime::layers`, resolved by that kind's
//! own shape rule from the layer's bound arguments and input shape. Everything else about
//! the layer (output shape, tensors, costs, how inference runs it, the code that builds it)
//! is read from there.

use crate::ir::{Cell, Init, LayerKind, Padding};
use nn_runtime::layers::{self as rt, AnyLayer, Shape};

/// The runtime value of a layer of `kind` over `input`, with its output shape; or the
/// kind's message saying why it cannot take `input`.
pub fn resolve(kind: &LayerKind, input: &[usize]) -> Result<(AnyLayer, Vec<usize>), String> {
    let init = |init: Init| match init {
        Init::He => rt::Init::He,
        Init::Glorot => rt::Init::Glorot,
    };
    let resolved: Result<(AnyLayer, Shape), rt::ShapeError> = match *kind {
        LayerKind::Dense { units, init: i } => {
            rt::Dense::resolve(input, units, init(i)).map(|(l, s)| (AnyLayer::Dense(l), s))
        }
        LayerKind::Relu => Ok(wrap(rt::Relu.resolve(input), AnyLayer::Relu)),
        LayerKind::LeakyRelu { alpha } => Ok(wrap(
            rt::LeakyRelu { alpha }.resolve(input),
            AnyLayer::LeakyRelu,
        )),
        LayerKind::Sigmoid => Ok(wrap(rt::Sigmoid.resolve(input), AnyLayer::Sigmoid)),
        LayerKind::Tanh => Ok(wrap(rt::Tanh.resolve(input), AnyLayer::Tanh)),
        LayerKind::Softmax => rt::Softmax::resolve(input).map(|r| wrap(r, AnyLayer::Softmax)),
        LayerKind::Flatten => Ok(wrap(rt::Flatten::resolve(input), AnyLayer::Flatten)),
        LayerKind::Conv2d {
            filters,
            kernel,
            stride,
            padding,
            init: i,
        } => rt::Conv2d::resolve(input, filters, kernel, stride, padding_of(padding), init(i))
            .map(|r| wrap(r, AnyLayer::Conv2d)),
        LayerKind::MaxPool2d { size, stride } => {
            rt::MaxPool2d::resolve(input, size, stride).map(|r| wrap(r, AnyLayer::MaxPool2d))
        }
        LayerKind::AvgPool2d { size, stride } => {
            rt::AvgPool2d::resolve(input, size, stride).map(|r| wrap(r, AnyLayer::AvgPool2d))
        }
        LayerKind::Dropout { rate } => {
            Ok(wrap(rt::Dropout::resolve(input, rate), AnyLayer::Dropout))
        }
        LayerKind::BatchNorm { momentum, epsilon } => Ok(wrap(
            rt::BatchNorm::resolve(input, momentum, epsilon),
            AnyLayer::BatchNorm,
        )),
        LayerKind::Recurrent {
            cell,
            units,
            sequences,
        } => {
            let cell = match cell {
                Cell::Rnn => rt::Cell::Rnn,
                Cell::Lstm => rt::Cell::Lstm,
                Cell::Gru => rt::Cell::Gru,
            };
            rt::Recurrent::resolve(input, cell, units, sequences)
                .map(|r| wrap(r, AnyLayer::Recurrent))
        }
    };
    resolved
        .map(|(layer, output)| (layer, output.dims().to_vec()))
        .map_err(|error| error.to_string())
}

/// What a layer that cannot take its input would have been, where its output does not
/// depend on the input (a dense layer's `[units]`), so that the layers after it can still be
/// checked: `None` for other kinds.
pub fn nominal(kind: &LayerKind, input: &[usize]) -> Option<(AnyLayer, Vec<usize>)> {
    let LayerKind::Dense { units, init } = *kind else {
        return None;
    };
    let init = match init {
        Init::He => rt::Init::He,
        Init::Glorot => rt::Init::Glorot,
    };
    let inputs = nn_runtime::layers::Shape::new(input).map_or(usize::MAX, |s| s.len());
    Some((
        AnyLayer::Dense(rt::Dense {
            inputs,
            units,
            init,
        }),
        vec![units],
    ))
}

fn wrap<L>((layer, shape): (L, Shape), kind: fn(L) -> AnyLayer) -> (AnyLayer, Shape) {
    (kind(layer), shape)
}

fn padding_of(padding: Padding) -> rt::Padding {
    match padding {
        Padding::Valid => rt::Padding::Valid,
        Padding::Same => rt::Padding::Same,
        Padding::Explicit((rows, columns)) => rt::Padding::Explicit(rows, columns),
    }
}
