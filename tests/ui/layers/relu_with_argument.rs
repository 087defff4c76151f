// Activations without parameters take no arguments.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10), relu(3),
    }
}

fn main() {}
