// A misspelled option gets a suggestion.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10, int = he), relu,
    }
}

fn main() {}
