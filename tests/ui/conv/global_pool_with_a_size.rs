// Global pooling always covers the whole map: it takes no window size.

nn::network! {
    pub struct Cnn {
        input: [1, 8, 8],
        conv2d(4, kernel = 3), relu,
        global_max_pool2d(6),
        dense(10), softmax,
    }
}

fn main() {}
