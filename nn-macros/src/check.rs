//! The whole-network pass: propagates shapes layer by layer, assigns parameter offsets and
//! reports *every* problem at its token. Produces the checked [`Network`] only when there
//! were none.

use crate::ast::{InputItem, Item, LayerItem, LossItem, Spec};
use crate::errors::Errors;
use crate::ir::{element_count, format_shape, Layer, Loss, Network, Tensor};
use crate::layers::{bind_layer, bind_loss_args, has_explicit_init, BoundLayer};
use crate::resolve::{nominal, resolve};
use crate::shape;
use crate::suggest::did_you_mean;
use nn_runtime::layers::{ArgValue, SequenceRule, MAX_RANK};
use nn_runtime::ops::loss::{HUBER_ARGS, HUBER_DEFAULT_DELTA};

const LOSS_NAMES: &[&str] = &[
    "mse",
    "mae",
    "huber",
    "cross_entropy",
    "binary_cross_entropy",
];

/// Largest parameter count or activation width a spec may produce: beyond this a
/// fixed-size array of f32 stops being a sensible thing to generate.
const MAX_ELEMENTS: usize = 1 << 28;

pub fn check(spec: Spec) -> syn::Result<Network> {
    let mut errors = Errors::default();
    check_derives(&spec.attrs, &mut errors);
    let (input, layers, loss) = sort_items(&spec, &mut errors);

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

    let mut shape = input_shape.clone();
    let mut is_sequence = input.is_some_and(|input| input.steps.is_some());
    let mut checked = Vec::new();
    let mut param_count = 0usize;
    let mut aux_total = 0usize;
    for (index, item) in layers.iter().enumerate() {
        let before = errors.len();
        let Some(mut kind) = bind_layer(item, &mut errors) else {
            if errors.len() == before {
                // Never drop a layer silently: a layer that cannot be bound is an error.
                errors.push(
                    item.name.span(),
                    format!("the arguments of `{}` cannot be used", item.name),
                );
            }
            shape = None; // the layer's output is unknown: later shapes cannot be judged
            continue;
        };
        let takes_init = kind.kind.args.iter().any(|arg| arg.name == "init");
        if takes_init && !has_explicit_init(item) {
            let init = default_init(layers.get(index + 1));
            kind.values.push(("init", ArgValue::Choice(init)));
        }
        let Some(input) = shape.take() else { continue };
        // The layer whose output this one receives, looking through element-wise layers:
        // in `lstm(8), relu, lstm(4)` it is the first `lstm` that must return sequences.
        let source = checked
            .iter()
            .rev()
            .find(|l: &&Layer| l.kind.sequence != SequenceRule::Keeps);
        let sequence = shape::sequence_output(&kind, is_sequence, &input, source);
        is_sequence = *sequence.as_ref().unwrap_or(&false);
        let (value, output) = match sequence.and_then(|_| resolve(&kind, &input)) {
            Ok(resolved) => resolved,
            Err(message) => {
                let hint = if index == 0 && input.len() >= 2 && output_rank_mismatch(&kind, &input)
                {
                    format!("; if {} is the batch size, leave it out: `input:` is the shape of one sample", input[0])
                } else {
                    String::new()
                };
                errors.push(item.name.span(), format!("{message}{hint}"));
                // Keep going with the layer's nominal output so later layers are still checked.
                match nominal(&kind, &input) {
                    Some(resolved) => resolved,
                    None => continue,
                }
            }
        };
        let name = format!(
            "{}_{}",
            kind.kind.keyword,
            checked
                .iter()
                .filter(|l: &&Layer| l.kind.keyword == kind.kind.keyword)
                .count()
        );
        let mut tensors = Vec::new();
        let mut too_large = false;
        for spec in value.definition().tensors().iter() {
            let tensor_shape = spec.shape().to_vec();
            let (suffix, trainable) = (spec.name, spec.trainable);
            let len = tensor_shape
                .iter()
                .try_fold(1usize, |n, &d| n.checked_mul(d));
            match len
                .and_then(|len| param_count.checked_add(len))
                .filter(|&n| n <= MAX_ELEMENTS)
            {
                Some(total) => {
                    tensors.push(Tensor {
                        name: format!("{name}.{suffix}"),
                        offset: param_count,
                        shape: tensor_shape,
                        trainable,
                    });
                    param_count = total;
                }
                None => {
                    errors.push(item.name.span(), format!("this `{}` layer makes the network too large: more than {MAX_ELEMENTS} parameters", kind.kind.keyword));
                    too_large = true;
                    break;
                }
            }
        }
        if too_large {
            // One error per layer: its other sizes would only say the same again.
            continue;
        }
        if element_count(&output) > MAX_ELEMENTS {
            errors.push(
                item.name.span(),
                format!(
                    "this `{}` layer outputs {} values, more than {MAX_ELEMENTS}",
                    kind.kind.keyword,
                    format_shape(&output)
                ),
            );
            continue;
        }
        // Bounded now that the tensors and the output are: no product here can overflow.
        let aux_width = value.definition().aux_width();
        let aux_offset = aux_total;
        match aux_total
            .checked_add(aux_width)
            .filter(|&n| n <= MAX_ELEMENTS)
        {
            Some(total) => aux_total = total,
            None => {
                errors.push(
                    item.name.span(),
                    format!("this `{}` layer needs {aux_width} values per sample for training, which takes the network past {MAX_ELEMENTS}", kind.kind.keyword),
                );
                continue;
            }
        }
        checked.push(Layer {
            kind: kind.kind,
            span: item.name.span(),
            name,
            input_shape: input,
            output_shape: output.clone(),
            output_is_sequence: is_sequence,
            tensors,
            value,
            aux_width,
            aux_offset,
        });
        shape = Some(output);
    }

    let input_is_sequence = input.is_some_and(|input| input.steps.is_some());
    let loss = check_loss(loss, &checked, layers.len(), &mut errors);
    check_default_derive(&spec.attrs, param_count, &mut errors);
    errors.finish()?;
    let (Some(input_shape), Some(loss)) = (input_shape, loss) else {
        // Both are only ever missing together with a reported error; never panic regardless.
        return Err(syn::Error::new(spec.name.span(), "invalid network spec"));
    };
    Ok(Network {
        attrs: spec.attrs,
        vis: spec.vis,
        name: spec.name,
        input_shape,
        input_is_sequence,
        layers: checked,
        loss,
        param_count,
    })
}

