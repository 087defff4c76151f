// Softmax over a single value is the constant 1.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(1), softmax,
    }
}

fn main() {}
