//! Weight decay around any optimizer: decoupled (AdamW's) or as an L2 penalty in the loss.

use core::ops::Range;

use super::error::{check_hyperparameter, NON_NEGATIVE};
use super::{Adam, Optimizer, OptimizerError, OptimizerState, OptimizerStateError};
use crate::network::Network;

/// The parameter ranges of `N` that decay: every trainable tensor, without batch norm's
/// running statistics (state, not parameters) and, for `kernels_only`, only the weights of
/// dense, convolution and recurrent layers (what Keras' `kernel_regularizer` covers).
fn decayed<N: Network>(kernels_only: bool) -> Vec<Range<usize>> {
    N::TENSORS
        .iter()
        .filter(|t| !t.name.ends_with(".running_mean") && !t.name.ends_with(".running_var"))
        .filter(|t| {
            !kernels_only || t.name.contains(".weight") && !t.name.starts_with("batch_norm")
        })
        .map(|t| t.offset..t.offset + t.len())
        .collect()
}

/// Decoupled weight decay (Loshchilov and Hutter; PyTorch's `AdamW`): before each step of
/// the wrapped optimizer, every trainable parameter is multiplied by `1 − lr · weight_decay`,
/// with the wrapped optimizer's current learning rate. A refused step leaves the
/// parameters as they were, decay included.
#[derive(Clone, Debug)]
pub struct DecoupledWeightDecay<O> {
    inner: O,
    /// The decay per unit of learning rate, at least 0.
    pub weight_decay: f32,
    ranges: Vec<Range<usize>>,
    saved: Vec<f32>,
}

/// Adam with decoupled weight decay, PyTorch's `AdamW`.
pub type AdamW = DecoupledWeightDecay<Adam>;

impl AdamW {
    /// `AdamW` for network `N` (whose tensors say what decays), with PyTorch's other
    /// defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new<N: Network>(learning_rate: f32, weight_decay: f32) -> Self {
        DecoupledWeightDecay::wrap::<N>(Adam::new(learning_rate), weight_decay)
    }
}

impl<O: Optimizer> DecoupledWeightDecay<O> {
    /// Decays the trainable parameters of `N` before each step of `inner`.
    pub fn wrap<N: Network>(inner: O, weight_decay: f32) -> Self {
        DecoupledWeightDecay {
            inner,
            weight_decay,
            ranges: decayed::<N>(false),
            saved: Vec::new(),
        }
    }

    /// The wrapped optimizer.
    pub fn inner(&self) -> &O {
        &self.inner
    }

    fn factor(&self) -> f32 {
        1.0 - self.inner.learning_rate().unwrap_or(0.0) * self.weight_decay
    }
}

impl<O: Optimizer> Optimizer for DecoupledWeightDecay<O> {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let factor = self.factor();
        for range in &self.ranges {
            params[range.clone()].iter_mut().for_each(|p| *p *= factor);
        }
        self.inner.step(params, grads);
    }

    fn validate(&self, param_count: usize) -> Result<(), OptimizerError> {
        let (allowed, accepts) = NON_NEGATIVE;
        check_hyperparameter(
            "DecoupledWeightDecay",
            "weight_decay",
            self.weight_decay,
            allowed,
            accepts,
        )?;
        if self.inner.learning_rate().is_none() {
            return Err(OptimizerError::NoLearningRate);
        }
        let factor = self.factor();
        if !(0.0..=1.0).contains(&factor) {
            return Err(OptimizerError::InvalidHyperparameter {
                optimizer: "DecoupledWeightDecay",
                name: "weight_decay",
                value: self.weight_decay,
                allowed: "at most 1 / learning_rate, so that a step never flips a parameter's sign",
            });
        }
        self.inner.validate(param_count)
    }

    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), OptimizerError> {
        self.validate(params.len())?;
        self.saved.clear();
        self.saved.extend_from_slice(params);
        let factor = self.factor();
        for range in &self.ranges {
            params[range.clone()].iter_mut().for_each(|p| *p *= factor);
        }
        let result = self.inner.try_step(params, grads);
        if result.is_err() {
            params.copy_from_slice(&self.saved);
        }
        result
    }

    fn state(&self) -> Option<OptimizerState> {
        self.inner.state()
    }

    fn set_state(&mut self, state: &OptimizerState) -> Result<(), OptimizerStateError> {
        self.inner.set_state(state)
    }

    fn learning_rate(&self) -> Option<f32> {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), OptimizerError> {
        self.inner.set_learning_rate(learning_rate)
    }

    /// `weight_decay`, then the wrapped optimizer's.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        let mut hyperparameters = vec![("weight_decay", f64::from(self.weight_decay))];
        hyperparameters.extend(self.inner.hyperparameters());
        hyperparameters
    }
}

/// L2 regularization, as Keras' `kernel_regularizer=l2(factor)`: the loss gains
/// `factor · Σ w²` over the kernels (the weights of dense, convolution and recurrent layers;
/// not biases or batch norm), so the gradient the wrapped optimizer sees gains `2 · factor · w`.
/// The reported loss does not include the penalty.
#[derive(Clone, Debug)]
pub struct L2<O> {
    inner: O,
    /// The penalty's factor, at least 0.
    pub factor: f32,
    ranges: Vec<Range<usize>>,
    grads: Vec<f32>,
}

impl<O: Optimizer> L2<O> {
    /// Penalizes the kernels of `N` while `inner` trains it.
    pub fn wrap<N: Network>(inner: O, factor: f32) -> Self {
        L2 {
            inner,
            factor,
            ranges: decayed::<N>(true),
            grads: Vec::new(),
        }
    }

    /// The gradients with the penalty's, in a buffer kept between steps.
    fn penalized(&mut self, params: &[f32], grads: &[f32]) -> Vec<f32> {
        let mut penalized = core::mem::take(&mut self.grads);
        penalized.clear();
        penalized.extend_from_slice(grads);
        let scale = 2.0 * self.factor;
        for range in &self.ranges {
            for (g, &p) in penalized[range.clone()]
                .iter_mut()
                .zip(&params[range.clone()])
            {
                *g += scale * p;
            }
        }
        penalized
    }
}

impl<O: Optimizer> Optimizer for L2<O> {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let penalized = self.penalized(params, grads);
        self.inner.step(params, &penalized);
        self.grads = penalized;
    }

    fn validate(&self, param_count: usize) -> Result<(), OptimizerError> {
        let (allowed, accepts) = NON_NEGATIVE;
        check_hyperparameter("L2", "factor", self.factor, allowed, accepts)?;
        self.inner.validate(param_count)
    }

    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), OptimizerError> {
        self.validate(params.len())?;
        let penalized = self.penalized(params, grads);
        let result = self.inner.try_step(params, &penalized);
        self.grads = penalized;
        result
    }

    fn state(&self) -> Option<OptimizerState> {
        self.inner.state()
    }

    fn set_state(&mut self, state: &OptimizerState) -> Result<(), OptimizerStateError> {
        self.inner.set_state(state)
    }

    fn learning_rate(&self) -> Option<f32> {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), OptimizerError> {
        self.inner.set_learning_rate(learning_rate)
    }

    /// `l2`, then the wrapped optimizer's.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        let mut hyperparameters = vec![("l2", f64::from(self.factor))];
        hyperparameters.extend(self.inner.hyperparameters());
        hyperparameters
    }
}
