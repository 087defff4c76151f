// Global pooling needs [channels, height, width]; a bare [height, width] has no channels.

nn::network! {
    pub struct Pool {
        input: [28, 28],
        global_max_pool2d,
        dense(10), softmax,
    }
}

fn main() {}
