// Keras writes `padding="same"`; here the name has no quotes.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = "same"),
    }
}

fn main() {}
