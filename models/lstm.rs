// The row-by-row LSTM digit reader of `examples/04-mnist-lstm.rs`, shared by the tests, the
// firmware and its data export so that all three run the very same network.
nn::network! {
    /// Reads a digit top to bottom, one row of 28 pixels per step.
    #[allow(dead_code)]
    pub struct DigitReader {
        input: [28 steps, 28],
        lstm(64),
        dense(10), softmax,
    }
}
