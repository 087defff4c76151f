// Binary cross-entropy is computed after a final sigmoid.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(1), tanh,
        loss: binary_cross_entropy,
    }
}

fn main() {}
