//! Loading a TFLite model's weights into a declared network: the file's operators and the
//! network's layers are walked together, every kind, shape and option is checked, and the
//! weights are moved from TFLite's layouts into `nn`'s. [`load_into`] documents the mapping.

mod checks;
mod error;
mod operators;
mod values;
mod walk;

use std::path::Path;

pub use error::{ImportError, Mismatch};

use super::model::Model;
use crate::network::Network;
use walk::{At, Walk};

/// Reads a `.tflite` file and loads it into `network` (see [`load_into`]).
pub fn load<N: Network>(path: impl AsRef<Path>, network: &mut N) -> Result<(), ImportError> {
    load_into(&super::read(path)?, network)
}

/// Reads a TFLite model from bytes and loads it into `network` (see [`load_into`]).
pub fn load_from_bytes<N: Network>(bytes: &[u8], network: &mut N) -> Result<(), ImportError> {
    load_into(&super::read_from_bytes(bytes)?, network)
}

/// Writes the weights of `model`'s main graph into `network`, after checking that the graph
/// is the network's: operator by operator against the layers in order.
///
/// | TFLite | `network!` |
/// |---|---|
/// | `CONV_2D` (OHWI kernel, bias) | `conv2d` (`[O, I, KH, KW]`, bias) |
/// | `DEPTHWISE_CONV_2D` (`[1, KH, KW, C·M]`) | `depthwise_conv2d` (`[C·M, 1, KH, KW]`) |
/// | `AVERAGE_POOL_2D`, `MAX_POOL_2D` | `avg_pool2d`, `max_pool2d`, or the global pool when the window is the whole map |
/// | `RESHAPE` | `flatten` (nothing, after a layer whose output is already 1-D) |
/// | `FULLY_CONNECTED` (`[out, in]`, bias) | `dense` |
/// | `ADD` | `add` of the same two tensors |
/// | `SOFTMAX` (beta 1) | `softmax` |
/// | a fused `RELU`, `RELU6` | a `relu`, `relu6` layer after the operator's |
///
/// Activations are NHWC in TFLite and `[C, H, W]` in `nn`, so a network that takes an image
/// of `H×W` with `C` channels declares `input: [C, H, W]`. A dense layer after a `RESHAPE` of
/// a map larger than 1×1 reads its inputs in another order than TFLite's; its weight's
/// columns are permuted to match. Weights stored as int8 or uint8 in a float model (a
/// hybrid, dynamic-range quantized file) are dequantized with their scales.
///
/// # Errors
/// The first disagreement, as an [`ImportError`] naming the operator, what the file holds
/// and what the network expects; `network` is then unchanged.
pub fn load_into<N: Network>(model: &Model, network: &mut N) -> Result<(), ImportError> {
    let graph = model.main_graph();
    let mut walk = Walk::new(graph, N::LAYERS, N::TENSORS, N::PARAM_COUNT);
    walk.input()?;
    for (i, operator) in graph.operators.iter().enumerate() {
        walk.operator(&At::new(i, operator.op.name()), operator)?;
    }
    walk.finish()?;
    network.params_mut().copy_from_slice(walk.params());
    Ok(())
}
