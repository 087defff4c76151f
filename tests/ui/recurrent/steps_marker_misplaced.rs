// `steps` marks the first of exactly two dimensions.

nn::network! {
    pub struct Reader {
        input: [28, 28 steps],
        lstm(16),
        dense(10), softmax,
    }
}

fn main() {}
