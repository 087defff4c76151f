// Keras writes `Conv2D`; here it is `conv2d`.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        Conv2D(8, kernel = 3),
    }
}

fn main() {}
