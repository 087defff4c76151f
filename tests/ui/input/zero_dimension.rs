// An input dimension of zero holds no values.

nn::network! {
    pub struct Mlp {
        input: [0],
        dense(10), softmax,
    }
}

fn main() {}
