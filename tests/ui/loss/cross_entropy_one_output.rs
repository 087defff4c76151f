// Cross-entropy needs at least two classes.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(1),
        loss: cross_entropy,
    }
}

fn main() {}
