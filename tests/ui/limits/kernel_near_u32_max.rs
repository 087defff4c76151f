// A kernel near u32::MAX with padding: both are out of range, each reported on its token.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = (3, 4294967295), padding = (0, 4294967295)),
    }
}

fn main() {}
