// Arguments go in parentheses, not braces.

nn::network! {
    struct Mlp {
        input: [784],
        dense{10},
    }
}

fn main() {}
