// A dense layer after a convolution needs flatten in between.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3), relu,
        max_pool2d(2),
        dense(10), softmax,
    }
}

fn main() {}
