// Softmax works on a 1-D input.

nn::network! {
    pub struct Mlp {
        input: [2, 5],
        softmax,
    }
}

fn main() {}
