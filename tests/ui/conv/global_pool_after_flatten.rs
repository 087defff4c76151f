// Global pooling reduces each channel's map: after `flatten` there are no maps left.

nn::network! {
    pub struct Cnn {
        input: [1, 8, 8],
        conv2d(4, kernel = 3), relu,
        flatten, global_avg_pool2d,
        dense(10), softmax,
    }
}

fn main() {}
