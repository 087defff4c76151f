//! Batch-norm folding: a trained network's parameters rewritten for a second network,
//! declared without the batch norms that follow its convolutions and dense layers (the
//! deployment form, as in quantized `.tflite` files).
//!
//! In inference a batch norm computes `y = γ·(x − μ)/√(σ² + ε) + β` per channel, with its
//! running statistics μ and σ². After a layer `x = W·v + b` whose output channel `o` has
//! weights `W_o` and bias `b_o`, that is one layer with
//!
//! ```text
//! s_o  = γ_o / √(σ²_o + ε)
//! W'_o = W_o · s_o
//! b'_o = (b_o − μ_o) · s_o + β_o
//! ```
//!
//! The two networks are matched by walking their [`Network::LAYERS`] in order: each layer
//! of the deployed network stands for the next layer of the trained one, of the same kind,
//! settings and shapes, reading the corresponding tensors; a trained `batch_norm` with no
//! `batch_norm` in its place folds into the `conv2d`, `depthwise_conv2d` or `dense` layer
//! it reads, which nothing else may read. Graphs fold too: node numbers are mapped between
//! the two networks, so a residual `add` of two normalized branches reads the folded layers.
//! A deployed `depthwise_conv2d` needs a bias to absorb a batch norm, even where the trained
//! one has none. Batch norms that cannot fold (after an activation or a join) stay in both
//! networks and are copied as they are, like every other layer's parameters.

mod error;
mod plan;

pub use error::FoldError;

use crate::network::{LayerInfo, LayerOp, Network, TensorInfo};
use plan::Pair;

/// Writes into `deployed` the parameters of `trained` with its batch norms folded into the
/// layers before them (see the [module documentation](self)), so that `deployed` computes
/// what `trained` computes in inference.
///
/// ```text
/// network! { struct Trained  { input: [1, 8, 8], conv2d(4, kernel = 3), batch_norm, relu, flatten, dense(2) } }
/// network! { struct Deployed { input: [1, 8, 8], conv2d(4, kernel = 3), relu, flatten, dense(2) } }
///
/// let mut deployed = Deployed::zeroed();
/// nn::fold_batch_norm(&trained, &mut deployed)?;   // deployed.forward(x) == trained.forward(x)
/// ```
///
/// # Errors
/// A [`FoldError`] naming the first layer where the networks do not correspond: a layer
/// missing or left over, of another kind, settings or shape, reading other tensors, a batch
/// norm left out that cannot be folded, or a deployed depthwise convolution without the bias
/// it needs. `deployed` is then unchanged.
pub fn fold_batch_norm<T: Network, D: Network>(
    trained: &T,
    deployed: &mut D,
) -> Result<(), FoldError> {
    let pairs = plan::match_layers(T::LAYERS, D::LAYERS)?;
    let mut params = vec![0.0f32; D::PARAM_COUNT];
    for pair in &pairs {
        copy_layer::<T, D>(trained.params(), &mut params, pair)?;
        if let Some(batch_norm) = pair.folded {
            fold_into::<T, D>(trained.params(), &mut params, pair, &T::LAYERS[batch_norm])?;
        }
    }
    deployed.params_mut().copy_from_slice(&params);
    Ok(())
}

/// The tensor `<layer>.<suffix>`.
fn tensor<'a>(tensors: &'a [TensorInfo], layer: &str, suffix: &str) -> Option<&'a TensorInfo> {
    tensors
        .iter()
        .find(|t| tensor_suffix(t, layer) == Some(suffix))
}

/// What follows `<layer>.` in the tensor's name, if it belongs to `layer`.
fn tensor_suffix<'a>(tensor: &'a TensorInfo, layer: &str) -> Option<&'a str> {
    tensor.name.strip_prefix(layer)?.strip_prefix('.')
}

fn values<'a>(params: &'a [f32], tensor: &TensorInfo) -> &'a [f32] {
    &params[tensor.offset..tensor.offset + tensor.len()]
}

