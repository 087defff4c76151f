//! Adam (Kingma & Ba 2015) with bias correction, as in PyTorch and Keras.

/// One Adam step; `step` counts from 1.
#[allow(clippy::too_many_arguments)]
pub fn adam_step(params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32], step: u32,
                 learning_rate: f32, beta1: f32, beta2: f32, epsilon: f32) { todo!() }

/// Adam that owns its moment buffers.
#[cfg(feature = "std")]
pub struct Adam {
    /// Step size.
    pub learning_rate: f32,
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to the denominator.
    pub epsilon: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    step: u32,
}

#[cfg(feature = "std")]
impl Adam {
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(learning_rate: f32) -> Self { todo!() }
}

#[cfg(feature = "std")]
impl super::Optimizer for Adam {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) { todo!() }
}
