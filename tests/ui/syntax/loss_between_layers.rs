// `loss:` ends the network: written between two layers it is an error, not a silent reorder.

nn::network! {
    struct Mlp {
        input: [784],
        dense(10),
        loss: binary_cross_entropy,
        sigmoid,
    }
}

fn main() {}
