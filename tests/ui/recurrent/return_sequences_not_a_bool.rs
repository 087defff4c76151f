// return_sequences is `true` or `false`.

nn::network! {
    pub struct Reader {
        input: [28 steps, 28],
        lstm(16, return_sequences = yes),
        dense(10), softmax,
    }
}

fn main() {}
