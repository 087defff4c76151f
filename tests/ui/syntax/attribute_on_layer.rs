// Attributes belong on the network, not on a layer.

nn::network! {
    struct Mlp {
        input: [784],
        #[allow(dead_code)]
        dense(128),
    }
}

fn main() {}
