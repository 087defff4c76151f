//! Stochastic gradient descent with optional (heavy-ball) momentum, PyTorch's formulation.

/// `v = momentum·v + g; p -= lr·v` (with `momentum == 0`, plain `p -= lr·g`; `velocity` unused).
pub fn sgd_step(
    params: &mut [f32],
    grads: &[f32],
    velocity: &mut [f32],
    learning_rate: f32,
    momentum: f32,
) {
    assert_eq!(
        params.len(),
        grads.len(),
        "sgd_step: {} parameters but {} gradients",
        params.len(),
        grads.len()
    );
    if momentum == 0.0 {
        for (p, &g) in params.iter_mut().zip(grads) {
            *p -= learning_rate * g;
        }
        return;
    }
    assert_eq!(
        velocity.len(),
        params.len(),
        "sgd_step: velocity has {} values for {} parameters",
        velocity.len(),
        params.len()
    );
    for ((p, &g), v) in params.iter_mut().zip(grads).zip(velocity.iter_mut()) {
        *v = momentum * *v + g;
        *p -= learning_rate * *v;
    }
}

/// SGD that owns its velocity buffer.
#[cfg(feature = "std")]
#[derive(Clone)]
pub struct Sgd {
    /// Step size.
    pub learning_rate: f32,
    /// Momentum coefficient; 0 disables it.
    pub momentum: f32,
    velocity: Vec<f32>,
    /// The parameter count fixed by the first step.
    param_count: Option<usize>,
    /// Steps taken.
    steps: u64,
}

#[cfg(feature = "std")]
impl Sgd {
    /// Plain SGD.
    pub fn new(learning_rate: f32) -> Self {
        Sgd {
            learning_rate,
            momentum: 0.0,
            velocity: Vec::new(),
            param_count: None,
            steps: 0,
        }
    }
    /// With heavy-ball momentum.
    pub fn with_momentum(self, momentum: f32) -> Self {
        Sgd { momentum, ..self }
    }
}

#[cfg(feature = "std")]
impl super::Optimizer for Sgd {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        assert_eq!(
            params.len(),
            grads.len(),
            "Sgd::step: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        let count = *self.param_count.get_or_insert(params.len());
        assert_eq!(
            params.len(),
            count,
            "Sgd::step: the optimizer was first used with {count} parameters and now gets {}; \
             use one optimizer per model",
            params.len()
        );
        // The velocity starts at zero the first time momentum is on (also if it is switched
        // on after some plain steps), as PyTorch's momentum buffer does.
        if self.momentum != 0.0 && self.velocity.len() != count {
            self.velocity = vec![0.0; count];
        }
        sgd_step(
            params,
            grads,
            &mut self.velocity,
            self.learning_rate,
            self.momentum,
        );
        self.steps += 1;
    }

    /// Method `"sgd"`, the step count and the momentum buffer `velocity` (empty until a
    /// step with momentum).
    fn state(&self) -> Option<super::OptimizerState> {
        Some(super::OptimizerState {
            method: "sgd".to_string(),
            step: self.steps,
            buffers: vec![("velocity".to_string(), self.velocity.clone())],
        })
    }

    fn set_state(
        &mut self,
        state: &super::OptimizerState,
    ) -> Result<(), super::OptimizerStateError> {
        state.check_method("sgd")?;
        let len = state.buffer("velocity").map_or(0, <[f32]>::len);
        let velocity = state.buffer_of_len("velocity", len)?;
        if let Some(count) = self.param_count.filter(|&count| len != 0 && len != count) {
            return Err(super::OptimizerStateError::BadBuffer {
                name: "velocity".to_string(),
                found: Some(len),
                expected: count,
            });
        }
        self.velocity = velocity.to_vec();
        if len != 0 {
            self.param_count = Some(len);
        }
        self.steps = state.step;
        Ok(())
    }

