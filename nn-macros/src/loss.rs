//! The `loss:` setting: one loss per output (implied by the output's final activation when
//! not written), weighted, plus Kullback–Leibler terms of a variational autoencoder.

use crate::ast::{LossItem, LossTerm, OutputsItem};
use crate::errors::Errors;
use crate::ir::{element_count, Layer, Loss, LossSpec, Term};
use crate::layers::bind_loss_args;
use crate::suggest::did_you_mean;
use crate::tensors::Nodes;
use nn_runtime::layers::ArgValue;
use nn_runtime::ops::loss::{HUBER_ARGS, HUBER_DEFAULT_DELTA};

const LOSS_NAMES: &[&str] = &[
    "mse",
    "mae",
    "huber",
    "cross_entropy",
    "binary_cross_entropy",
    "kl",
];

/// The loss as written, for messages: `784 * binary_cross_entropy + kl(mean, log_var)`.
pub fn written(item: &LossItem) -> String {
    let terms: Vec<String> = item
        .terms
        .iter()
        .map(|term| {
            let weight = term
                .weight
                .as_ref()
                .map_or(String::new(), |(text, _, _)| format!("{text} * "));
            let tensors = if term.args.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = term.tensors().iter().map(|t| t.to_string()).collect();
                let settings = if term.settings().is_empty() {
                    ""
                } else if names.is_empty() {
                    "…"
                } else {
                    ", …"
                };
                format!("({}{settings})", names.join(", "))
            };
            format!("{weight}{}{tensors}", term.name)
        })
        .collect();
    terms.join(" + ")
}

/// The checked loss over `outputs`, or `None` after reporting why not. `complete` is false
/// when an earlier layer failed, so the network's end is unknown and is not judged.
pub fn check_loss(
    item: Option<&LossItem>,
    outputs_item: Option<&OutputsItem>,
    outputs: Option<&[usize]>,
    layers: &[Layer],
    nodes: &mut Nodes,
    complete: bool,
    errors: &mut Errors,
) -> Option<LossSpec> {
    let outputs = outputs?;
    let producer = |node: usize| layers.iter().find(|l| l.node == Some(node));
    let Some(item) = item else {
        if let (Some(written), true) = (outputs_item, outputs.len() > 1) {
            errors.push(written.keyword.span(), "a network with several outputs needs a `loss:` with a term for each, e.g. `loss: cross_entropy(digits) + 0.5 * mse(reconstruction)`");
            return None;
        }
        // The loss the output's final activation implies.
        let output = outputs[0];
        let last = producer(output).filter(|_| complete);
        let loss = match last.map(|l| l.keyword) {
            Some("softmax") => Loss::SoftmaxCrossEntropy,
            Some("sigmoid") => Loss::SigmoidBinaryCrossEntropy,
            _ => Loss::MeanSquaredError,
        };
        let reads = reads_of(loss, output, last);
        return Some(LossSpec {
            terms: vec![Term::Output {
                loss,
                output: 0,
                reads,
                weight: 1.0,
            }],
        });
    };

    let mut terms = Vec::new();
    let mut has_loss = vec![false; outputs.len()];
    let mut kl_nodes: Vec<usize> = Vec::new();
    let mut ok = true;
    for term in &item.terms {
        let weight = match check_weight(term, errors) {
            Some(weight) => weight,
            None => {
                ok = false;
                continue;
            }
        };
        let name = term.name.to_string();
        if name == "kl" {
            match check_kl(term, nodes, &mut kl_nodes, errors) {
                Some((mean, log_var)) => terms.push(Term::Kl {
                    mean,
                    log_var,
                    weight,
                }),
                None => ok = false,
            }
            continue;
        }
        let loss = match name.as_str() {
            "mse" => Loss::MeanSquaredError,
            "mae" => Loss::MeanAbsoluteError,
            "huber" => Loss::Huber {
                delta: HUBER_DEFAULT_DELTA,
            },
            "cross_entropy" => Loss::SoftmaxCrossEntropy,
            "binary_cross_entropy" => Loss::SigmoidBinaryCrossEntropy,
            _ => {
                errors.push(term.name.span(), format!("unknown loss `{name}`: the losses are `mse`, `mae`, `huber`, `cross_entropy` and `binary_cross_entropy`, and `kl(mean, log_var)` for a variational autoencoder{}", did_you_mean(&name, LOSS_NAMES)));
                ok = false;
                continue;
            }
        };
        let params = match loss {
            Loss::Huber { .. } => HUBER_ARGS,
            _ => &[],
        };
        let Some(settings) = bind_loss_args(term, params, errors) else {
            ok = false;
            continue;
        };
        let loss = match (loss, settings.as_slice()) {
            (Loss::Huber { .. }, [("delta", ArgValue::Number(delta))]) => {
                Loss::Huber { delta: *delta }
            }
            _ => loss,
        };
        let output = match term.tensors().as_slice() {
            [] if outputs.len() == 1 => 0,
            [] => {
                errors.push(term.name.span(), format!("the network has {} outputs: name the one `{name}` is computed on, e.g. `{name}(x)`", outputs.len()));
                ok = false;
                continue;
            }
            [tensor] => {
                let Some(node) = nodes.lookup_for_loss(tensor, errors) else {
                    ok = false;
                    continue;
                };
                match outputs.iter().position(|&o| o == node) {
                    Some(output) => output,
                    None => {
                        errors.push(tensor.span(), format!("`{tensor}` is not an output of the network: list it in `outputs:` to compute a loss on it"));
                        ok = false;
                        continue;
                    }
                }
            }
            [_, extra, ..] => {
                errors.push(extra.span(), format!("`{name}` is computed on one output; write one term per output, e.g. `{name}(a) + {name}(b)`"));
                ok = false;
                continue;
            }
        };
        if std::mem::replace(&mut has_loss[output], true) {
            errors.push(term.name.span(), "this output already has a loss term; give each output one loss (weights go before it, e.g. `2 * mse(x)`)");
            ok = false;
            continue;
        }
        let node = outputs[output];
        let last = producer(node).filter(|_| complete);
        if let Some(last) = last {
            if !check_fused(term, loss, last, layers, errors) {
                ok = false;
                continue;
            }
        }
        terms.push(Term::Output {
            loss,
            output,
            reads: reads_of(loss, node, last),
            weight,
        });
    }
    for (output, has) in has_loss.iter().enumerate() {
        if !has && ok {
            let name = nodes
                .name_of(outputs[output])
                .unwrap_or("output")
                .to_string();
            let span = outputs_item
                .and_then(|o| o.names.get(output))
                .map_or(item.keyword.span(), |n| n.span());
            errors.push(
                span,
                format!(
                    "the output `{name}` has no loss: add a term such as `mse({name})` to `loss:`"
                ),
            );
            ok = false;
        }
    }
    for &node in &kl_nodes {
        if outputs.contains(&node) {
            errors.push(
                item.keyword.span(),
                "a tensor that `kl` reads cannot also be an output with its own loss",
            );
            ok = false;
        }
    }
    ok.then_some(LossSpec { terms })
}

