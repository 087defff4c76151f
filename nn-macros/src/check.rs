//! The whole-network pass: resolves every tensor a layer reads (by name or the one before
//! it), propagates shapes through the graph, assigns parameter offsets and reports *every*
//! problem at its token. Produces the checked [`Network`] only when there were none.

use crate::ast::{LayerItem, Spec, Value as ArgTree};
use crate::derives::{check_default_derive, check_derives};
use crate::errors::Errors;
use crate::ir::{element_count, format_shape, Layer, Network, Tensor, Value};
use crate::items::{check_input, quantized_item, sort_items};
use crate::layers::{bind_layer, has_explicit_init, BoundLayer};
use crate::resolve::{nominal, resolve};
use crate::shape;
use crate::tensors::{NodeInfo, Nodes};
use nn_runtime::layers::join::join_kind;
use nn_runtime::layers::{ArgValue, SequenceRule};

/// Largest parameter count or activation width a spec may produce: beyond this a
/// fixed-size array of f32 stops being a sensible thing to generate.
pub const MAX_ELEMENTS: usize = 1 << 28;

/// What one checked layer adds to the network, before it is pushed.
struct Checked {
    value: Value,
    output: Vec<usize>,
    sequence: bool,
}

pub fn check(spec: Spec) -> syn::Result<Network> {
    let mut errors = Errors::default();
    check_derives(&spec.attrs, &mut errors);
    let (input, layers, outputs_item, loss) = sort_items(&spec, &mut errors);

    let input_shape = match input {
        Some(input) => check_input(input, &mut errors),
        None if layers.is_empty() => {
            errors.push(spec.name.span(), format!("`{}` is empty: declare its input shape and layers, e.g. `input: [784], dense(10), softmax`", spec.name));
            None
        }
        None => {
            errors.push(
                spec.name.span(),
                format!(
                    "`{}` has no input shape: begin with e.g. `input: [784],`",
                    spec.name
                ),
            );
            None
        }
    };
    if layers.is_empty() && input.is_some() {
        errors.push(
            spec.name.span(),
            format!(
                "`{}` has no layers: add at least one, e.g. `dense(10)`",
                spec.name
            ),
        );
    }

    let input_is_sequence = input.is_some_and(|input| input.steps.is_some());
    let mut nodes = Nodes::new(&layers, input_shape.clone(), input_is_sequence);
    let mut checked: Vec<Layer> = Vec::new();
    let mut param_count = 0usize;
    let mut aux_total = 0usize;
    let mut complete = true;
    for (index, item) in layers.iter().enumerate() {
        let node = index + 1;
        let reads = nodes.reads(index, item, &mut errors);
        let before = errors.len();
        let result = match reads {
            Some(reads) if join_kind(&item.name.to_string()).is_some() => {
                check_join(item, &reads, &nodes, &mut errors)
            }
            Some(reads) => check_layer(
                item,
                index,
                &layers,
                reads[0],
                &nodes,
                &checked,
                &mut errors,
            ),
            None => None,
        };
        let Some(Checked {
            value,
            output,
            sequence,
        }) = result
        else {
            if errors.len() == before && reads_known(&nodes, index, item) {
                // Never drop a layer silently: a layer that cannot be checked is an error.
                errors.push(
                    item.name.span(),
                    format!("the arguments of `{}` cannot be used", item.name),
                );
            }
            nodes.define(node, None);
            complete = false;
            continue;
        };
        let keyword = match &value {
            Value::Layer(layer) => layer.definition().keyword(),
            Value::Join(join) => nn_runtime::layers::join::Join::keyword(join.join()),
        };
        let name = match &item.alias {
            Some(alias) if !matches!(value, Value::Join(_)) => alias.to_string(),
            _ => format!(
                "{keyword}_{}",
                checked.iter().filter(|l| l.keyword == keyword).count()
            ),
        };
        let mut tensors = Vec::new();
        let mut too_large = false;
        let specs: Vec<_> = match &value {
            Value::Layer(layer) => layer.definition().tensors().iter().copied().collect(),
            Value::Join(_) => Vec::new(),
        };
        for spec in &specs {
            let tensor_shape = spec.shape().to_vec();
            let len = tensor_shape
                .iter()
                .try_fold(1usize, |n, &d| n.checked_mul(d));
            match len
                .and_then(|len| param_count.checked_add(len))
                .filter(|&n| n <= MAX_ELEMENTS)
            {
                Some(total) => {
                    tensors.push(Tensor {
                        name: format!("{name}.{}", spec.name),
                        offset: param_count,
                        shape: tensor_shape,
                        trainable: spec.trainable,
                    });
                    param_count = total;
                }
                None => {
                    errors.push(item.name.span(), format!("this `{keyword}` layer makes the network too large: more than {MAX_ELEMENTS} parameters"));
                    too_large = true;
                    break;
                }
            }
        }
        if too_large || element_count(&output) > MAX_ELEMENTS {
            if !too_large {
                errors.push(
                    item.name.span(),
                    format!(
                        "this `{keyword}` layer outputs {} values, more than {MAX_ELEMENTS}",
                        format_shape(&output)
                    ),
                );
            }
            nodes.define(node, None);
            complete = false;
            continue;
        }
        // Bounded now that the tensors and the output are: no product here can overflow.
        let aux_width = match &value {
            Value::Layer(layer) => layer.definition().aux_width(),
            Value::Join(join) => nn_runtime::layers::join::Join::aux_width(join.join()),
        };
        let aux_offset = aux_total;
        match aux_total
            .checked_add(aux_width)
            .filter(|&n| n <= MAX_ELEMENTS)
        {
            Some(total) => aux_total = total,
            None => {
                errors.push(
                    item.name.span(),
                    format!("this `{keyword}` layer needs {aux_width} values per sample for training, which takes the network past {MAX_ELEMENTS}"),
                );
                nodes.define(node, None);
                complete = false;
                continue;
            }
        }
        let inputs = nodes.inputs_of(index).to_vec();
        let input_shape = nodes
            .shape(inputs[0])
            .map(<[usize]>::to_vec)
            .unwrap_or_default();
        nodes.define(
            node,
            Some(NodeInfo {
                shape: output.clone(),
                sequence,
            }),
        );
        checked.push(Layer {
            keyword,
            sequence: match &value {
                Value::Layer(_) => nn_runtime::layers::kind(keyword).map(|k| k.sequence),
                Value::Join(_) => None,
            },
            span: item.name.span(),
            name,
            inputs,
            input_shape,
            output_shape: output,
            output_is_sequence: sequence,
            tensors,
            value,
            aux_width,
            aux_offset,
            node: Some(node),
        });
    }

    let outputs = nodes.outputs(outputs_item, &mut errors);
    let quantized = quantized_item(&spec, &mut errors).map(|item| {
        let output_count = outputs_item.map_or(1, |item| item.names.len());
        crate::quantized::check(item, &checked, input_is_sequence, output_count, &mut errors)
    });
    let loss = crate::loss::check_loss(
        loss,
        outputs_item,
        outputs.as_deref(),
        &checked,
        &mut nodes,
        complete,
        &mut errors,
    );
    nodes.report_unused(&mut errors);
    check_default_derive(&spec.attrs, param_count, &mut errors);
    errors.finish()?;
    let (Some(input_shape), Some(outputs), Some(loss)) = (input_shape, outputs, loss) else {
        // Only ever missing together with a reported error; never panic regardless.
        return Err(syn::Error::new(spec.name.span(), "invalid network spec"));
    };
    let mut network = Network {
        attrs: spec.attrs,
        vis: spec.vis,
        name: spec.name,
        input_shape,
        input_is_sequence,
        layers: checked,
        outputs,
        loss,
        param_count,
        quantized,
    };
    crate::tensors::join_outputs(&mut network);
    Ok(network)
}

