// The residual CNN of `examples/06-mnist-resnet.rs`, shared with the firmware and its data
// export so that both run the very same graph.
nn::network! {
    /// A small residual CNN: a stem convolution, a residual block of 16 channels, a
    /// downsampling residual block of 32 channels whose shortcut is a 1×1 stride-2
    /// projection, global average pooling and a dense layer; batch norm inside the blocks.
    #[allow(dead_code)]
    pub struct MnistResNet {
        input: [1, 28, 28],
        conv2d(16, kernel = 3, padding = 1), batch_norm, relu as stem,
        conv2d(16, kernel = 3, padding = 1), batch_norm, relu,
        conv2d(16, kernel = 3, padding = 1), batch_norm as residual,
        add(stem, residual), relu as block,
        conv2d(32, kernel = 3, stride = 2, padding = 1), batch_norm, relu,
        conv2d(32, kernel = 3, padding = 1), batch_norm as main,
        block -> conv2d(32, kernel = 1, stride = 2) as projection,
        add(main, projection), relu,
        global_avg_pool2d,
        dense(10), softmax,
    }
}
