nn::network! {
    struct Net {
        input: [8],
        dense(6), tanh as spare,
        input -> dense(2),
    }
}

fn main() {}
