// The CNN of BENCHMARKS.md, shared by the tests, the firmware and its data export so that
// all three run the very same network.
nn::network! {
    /// The small image classifier of Keras' `Sequential` examples.
    #[allow(dead_code)]
    pub struct Cnn {
        input: [1, 28, 28],
        quantized: CnnInt8,
        conv2d(8, kernel = 3), relu,
        max_pool2d(2),
        conv2d(16, kernel = 3), relu,
        max_pool2d(2),
        flatten,
        dense(10), softmax,
    }
}
