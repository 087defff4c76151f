//! Optimizers: slice-level update steps (no_std), and under `std` stateful optimizers that
//! own their moment buffers.

mod adam;
mod clip;
mod sgd;
#[cfg(feature = "std")]
mod state;

pub use adam::adam_step;
pub use clip::clip_global_norm;
#[cfg(feature = "std")]
pub use clip::ClipGlobalNorm;
pub use sgd::sgd_step;

#[cfg(feature = "std")]
pub use adam::Adam;
#[cfg(feature = "std")]
pub use sgd::Sgd;
#[cfg(feature = "std")]
pub use state::{OptimizerState, OptimizerStateError};

/// Updates parameters from their gradients, keeping whatever state the method needs.
///
/// The trait is object-safe (`fit` takes `&mut dyn Optimizer`). An optimizer whose state can
/// be exported and restored ([`Self::state`], [`Self::set_state`]) can be checkpointed and
/// resumed bit for bit; the defaults say it cannot.
#[cfg(feature = "std")]
pub trait Optimizer {
    /// One update of `params` (flat) from `grads` of the same length.
    fn step(&mut self, params: &mut [f32], grads: &[f32]);

    /// Everything the optimizer carries from one step to the next, or `None` (the default)
    /// when it cannot say; checkpoints then refuse it. Hyperparameters are not part of it.
    fn state(&self) -> Option<OptimizerState> {
        None
    }

    /// Continues from a state that [`Self::state`] of the same method exported.
    ///
    /// # Errors
    /// [`OptimizerStateError`] when the state belongs to another method or its buffers do not
    /// fit; the optimizer is then unchanged. The default refuses with
    /// [`OptimizerStateError::Unsupported`].
    fn set_state(&mut self, state: &OptimizerState) -> Result<(), OptimizerStateError> {
        let _ = state;
        Err(OptimizerStateError::Unsupported)
    }

    /// The settings that shape every step, as `(name, value)` pairs: Adam's
    /// `learning_rate`, `beta1`, `beta2` and `epsilon`, say. A checkpoint records them, and
    /// resuming with other values is refused, since it would not continue the same run. The
    /// default is empty: nothing to record or compare.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
}
