//! Weights in and out: safetensors files of a network's parameters, crash-safe checkpoints
//! with optimizer state, weights from other frameworks under other names, and export to
//! ONNX ([`to_onnx`]), and reading TensorFlow Lite models ([`tflite`]).
//!
//! A weights file holds one F32 tensor per entry of [`Network::TENSORS`](crate::Network),
//! named `<layer>.<tensor>` after the layers of the spec, in PyTorch's layouts:
//!
//! | layer | tensors |
//! |---|---|
//! | `dense_<i>` | `weight` `[out, in]`, `bias` `[out]` |
//! | `conv2d_<i>` | `weight` `[filters, channels, kh, kw]`, `bias` `[filters]` |
//! | `batch_norm_<i>` | `weight`, `bias`, `running_mean`, `running_var`, each `[channels]` |
//! | `rnn_<i>`, `lstm_<i>`, `gru_<i>` | `weight_ih` `[G·H, F]`, `weight_hh` `[G·H, H]`, `bias_ih`, `bias_hh` `[G·H]` |
//!
//! Layers are numbered per kind from 0 in the order of the spec. Loading checks every
//! tensor's presence, dtype and shape and rejects tensors the network does not have; it
//! decodes everything before copying anything, so a failed load leaves the model unchanged.

mod atomic;
mod checkpoint;
mod checkpoint_callbacks;
mod error;
mod format;
mod onnx;
pub mod tflite;
mod weights;

pub(crate) use atomic::check_writable;
pub use atomic::write_atomically;
pub use checkpoint::Checkpoint;
pub use error::WeightsError;
pub use onnx::{save_onnx, to_onnx};
pub(crate) use weights::params_to_bytes;
pub use weights::{
    load_weights, load_weights_allow_non_finite, load_weights_from_bytes, load_weights_mapped,
    save_weights, sequential_mapping, weights_to_bytes,
};
