// Inside a `#[no_implicit_prelude]` module, with an enum whose `Ok` and `Some` variants are
// glob-imported: the generated code names nothing unqualified.

#![deny(warnings)]

#[no_implicit_prelude]
mod bare {
    ::nn::network! {
        pub struct Mlp {
            input: [4],
            dense(8), relu, dense(3), softmax,
        }
    }

    ::nn::network! {
        pub struct Cnn {
            input: [1, 8, 8],
            conv2d(2, kernel = 3, padding = same), max_pool2d(2), batch_norm, flatten, dense(2),
        }
    }
}

mod shadowed {
    #[allow(dead_code)]
    pub enum Status {
        Ok,
        Some,
        None,
        Err,
    }
    use self::Status::*;

    nn::network! {
        pub struct Mlp {
            input: [4],
            dense(2), sigmoid,
        }
    }

    pub fn status() -> Status {
        Ok
    }
}

fn main() {
    let _ = bare::Mlp::new(1).forward(&[0.0; 4]);
    let _ = bare::Cnn::new(1);
    let _ = shadowed::Mlp::new(1).forward(&[0.0; 4]);
    let _ = shadowed::status();
}
