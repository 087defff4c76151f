//! Gradient clipping.

use crate::ops::math;

/// Scales `grads` so their L2 norm is at most `max_norm`; returns the norm before clipping.
///
/// The norm is accumulated in `f64`, so it neither overflows nor loses small gradients. If it
/// is not finite (a gradient is NaN or infinite), `grads` are left as they are and the norm
/// is returned for the caller to act on. A norm beyond `f32::MAX` comes back as infinity
/// even though finite gradients are still scaled.
pub fn clip_global_norm(grads: &mut [f32], max_norm: f32) -> f32 {
    assert!(
        max_norm >= 0.0,
        "clip_global_norm: max_norm must be non-negative, got {max_norm}"
    );
    let sum_of_squares: f64 = grads.iter().map(|&g| f64::from(g) * f64::from(g)).sum();
    let norm = math::sqrt_f64(sum_of_squares);
    if norm.is_finite() && norm > f64::from(max_norm) {
        let scale = (f64::from(max_norm) / norm) as f32;
        grads.iter_mut().for_each(|g| *g *= scale);
    }
    norm as f32
}

/// Any optimizer, fed gradients whose global L2 norm is clipped to `max_norm` first: the
/// usual guard against exploding gradients when training recurrent networks.
///
/// ```
/// use nn_runtime::optim::{ClipGlobalNorm, Optimizer};
/// use nn_runtime::Sgd;
/// let mut optimizer = ClipGlobalNorm::new(Sgd::new(1.0), 1.0);
/// let mut params = [0.0f32; 2];
/// optimizer.step(&mut params, &[30.0, 40.0]); // norm 50, scaled to 1
/// assert!((params[0] + 0.6).abs() < 1e-6 && (params[1] + 0.8).abs() < 1e-6);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Debug)]
pub struct ClipGlobalNorm<O> {
    /// The optimizer that takes the clipped gradients.
    pub inner: O,
    /// Largest gradient norm passed on.
    pub max_norm: f32,
    clipped: std::vec::Vec<f32>,
}

#[cfg(feature = "std")]
impl<O: super::Optimizer> ClipGlobalNorm<O> {
    /// Clips to `max_norm`, then lets `inner` update.
    ///
    /// Takes any value; [`Optimizer::validate`](super::Optimizer::validate) (which `fit`
    /// calls first) accepts a `max_norm` that is finite and greater than 0 (a limit of 0
    /// would zero every gradient, and training would silently stop).
    pub fn new(inner: O, max_norm: f32) -> Self {
        ClipGlobalNorm {
            inner,
            max_norm,
            clipped: std::vec::Vec::new(),
        }
    }
}

