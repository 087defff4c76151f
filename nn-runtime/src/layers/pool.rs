//! `max_pool2d(size)` and `avg_pool2d(size)`: the maximum or the mean over windows, per
//! channel, without padding.

use super::{Backward, Kernel};
use crate::network::Mode;
use crate::ops::pool::{
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward, Pool2dShape,
};
use crate::rng::Rng;

/// Max pooling of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2d(pub Pool2dShape);

/// Average pooling of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2d(pub Pool2dShape);

impl Kernel for MaxPool2d {
    fn aux_width(&self) -> usize {
        0
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}

    fn forward_sample(&self, _params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        max_pool2d_forward(&self.0, x, y);
    }

    fn forward_batch(
        &self,
        _params: &[f32],
        x: &[f32],
        y: &mut [f32],
        _aux: &mut [f32],
        _batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        max_pool2d_forward(&self.0, x, y);
    }

    /// The gradient goes to the window's maximum, found again from `x` and `y`.
    fn backward_batch(
        &self,
        _params: &[f32],
        pass: Backward<'_>,
        _param_grads: &mut [f32],
        _batch: usize,
    ) {
        if let Some(dx) = pass.dx {
            max_pool2d_backward(&self.0, pass.x, pass.y, pass.dy, dx);
        }
    }
}

impl Kernel for AvgPool2d {
    fn aux_width(&self) -> usize {
        0
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}

    fn forward_sample(&self, _params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        avg_pool2d_forward(&self.0, x, y);
    }

    fn forward_batch(
        &self,
        _params: &[f32],
        x: &[f32],
        y: &mut [f32],
        _aux: &mut [f32],
        _batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        avg_pool2d_forward(&self.0, x, y);
    }

    fn backward_batch(
        &self,
        _params: &[f32],
        pass: Backward<'_>,
        _param_grads: &mut [f32],
        _batch: usize,
    ) {
        if let Some(dx) = pass.dx {
            avg_pool2d_backward(&self.0, pass.dy, dx);
        }
    }
}
