// `init` is one of a fixed set of schemes.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10, init = xavier), relu,
    }
}

fn main() {}
