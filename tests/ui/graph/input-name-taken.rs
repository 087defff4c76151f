nn::network! {
    struct Net {
        input: [8],
        dense(4) as input,
        dense(2),
    }
}

fn main() {}
