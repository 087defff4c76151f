//! 2-D max and average pooling over `[channels, height, width]` samples; slices may hold a
//! whole batch (any whole number of samples). Windows that overhang the input are not used
//! (`out = (in − size) / stride + 1`, as Keras' and PyTorch's defaults).

/// The fixed geometry of one pooling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dShape {
    /// Channels.
    pub channels: usize,
    /// Input height.
    pub in_height: usize,
    /// Input width.
    pub in_width: usize,
    /// Window height.
    pub size_h: usize,
    /// Window width.
    pub size_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
}

/// Maximum over each window.
pub fn max_pool2d_forward(shape: &Pool2dShape, input: &[f32], output: &mut [f32]) {
    todo!()
}

/// Routes each output gradient to the first maximal input of its window (recomputed from
/// `input` and `output`); *overwrites* `input_grad`.
pub fn max_pool2d_backward(shape: &Pool2dShape, input: &[f32], output: &[f32], output_grad: &[f32], input_grad: &mut [f32]) {
    todo!()
}

/// Mean over each window.
pub fn avg_pool2d_forward(shape: &Pool2dShape, input: &[f32], output: &mut [f32]) {
    todo!()
}

/// Spreads each output gradient evenly over its window; *overwrites* `input_grad`.
pub fn avg_pool2d_backward(shape: &Pool2dShape, output_grad: &[f32], input_grad: &mut [f32]) {
    todo!()
}
