// A rate must fit in an f32.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(10), leaky_relu(-1e39),
    }
}

fn main() {}
