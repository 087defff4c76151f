nn::network! {
    struct Net {
        input: [8],
        dense(6), tanh as trunk,
        dense(4),
        trunk -> dense(2),
    }
}

fn main() {}
