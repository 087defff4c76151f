// The width of a dense layer is a whole number.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(1.5),
    }
}

fn main() {}
