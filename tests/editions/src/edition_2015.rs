//! Edition 2015: `::core` names nothing unless declared at the crate root, and an
//! extern crate is declared with `extern crate`.

#![deny(warnings)]

extern crate nn;

nn::network! {
    pub struct Mlp {
        input: [4],
        dense(8), relu, dense(3), softmax,
    }
}

nn::network! {
    pub struct Cnn {
        input: [1, 8, 8],
        conv2d(2, kernel = 3), avg_pool2d(2), flatten, dense(2),
    }
}

nn::network! {
    pub struct Reader {
        input: [5 steps, 3],
        rnn(4), dense(1), tanh,
    }
}

fn main() {
    let _ = Mlp::new(1).forward(&[0.0; 4]);
    let _ = Cnn::new(1).forward(&[0.0; 64]);
    let _ = Reader::new(1).forward(&[0.0; 15]);
}
