// Cross-entropy is computed after a final softmax.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(3),
        loss: cross_entropy,
    }
}

fn main() {}
