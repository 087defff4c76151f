//! Stochastic gradient descent with optional (heavy-ball) momentum, PyTorch's formulation.

/// `v = momentum·v + g; p -= lr·v` (with `momentum == 0`, plain `p -= lr·g`; `velocity` unused).
pub fn sgd_step(params: &mut [f32], grads: &[f32], velocity: &mut [f32], learning_rate: f32, momentum: f32) { todo!() }

/// SGD that owns its velocity buffer.
#[cfg(feature = "std")]
pub struct Sgd {
    /// Step size.
    pub learning_rate: f32,
    /// Momentum coefficient; 0 disables it.
    pub momentum: f32,
    velocity: Vec<f32>,
}

#[cfg(feature = "std")]
impl Sgd {
    /// Plain SGD.
    pub fn new(learning_rate: f32) -> Self { todo!() }
    /// With heavy-ball momentum.
    pub fn with_momentum(self, momentum: f32) -> Self { todo!() }
}

#[cfg(feature = "std")]
impl super::Optimizer for Sgd {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) { todo!() }
}
