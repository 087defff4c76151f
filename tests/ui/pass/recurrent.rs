// Sequences: stacked recurrent layers of every cell, activations and dropout between them,
// and both ways to a dense layer (last state, or flatten).

nn::network! {
    pub struct Stacked {
        input: [28 steps, 28],
        lstm(32, return_sequences = true),
        dropout(0.1),
        gru(16, return_sequences = true), tanh,
        rnn(8),
        dense(10), softmax,
    }
}

nn::network! {
    pub struct Flattened {
        input: [12 steps, 3],
        gru(4, return_sequences = true),
        flatten,
        dense(1),
    }
}

fn main() {
    assert_eq!(Stacked::OUTPUT_SHAPE, [10]);
    assert_eq!(Flattened::INPUT_SHAPE, [12, 3]);
    assert_eq!(<Flattened as nn::__private::Arena>::NODE_WIDTHS, &[36, 48, 48, 1]);
}
