// An input shape has at least one dimension.

nn::network! {
    pub struct Mlp {
        input: [],
        dense(10), softmax,
    }
}

fn main() {}
