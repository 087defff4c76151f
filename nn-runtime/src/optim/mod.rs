//! Optimizers: slice-level update steps (no_std), and under `std` stateful optimizers that
//! own their moment buffers.

mod adam;
mod clip;
mod sgd;

pub use adam::adam_step;
pub use clip::clip_global_norm;
#[cfg(feature = "std")]
pub use clip::ClipGlobalNorm;
pub use sgd::sgd_step;

#[cfg(feature = "std")]
pub use adam::Adam;
#[cfg(feature = "std")]
pub use sgd::Sgd;

/// Updates parameters from their gradients, keeping whatever state the method needs.
#[cfg(feature = "std")]
pub trait Optimizer {
    /// One update of `params` (flat) from `grads` of the same length.
    fn step(&mut self, params: &mut [f32], grads: &[f32]);
}
