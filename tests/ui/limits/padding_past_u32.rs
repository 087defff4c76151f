// 2^32 is as wrong a padding as 2^64: the bound is the largest dimension, not a machine word.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = (1, 4294967296)),
    }
}

fn main() {}
