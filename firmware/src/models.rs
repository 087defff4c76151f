//! The four networks, from the same spec files as the host (`models/`), with the weights that
//! `examples/export-firmware-data.rs` trained baked into flash. `from_le_bytes` takes
//! `&[u8; PARAM_BYTES]`, so a weight file of the wrong length does not compile.

#[cfg(feature = "mlp")]
include!("../../models/mlp.rs");

#[cfg(feature = "cnn")]
include!("../../models/cnn.rs");

#[cfg(feature = "lstm")]
include!("../../models/lstm.rs");

#[cfg(feature = "resnet")]
include!("../../models/resnet.rs");

/// The trained MLP; the bytes are decoded to f32 at compile time, so the static is plain
/// read-only data in flash.
#[cfg(feature = "mlp")]
pub static MLP: Mlp = Mlp::from_le_bytes(include_bytes!("../data/mlp.bin"));

/// The trained CNN.
#[cfg(feature = "cnn")]
pub static CNN: Cnn = Cnn::from_le_bytes(include_bytes!("../data/cnn.bin"));

/// The trained LSTM, reading each digit as 28 rows of 28 pixels.
#[cfg(feature = "lstm")]
pub static LSTM: DigitReader = DigitReader::from_le_bytes(include_bytes!("../data/lstm.bin"));

/// The trained residual CNN: a graph (two residual joins, one through a projection).
#[cfg(feature = "resnet")]
pub static RESNET: MnistResNet = MnistResNet::from_le_bytes(include_bytes!("../data/resnet.bin"));

// Compile-time RAM budget: `forward` keeps its scratch on the stack.
#[cfg(feature = "mlp")]
const _: () = assert!(Mlp::SCRATCH_BYTES <= 4 * 1024);
#[cfg(feature = "cnn")]
const _: () = assert!(Cnn::SCRATCH_BYTES <= 32 * 1024);
#[cfg(feature = "lstm")]
const _: () = assert!(DigitReader::SCRATCH_BYTES <= 8 * 1024);
#[cfg(feature = "resnet")]
const _: () = assert!(MnistResNet::SCRATCH_BYTES <= 160 * 1024);
