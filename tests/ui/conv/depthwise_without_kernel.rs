// A depthwise convolution needs its kernel.

nn::network! {
    pub struct Mobile {
        input: [3, 8, 8],
        depthwise_conv2d(stride = 2), relu,
        global_avg_pool2d, dense(2), softmax,
    }
}

fn main() {}
