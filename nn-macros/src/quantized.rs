//! The `quantized: Name` setting: which layers an int8 network can hold, checked on the
//! user's tokens, and how its steps follow from the checked layers.
//!
//! TFLite folds a `relu` or `relu6` into the clamp of the operator before it; so does the
//! int8 type, which is why such an activation must follow a layer that clamps its output
//! and be that output's only reader.

use crate::ast::QuantizedItem;
use crate::errors::Errors;
use crate::ir::Layer;
use syn::Ident;

/// The layers an int8 network supports.
const SUPPORTED: &[&str] = &[
    "conv2d",
    "depthwise_conv2d",
    "dense",
    "relu",
    "relu6",
    "avg_pool2d",
    "global_avg_pool2d",
    "max_pool2d",
    "flatten",
    "add",
    "softmax",
];

/// Layers whose output an activation can be folded into.
const CLAMPED: &[&str] = &[
    "conv2d",
    "depthwise_conv2d",
    "dense",
    "avg_pool2d",
    "global_avg_pool2d",
    "add",
];

/// The checked `quantized:` setting.
pub struct Quantized {
    pub name: Ident,
}

/// Checks every layer of a network with `quantized:`, pushing an error at each layer the
/// int8 type cannot hold.
pub fn check(
    item: &QuantizedItem,
    layers: &[Layer],
    input_is_sequence: bool,
    outputs: usize,
    errors: &mut Errors,
) -> Quantized {
    if input_is_sequence {
        errors.push(
            item.keyword.span(),
            "`quantized:` networks take images or vectors, not sequences",
        );
    }
    if outputs > 1 {
        errors.push(
            item.keyword.span(),
            format!("`quantized:` networks have one output, but this one has {outputs}"),
        );
    }
    let nodes = layers.iter().filter_map(|l| l.node).max().unwrap_or(0) + 1;
    let mut readers = vec![0usize; nodes];
    for layer in layers {
        for &input in &layer.inputs {
            if let Some(count) = readers.get_mut(input) {
                *count += 1;
            }
        }
    }
    for layer in layers {
        let kind = layer.keyword;
        if !SUPPORTED.contains(&kind) {
            errors.push(
                layer.span,
                format!(
                    "`{kind}` has no int8 kernel: a network with `quantized:` may use {}",
                    list(SUPPORTED, "and")
                ),
            );
            continue;
        }
        if kind == "add" && layer.inputs.len() != 2 {
            errors.push(
                layer.span,
                format!(
                    "the int8 `add` adds two tensors, not {}",
                    layer.inputs.len()
                ),
            );
        }
        if kind == "relu" || kind == "relu6" {
            let input = layer.inputs[0];
            let producer = node_layer(layers, input);
            let folds = producer.is_some_and(|p| CLAMPED.contains(&p.keyword))
                && readers.get(input) == Some(&1);
            if !folds {
                let what = match producer {
                    None => "the input".to_string(),
                    Some(p) if readers.get(input).is_some_and(|&n| n > 1) => {
                        format!("`{}`, whose output other layers read too", p.name)
                    }
                    Some(p) => format!("`{}`", p.keyword),
                };
                errors.push(
                    layer.span,
                    format!(
                        "int8 folds `{kind}` into the clamp of the layer before it, as TFLite \
                         does, but it follows {what}: put it right after a {} whose output \
                         nothing else reads",
                        list(CLAMPED, "or")
                    ),
                );
            }
        }
    }
    Quantized {
        name: item.name.clone(),
    }
}

/// The layer that writes `node` (`None` for the input, node 0).
fn node_layer(layers: &[Layer], node: usize) -> Option<&Layer> {
    layers.iter().find(|l| node > 0 && l.node == Some(node))
}

/// `a, b and c`.
fn list(items: &[&str], last: &str) -> String {
    match items.split_last() {
        Some((end, rest)) if !rest.is_empty() => format!("{} {last} {end}", rest.join(", ")),
        _ => items.join(""),
    }
}
