nn::network! {
    struct Net {
        input: [8],
        dense(4) as a,
        dense(4) as b,
        dense(4) as c,
        sample(a, b, c),
    }
}

fn main() {}