    /// `learning_rate` and `momentum`.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("learning_rate", f64::from(self.learning_rate)),
            ("momentum", f64::from(self.momentum)),
        ]
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for Sgd {
    /// Hyperparameters and sizes, not the (possibly huge) velocity buffer.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sgd")
            .field("learning_rate", &self.learning_rate)
            .field("momentum", &self.momentum)
            .field("param_count", &self.param_count)
            .field("steps", &self.steps)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sgd_moves_against_the_gradient_and_ignores_an_empty_velocity() {
        let mut p = [1.0f32, -2.0, 0.5];
        let g = [0.5f32, -1.0, 0.0];
        sgd_step(&mut p, &g, &mut [], 0.1, 0.0);
        assert_eq!(p, [1.0 - 0.1 * 0.5, -2.0 + 0.1, 0.5]);
    }

    #[test]
    fn momentum_accumulates_velocity_over_steps() {
        // Expected values from the recurrence, in f64: v₁ = g₁, v₂ = μ v₁ + g₂, v₃ = μ v₂ + g₃.
        let (lr, mu) = (0.1f64, 0.9f64);
        let grads = [[1.0f32, -2.0], [0.5, 0.5], [-1.0, 0.25]];
        let mut p = [0.3f32, 0.7];
        let mut v = [0.0f32; 2];
        let (mut want_p, mut want_v) = ([0.3f64, 0.7], [0.0f64; 2]);
        for g in grads {
            sgd_step(&mut p, &g, &mut v, lr as f32, mu as f32);
            for i in 0..2 {
                want_v[i] = mu * want_v[i] + f64::from(g[i]);
                want_p[i] -= lr * want_v[i];
                assert!(
                    (f64::from(v[i]) - want_v[i]).abs() < 1e-6,
                    "v[{i}] {} vs {}",
                    v[i],
                    want_v[i]
                );
                assert!(
                    (f64::from(p[i]) - want_p[i]).abs() < 1e-6,
                    "p[{i}] {} vs {}",
                    p[i],
                    want_p[i]
                );
            }
        }
        // Hand check of the first coordinate: v = 1, 1.4, 0.26; p = 0.3 − 0.1·(1 + 1.4 + 0.26).
        assert!((p[0] - 0.034).abs() < 1e-6, "{}", p[0]);
    }

    #[test]
    fn momentum_keeps_moving_after_the_gradient_vanishes() {
        let mut p = [0.0f32];
        let mut v = [0.0f32];
        sgd_step(&mut p, &[1.0], &mut v, 1.0, 0.5);
        sgd_step(&mut p, &[0.0], &mut v, 1.0, 0.5);
        assert_eq!((p, v), ([-1.5], [0.5]));
    }

    #[test]
    fn sgd_struct_matches_the_slice_step() {
        use crate::optim::Optimizer;
        let mut opt = Sgd::new(0.05).with_momentum(0.8);
        assert_eq!((opt.learning_rate, opt.momentum), (0.05, 0.8));
        let (mut p, mut q) = ([1.0f32, 2.0, 3.0], [1.0f32, 2.0, 3.0]);
        let mut v = [0.0f32; 3];
        for g in [[0.1f32, 0.2, 0.3], [-0.3, 0.0, 1.0], [0.5, 0.5, 0.5]] {
            opt.step(&mut p, &g);
            sgd_step(&mut q, &g, &mut v, 0.05, 0.8);
            assert_eq!(p, q);
        }
        assert!(format!("{opt:?}").contains("momentum: 0.8"));
    }

    #[test]
    #[should_panic(expected = "first used with 3 parameters and now gets 2")]
    fn sgd_struct_rejects_a_changed_parameter_count() {
        use crate::optim::Optimizer;
        let mut opt = Sgd::new(0.1);
        opt.step(&mut [0.0; 3], &[0.0; 3]);
        opt.step(&mut [0.0; 2], &[0.0; 2]);
    }

    #[test]
    #[should_panic(expected = "velocity has 1 values for 2 parameters")]
    fn momentum_needs_a_full_velocity() {
        sgd_step(&mut [0.0; 2], &[0.0; 2], &mut [0.0; 1], 0.1, 0.9);
    }
}
