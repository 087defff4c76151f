nn::network! {
    struct Net {
        input: [8],
        dense(4) as small,
        dense(6) as large,
        add(small, large),
    }
}

fn main() {}
