// MLPerf Tiny's keyword-spotting model, as its float reference file
// `kws_ref_model_float32.tflite` holds it (batch norm folded into the convolutions).
nn::network! {
    /// Keyword spotting, MLPerf Tiny's DS-CNN (small): 49 frames of 10 MFCC features in,
    /// 12 classes out; a 10×4 stride-2 convolution, four depthwise-separable blocks of 64
    /// channels, average pooling over the whole 25×5 map and a dense layer.
    #[allow(dead_code)]
    pub struct Kws {
        input: [1, 49, 10],
        quantized: KwsInt8,
        conv2d(64, kernel = (10, 4), stride = 2, padding = same), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu,
        conv2d(64, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu,
        conv2d(64, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu,
        conv2d(64, kernel = 1), relu,
        depthwise_conv2d(kernel = 3, padding = same), relu,
        conv2d(64, kernel = 1), relu,
        avg_pool2d((25, 5)), flatten,
        dense(12), softmax,
    }
}
