// A misspelt regression loss gets a suggestion.

nn::network! {
    pub struct Regressor {
        input: [4],
        dense(1),
        loss: hubber,
    }
}

fn main() {}