/// The traits named in the spec's `#[derive(…)]`s, by their last path segment.
fn derived(attrs: &[syn::Attribute]) -> Vec<syn::Ident> {
    let mut traits = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue; // rustc reports a malformed derive itself
        };
        traits.extend(
            paths
                .into_iter()
                .filter_map(|p| p.segments.last().map(|s| s.ident.clone())),
        );
    }
    traits
}

/// `network!` implements Clone, PartialEq and Debug itself, so a derive of them would
/// clash; the parameters are f32, which have no Eq, Ord or Hash. Each is one error on the
/// derive's own token, not a trait error over the whole macro call.
fn check_derives(attrs: &[syn::Attribute], errors: &mut Errors) {
    for ident in derived(attrs) {
        if ["Clone", "PartialEq", "Debug"].iter().any(|t| ident == t) {
            errors.push(
                ident.span(),
                format!("`network!` already implements `{ident}`; remove it from the derive"),
            );
        } else if ["Eq", "Ord", "Hash"].iter().any(|t| ident == t) {
            errors.push(
                ident.span(),
                format!("a network cannot derive `{ident}`: its parameters are f32, which have no `{ident}`; remove it from the derive"),
            );
        }
    }
}

/// `Default` is derivable only for up to 32 parameters (the arrays the standard library
/// implements it for); `zeroed()` and `new(seed)` build any network.
fn check_default_derive(attrs: &[syn::Attribute], param_count: usize, errors: &mut Errors) {
    for ident in derived(attrs).into_iter().filter(|i| i == "Default") {
        if param_count > 32 {
            errors.push(
                ident.span(),
                format!("a network of {param_count} parameters cannot derive `Default` (arrays of more than 32 values have no `Default`); remove it and use `zeroed()` or `new(seed)`"),
            );
        }
    }
}

