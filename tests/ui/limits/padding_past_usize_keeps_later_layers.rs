// A padding too large for any integer type is reported, and the layers after it are still
// read: the later error is reported in the same compile.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = 100000000000000000000),
        flatten,
        dense(0),
    }
}

fn main() {}
