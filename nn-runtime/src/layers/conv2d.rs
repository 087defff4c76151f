//! `conv2d(filters, kernel = …)`: a 2-D convolution with bias over `[C, H, W]` samples; the
//! weight is `[filters, C, KH, KW]` (PyTorch's layout).

use super::{Backward, Init, Kernel};
use crate::network::Mode;
use crate::ops::conv::{
    conv2d_backward_batch, conv2d_forward, conv2d_forward_batch, conv2d_infer_batch, Conv2dShape,
};
use crate::rng::Rng;

/// A convolution of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// Channels, sizes, kernel, stride and padding.
    pub shape: Conv2dShape,
    /// How the weight starts.
    pub init: Init,
}

impl Conv2d {
    fn weight_len(&self) -> usize {
        let s = &self.shape;
        s.out_channels * s.in_channels * s.kernel_h * s.kernel_w
    }
}

impl Kernel for Conv2d {
    /// Training keeps each sample's im2col matrix for the weight gradient.
    fn aux_width(&self) -> usize {
        self.shape.col_len()
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let s = &self.shape;
        let area = s.kernel_h * s.kernel_w;
        let weight = &mut params[..self.weight_len()];
        self.init
            .fill(weight, s.in_channels * area, s.out_channels * area, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        let (weight, bias) = params.split_at(self.weight_len());
        conv2d_forward(&self.shape, weight, bias, x, y);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        mode: Mode,
        _rng: &mut Rng,
    ) {
        let (weight, bias) = params.split_at(self.weight_len());
        match mode {
            Mode::Train => conv2d_forward_batch(&self.shape, weight, bias, x, y, aux, batch),
            // Inference needs no im2col matrices for a backward pass.
            Mode::Infer => conv2d_infer_batch(&self.shape, weight, bias, x, y, batch),
        }
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        let (weight, _) = params.split_at(self.weight_len());
        let (weight_grad, bias_grad) = param_grads.split_at_mut(weight.len());
        conv2d_backward_batch(
            &self.shape,
            weight,
            pass.dy,
            pass.dx,
            weight_grad,
            bias_grad,
            pass.aux,
            batch,
        );
    }
}
