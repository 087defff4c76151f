nn::network! {
    struct Net {
        input: [8],
        dense(4) as first,
        add(first, later),
        dense(4) as later,
        dense(2),
    }
}

fn main() {}
