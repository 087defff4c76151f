//! `nn`: an ahead-of-time neural-network compiler.
//!
//! Declare a network with [`network!`]; at compile time the macro checks every tensor
//! shape (a mismatch is a compile error on the offending layer) and generates fixed-size
//! forward and backward code that calls the runtime re-exported here.
//!
//! ```
//! nn::network! {
//!     /// Classifies 28×28 digits.
//!     pub struct Mlp {
//!         input: [784],
//!         dense(128), relu,
//!         dense(64), relu,
//!         dense(10), softmax,
//!     }
//! }
//!
//! assert_eq!(Mlp::PARAM_COUNT, 109_386);
//! let model = Mlp::new_boxed(42);
//! let probabilities = model.forward(&[0.5; 784]);
//! assert!((probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
//! ```
//!
//! # Grammar
//!
//! ```text
//! network! {
//!     /// docs and attributes
//!     VISIBILITY struct NAME {
//!         input: [D0, D1, …],        // shape of one sample; [T steps, F] for a sequence
//!         LAYER, LAYER, …,           // in order; `LAYER as NAME`, `NAME -> LAYER` for graphs
//!         outputs: [NAME, …],        // optional: several outputs, side by side
//!         loss: LOSS,                // optional; or `W * LOSS(NAME) + … + kl(MEAN, LOG_VAR)`
//!         quantized: INT8_NAME,      // optional: also generate the int8 type INT8_NAME
//!     }
//! }
//! ```
//!
//! A graph names tensors with `as` and reads them with `->`; joins name the tensors they
//! read: `add(a, b, …)` (equal shapes), `concat(a, b, …)` (along channels, or the features of
//! vectors and sequences), `sample(mean, log_var)` (a variational autoencoder's draw; its
//! mean in inference). The README shows a residual block, a VAE and two heads.
//!
//! | layer | arguments | output |
//! |---|---|---|
//! | `dense(units)` | `init = he \| glorot` (default: He before ReLU-family, else Glorot) | `[units]`; needs a 1-D input |
//! | `relu`, `sigmoid`, `tanh` | — | same shape |
//! | `leaky_relu`, `leaky_relu(alpha)` | slope for negatives, default 0.01 | same shape |
//! | `softmax` | — | same shape; 1-D, at least 2 wide |
//! | `flatten` | — | `[product of dims]` |
//! | `conv2d(filters, kernel = K)` | `stride`, `padding = valid \| same \| P \| (PH, PW)`, `init` | `[filters, OH, OW]`; needs `[C, H, W]` |
//! | `max_pool2d(size)`, `avg_pool2d(size)` | `stride` (default: the size) | `[C, OH, OW]` |
//! | `dropout(rate)` | probability of dropping, in `[0, 1)`; active only in training | same shape |
//! | `batch_norm` | `momentum = 0.1`, `epsilon = 1e-5` | same shape; per channel |
//! | `rnn(units)`, `lstm(units)`, `gru(units)` | `return_sequences = true` for every step's state | `[units]` or `[T, units]`; needs a sequence |
//! | `depthwise_conv2d(kernel = K)` | `stride`, `padding`, `depth_multiplier = 1`, `bias = true`, `init` | `[C·M, OH, OW]`; needs `[C, H, W]` |
//! | `global_avg_pool2d`, `global_max_pool2d` | — | `[C]`; needs `[C, H, W]` |
//! | `relu6` | — | same shape |
//!
//! Losses: `cross_entropy` (after a final `softmax`; the default there), `binary_cross_entropy`
//! (after a final `sigmoid`; the default there), `mse` (the default otherwise), `mae`, and
//! `huber` or `huber(delta = D)` (Keras' default delta 1). The cross-entropies are computed
//! from the logits with log-sum-exp, and their gradient is fused with the final activation;
//! every loss is the mean over all outputs of all samples, as in Keras.
//!
//! # What a network gets
//! Constants `INPUT_SHAPE`, `OUTPUT_SHAPE`, `PARAM_COUNT`, `PARAM_BYTES`,
//! `FLOPS_PER_SAMPLE`, `SCRATCH_BYTES`, `SUMMARY`; constructors `new(seed)`,
//! `new_boxed(seed)`, `zeroed()`, `from_params([f32; N])` (const); heap-free
//! `forward(&[f32; IN]) -> [f32; OUT]`; and an implementation of [`Network`], through which
//! [`Model`] (with `std`) offers `fit`, `evaluate` and `predict`.
//!
//! With `quantized: INT8_NAME`, also the int8 type `INT8_NAME` of the same layers, as
//! TFLite's int8 kernels compute them bit for bit: `conv2d`, `depthwise_conv2d`, `dense`,
//! `avg_pool2d`, `global_avg_pool2d`, `flatten`, `add` of two tensors and `softmax`, a `relu`
//! or `relu6` folded into the clamp of the layer before it (any other layer is a compile
//! error). Its parameters sit in fixed-size arrays; it has `INPUT_LEN`, `OUTPUT_LEN`,
//! `PARAM_BYTES`, `SCRATCH_BYTES` (int8 activations) and `ZERO`, the const constructor
//! `from_le_bytes(&[u8; PARAM_BYTES])`, the input's and output's quantization, and heap-free
//! `forward(&[i8; IN]) -> [i8; OUT]`, `forward_into` and `forward_inspect` (each step's
//! output); it implements [`int8::QuantizedNetwork`], which `io::tflite::load_int8` fills
//! from an int8 `.tflite` file.
//!
//! # Features
//! - `std` (default): training, data loading, weight files and batched GEMM. Without it the
//!   crate is `#![no_std]` and allocation-free: inference only.
//!
//! # Debug builds
//! Training runs in the runtime's kernels; compiled without optimization they are many times
//! slower. Train in release builds, or optimize the runtime in your debug builds too:
//!
//! ```toml
//! [profile.dev.package.nn-runtime]
//! opt-level = 3
//! [profile.dev.package.matrixmultiply]
//! opt-level = 3
//! ```
#![cfg_attr(not(feature = "std"), no_std)]

pub use nn_macros::network;
pub use nn_runtime::*;

/// The code blocks of README.md, compiled and run as doc-tests so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
