// The first LSTM returns only its last state, so the second has no sequence to read.

nn::network! {
    pub struct Stacked {
        input: [28 steps, 28],
        lstm(64),
        lstm(32),
        dense(10), softmax,
    }
}

fn main() {}
