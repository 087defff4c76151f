// A misspelled loss gets a suggestion.

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(3), softmax,
        loss: cross_entropi,
    }
}

fn main() {}
