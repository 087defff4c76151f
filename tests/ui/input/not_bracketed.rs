// The input shape is a bracketed list, even in one dimension.

nn::network! {
    pub struct Mlp {
        input: 784,
        dense(10), softmax,
    }
}

fn main() {}
