// MLPerf Tiny's visual-wake-words model, as its float reference file `vww_96_float.tflite`
// holds it (batch norm folded into the convolutions).
nn::network! {
    /// Visual wake words, MLPerf Tiny's MobileNetV1 of width 0.25: a 96×96 RGB picture in,
    /// person or not out; a 3×3 stride-2 convolution, 13 depthwise-separable blocks (four
    /// of them stride 2), average pooling over the whole 3×3 map and a dense layer.
    #[allow(dead_code)]
    pub struct Vww {
        input: [3, 96, 96],
        quantized: VwwInt8,
        conv2d(8, kernel = 3, stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(16, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu, conv2d(32, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(32, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu, conv2d(64, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(64, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(128, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu, conv2d(256, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu, conv2d(256, kernel = 1), relu,
        avg_pool2d(3), flatten,
        dense(2), softmax,
    }
}
