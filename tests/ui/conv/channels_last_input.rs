// A [height, width, channels] image (the Keras layout) before a convolution gets a hint at
// the [channels, height, width] layout.

nn::network! {
    struct Cnn {
        input: [28, 28, 1],
        conv2d(8, kernel = 3),
    }
}

fn main() {}
