nn::network! {
    struct Net {
        input: [8],
        dense(4) as features,
        dense(4) as features,
        dense(2),
    }
}

fn main() {}