/// Whether a layer's shape error looks like one dimension too many: the first layer would
/// fit the input without its first dimension (a batch size left in `input:`).
fn output_rank_mismatch(kind: &BoundLayer, input: &[usize]) -> bool {
    let rest = &input[1..];
    resolve(kind, rest).is_ok()
        && kind.kind.sequence != SequenceRule::Requires
        && kind.kind.keyword != "softmax"
}

/// Splits the body into its single input, its layers and its optional single loss.
fn sort_items<'a>(
    spec: &'a Spec,
    errors: &mut Errors,
) -> (
    Option<&'a InputItem>,
    Vec<&'a LayerItem>,
    Option<&'a LossItem>,
) {
    let (mut input, mut layers, mut loss) = (None, Vec::new(), None);
    let mut misplaced_loss = false;
    for item in &spec.items {
        match item {
            Item::Input(item) if input.is_some() => errors.push(
                item.keyword.span(),
                "duplicate `input:`: a network has one input shape",
            ),
            Item::Input(item) if !layers.is_empty() => {
                errors.push(item.keyword.span(), "`input:` must come before the layers");
                input = Some(item);
            }
            Item::Input(item) => input = Some(item),
            Item::Loss(item) if loss.is_some() => errors.push(
                item.keyword.span(),
                "duplicate `loss:`: a network has one loss",
            ),
            Item::Loss(item) => loss = Some(item),
            Item::Layer(item) => {
                if let Some(loss) = loss.filter(|_| !misplaced_loss) {
                    misplaced_loss = true;
                    errors.push(
                        loss.keyword.span(),
                        format!("`loss:` comes after the layers, but `{}` follows it; move `loss: {}` to the end", item.name, loss.name),
                    );
                }
                layers.push(item)
            }
        }
    }
    (input, layers, loss)
}

fn check_input(input: &InputItem, errors: &mut Errors) -> Option<Vec<usize>> {
    if input.dims.is_empty() {
        errors.push(
            input.bracket_span,
            "the input shape needs at least one dimension, e.g. `[784]` or `[1, 28, 28]`",
        );
        return None;
    }
    if input.dims.len() > MAX_RANK {
        errors.push(
            input.bracket_span,
            format!(
                "the input shape has {} dimensions; a sample may have at most {MAX_RANK}",
                input.dims.len()
            ),
        );
        return None;
    }
    let mut dims = Vec::new();
    for dim in &input.dims {
        match dim.base10_parse::<usize>() {
            Ok(0) => errors.push(dim.span(), "an input dimension must be at least 1"),
            Ok(d) if d <= MAX_ELEMENTS => dims.push(d),
            _ => errors.push(dim.span(), format!("input dimension `{dim}` is larger than a fixed-size network can hold ({MAX_ELEMENTS} values)")),
        }
    }
    let total = dims
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS);
    if total.is_none() {
        errors.push(
            input.bracket_span,
            format!("the input shape holds more than {MAX_ELEMENTS} values"),
        );
    }
    if let Some((index, marker)) = &input.steps {
        let written: Vec<String> = input.dims.iter().map(|d| d.to_string()).collect();
        let fix = match (written.as_slice(), index) {
            ([_, _], 0) => None,
            ([features, steps], _) => Some(format!("the steps come first: write `input: [{steps} steps, {features}]`")),
            ([steps], _) => Some(format!("a sequence also needs the features of each step: write e.g. `input: [{steps} steps, 1]`")),
            (_, _) => {
                let features = input.dims.iter().enumerate().filter(|(i, _)| i != index)
                    .map(|(_, d)| d.to_string()).collect::<Vec<_>>().join("×");
                Some(format!("a sequence has two dimensions: write `input: [{} steps, F]` with F = {features}, the features of each step flattened", written[*index]))
            }
        };
        if let Some(fix) = fix {
            errors.push(
                marker.span(),
                format!(
                    "`steps` marks the first of two dimensions ([STEPS steps, FEATURES]); {fix}"
                ),
            );
            return None;
        }
    }
    (dims.len() == input.dims.len() && total.is_some()).then_some(dims)
}

