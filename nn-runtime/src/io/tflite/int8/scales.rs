//! The scales of an int8 file, step by step of the network it loads into: what
//! `export_int8` needs beside a network loaded with `load_int8` to write it out again.

use super::super::import::ImportError;
use super::super::model::Model;
use super::load::walk;
use super::values::{tensor_quantization, weight_quantization};
use crate::int8::{Int8LayerKind, Int8Scales, Quantization, QuantizedNetwork};

/// The quantization of `model`'s tensors as `N`'s steps see them: each step's output, and
/// the weight scales of each convolution and dense layer (one, or one per output channel).
///
/// ```no_run
/// # use nn_runtime::int8::QuantizedNetwork;
/// # fn f<N: QuantizedNetwork>(net: &mut N) -> Result<(), Box<dyn std::error::Error>> {
/// use nn_runtime::io::tflite;
/// let model = tflite::read("kws_ref_model.tflite")?;
/// tflite::load_int8_into(&model, net)?;
/// let scales = tflite::int8_scales::<N>(&model)?;
/// std::fs::write("kws_again.tflite", tflite::export_int8(net, &scales)?)?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`super::load_int8_into`]: the model is checked against `N` first.
pub fn int8_scales<N: QuantizedNetwork>(model: &Model) -> Result<Int8Scales, ImportError> {
    let walk = walk::<N>(model)?;
    let graph = model.main_graph();
    let activations = walk
        .tensors
        .iter()
        .map(|&t| {
            let (scale, zero_point) = tensor_quantization(&graph.tensors[t], "a step's output")
                .map_err(ImportError::Read)?;
            Ok(Quantization { scale, zero_point })
        })
        .collect::<Result<Vec<_>, ImportError>>()?;
    let weights = N::LAYERS
        .iter()
        .zip(&walk.operators)
        .map(|(layer, operator)| {
            let dimension = match layer.kind {
                Int8LayerKind::Conv2d(_) | Int8LayerKind::Dense { .. } => 0,
                // TFLite quantizes depthwise kernels along their last dimension.
                Int8LayerKind::DepthwiseConv2d(_) => 3,
                _ => return Ok(Vec::new()),
            };
            let filter = operator
                .and_then(|o| graph.operators[o].inputs.get(1).copied().flatten())
                .map(|t| &graph.tensors[t]);
            let Some(filter) = filter else {
                return Ok(Vec::new());
            };
            weight_quantization(filter, dimension)
                .map(|(scales, _)| scales)
                .map_err(ImportError::Read)
        })
        .collect::<Result<Vec<_>, ImportError>>()?;
    Ok(Int8Scales {
        activations,
        weights,
    })
}
