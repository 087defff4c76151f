// A recurrent layer reads a sequence; a flat vector has no steps.

nn::network! {
    pub struct Reader {
        input: [784],
        lstm(64),
        dense(10), softmax,
    }
}

fn main() {}
