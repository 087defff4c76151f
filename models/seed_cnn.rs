// The seed essay's CNN of `examples/08-seed-cnn.rs`, shared with the benchmarks so that both
// run the very same network.
nn::network! {
    /// The seed essay's CNN (29.3 MFLOP per sample).
    #[allow(dead_code)]
    pub struct SeedCnn {
        input: [1, 28, 28],
        conv2d(32, kernel = 3), relu,
        conv2d(64, kernel = 3), relu,
        max_pool2d(2),
        conv2d(64, kernel = 3), relu,
        max_pool2d(2),
        conv2d(32, kernel = 3), relu,
        max_pool2d(2),
        flatten,
        dense(128), relu,
        dense(10), softmax,
    }
}
