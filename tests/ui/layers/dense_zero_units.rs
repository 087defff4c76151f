// A dense layer of width zero has no outputs.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(0),
    }
}

fn main() {}
