// Keras writes `DepthwiseConv2D`; here it is `depthwise_conv2d`.

nn::network! {
    struct Mobile {
        input: [3, 32, 32],
        DepthwiseConv2D(kernel = 3), relu,
        global_avg_pool2d, dense(2), softmax,
    }
}

fn main() {}
