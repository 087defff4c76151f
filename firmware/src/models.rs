//! The two networks, from the same spec files as the host (`models/`), with the weights that
//! `examples/export-firmware-data.rs` trained baked into flash. `from_le_bytes` takes
//! `&[u8; PARAM_BYTES]`, so a weight file of the wrong length does not compile.

#[cfg(feature = "mlp")]
include!("../../models/mlp.rs");

#[cfg(feature = "cnn")]
include!("../../models/cnn.rs");

/// The trained MLP; the bytes are decoded to f32 at compile time, so the static is plain
/// read-only data in flash.
#[cfg(feature = "mlp")]
pub static MLP: Mlp = Mlp::from_le_bytes(include_bytes!("../data/mlp.bin"));

/// The trained CNN.
#[cfg(feature = "cnn")]
pub static CNN: Cnn = Cnn::from_le_bytes(include_bytes!("../data/cnn.bin"));

// Compile-time RAM budget: `forward` keeps its scratch on the stack.
#[cfg(feature = "mlp")]
const _: () = assert!(Mlp::SCRATCH_BYTES <= 4 * 1024);
#[cfg(feature = "cnn")]
const _: () = assert!(Cnn::SCRATCH_BYTES <= 32 * 1024);
