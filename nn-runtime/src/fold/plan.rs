//! Which layer of the deployed network stands for which layer of the trained one, and
//! which batch norms fold into which layer.

use super::FoldError;
use crate::network::{LayerInfo, LayerOp};

/// A trained layer, the deployed layer in its place, and the trained batch norm folded
/// into it, if any (indices into the two `LAYERS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pair {
    pub trained: usize,
    pub deployed: usize,
    pub folded: Option<usize>,
}

/// Walks both layer lists in order. A trained batch norm with no batch norm in its place is
/// folded into the layer it reads, which must be a conv2d, depthwise_conv2d or dense layer
/// that nothing else reads; every other trained layer must have a deployed layer of the
/// same kind, settings and shapes, reading the corresponding nodes.
pub(super) fn match_layers(
    trained: &[LayerInfo],
    deployed: &[LayerInfo],
) -> Result<Vec<Pair>, FoldError> {
    // Node 0 is the input, node i + 1 the output of layer i; a folded layer's own output
    // corresponds to nothing (only its batch norm read it).
    let mut node_map: Vec<Option<usize>> = vec![None; trained.len() + 1];
    node_map[0] = Some(0);
    let mut pair_of_layer: Vec<Option<usize>> = vec![None; trained.len()];
    let mut pairs: Vec<Pair> = Vec::with_capacity(deployed.len());
    let mut next = 0;
    for (index, layer) in trained.iter().enumerate() {
        let replaced_by_batch_norm = deployed
            .get(next)
            .is_some_and(|d| matches!(d.op, LayerOp::BatchNorm { .. }));
        if is_batch_norm(layer) && !replaced_by_batch_norm {
            let pair = foldable(trained, index, &pair_of_layer, &pairs)?;
            pairs[pair].folded = Some(index);
            node_map[index + 1] = Some(pairs[pair].deployed + 1);
            node_map[pairs[pair].trained + 1] = None;
            continue;
        }
        let Some(counterpart) = deployed.get(next) else {
            return Err(FoldError::MissingLayer {
                trained: layer.name,
                kind: layer.kind,
            });
        };
        check_pair(layer, counterpart, &node_map, trained, deployed)?;
        pair_of_layer[index] = Some(pairs.len());
        pairs.push(Pair {
            trained: index,
            deployed: next,
            folded: None,
        });
        node_map[index + 1] = Some(next + 1);
        next += 1;
    }
    if let Some(extra) = deployed.get(next) {
        return Err(FoldError::ExtraLayer {
            deployed: extra.name,
            kind: extra.kind,
        });
    }
    check_output(trained, deployed, &node_map)?;
    check_biases(trained, deployed, &pairs)?;
    Ok(pairs)
}

fn is_batch_norm(layer: &LayerInfo) -> bool {
    matches!(layer.op, LayerOp::BatchNorm { .. })
}

/// Layers whose weights and bias can absorb a batch norm of their output.
fn absorbs_batch_norm(op: &LayerOp) -> bool {
    matches!(
        op,
        LayerOp::Dense { .. } | LayerOp::Conv2d { .. } | LayerOp::DepthwiseConv2d { .. }
    )
}

/// The pair of the layer that batch norm `index` folds into.
fn foldable(
    trained: &[LayerInfo],
    index: usize,
    pair_of_layer: &[Option<usize>],
    pairs: &[Pair],
) -> Result<usize, FoldError> {
    let batch_norm = &trained[index];
    let unfoldable = |reason: String| FoldError::UnfoldableBatchNorm {
        batch_norm: batch_norm.name,
        reason,
    };
    let node = match batch_norm.inputs {
        [node] => *node,
        _ => return Err(unfoldable("it does not read exactly one tensor".into())),
    };
    let Some(source_index) = node.checked_sub(1) else {
        return Err(unfoldable(
            "it reads the network's input, not a conv2d, depthwise_conv2d or dense layer".into(),
        ));
    };
    let source = &trained[source_index];
    if !absorbs_batch_norm(&source.op) {
        return Err(unfoldable(format!(
            "it reads {} `{}`, not a conv2d, depthwise_conv2d or dense layer",
            source.kind, source.name
        )));
    }
    if let Some(other) = trained
        .iter()
        .enumerate()
        .find(|&(i, l)| i != index && l.inputs.contains(&node))
    {
        return Err(unfoldable(format!(
            "`{}` reads the output of `{}` too, which would then be normalized",
            other.1.name, source.name
        )));
    }
    match pair_of_layer[source_index] {
        Some(pair) if pairs[pair].folded.is_none() => Ok(pair),
        _ => Err(unfoldable(format!(
            "`{}` has no counterpart in the deployed network",
            source.name
        ))),
    }
}

