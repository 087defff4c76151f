//! A layer's runtime value: its kind's type in `nn_runtime::layers`, resolved by that kind's
//! own shape rule from the layer's bound arguments and input shape. Everything else about
//! the layer (output shape, tensors, costs, how inference runs it, the code that builds it)
//! is read from there.

use crate::layers::BoundLayer;
use nn_runtime::layers::{self as rt, AnyLayer, ArgValue, Args};

/// The runtime value of `layer` over `input`, with its output shape; or the kind's message
/// saying why it cannot take `input`.
pub fn resolve(layer: &BoundLayer, input: &[usize]) -> Result<(AnyLayer, Vec<usize>), String> {
    (layer.kind.resolve)(&Args::new(&layer.values), input)
        .map(|(layer, output)| (layer, output.dims().to_vec()))
        .map_err(|error| error.to_string())
}

/// What a layer that cannot take its input would have been, where its output does not
/// depend on the input (a dense layer's `[units]`), so that the layers after it can still be
/// checked: `None` for other kinds.
pub fn nominal(layer: &BoundLayer, input: &[usize]) -> Option<(AnyLayer, Vec<usize>)> {
    if layer.kind.keyword != "dense" {
        return None;
    }
    let args = Args::new(&layer.values);
    let units = args.count("units").ok()?;
    let init = match args.get("init") {
        Some(ArgValue::Choice("glorot")) => rt::Init::Glorot,
        _ => rt::Init::He,
    };
    let inputs = rt::Shape::new(input).map_or(usize::MAX, |shape| shape.len());
    let dense = rt::Dense {
        inputs,
        units,
        init,
    };
    Some((AnyLayer::Dense(dense), vec![units]))
}
