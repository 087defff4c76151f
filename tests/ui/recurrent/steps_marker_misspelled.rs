// The only word an input dimension takes is `steps`.

nn::network! {
    pub struct Reader {
        input: [28 step, 28],
        lstm(16),
        dense(10), softmax,
    }
}

fn main() {}
