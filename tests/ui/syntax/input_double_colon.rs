// `input::` is a typo of `input:`, not a path.

nn::network! {
    struct Mlp {
        input:: [784],
        dense(10),
    }
}

fn main() {}
