// Only the first argument of a layer is positional; options are named.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10, he), relu,
    }
}

fn main() {}
