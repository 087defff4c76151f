//! 2-D convolution over `[channels, height, width]` samples (PyTorch's NCHW layout), weight
//! `[out_channels, in_channels, kernel_h, kernel_w]`, bias `[out_channels]`.
//! Single samples use a direct loop (no heap); batches use im2col + GEMM.

/// The fixed geometry of one convolution, computed by `network!` at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dShape {
    /// Input channels.
    pub in_channels: usize,
    /// Input height.
    pub in_height: usize,
    /// Input width.
    pub in_width: usize,
    /// Output channels (filters).
    pub out_channels: usize,
    /// Kernel height.
    pub kernel_h: usize,
    /// Kernel width.
    pub kernel_w: usize,
    /// Vertical stride (≥ 1).
    pub stride_h: usize,
    /// Horizontal stride (≥ 1).
    pub stride_w: usize,
    /// Zero rows added above the input (rows below are implied by `out_height`).
    pub pad_top: usize,
    /// Zero columns added left of the input (columns right are implied by `out_width`).
    pub pad_left: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
}

impl Conv2dShape {
    /// Floats of one sample's im2col matrix: `[in_channels·kernel_h·kernel_w, out_height·out_width]`.
    pub const fn col_len(&self) -> usize {
        self.in_channels * self.kernel_h * self.kernel_w * self.out_height * self.out_width
    }
}

/// One sample, direct convolution: `output[o, y, x] = bias[o] + Σ weight[o, c, i, j] ·
/// input[c, y·sh + i − pad_top, x·sw + j − pad_left]` (zero outside the input).
pub fn conv2d_forward(shape: &Conv2dShape, weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    todo!()
}

/// A batch through im2col + GEMM. `cols` holds `batch · col_len()` floats; it is left
/// holding each sample's im2col matrix, which the backward pass needs.
pub fn conv2d_forward_batch(shape: &Conv2dShape, weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32], cols: &mut [f32], batch: usize) {
    todo!()
}

/// Backward over a batch, from the `cols` the forward pass left (which it overwrites):
/// *adds* into `weight_grad` and `bias_grad`, *overwrites* `input_grad` when given.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_backward_batch(
    shape: &Conv2dShape,
    weight: &[f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    todo!()
}
