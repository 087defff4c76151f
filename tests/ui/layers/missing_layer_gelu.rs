// `gelu` is not a typo of `relu`: the layer does not exist, and the message says so.

nn::network! {
    struct Mlp {
        input: [784],
        dense(128),
        gelu,
    }
}

fn main() {}
