// A dense layer needs a 1-D input: an image must be flattened first.

nn::network! {
    pub struct Mlp {
        input: [1, 28, 28],
        dense(10), softmax,
    }
}

fn main() {}
