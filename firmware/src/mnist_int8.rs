//! The MNIST MLP and CNN in int8 (features `mlp-int8`, `cnn-int8`): the float networks of
//! `data/` quantized on the host (`build/mnist_int8.rs`), run heap-free on the 100 test
//! digits and compared byte for byte with the host's int8 outputs.

#[cfg(feature = "mlp-int8")]
crate::int8_model!(
    mlp_int8,
    "mlp-int8",
    "../../models/mlp.rs",
    MlpInt8,
    "NN_INT8_MLP_MACS"
);
#[cfg(feature = "cnn-int8")]
crate::int8_model!(
    cnn_int8,
    "cnn-int8",
    "../../models/cnn.rs",
    CnnInt8,
    "NN_INT8_CNN_MACS"
);

/// Runs every quantized MNIST network the image carries; tells whether all their outputs
/// are the host's.
pub fn evaluate_all() -> bool {
    let mut all_match = true;
    #[cfg(feature = "mlp-int8")]
    {
        all_match &= mlp_int8::evaluate();
    }
    #[cfg(feature = "cnn-int8")]
    {
        all_match &= cnn_int8::evaluate();
    }
    all_match
}
