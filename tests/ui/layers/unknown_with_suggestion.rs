// A misspelled layer gets a suggestion.

nn::network! {
    pub struct Mlp {
        input: [784],
        dens(10), softmax,
    }
}

fn main() {}
