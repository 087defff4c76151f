// MLPerf Tiny's image-classification model, as its float reference file
// `pretrainedResnet.tflite` holds it (batch norm folded into the convolutions), its layers
// in the file's order: each stack's main branch, then its projection.
nn::network! {
    /// Image classification, MLPerf Tiny's ResNet-8 for CIFAR-10: a 32×32 RGB picture in,
    /// 10 classes out; a 3×3 convolution, three residual stacks of 16, 32 and 64 channels
    /// (the last two stride 2, their shortcuts 1×1 stride-2 projections), average pooling
    /// over the whole 8×8 map and a dense layer.
    #[allow(dead_code)]
    pub struct Ic {
        input: [3, 32, 32],
        quantized: IcInt8,
        conv2d(16, kernel = 3, padding = same), relu as stem,
        conv2d(16, kernel = 3, padding = same), relu,
        conv2d(16, kernel = 3, padding = same) as residual_1,
        add(stem, residual_1), relu as stack_1,
        conv2d(32, kernel = 3, stride = 2, padding = same), relu,
        conv2d(32, kernel = 3, padding = same) as residual_2,
        stack_1 -> conv2d(32, kernel = 1, stride = 2) as projection_2,
        add(residual_2, projection_2), relu as stack_2,
        conv2d(64, kernel = 3, stride = 2, padding = same), relu,
        conv2d(64, kernel = 3, padding = same) as residual_3,
        stack_2 -> conv2d(64, kernel = 1, stride = 2) as projection_3,
        add(residual_3, projection_3), relu,
        avg_pool2d(8), flatten,
        dense(10), softmax,
    }
}
