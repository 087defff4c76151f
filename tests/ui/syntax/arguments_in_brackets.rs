// Arguments go in parentheses, as in a function call.

nn::network! {
    struct Mlp {
        input: [784],
        dense[10],
    }
}

fn main() {}
