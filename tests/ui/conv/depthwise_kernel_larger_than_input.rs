// After two stride-2 convolutions a 5×5 map is 2×2: a valid 3×3 kernel no longer fits.

nn::network! {
    pub struct Mobile {
        input: [3, 5, 5],
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3), relu,
        global_avg_pool2d, dense(2), softmax,
    }
}

fn main() {}
