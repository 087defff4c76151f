// A depthwise convolution has no filter count: its channels follow from its input and the
// depth multiplier, and its arguments are all named.

nn::network! {
    pub struct Mobile {
        input: [3, 8, 8],
        depthwise_conv2d(8, kernel = 3), relu,
        global_avg_pool2d, dense(2), softmax,
    }
}

fn main() {}
