// A network has one input shape.

nn::network! {
    pub struct Mlp {
        input: [784],
        input: [28, 28],
        dense(10), softmax,
    }
}

fn main() {}
