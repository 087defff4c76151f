// `dense 10` is missing its parentheses, not a comma.

nn::network! {
    struct Mlp {
        input: [784],
        dense 10,
    }
}

fn main() {}
