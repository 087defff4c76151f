// MLPerf Tiny's anomaly-detection model, as its float reference file `ad01_fp32.tflite`
// holds it (batch norm folded into the dense layers).
nn::network! {
    /// Anomaly detection, MLPerf Tiny's dense autoencoder for the ToyCar machine: 5 frames
    /// of 128 log-mel energies in, their reconstruction out, through a bottleneck of 8.
    #[allow(dead_code)]
    pub struct Ad {
        input: [640],
        quantized: AdInt8,
        dense(128), relu, dense(128), relu, dense(128), relu, dense(128), relu,
        dense(8), relu,
        dense(128), relu, dense(128), relu, dense(128), relu, dense(128), relu,
        dense(640),
    }
}
