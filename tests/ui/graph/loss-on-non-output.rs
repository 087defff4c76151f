nn::network! {
    struct Net {
        input: [8],
        dense(4), tanh as hidden,
        dense(2),
        loss: mse(hidden),
    }
}

fn main() {}
