// A recurrent layer of zero units has no state.

nn::network! {
    pub struct Reader {
        input: [28 steps, 28],
        rnn(0),
        dense(10), softmax,
    }
}

fn main() {}