/// The node a loss reads: the logits below a fused softmax or sigmoid, else the output.
fn reads_of(loss: Loss, output: usize, producer: Option<&Layer>) -> usize {
    match producer {
        Some(layer) if loss.fused_with_last_layer() => layer.inputs[0],
        _ => output,
    }
}

fn check_weight(term: &LossTerm, errors: &mut Errors) -> Option<f32> {
    let Some((text, value, span)) = &term.weight else {
        return Some(1.0);
    };
    let weight = *value as f32;
    if !(weight.is_finite() && weight > 0.0) {
        errors.push(
            *span,
            format!("a loss weight must be a finite number greater than 0, found {text}"),
        );
        return None;
    }
    Some(weight)
}

/// `kl(mean, log_var)`: two tensors of one width, neither already in another `kl`.
fn check_kl(
    term: &LossTerm,
    nodes: &mut Nodes,
    kl_nodes: &mut Vec<usize>,
    errors: &mut Errors,
) -> Option<(usize, usize)> {
    let tensors = term.tensors();
    let ([mean, log_var], []) = (tensors.as_slice(), term.settings()) else {
        let span = term.paren_span.unwrap_or_else(|| term.name.span());
        errors.push(
            span,
            "`kl` takes the mean and the log-variance of the latent code: `kl(mean, log_var)`",
        );
        return None;
    };
    let mean_node = nodes.lookup_for_loss(mean, errors)?;
    let log_var_node = nodes.lookup_for_loss(log_var, errors)?;
    if mean_node == log_var_node {
        errors.push(
            log_var.span(),
            "`kl` takes two different tensors, the mean and the log-variance",
        );
        return None;
    }
    let (mean_shape, log_var_shape) = (
        nodes.shape(mean_node)?.to_vec(),
        nodes.shape(log_var_node)?.to_vec(),
    );
    if element_count(&mean_shape) != element_count(&log_var_shape) || mean_shape != log_var_shape {
        errors.push(log_var.span(), format!("`kl` needs a mean and a log-variance of one shape, but `{mean}` is {} and `{log_var}` is {}", crate::ir::format_shape(&mean_shape), crate::ir::format_shape(&log_var_shape)));
        return None;
    }
    for (node, name) in [(mean_node, mean), (log_var_node, log_var)] {
        if kl_nodes.contains(&node) {
            errors.push(name.span(), format!("`{name}` is already in a `kl` term"));
            return None;
        }
        kl_nodes.push(node);
        nodes.use_node(node);
    }
    Some((mean_node, log_var_node))
}

/// A cross-entropy is computed with the softmax (or sigmoid) that produces its output, from
/// the logits below it; that activation must be there and feed nothing else.
fn check_fused(
    term: &LossTerm,
    loss: Loss,
    last: &Layer,
    layers: &[Layer],
    errors: &mut Errors,
) -> bool {
    let outputs = element_count(&last.output_shape);
    let span = term.name.span();
    let message = match loss {
        Loss::SoftmaxCrossEntropy if outputs < 2 => Some(format!("cross_entropy needs at least 2 classes, but the network outputs {outputs} value; for one output end with `sigmoid` and use `loss: binary_cross_entropy`")),
        Loss::SoftmaxCrossEntropy if last.keyword != "softmax" => Some(format!("cross_entropy is computed together with a final `softmax`, but the network ends with `{}`; add `softmax` as the last layer", last.keyword)),
        Loss::SigmoidBinaryCrossEntropy if last.keyword != "sigmoid" => Some(format!("binary_cross_entropy is computed together with a final `sigmoid`, but the network ends with `{}`; add `sigmoid` as the last layer", last.keyword)),
        _ => None,
    };
    if let Some(message) = message {
        errors.push(span, message);
        return false;
    }
    let readers = layers
        .iter()
        .filter(|l| last.node.is_some_and(|n| l.inputs.contains(&n)))
        .count();
    if loss.fused_with_last_layer() && readers > 0 {
        errors.push(span, format!("`{}` is computed from the logits below `{}`, so the `{}` output cannot also feed other layers; read the logits instead (name them with `as`)", loss.keyword(), last.keyword, last.keyword));
        return false;
    }
    true
}
