nn::network! {
    struct Net {
        input: [8],
        dense(2),
        loss: 0 * mse,
    }
}

fn main() {}
