// PyTorch tensors carry the batch first; `input:` is one sample.

nn::network! {
    struct Cnn {
        input: [64, 1, 28, 28],
        conv2d(8, kernel = 3),
    }
}

fn main() {}
