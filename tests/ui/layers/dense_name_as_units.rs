// The width of a dense layer is a number, not a layer name.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(relu),
    }
}

fn main() {}
