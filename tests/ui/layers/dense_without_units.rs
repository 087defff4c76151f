// A dense layer needs its width.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(), softmax,
    }
}

fn main() {}
