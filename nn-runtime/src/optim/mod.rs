//! Optimizers: slice-level update steps (no_std), and under `std` stateful optimizers that
//! own their moment buffers.

mod adam;
mod clip;
#[cfg(feature = "std")]
mod decay;
mod error;
#[cfg(feature = "std")]
pub(crate) mod guard;
#[cfg(feature = "std")]
mod rmsprop;
mod sgd;
#[cfg(feature = "std")]
mod state;

pub use adam::adam_step;
pub use clip::clip_global_norm;
#[cfg(feature = "std")]
pub use clip::ClipGlobalNorm;
pub use error::OptimizerError;
pub use sgd::sgd_step;

#[cfg(feature = "std")]
pub use adam::Adam;
#[cfg(feature = "std")]
pub use decay::{AdamW, DecoupledWeightDecay, L2};
#[cfg(feature = "std")]
pub use rmsprop::RmsProp;
#[cfg(feature = "std")]
pub use sgd::Sgd;
#[cfg(feature = "std")]
pub use state::{OptimizerState, OptimizerStateError};

/// Updates parameters from their gradients, keeping whatever state the method needs.
///
/// The trait is object-safe (`fit` takes `&mut dyn Optimizer`). An optimizer whose state can
/// be exported and restored ([`Self::state`], [`Self::set_state`]) can be checkpointed and
/// resumed bit for bit; the defaults say it cannot.
///
/// # Checked and unchecked steps
/// Constructors take any value, as plain structs with public fields do; the values are
/// checked when training starts: `fit` calls [`Self::validate`] before it touches the model
/// and then takes every step with [`Self::try_step`], which refuses a step that would leave
/// a parameter or the optimizer's state NaN or infinite and then changes nothing. [`Self::step`]
/// is the unchecked update for callers who run their own loop.
#[cfg(feature = "std")]
pub trait Optimizer {
    /// One update of `params` (flat) from `grads` of the same length, unchecked: NaN or
    /// infinite gradients or hyperparameters go straight into the parameters.
    ///
    /// # Panics
    /// The built-in optimizers panic when the lengths differ or when their state belongs to
    /// a model of another size.
    fn step(&mut self, params: &mut [f32], grads: &[f32]);

    /// Checks, before any step, that the hyperparameters are in range and that the state
    /// (if any steps were taken) fits a model of `param_count` parameters. The default
    /// accepts everything.
    ///
    /// # Errors
    /// [`OptimizerError::InvalidHyperparameter`], saying what the value is and what is
    /// allowed, or [`OptimizerError::ParamCountMismatch`].
    fn validate(&self, param_count: usize) -> Result<(), OptimizerError> {
        let _ = param_count;
        Ok(())
    }

    /// [`Self::step`], taken only when it turns no finite parameter and no finite value of
    /// the optimizer's state into NaN or infinity; otherwise nothing changes. (From finite
    /// parameters, as `fit` makes sure it starts with, everything stays finite.)
    ///
    /// The built-in optimizers decide before they write: they keep bounds of their state's
    /// magnitudes, from which the largest gradient that provably keeps the update finite
    /// follows, and compare every gradient with it in one pass; only when a gradient is
    /// larger (or NaN) do they compute every candidate value first. The default checks
    /// [`Self::validate`] and the gradients, then steps: an optimizer that can overflow on
    /// finite gradients should override it.
    ///
    /// # Errors
    /// What [`Self::validate`] returns, [`OptimizerError::NonFiniteGradient`] (the first
    /// one) or [`OptimizerError::NonFiniteUpdate`]; the parameters and the state are then
    /// unchanged.
    ///
    /// # Panics
    /// When `params` and `grads` differ in length.
    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), OptimizerError> {
        assert_eq!(
            params.len(),
            grads.len(),
            "Optimizer::try_step: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        self.validate(params.len())?;
        check_gradients(grads)?;
        self.step(params, grads);
        Ok(())
    }

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

    /// The step size of the next step, or `None` (the default) for a method without one.
    /// Schedules and callbacks read it; checkpoints record it.
    fn learning_rate(&self) -> Option<f32> {
        None
    }

    /// Sets the step size of the next steps (a schedule's or a callback's choice); the state
    /// is kept.
    ///
    /// # Errors
    /// [`OptimizerError::InvalidHyperparameter`] for a rate that is NaN, infinite or
    /// negative, and [`OptimizerError::NoLearningRate`] (the default) for a method without
    /// one; the optimizer is then unchanged.
    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), OptimizerError> {
        let _ = learning_rate;
        Err(OptimizerError::NoLearningRate)
    }
}

/// [`OptimizerError::InvalidHyperparameter`] unless `learning_rate` is finite and at least 0.
#[cfg(feature = "std")]
pub(crate) fn check_learning_rate(
    optimizer: &'static str,
    learning_rate: f32,
) -> Result<(), OptimizerError> {
    let (allowed, accepts) = error::NON_NEGATIVE;
    error::check_hyperparameter(optimizer, "learning_rate", learning_rate, allowed, accepts)
}

/// `Ok` when every gradient is finite, else the first that is not.
#[cfg(feature = "std")]
pub(crate) fn check_gradients(grads: &[f32]) -> Result<(), OptimizerError> {
    if !error::any_non_finite(grads) {
        return Ok(());
    }
    let index = grads.iter().position(|&g| !g.is_finite()).unwrap_or(0);
    Err(OptimizerError::NonFiniteGradient {
        index,
        value: grads[index],
    })
}
