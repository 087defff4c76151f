// Padding is valid, same, or a number of zeros.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = full), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
