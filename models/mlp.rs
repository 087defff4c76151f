// The MLP of BENCHMARKS.md, shared by the tests, the firmware and its data export so that
// all three run the very same network.
nn::network! {
    /// Classifies 28×28 digits: 784 → 128 → 64 → 10.
    #[allow(dead_code)]
    pub struct Mlp {
        input: [784],
        quantized: MlpInt8,
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}
