// An image input needs its channel dimension.

nn::network! {
    pub struct Cnn {
        input: [28, 28],
        conv2d(8, kernel = 3), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