#[cfg(feature = "std")]
impl<O: super::Optimizer> super::Optimizer for ClipGlobalNorm<O> {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        // The copy is made once and reused, so a step allocates nothing.
        self.clipped.clear();
        self.clipped.extend_from_slice(grads);
        clip_global_norm(&mut self.clipped, self.max_norm);
        self.inner.step(params, &self.clipped);
    }

    fn validate(&self, param_count: usize) -> Result<(), super::OptimizerError> {
        let (allowed, accepts) = super::error::POSITIVE;
        super::error::check_hyperparameter(
            "ClipGlobalNorm",
            "max_norm",
            self.max_norm,
            allowed,
            accepts,
        )?;
        self.inner.validate(param_count)
    }

    /// Validates, clips (a non-finite norm leaves the gradients as they are) and lets the
    /// inner optimizer take a checked step.
    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), super::OptimizerError> {
        super::Optimizer::validate(self, params.len())?;
        self.clipped.clear();
        self.clipped.extend_from_slice(grads);
        clip_global_norm(&mut self.clipped, self.max_norm);
        self.inner.try_step(params, &self.clipped)
    }

    /// The wrapped optimizer's state: clipping itself keeps none between steps.
    fn state(&self) -> Option<super::OptimizerState> {
        self.inner.state()
    }

    fn set_state(
        &mut self,
        state: &super::OptimizerState,
    ) -> Result<(), super::OptimizerStateError> {
        self.inner.set_state(state)
    }

    fn learning_rate(&self) -> Option<f32> {
        self.inner.learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), super::OptimizerError> {
        self.inner.set_learning_rate(learning_rate)
    }

    /// `max_norm`, then the wrapped optimizer's.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        let mut hyperparameters = vec![("max_norm", f64::from(self.max_norm))];
        hyperparameters.extend(self.inner.hyperparameters());
        hyperparameters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l2(values: &[f32]) -> f64 {
        values
            .iter()
            .map(|&v| f64::from(v).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn large_gradients_are_scaled_to_the_limit_keeping_direction() {
        let mut g = [3.0f32, -4.0, 0.0, 12.0]; // norm 13
        let norm = clip_global_norm(&mut g, 1.0);
        assert_eq!(norm, 13.0);
        let want = [3.0 / 13.0, -4.0 / 13.0, 0.0, 12.0 / 13.0];
        for (got, want) in g.iter().zip(want) {
            assert!((got - want).abs() < 1e-7, "{g:?}");
        }
        assert!((l2(&g) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gradients_just_over_the_limit_are_clipped() {
        let mut g = [0.6f32, 0.8, 0.0]; // norm 1
        let norm = clip_global_norm(&mut g, 0.9);
        assert!((norm - 1.0).abs() < 1e-7);
        assert!(
            (l2(&g) - 0.9).abs() < 1e-6 && (g[0] / g[1] - 0.75).abs() < 1e-6,
            "{g:?}"
        );
    }

    #[test]
    fn small_gradients_are_untouched() {
        let mut g = [0.3f32, 0.4];
        assert!((clip_global_norm(&mut g, 1.0) - 0.5).abs() < 1e-7);
        assert_eq!(g, [0.3, 0.4]);
        // Exactly at the limit: untouched too.
        let mut g = [3.0f32, 4.0];
        assert_eq!(clip_global_norm(&mut g, 5.0), 5.0);
        assert_eq!(g, [3.0, 4.0]);
    }

    #[test]
    fn non_finite_gradients_are_reported_not_scaled() {
        let mut g = [1.0f32, f32::NAN, 2.0];
        assert!(clip_global_norm(&mut g, 1.0).is_nan());
        assert_eq!((g[0], g[2]), (1.0, 2.0));
        let mut g = [f32::INFINITY, 1.0];
        assert_eq!(clip_global_norm(&mut g, 1.0), f32::INFINITY);
        assert_eq!(g[1], 1.0);
    }

    #[test]
    fn huge_finite_gradients_do_not_overflow_the_norm() {
        // Their squares overflow f32, but the norm (≈ 4.2e30) does not.
        let mut g = [3e30f32, -3e30];
        let norm = clip_global_norm(&mut g, 2.0);
        assert!(
            (f64::from(norm) / (3e30 * 2f64.sqrt()) - 1.0).abs() < 1e-6,
            "{norm}"
        );
        assert!((l2(&g) - 2.0).abs() < 1e-5, "{g:?}");
        // Tiny ones are not lost to underflow either.
        let mut g = [3e-30f32, 4e-30];
        assert!((f64::from(clip_global_norm(&mut g, 1.0)) / 5e-30 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn zero_limit_zeroes_and_empty_is_fine() {
        let mut g = [1.0f32, -2.0];
        clip_global_norm(&mut g, 0.0);
        assert_eq!(g, [0.0, -0.0]);
        assert_eq!(clip_global_norm(&mut [], 1.0), 0.0);
    }

    #[test]
    fn the_wrapper_clips_before_the_inner_step_and_passes_small_gradients_unchanged() {
        use crate::optim::{Optimizer, Sgd};
        let mut optimizer = ClipGlobalNorm::new(Sgd::new(0.5), 2.0);
        let mut p = [1.0f32, 1.0];
        optimizer.step(&mut p, &[0.0, 10.0]); // norm 10 → (0, 2)
        assert_eq!(p, [1.0, 0.0]);
        optimizer.step(&mut p, &[0.6, 0.8]); // norm 1: untouched
        assert!(
            (p[0] - 0.7).abs() < 1e-6 && (p[1] + 0.4).abs() < 1e-6,
            "{p:?}"
        );
    }

    #[test]
    fn a_limit_that_is_not_positive_and_finite_is_refused() {
        use crate::optim::{Optimizer, Sgd};
        for max_norm in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let mut optimizer = ClipGlobalNorm::new(Sgd::new(0.5), max_norm);
            let error = optimizer.validate(2).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(&format!("ClipGlobalNorm: max_norm is {max_norm}, but it must be finite and greater than 0")),
                "{message}"
            );
            let mut p = [1.0f32, 1.0];
            assert_eq!(
                optimizer
                    .try_step(&mut p, &[1.0, 1.0])
                    .map_err(|e| e.to_string()),
                Err(message)
            );
            assert_eq!(p, [1.0, 1.0]);
        }
        // The inner optimizer's hyperparameters are checked too.
        let optimizer = ClipGlobalNorm::new(Sgd::new(-1.0), 1.0);
        assert!(optimizer
            .validate(2)
            .unwrap_err()
            .to_string()
            .contains("learning_rate is -1"));
    }

    #[test]
    fn non_finite_gradients_reach_the_inner_check_unclipped() {
        use crate::optim::{Optimizer, OptimizerError, Sgd};
        let mut optimizer = ClipGlobalNorm::new(Sgd::new(0.5), 1.0);
        let mut p = [1.0f32, 1.0];
        let error = optimizer.try_step(&mut p, &[2.0, f32::NAN]).unwrap_err();
        assert!(
            matches!(error, OptimizerError::NonFiniteGradient { index: 1, .. }),
            "{error:?}"
        );
        assert_eq!(p, [1.0, 1.0]);
        optimizer.try_step(&mut p, &[0.0, 10.0]).unwrap();
        assert_eq!(p, [1.0, 0.5]);
    }
}
