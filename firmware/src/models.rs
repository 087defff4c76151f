//! The two networks, declared exactly as on the host (`examples/04-export-firmware-data.rs`),
//! with the weights it trained baked into flash. `from_le_bytes` takes `&[u8; PARAM_BYTES]`, so
//! a weight file of the wrong length (a spec that drifted from the host's) does not compile.

#[cfg(feature = "mlp")]
nn::network! {
    /// Classifies 28×28 digits (the MLP of example 02).
    pub struct Mlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

#[cfg(feature = "cnn")]
nn::network! {
    /// The CNN of example 03.
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3), relu,
        max_pool2d(2),
        conv2d(16, kernel = 3), relu,
        max_pool2d(2),
        flatten,
        dense(10), softmax,
    }
}

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