/// Whether every tensor `item` reads has a known shape (else an earlier error explains).
fn reads_known(nodes: &Nodes, index: usize, item: &LayerItem) -> bool {
    let _ = item;
    nodes
        .inputs_of(index)
        .iter()
        .all(|&n| nodes.shape(n).is_some())
        && !nodes.inputs_of(index).is_empty()
}

/// A one-input layer over node `input`.
fn check_layer(
    item: &LayerItem,
    index: usize,
    layers: &[&LayerItem],
    input: usize,
    nodes: &Nodes,
    checked: &[Layer],
    errors: &mut Errors,
) -> Option<Checked> {
    let before = errors.len();
    let Some(mut kind) = bind_layer(item, errors) else {
        if errors.len() == before {
            errors.push(
                item.name.span(),
                format!("the arguments of `{}` cannot be used", item.name),
            );
        }
        return None;
    };
    let takes_init = kind.kind.args.iter().any(|arg| arg.name == "init");
    if takes_init && !has_explicit_init(item) {
        let init = default_init(layers.get(index + 1));
        kind.values.push(("init", ArgValue::Choice(init)));
    }
    let shape = nodes.shape(input)?.to_vec();
    let is_sequence = nodes.is_sequence(input);
    // The layer whose output this one receives, looking through element-wise layers:
    // in `lstm(8), relu, lstm(4)` it is the first `lstm` that must return sequences.
    let source = nodes.producer_through_keeps(input, checked);
    let sequence = shape::sequence_output(&kind, is_sequence, &shape, source);
    let is_sequence = *sequence.as_ref().unwrap_or(&false);
    let (value, output) = match sequence.and_then(|_| resolve(&kind, &shape)) {
        Ok(resolved) => resolved,
        Err(message) => {
            let hint = if index == 0 && shape.len() >= 2 && output_rank_mismatch(&kind, &shape) {
                format!(
                    "; if {} is the batch size, leave it out: `input:` is the shape of one sample",
                    shape[0]
                )
            } else {
                String::new()
            };
            errors.push(item.name.span(), format!("{message}{hint}"));
            // Keep going with the layer's nominal output so later layers are still checked
            // (the error stands, so nothing is generated).
            let (value, output) = nominal(&kind, &shape)?;
            return Some(Checked {
                value: Value::Layer(value),
                output,
                sequence: false,
            });
        }
    };
    Some(Checked {
        value: Value::Layer(value),
        output,
        sequence: is_sequence,
    })
}

