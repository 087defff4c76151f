//! A network's parameters as a safetensors file, one tensor per entry of `N::TENSORS`.

use std::path::Path;

use safetensors::SafeTensors;

use super::{format, write_atomically, WeightsError};
use crate::network::{LayerOp, Network, TensorInfo};

/// The parameters of `model` as a safetensors file: one F32 tensor per entry of
/// [`Network::TENSORS`], under its name (`dense_0.weight`, `conv2d_1.bias`,
/// `batch_norm_0.running_mean`, …) and with its shape.
pub fn weights_to_bytes<N: Network>(model: &N) -> Vec<u8> {
    params_to_bytes(N::TENSORS, model.params())
}

/// [`weights_to_bytes`] of the flat `params` laid out as `tensors` say.
pub(crate) fn params_to_bytes(tensors: &[TensorInfo], params: &[f32]) -> Vec<u8> {
    format::write_f32(
        tensors
            .iter()
            .map(|t| (t.name, t.shape, &params[t.offset..t.offset + t.len()])),
        None,
    )
    .expect("tensor names from `network!` are unique")
}

/// Writes [`weights_to_bytes`] to `path`, atomically (see [`write_atomically`]).
///
/// # Errors
/// [`WeightsError::Io`] when the file cannot be written.
pub fn save_weights<N: Network>(model: &N, path: impl AsRef<Path>) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = weights_to_bytes(model);
    write_atomically(path, |file| file.write_all(&bytes)).map_err(|e| WeightsError::io(path, e))
}

/// Loads parameters saved by [`weights_to_bytes`] (or any safetensors file with the same
/// names, shapes and dtype) into `model`. Tensors named `optimizer.*` are skipped, so a
/// [`Checkpoint`](super::Checkpoint) file loads as weights.
///
/// # Errors
/// [`WeightsError::Truncated`], [`WeightsError::Corrupt`], and for the first tensor that does
/// not fit: [`WeightsError::MissingTensor`], [`WeightsError::WrongDtype`],
/// [`WeightsError::WrongShape`], [`WeightsError::UnexpectedTensor`], and
/// [`WeightsError::NonFinite`] for one holding NaN or infinity (see
/// [`load_weights_allow_non_finite`]). `model` is then unchanged.
pub fn load_weights_from_bytes<N: Network>(
    model: &mut N,
    bytes: &[u8],
) -> Result<(), WeightsError> {
    load_weights_checked(model, bytes, true)
}

/// [`load_weights_from_bytes`], but NaN and infinite parameters are loaded as they are: for
/// inspecting the weights of a run that diverged, not for training or inference.
///
/// # Errors
/// Those of [`load_weights_from_bytes`] except [`WeightsError::NonFinite`].
pub fn load_weights_allow_non_finite<N: Network>(
    model: &mut N,
    bytes: &[u8],
) -> Result<(), WeightsError> {
    load_weights_checked(model, bytes, false)
}

fn load_weights_checked<N: Network>(
    model: &mut N,
    bytes: &[u8],
    finite: bool,
) -> Result<(), WeightsError> {
    let tensors = format::parse(bytes)?;
    let params = decode_params::<N>(&tensors, |name| name.to_string())?;
    if finite {
        check_finite_params::<N>(&params, |name| name.to_string())?;
    }
    if let Some(name) = unexpected(&tensors, |name| {
        N::TENSORS.iter().any(|t| t.name == name) || name.starts_with(OPTIMIZER_PREFIX)
    }) {
        return Err(WeightsError::UnexpectedTensor {
            shape: format::shape_of(&tensors, &name),
            name,
        });
    }
    model.params_mut().copy_from_slice(&params);
    Ok(())
}

/// Reads `path` and loads it as [`load_weights_from_bytes`] does.
///
/// # Errors
/// [`WeightsError::Io`] when the file cannot be read, and those of
/// [`load_weights_from_bytes`]; `model` is then unchanged.
pub fn load_weights<N: Network>(model: &mut N, path: impl AsRef<Path>) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| WeightsError::io(path, e))?;
    load_weights_from_bytes(model, &bytes)
}

