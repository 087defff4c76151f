// A network is declared like a struct: the `struct` keyword is required.

nn::network! {
    pub Mlp {
        input: [784],
        dense(10), softmax,
    }
}

fn main() {}
