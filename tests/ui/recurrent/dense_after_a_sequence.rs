// A dense layer after a whole sequence needs an explicit choice: the last state or flatten.

nn::network! {
    pub struct Tagger {
        input: [28 steps, 28],
        gru(32, return_sequences = true),
        dense(10), softmax,
    }
}

fn main() {}
