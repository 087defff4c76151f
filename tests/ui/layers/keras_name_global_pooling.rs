// Keras writes `GlobalAveragePooling2D`; here it is `global_avg_pool2d`.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3), relu,
        GlobalAveragePooling2D,
        dense(10), softmax,
    }
}

fn main() {}
