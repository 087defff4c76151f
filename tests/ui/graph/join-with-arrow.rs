nn::network! {
    struct Net {
        input: [8],
        dense(4) as a,
        dense(4) as b,
        a -> add(a, b),
    }
}

fn main() {}
