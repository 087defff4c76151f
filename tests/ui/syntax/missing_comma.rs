// Layers are separated by commas.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10) softmax,
    }
}

fn main() {}
