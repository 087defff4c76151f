// A pooling window must fit inside its input.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, stride = 9), relu,
        max_pool2d(4),
        flatten, dense(10), softmax,
    }
}

fn main() {}
