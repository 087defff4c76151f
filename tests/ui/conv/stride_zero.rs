// A stride of zero would never move the window.

nn::network! {
    pub struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, stride = 0), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
