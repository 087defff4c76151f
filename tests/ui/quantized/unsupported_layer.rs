// An int8 network has kernels for conv2d, depthwise_conv2d, dense, relu, relu6, average
// and max pooling, flatten, add and softmax only: the other layers are errors at their tokens.

nn::network! {
    struct Cnn {
        input: [1, 8, 8],
        quantized: CnnInt8,
        conv2d(4, kernel = 3), relu,
        dropout(0.5), batch_norm,
        flatten, dense(10), sigmoid,
    }
}

fn main() {}
