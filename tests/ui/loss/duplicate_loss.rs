// A network has one loss.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(3), softmax,
        loss: cross_entropy,
        loss: mse,
    }
}

fn main() {}
