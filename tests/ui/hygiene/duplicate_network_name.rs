// Two networks of the same name: the error is on the second name.

nn::network! {
    struct Mlp {
        input: [4],
        dense(1),
    }
}

nn::network! {
    struct Mlp {
        input: [8],
        dense(2),
    }
}

fn main() {}
