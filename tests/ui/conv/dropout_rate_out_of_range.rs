// A dropout rate is a probability below 1.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3), relu,
        dropout(1.5),
        flatten, dense(10), softmax,
    }
}

fn main() {}
