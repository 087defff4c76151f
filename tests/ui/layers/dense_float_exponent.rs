// Floats written with an exponent are shown as written, even when out of f64 range.

nn::network! {
    struct Wide {
        input: [784],
        dense(1e30),
    }
}

nn::network! {
    struct Wider {
        input: [784],
        dense(1e400),
    }
}

fn main() {}
