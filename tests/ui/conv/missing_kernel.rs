// conv2d needs its kernel size.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
