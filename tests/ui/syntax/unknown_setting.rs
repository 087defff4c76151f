// Only `input:` and `loss:` are settings.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(2), softmax,
        optimizer: adam,
    }
}

fn main() {}
