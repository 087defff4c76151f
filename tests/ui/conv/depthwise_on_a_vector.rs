// depthwise_conv2d convolves each channel of a [channels, height, width] input.

nn::network! {
    pub struct Mobile {
        input: [96],
        depthwise_conv2d(kernel = 3), relu,
        dense(2), softmax,
    }
}

fn main() {}
