// `leaky_relu` takes one slope.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10), leaky_relu(0.1, 0.2),
    }
}

fn main() {}