/// Same kind, settings, shapes and (corresponding) inputs.
fn check_pair(
    trained_layer: &LayerInfo,
    deployed_layer: &LayerInfo,
    node_map: &[Option<usize>],
    trained: &[LayerInfo],
    deployed: &[LayerInfo],
) -> Result<(), FoldError> {
    let (t, d) = (trained_layer, deployed_layer);
    if t.kind != d.kind || core::mem::discriminant(&t.op) != core::mem::discriminant(&d.op) {
        return Err(FoldError::KindMismatch {
            trained: t.name,
            trained_kind: t.kind,
            deployed: d.name,
            deployed_kind: d.kind,
        });
    }
    if without_bias_flag(t.op) != without_bias_flag(d.op) {
        return Err(FoldError::OpMismatch {
            trained: t.name,
            deployed: d.name,
            expected: Box::new(t.op),
            found: Box::new(d.op),
        });
    }
    for (which, expected, found) in [
        ("input", t.input_shape, d.input_shape),
        ("output", t.output_shape, d.output_shape),
    ] {
        if expected != found {
            return Err(FoldError::ShapeMismatch {
                trained: t.name,
                deployed: d.name,
                which,
                expected: expected.to_vec(),
                found: found.to_vec(),
            });
        }
    }
    let mapped: Vec<Option<usize>> = t.inputs.iter().map(|&n| node_map[n]).collect();
    let reads_same =
        mapped.len() == d.inputs.len() && mapped.iter().zip(d.inputs).all(|(m, &n)| *m == Some(n));
    if !reads_same {
        let deployed_node = |n: usize| node_name(deployed, n);
        return Err(FoldError::InputMismatch {
            trained: t.name,
            deployed: d.name,
            expected: t
                .inputs
                .iter()
                .zip(&mapped)
                .map(|(&n, m)| m.map_or_else(|| node_name(trained, n), deployed_node))
                .collect(),
            found: d.inputs.iter().map(|&n| deployed_node(n)).collect(),
        });
    }
    Ok(())
}

/// The op with a depthwise convolution's bias flag cleared: a deployed layer may gain a
/// bias to absorb a batch norm ([`check_biases`] decides whether it must).
fn without_bias_flag(op: LayerOp) -> LayerOp {
    match op {
        LayerOp::DepthwiseConv2d {
            depth_multiplier,
            kernel,
            stride,
            padding,
            bias: _,
        } => LayerOp::DepthwiseConv2d {
            depth_multiplier,
            kernel,
            stride,
            padding,
            bias: false,
        },
        op => op,
    }
}

fn node_name(layers: &[LayerInfo], node: usize) -> &'static str {
    match node.checked_sub(1) {
        None => "input",
        Some(layer) => layers.get(layer).map_or("?", |l| l.name),
    }
}

/// The trained network's output must be the deployed network's.
fn check_output(
    trained: &[LayerInfo],
    deployed: &[LayerInfo],
    node_map: &[Option<usize>],
) -> Result<(), FoldError> {
    let (Some(last), Some(deployed_last)) = (trained.last(), deployed.last()) else {
        return Ok(());
    };
    if node_map[trained.len()] == Some(deployed.len()) {
        return Ok(());
    }
    Err(FoldError::UnfoldableBatchNorm {
        batch_norm: last.name,
        reason: format!(
            "it is the trained network's output, but the deployed network's is `{}`, after \
             the layer it would fold into",
            deployed_last.name
        ),
    })
}

/// A deployed depthwise convolution without bias can take neither a batch norm's shift nor
/// a trained bias.
fn check_biases(
    trained: &[LayerInfo],
    deployed: &[LayerInfo],
    pairs: &[Pair],
) -> Result<(), FoldError> {
    for pair in pairs {
        let has_bias = |op: LayerOp| !matches!(op, LayerOp::DepthwiseConv2d { bias: false, .. });
        let (t, d) = (&trained[pair.trained], &deployed[pair.deployed]);
        if has_bias(d.op) {
            continue;
        }
        let absorbs = match pair.folded {
            Some(batch_norm) => Some(trained[batch_norm].name),
            None => has_bias(t.op).then_some(t.name),
        };
        if let Some(absorbs) = absorbs {
            return Err(FoldError::MissingBias {
                deployed: d.name,
                absorbs,
            });
        }
    }
    Ok(())
}