/// He initialization before a ReLU-family activation, Glorot otherwise.
fn default_init(next: Option<&&LayerItem>) -> &'static str {
    match next.map(|l| l.name.to_string()).as_deref() {
        Some("relu" | "leaky_relu") => "he",
        _ => "glorot",
    }
}

/// The loss written in the spec, checked against the network's end, or the one its last
/// layer implies (cross-entropy after softmax, binary cross-entropy after sigmoid, else MSE).
fn check_loss(
    item: Option<&LossItem>,
    layers: &[Layer],
    written_layers: usize,
    errors: &mut Errors,
) -> Option<Loss> {
    // When an earlier layer failed, the end of the network is unknown: judge nothing.
    let complete = layers.len() == written_layers;
    let last = layers.last().filter(|_| complete);
    let implied = match last.map(|l| l.kind.keyword) {
        Some("softmax") => Loss::SoftmaxCrossEntropy,
        Some("sigmoid") => Loss::SigmoidBinaryCrossEntropy,
        _ => Loss::MeanSquaredError,
    };
    let Some(item) = item else {
        return Some(implied);
    };
    let name = item.name.to_string();
    let loss = match name.as_str() {
        "mse" => Loss::MeanSquaredError,
        "mae" => Loss::MeanAbsoluteError,
        "huber" => Loss::Huber {
            delta: HUBER_DEFAULT_DELTA,
        },
        "cross_entropy" => Loss::SoftmaxCrossEntropy,
        "binary_cross_entropy" => Loss::SigmoidBinaryCrossEntropy,
        _ => {
            errors.push(item.name.span(), format!("unknown loss `{name}`: the losses are `mse`, `mae`, `huber`, `cross_entropy` and `binary_cross_entropy`{}", did_you_mean(&name, LOSS_NAMES)));
            return None;
        }
    };
    let params = match loss {
        Loss::Huber { .. } => HUBER_ARGS,
        _ => &[],
    };
    let args = bind_loss_args(item, params, errors)?;
    let loss = match (loss, args.as_slice()) {
        (Loss::Huber { .. }, [("delta", ArgValue::Number(delta))]) => Loss::Huber { delta: *delta },
        _ => loss,
    };
    let Some(last) = last else { return Some(loss) };
    let outputs = element_count(&last.output_shape);
    match loss {
        Loss::SoftmaxCrossEntropy if outputs < 2 => errors.push(
            item.name.span(),
            format!("cross_entropy needs at least 2 classes, but the network outputs {} value; for one output end with `sigmoid` and use `loss: binary_cross_entropy`", outputs),
        ),
        Loss::SoftmaxCrossEntropy if last.kind.keyword != "softmax" => errors.push(
            item.name.span(),
            format!("cross_entropy is computed together with a final `softmax`, but the network ends with `{}`; add `softmax` as the last layer", last.kind.keyword),
        ),
        Loss::SigmoidBinaryCrossEntropy if last.kind.keyword != "sigmoid" => errors.push(
            item.name.span(),
            format!("binary_cross_entropy is computed together with a final `sigmoid`, but the network ends with `{}`; add `sigmoid` as the last layer", last.kind.keyword),
        ),
        _ => {}
    }
    Some(loss)
}