/// A join (`add`, `concat`, `sample`) of the nodes `reads`.
fn check_join(
    item: &LayerItem,
    reads: &[usize],
    nodes: &Nodes,
    errors: &mut Errors,
) -> Option<Checked> {
    let keyword = item.name.to_string();
    let kind = join_kind(&keyword)?;
    let shapes: Option<Vec<&[usize]>> = reads.iter().map(|&n| nodes.shape(n)).collect();
    let shapes = shapes?;
    let sequences: Vec<bool> = reads.iter().map(|&n| nodes.is_sequence(n)).collect();
    let args = join_args(item);
    if let Some(mixed) = sequences.iter().position(|&s| s != sequences[0]) {
        errors.push(
            args[mixed].span(),
            format!(
                "`{keyword}` cannot join the sequence `{}` and the vector `{}`: join sequences with sequences",
                args[if sequences[0] { 0 } else { mixed }],
                args[if sequences[0] { mixed } else { 0 }],
            ),
        );
        return None;
    }
    match (kind.resolve)(&shapes, sequences[0]) {
        Ok((join, output)) => Some(Checked {
            value: Value::Join(join),
            output: output.dims().to_vec(),
            sequence: sequences[0],
        }),
        Err(error) => {
            let (first, second) = (&args[error.first], &args[error.second]);
            errors.push(
                second.span(),
                format!(
                    "cannot {keyword} `{first}` {} and `{second}` {}: {}",
                    format_shape(shapes[error.first]),
                    format_shape(shapes[error.second]),
                    error.needs
                ),
            );
            None
        }
    }
}

/// The tensor names a join lists (only plain names reach here: `Nodes::reads` checked).
pub fn join_args(item: &LayerItem) -> Vec<&syn::Ident> {
    item.args
        .iter()
        .filter_map(|arg| match &arg.value {
            ArgTree::Ident(ident) if arg.key.is_none() => Some(ident),
            _ => None,
        })
        .collect()
}

/// Whether a layer's shape error looks like one dimension too many: the first layer would
/// fit the input without its first dimension (a batch size left in `input:`).
fn output_rank_mismatch(kind: &BoundLayer, input: &[usize]) -> bool {
    let rest = &input[1..];
    resolve(kind, rest).is_ok()
        && kind.kind.sequence != SequenceRule::Requires
        && kind.kind.keyword != "softmax"
}

/// He initialization before a ReLU-family activation, Glorot otherwise.
pub fn default_init(next: Option<&&LayerItem>) -> &'static str {
    match next.map(|l| l.name.to_string()).as_deref() {
        Some("relu" | "leaky_relu" | "relu6") => "he",
        _ => "glorot",
    }
}
