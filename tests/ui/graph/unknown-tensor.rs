nn::network! {
    struct Net {
        input: [8],
        dense(4), relu as hidden,
        hiden -> dense(2),
    }
}

fn main() {}
