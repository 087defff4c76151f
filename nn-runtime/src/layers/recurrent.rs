//! `rnn(units)`, `lstm(units)`, `gru(units)`: PyTorch's cells over a `[steps, features]`
//! sequence, with tensors `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (see
//! [`crate::ops::recurrent`]).

use super::{Backward, Kernel};
use crate::network::Mode;
use crate::ops::recurrent::{
    recurrent_backward_batch, recurrent_forward, recurrent_forward_batch, recurrent_init,
    RecurrentShape,
};
use crate::rng::Rng;

/// A recurrent layer of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrent(pub RecurrentShape);

impl Kernel for Recurrent {
    /// Training keeps every step's gates and states for backpropagation through time.
    fn aux_width(&self) -> usize {
        self.0.aux_len()
    }

    /// The gates and the state of one step.
    fn state_len(&self) -> usize {
        self.0.state_len()
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        recurrent_init(&self.0, params, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], state: &mut [f32]) {
        recurrent_forward(&self.0, params, x, y, &mut state[..self.0.state_len()]);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        recurrent_forward_batch(&self.0, params, x, y, aux, batch);
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        recurrent_backward_batch(
            &self.0,
            params,
            pass.x,
            pass.aux,
            pass.dy,
            pass.dx,
            param_grads,
            batch,
        );
    }
}