/// Loads a file whose tensors have other names, e.g. a PyTorch `state_dict`: `mapping` pairs
/// a name in the file with a name in the network, `("0.weight", "dense_0.weight")`.
///
/// A network tensor that no pair targets is read under its own name. Tensors of the file that
/// no pair names are ignored (PyTorch's `num_batches_tracked`, say), so a mapping reads only
/// what it lists; [`sequential_mapping`] builds the mapping for a `torch.nn.Sequential` with
/// the same layers.
///
/// # Errors
/// Those of [`load_weights_from_bytes`] (the names in them are the file's), and
/// [`WeightsError::UnknownMappingTarget`]; `model` is then unchanged.
pub fn load_weights_mapped<N: Network>(
    model: &mut N,
    bytes: &[u8],
    mapping: &[(impl AsRef<str>, impl AsRef<str>)],
) -> Result<(), WeightsError> {
    let mapping: Vec<(&str, &str)> = mapping
        .iter()
        .map(|(from, to)| (from.as_ref(), to.as_ref()))
        .collect();
    if let Some(&(from, to)) = mapping
        .iter()
        .find(|(_, to)| !N::TENSORS.iter().any(|t| t.name == *to))
    {
        return Err(WeightsError::UnknownMappingTarget {
            from: from.to_string(),
            to: to.to_string(),
        });
    }
    for (index, &(first, to)) in mapping.iter().enumerate() {
        if let Some(&(second, _)) = mapping[index + 1..].iter().find(|(_, other)| *other == to) {
            return Err(WeightsError::DuplicateMappingTarget {
                to: to.to_string(),
                first: first.to_string(),
                second: second.to_string(),
            });
        }
    }
    let tensors = format::parse(bytes)?;
    let source = |name: &str| {
        mapping
            .iter()
            .find(|(_, to)| *to == name)
            .map_or(name, |(from, _)| from)
            .to_string()
    };
    let params = decode_params::<N>(&tensors, &source)?;
    check_finite_params::<N>(&params, source)?;
    model.params_mut().copy_from_slice(&params);
    Ok(())
}

/// The names of a PyTorch `torch.nn.Sequential` whose modules are the network's layers in
/// the same order (activations, pooling and `nn.Flatten` included): layer `i`'s tensors are
/// `"{i}.weight"`, `"{i}.bias"`, … and, for a recurrent layer (a one-layer `nn.RNN`,
/// `nn.LSTM` or `nn.GRU`), `"{i}.weight_ih_l0"`, `"{i}.weight_hh_l0"`, `"{i}.bias_ih_l0"`,
/// `"{i}.bias_hh_l0"`. For the benchmark CNN (`conv2d, relu, max_pool2d, conv2d, relu,
/// max_pool2d, flatten, dense, softmax`) it maps `0.weight` to `conv2d_0.weight`, `3.weight`
/// to `conv2d_1.weight` and `7.weight` to `dense_0.weight`.
///
/// The pairs are `(file name, network name)` for [`load_weights_mapped`]:
/// `load_weights_mapped(&mut model, &bytes, &sequential_mapping::<Cnn>())`.
pub fn sequential_mapping<N: Network>() -> Vec<(String, &'static str)> {
    N::TENSORS
        .iter()
        .filter_map(|t| {
            let (layer, tensor) = t.name.split_once('.')?;
            let index = N::LAYERS.iter().position(|l| l.name == layer)?;
            // PyTorch's recurrent modules number their tensors by stacked layer.
            let suffix = match N::LAYERS[index].op {
                LayerOp::Recurrent { .. } => "_l0",
                _ => "",
            };
            Some((format!("{index}.{tensor}{suffix}"), t.name))
        })
        .collect()
}

/// Tensors in checkpoints that hold optimizer state, not parameters.
pub(crate) const OPTIMIZER_PREFIX: &str = "optimizer.";

/// Every parameter tensor, read under the name `source` gives it, into a fresh flat buffer.
pub(crate) fn decode_params<N: Network>(
    tensors: &SafeTensors<'_>,
    source: impl Fn(&str) -> String,
) -> Result<Vec<f32>, WeightsError> {
    let mut params = vec![0.0; N::PARAM_COUNT];
    for t in N::TENSORS {
        let values = format::read_f32(tensors, &source(t.name), t.shape)?;
        params[t.offset..t.offset + t.len()].copy_from_slice(&values);
    }
    Ok(params)
}

/// [`WeightsError::NonFinite`] for the first parameter tensor (in the order of
/// [`Network::TENSORS`]) holding NaN or infinity, named as `source` names it in the file.
pub(crate) fn check_finite_params<N: Network>(
    params: &[f32],
    source: impl Fn(&str) -> String,
) -> Result<(), WeightsError> {
    for t in N::TENSORS {
        check_finite(&source(t.name), &params[t.offset..t.offset + t.len()])?;
    }
    Ok(())
}

/// [`WeightsError::NonFinite`] when `values` of tensor `name` hold NaN or infinity.
pub(crate) fn check_finite(name: &str, values: &[f32]) -> Result<(), WeightsError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(WeightsError::NonFinite {
            name: name.to_string(),
            index,
            value: values[index],
        }),
    }
}

/// The first name, in sorted order, that `known` does not accept.
pub(crate) fn unexpected(
    tensors: &SafeTensors<'_>,
    known: impl Fn(&str) -> bool,
) -> Option<String> {
    let mut names = tensors.names();
    names.sort_unstable();
    names
        .into_iter()
        .find(|name| !known(name))
        .map(str::to_string)
}
