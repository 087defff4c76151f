// A kernel must fit inside its (padded) input.

nn::network! {
    pub struct Cnn {
        input: [1, 4, 4],
        conv2d(8, kernel = 5), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
