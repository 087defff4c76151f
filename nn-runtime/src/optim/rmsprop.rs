//! RMSprop: steps scaled by a running root mean square of the gradients.

use super::error::{check_hyperparameter, DECAY, POSITIVE};
use super::{check_gradients, check_learning_rate, Optimizer, OptimizerError};
use super::{OptimizerState, OptimizerStateError};

/// RMSprop with PyTorch's formula: `v = α·v + (1−α)·g²`, `p −= lr · g / (√v + ε)`; `v` starts
/// at zero. Defaults as PyTorch's: α = 0.99, ε = 1e-8.
///
/// Its steps are checked as a whole: a candidate step is computed beside the parameters and
/// taken only when every new value is finite (a gradient whose square overflows, or an
/// update that would, is refused with the state unchanged).
#[derive(Clone, Debug)]
pub struct RmsProp {
    /// Step size.
    pub learning_rate: f32,
    /// Decay of the running mean of squares, in `[0, 1)`.
    pub alpha: f32,
    /// Added to the root mean square, above 0.
    pub epsilon: f32,
    square_avg: Vec<f32>,
    step: u64,
    candidate: Vec<f32>,
}

impl RmsProp {
    /// RMSprop with α = 0.99 and ε = 1e-8.
    pub fn new(learning_rate: f32) -> Self {
        RmsProp {
            learning_rate,
            alpha: 0.99,
            epsilon: 1e-8,
            square_avg: Vec::new(),
            step: 0,
            candidate: Vec::new(),
        }
    }

    /// With another decay α of the mean of squares.
    pub fn with_alpha(mut self, alpha: f32) -> Self {
        self.alpha = alpha;
        self
    }

    fn ensure_state(&mut self, len: usize) {
        if self.square_avg.is_empty() {
            self.square_avg = vec![0.0; len];
        }
    }

    /// The new square average and parameter of one element.
    fn update(&self, param: f32, grad: f32, square_avg: f32) -> (f32, f32) {
        let avg = self.alpha * square_avg + (1.0 - self.alpha) * grad * grad;
        (
            avg,
            param - self.learning_rate * grad / (avg.sqrt() + self.epsilon),
        )
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        assert_eq!(params.len(), grads.len(), "RmsProp::step: lengths differ");
        self.ensure_state(params.len());
        assert_eq!(
            self.square_avg.len(),
            params.len(),
            "RmsProp::step: the optimizer was first used with another model; use one per model"
        );
        for i in 0..params.len() {
            let (avg, param) = self.update(params[i], grads[i], self.square_avg[i]);
            (self.square_avg[i], params[i]) = (avg, param);
        }
        self.step += 1;
    }

    fn validate(&self, param_count: usize) -> Result<(), OptimizerError> {
        check_learning_rate("RmsProp", self.learning_rate)?;
        let (allowed, accepts) = DECAY;
        check_hyperparameter("RmsProp", "alpha", self.alpha, allowed, accepts)?;
        let (allowed, accepts) = POSITIVE;
        check_hyperparameter("RmsProp", "epsilon", self.epsilon, allowed, accepts)?;
        if !self.square_avg.is_empty() && self.square_avg.len() != param_count {
            return Err(OptimizerError::ParamCountMismatch {
                expected: self.square_avg.len(),
                found: param_count,
            });
        }
        Ok(())
    }

    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), OptimizerError> {
        assert_eq!(
            params.len(),
            grads.len(),
            "RmsProp::try_step: lengths differ"
        );
        self.validate(params.len())?;
        check_gradients(grads)?;
        self.ensure_state(params.len());
        // Candidate square averages first, then candidate parameters: nothing is written
        // until both are known to be finite.
        let mut candidate = core::mem::take(&mut self.candidate);
        candidate.resize(params.len() * 2, 0.0);
        let (averages, next) = candidate.split_at_mut(params.len());
        for i in 0..params.len() {
            let (avg, param) = self.update(params[i], grads[i], self.square_avg[i]);
            let buffer = match (avg.is_finite(), param.is_finite()) {
                (true, true) => None,
                (false, _) => Some("square_avg"),
                (true, false) => Some("parameter"),
            };
            if let Some(buffer) = buffer {
                self.candidate = candidate;
                return Err(OptimizerError::NonFiniteUpdate { buffer, index: i });
            }
            (averages[i], next[i]) = (avg, param);
        }
        self.square_avg.copy_from_slice(averages);
        params.copy_from_slice(next);
        self.candidate = candidate;
        self.step += 1;
        Ok(())
    }

    /// Method `"rmsprop"`, the step count and `square_avg`.
    fn state(&self) -> Option<OptimizerState> {
        Some(OptimizerState {
            method: "rmsprop".to_string(),
            step: self.step,
            buffers: vec![("square_avg".to_string(), self.square_avg.clone())],
        })
    }

    fn set_state(&mut self, state: &OptimizerState) -> Result<(), OptimizerStateError> {
        state.check_method("rmsprop")?;
        let len = state.buffer("square_avg").map_or(0, <[f32]>::len);
        let square_avg = state.buffer_of_len("square_avg", len)?;
        OptimizerState::check_values("square_avg", square_avg, true)?;
        self.square_avg = square_avg.to_vec();
        self.step = state.step;
        Ok(())
    }

    fn learning_rate(&self) -> Option<f32> {
        Some(self.learning_rate)
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), OptimizerError> {
        check_learning_rate("RmsProp", learning_rate)?;
        self.learning_rate = learning_rate;
        Ok(())
    }

    /// `learning_rate`, `alpha` and `epsilon`.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("learning_rate", f64::from(self.learning_rate)),
            ("alpha", f64::from(self.alpha)),
            ("epsilon", f64::from(self.epsilon)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_steps_follow_pytorchs_formula() {
        let mut rmsprop = RmsProp::new(0.01);
        let mut params = [1.0f32, -2.0];
        rmsprop.try_step(&mut params, &[0.5, -1.0]).unwrap();
        rmsprop.try_step(&mut params, &[0.25, 2.0]).unwrap();
        // By hand in f64: v₁ = 0.01·g₁², p₁ = p₀ − lr·g₁/(√v₁ + ε); v₂ = 0.99·v₁ + 0.01·g₂².
        let expected = |p0: f64, g1: f64, g2: f64| {
            let v1 = 0.01 * g1 * g1;
            let p1 = p0 - 0.01 * g1 / (v1.sqrt() + 1e-8);
            let v2 = 0.99 * v1 + 0.01 * g2 * g2;
            p1 - 0.01 * g2 / (v2.sqrt() + 1e-8)
        };
        assert!((f64::from(params[0]) - expected(1.0, 0.5, 0.25)).abs() < 1e-6);
        assert!((f64::from(params[1]) - expected(-2.0, -1.0, 2.0)).abs() < 1e-6);
        assert_eq!(rmsprop.state().unwrap().step, 2);
    }

    #[test]
    fn an_overflowing_square_is_refused_with_nothing_changed() {
        let mut rmsprop = RmsProp::new(0.01);
        let mut params = [1.0f32, 1.0];
        rmsprop.try_step(&mut params, &[1.0, 1.0]).unwrap();
        let (before, state) = (params, rmsprop.state());
        let error = rmsprop.try_step(&mut params, &[1.0, 1e30]).unwrap_err();
        assert_eq!(
            error,
            OptimizerError::NonFiniteUpdate {
                buffer: "square_avg",
                index: 1
            }
        );
        assert_eq!((params, rmsprop.state()), (before, state));
    }
}
