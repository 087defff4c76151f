//! `relu`, `leaky_relu`, `sigmoid`, `tanh`, `softmax`: every [`Activation`] is a layer kind,
//! its function and derivative side by side in [`crate::ops::activation`].

use super::{Backward, InPlace, Kernel};
use crate::network::Mode;
use crate::ops::activation::{Activation, LeakyRelu, Relu, Sigmoid, Softmax, Tanh};
use crate::rng::Rng;

/// The kernels of an activation, whatever it is.
macro_rules! activation_kernels {
    ($($kind:ty),*) => {$(
        impl Kernel for $kind {
            fn aux_width(&self) -> usize {
                0
            }

            fn state_len(&self) -> usize {
                0
            }

            fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}

            fn forward_sample(&self, _params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
                Activation::forward(self, x, y);
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
                Activation::forward(self, x, y);
            }

            /// Activations sit above the lowest layer with parameters, so their input always
            /// needs a gradient.
            fn backward_batch(
                &self,
                _params: &[f32],
                pass: Backward<'_>,
                _param_grads: &mut [f32],
                _batch: usize,
            ) {
                if let Some(dx) = pass.dx {
                    Activation::backward(self, pass.x, pass.y, pass.dy, dx);
                }
            }
        }

        impl InPlace for $kind {
            fn forward_in_place(&self, _params: &[f32], values: &mut [f32]) {
                Activation::forward_in_place(self, values);
            }
        }
    )*};
}

activation_kernels!(Relu, LeakyRelu, Sigmoid, Tanh, Softmax);
