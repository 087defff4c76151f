// The macro implements Clone, PartialEq and Debug itself.

nn::network! {
    #[derive(Clone, Default)]
    pub struct Mlp {
        input: [784],
        dense(10), softmax,
    }
}

fn main() {}
