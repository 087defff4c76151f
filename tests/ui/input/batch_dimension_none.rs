// Keras shapes write the batch as `None`; `input:` leaves it out.

nn::network! {
    struct Mlp {
        input: [None, 784],
        dense(10),
    }
}

fn main() {}
