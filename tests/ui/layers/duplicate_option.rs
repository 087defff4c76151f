// An option is given once.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10, init = he, init = glorot), relu,
    }
}

fn main() {}
