// A layer that does not exist, and resembles none that does.

nn::network! {
    pub struct Mlp {
        input: [784],
        transformer(8),
    }
}

fn main() {}
