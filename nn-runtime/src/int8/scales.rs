//! The real-valued quantization behind an int8 network's parameter image.

use super::Quantization;

/// The scales an int8 network's parameters were computed from: what its multipliers were
/// derived from and what a `.tflite` file states, but not kept in the parameter image itself
/// (which holds only what the kernels need). [`crate::int8::quantize_into`] returns them;
/// `io::tflite::export_int8` writes them into the file beside the parameters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Int8Scales {
    /// The quantization of the network's input (index 0) and of each step's output (index
    /// `k + 1` for step `k` of `QuantizedNetwork::LAYERS`).
    pub activations: Vec<Quantization>,
    /// Each step's weight scales, one per output channel (symmetric, zero point 0); empty for
    /// a step without weights.
    pub weights: Vec<Vec<f32>>,
}