/// Copies each tensor of the deployed layer from the trained layer's tensor of the same
/// name; one the trained layer lacks (a bias added to absorb a batch norm) stays zero.
fn copy_layer<T: Network, D: Network>(
    trained: &[f32],
    deployed: &mut [f32],
    pair: &Pair,
) -> Result<(), FoldError> {
    let (t, d) = (&T::LAYERS[pair.trained], &D::LAYERS[pair.deployed]);
    for target in D::TENSORS {
        let Some(suffix) = tensor_suffix(target, d.name) else {
            continue;
        };
        let Some(source) = tensor(T::TENSORS, t.name, suffix) else {
            continue;
        };
        if source.shape != target.shape {
            return Err(FoldError::ShapeMismatch {
                trained: t.name,
                deployed: d.name,
                which: "parameter",
                expected: source.shape.to_vec(),
                found: target.shape.to_vec(),
            });
        }
        deployed[target.offset..target.offset + target.len()]
            .copy_from_slice(values(trained, source));
    }
    Ok(())
}

/// Scales the deployed layer's weight and rewrites its bias per output channel.
///
/// For networks of `network!` [`plan::match_layers`] guarantees the shapes: the batch norm
/// normalizes the layer's output, whose first dimension is the weight's (dense
/// `[units, inputs]`, convolutions `[filters, …]`), and the deployed layer has a bias. A
/// network implemented by hand that breaks this is refused rather than folded wrongly.
fn fold_into<T: Network, D: Network>(
    trained: &[f32],
    deployed: &mut [f32],
    pair: &Pair,
    batch_norm: &LayerInfo,
) -> Result<(), FoldError> {
    let d = &D::LAYERS[pair.deployed];
    let refuse = |reason: &str| FoldError::UnfoldableBatchNorm {
        batch_norm: batch_norm.name,
        reason: format!("{reason} (`{}` in the deployed network)", d.name),
    };
    let LayerOp::BatchNorm { epsilon, .. } = batch_norm.op else {
        return Err(refuse("it is not a batch norm"));
    };
    let statistic =
        |suffix| tensor(T::TENSORS, batch_norm.name, suffix).map(|t| values(trained, t));
    let (Some(gamma), Some(beta), Some(mean), Some(var)) = (
        statistic("weight"),
        statistic("bias"),
        statistic("running_mean"),
        statistic("running_var"),
    ) else {
        return Err(refuse(
            "it lacks one of `weight`, `bias`, `running_mean` and `running_var`",
        ));
    };
    let (Some(weight), Some(bias)) = (
        tensor(D::TENSORS, d.name, "weight"),
        tensor(D::TENSORS, d.name, "bias"),
    ) else {
        return Err(refuse(
            "the layer it folds into lacks a `weight` or a `bias`",
        ));
    };
    let channels = gamma.len();
    let per_channel = weight.len() / channels.max(1);
    let consistent = [beta.len(), mean.len(), var.len(), bias.len()] == [channels; 4]
        && channels > 0
        && per_channel * channels == weight.len();
    if !consistent {
        return Err(refuse(
            "its channels are not the output channels of the layer it folds into",
        ));
    }
    let weights = &mut deployed[weight.offset..weight.offset + weight.len()];
    let mut shifts = Vec::with_capacity(channels);
    for (c, row) in weights.chunks_exact_mut(per_channel).enumerate() {
        // In f64, as batch norm's own inference computes its scale.
        let scale = f64::from(gamma[c]) / (f64::from(var[c]) + f64::from(epsilon)).sqrt();
        for w in row {
            *w = (f64::from(*w) * scale) as f32;
        }
        shifts.push((scale, f64::from(mean[c]), f64::from(beta[c])));
    }
    let biases = &mut deployed[bias.offset..bias.offset + bias.len()];
    for (b, (scale, mean, beta)) in biases.iter_mut().zip(shifts) {
        *b = ((f64::from(*b) - mean) * scale + beta) as f32;
    }
    Ok(())
}
