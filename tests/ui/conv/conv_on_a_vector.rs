// conv2d needs [channels, height, width]; a flat vector has none.

nn::network! {
    pub struct Cnn {
        input: [784],
        conv2d(8, kernel = 3), relu,
        flatten, dense(10), softmax,
    }
}

fn main() {}
