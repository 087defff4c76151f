// The spec of the crate docs expands to code that compiles without a warning.

#![deny(warnings)]

nn::network! {
    /// Classifies 28×28 digits.
    pub struct Mlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

nn::network! {
    struct Digits {
        input: [1, 28, 28], flatten,
        dense(32, init = he), leaky_relu(0.1),
        dense(10), softmax,
        loss: cross_entropy,
    }
}

fn main() {
    const _: () = assert!(Mlp::PARAM_COUNT == 109_386);
    const _: () = assert!(Digits::INPUT_LEN == 784 && Digits::OUTPUT_LEN == 10);
}
