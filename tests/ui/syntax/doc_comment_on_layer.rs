// A doc comment documents an item; a layer is not one.

nn::network! {
    struct Mlp {
        input: [784],
        /// The hidden layer.
        dense(128),
        relu,
    }
}

fn main() {}
