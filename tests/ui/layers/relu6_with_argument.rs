// `relu6` caps at 6 always: the cap is not an argument.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10), relu6(3.0),
    }
}

fn main() {}
