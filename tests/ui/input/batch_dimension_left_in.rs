// A batch size left in front of a vector input.

nn::network! {
    struct Mlp {
        input: [32, 784],
        dense(10),
    }
}

fn main() {}
