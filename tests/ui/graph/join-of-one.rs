nn::network! {
    struct Net {
        input: [8],
        dense(4) as a,
        add(a),
    }
}

fn main() {}
