// Every network starts from an input shape.

nn::network! {
    pub struct Mlp {
        dense(10), softmax,
    }
}

fn main() {}
