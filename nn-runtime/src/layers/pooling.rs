//! What the pooling kinds share: kernels without parameters or state.

/// The kernels of a pooling kind (windowed or global): `$forward` over any number of
/// samples, and the backward pass `$backward(shape, pass, dx)`; no parameters, nothing kept
/// between the passes.
macro_rules! pooling_kernel {
    ($kind:ident, $forward:ident, |$shape:ident, $pass:ident, $dx:ident| $backward:expr) => {
        impl $crate::layers::Kernel for $kind {
            fn aux_width(&self) -> usize {
                0
            }

            fn state_len(&self) -> usize {
                0
            }

            fn init(&self, _params: &mut [f32], _rng: &mut $crate::rng::Rng) {}

            fn forward_sample(
                &self,
                _params: &[f32],
                x: &[f32],
                y: &mut [f32],
                _state: &mut [f32],
            ) {
                $forward(&self.0, x, y);
            }

            fn forward_batch(
                &self,
                _params: &[f32],
                x: &[f32],
                y: &mut [f32],
                _aux: &mut [f32],
                _batch: usize,
                _mode: $crate::network::Mode,
                _rng: &mut $crate::rng::Rng,
            ) {
                $forward(&self.0, x, y);
            }

            fn backward_batch(
                &self,
                _params: &[f32],
                $pass: $crate::layers::Backward<'_>,
                _param_grads: &mut [f32],
                _batch: usize,
            ) {
                let $shape = &self.0;
                if let Some($dx) = $pass.dx {
                    $backward;
                }
            }
        }
    };
}
