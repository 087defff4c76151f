// A depth multiplier of zero would make no output channels.

nn::network! {
    pub struct Mobile {
        input: [3, 8, 8],
        depthwise_conv2d(kernel = 3, depth_multiplier = 0), relu,
        global_avg_pool2d, dense(2), softmax,
    }
}

fn main() {}
