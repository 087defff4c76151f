//! Edition 2018: no `TryFrom` in the prelude.

#![deny(warnings)]
#![no_std]

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(8), relu, dense(3), softmax,
    }
}

nn::network! {
    pub struct Cnn {
        input: [1, 8, 8],
        conv2d(2, kernel = 3, padding = same), max_pool2d(2), batch_norm, flatten,
        dropout(0.25), dense(2), sigmoid,
    }
}

nn::network! {
    pub struct Reader {
        input: [5 steps, 3],
        lstm(4, return_sequences = true), gru(3), dense(1),
    }
}

pub fn run() -> [f32; 3] {
    Mlp::new(1).forward(&[0.0; 4])
}
