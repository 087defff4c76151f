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

/// The first parameter whose update by [`sgd_step`] would be NaN or infinite, and which
/// buffer would hold it (a non-finite gradient makes both non-finite); reads only. An empty
/// `velocity` counts as zeros.
#[cfg(feature = "std")]
fn sgd_overflow(
    params: &[f32],
    grads: &[f32],
    velocity: &[f32],
    learning_rate: f32,
    momentum: f32,
) -> Option<(&'static str, usize)> {
    use super::error::{flagged, non_finite, non_finite_flag};
    // The same expressions as `sgd_step`, so the check sees the values it would write; one
    // branch-free pass for the common case that all is well.
    let flags = if momentum == 0.0 {
        let pairs = params.iter().zip(grads);
        pairs.fold(0, |flags, (&p, &g)| {
            flags | non_finite_flag(p - learning_rate * g)
        })
    } else if velocity.len() == params.len() {
        let triples = params.iter().zip(grads).zip(velocity);
        triples.fold(0, |flags, ((&p, &g), &v)| {
            let v = momentum * v + g;
            flags | non_finite_flag(v) | non_finite_flag(p - learning_rate * v)
        })
    } else {
        let pairs = params.iter().zip(grads);
        pairs.fold(0, |flags, (&p, &g)| {
            flags | non_finite_flag(g) | non_finite_flag(p - learning_rate * g)
        })
    };
    if !flagged(flags) {
        return None;
    }
    // Rare: find the first offender and what it is.
    let new_velocity = |i: usize| momentum * velocity.get(i).copied().unwrap_or(0.0) + grads[i];
    (0..params.len()).find_map(|i| {
        let v = if momentum == 0.0 {
            grads[i]
        } else {
            new_velocity(i)
        };
        if momentum != 0.0 && non_finite(v) {
            Some(("velocity", i))
        } else if non_finite(params[i] - learning_rate * v) {
            Some(("parameter", i))
        } else {
            None
        }
    })
}

/// The largest gradient magnitude for which a step from finite parameters, with a velocity
/// of at most `velocity_bound`, provably leaves the velocity and the parameters finite.
#[cfg(feature = "std")]
fn sgd_gradient_limit(learning_rate: f32, momentum: f32, velocity_bound: f64) -> Option<f32> {
    let (learning_rate, momentum) = (f64::from(learning_rate), f64::from(momentum));
    // |v'| ≤ momentum·|v| + |g| must stay finite, and learning_rate·|v'| ≤ UPDATE_LIMIT.
    let velocity_limit = (guard::UPDATE_LIMIT / learning_rate).min(f64::from(f32::MAX) / 2.0);
    if momentum == 0.0 {
        return guard::gradient_limit(velocity_limit);
    }
    // At most half the room per gradient, so that the bound, which grows by the limit each
    // step and decays by the momentum, settles below the velocity limit.
    let room = velocity_limit - momentum * velocity_bound;
    guard::gradient_limit(((1.0 - momentum) * velocity_limit / 2.0).min(room))
}

/// SGD that owns its velocity buffer.
///
/// `new` and `with_momentum` take any value; [`Optimizer::validate`](super::Optimizer::validate)
/// (which `fit` calls first) accepts a learning rate that is finite and at least 0 and a
/// momentum in `[0, 1)`.
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
    /// An upper bound of `|velocity|`, kept by checked steps; `None` after an unchecked one.
    velocity_bound: Option<f64>,
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
            velocity_bound: Some(0.0),
            steps: 0,
        }
    }
    /// With heavy-ball momentum.
    pub fn with_momentum(self, momentum: f32) -> Self {
        Sgd { momentum, ..self }
    }
}

#[cfg(feature = "std")]
use super::guard;

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
        self.velocity_bound = None;
        sgd_step(
            params,
            grads,
            &mut self.velocity,
            self.learning_rate,
            self.momentum,
        );
        self.steps += 1;
    }

    fn validate(&self, param_count: usize) -> Result<(), super::OptimizerError> {
        use super::error::{check_hyperparameter, DECAY, NON_NEGATIVE};
        let (allowed, accepts) = NON_NEGATIVE;
        check_hyperparameter("Sgd", "learning_rate", self.learning_rate, allowed, accepts)?;
        let (allowed, accepts) = DECAY;
        check_hyperparameter("Sgd", "momentum", self.momentum, allowed, accepts)?;
        match self.param_count {
            Some(expected) if expected != param_count => {
                Err(super::OptimizerError::ParamCountMismatch {
                    expected,
                    found: param_count,
                })
            }
            _ => Ok(()),
        }
    }

    /// Compares the gradients with the largest one that provably keeps the step finite
    /// (see the module `guard`); only when one is larger, or NaN, computes every candidate
    /// velocity and parameter before writing.
    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), super::OptimizerError> {
        assert_eq!(
            params.len(),
            grads.len(),
            "Sgd::try_step: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        super::Optimizer::validate(self, params.len())?;
        let (learning_rate, momentum) = (self.learning_rate, self.momentum);
        // A velocity of another length is about to be replaced by zeros (see `step`).
        let (velocity, velocity_bound) = if self.velocity.len() == params.len() {
            (&self.velocity[..], self.velocity_bound)
        } else {
            (&[][..], Some(0.0))
        };
        let limit = velocity_bound
            .and_then(|bound| sgd_gradient_limit(learning_rate, momentum, bound))
            .filter(|&limit| guard::all_within(grads, limit));
        if limit.is_none() {
            let overflow = sgd_overflow(params, grads, velocity, learning_rate, momentum);
            if let Some((buffer, index)) = overflow {
                // A non-finite gradient is the likelier cause, and the more useful report.
                super::check_gradients(grads)?;
                return Err(super::OptimizerError::NonFiniteUpdate { buffer, index });
            }
        }
        let before = velocity_bound.unwrap_or(0.0);
        super::Optimizer::step(self, params, grads);
        self.velocity_bound = Some(match limit {
            Some(limit) => f64::from(momentum) * before + f64::from(limit),
            None => guard::max_abs(&self.velocity),
        });
        Ok(())
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
        super::OptimizerState::check_values("velocity", velocity, false)?;
        if let Some(count) = self.param_count.filter(|&count| len != 0 && len != count) {
            return Err(super::OptimizerStateError::BadBuffer {
                name: "velocity".to_string(),
                found: Some(len),
                expected: count,
            });
        }
        self.velocity = velocity.to_vec();
        self.velocity_bound = Some(guard::max_abs(velocity));
        if len != 0 {
            self.param_count = Some(len);
        }
        self.steps = state.step;
        Ok(())
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
    fn invalid_hyperparameters_are_named_with_their_value_and_range() {
        use crate::optim::Optimizer;
        let cases = [
            (
                Sgd::new(f32::NAN),
                "Sgd: learning_rate is NaN, but it must be finite and at least 0",
            ),
            (Sgd::new(f32::NEG_INFINITY), "learning_rate is -inf"),
            (Sgd::new(-0.1), "learning_rate is -0.1"),
            (
                Sgd::new(0.1).with_momentum(f32::NAN),
                "momentum is NaN, but it must be in [0, 1)",
            ),
            (Sgd::new(0.1).with_momentum(1.0), "momentum is 1"),
            (Sgd::new(0.1).with_momentum(-0.5), "momentum is -0.5"),
        ];
        for (mut opt, message) in cases {
            let error = opt.validate(2).unwrap_err();
            assert!(error.to_string().contains(message), "{error}");
            let mut p = [1.0f32, 2.0];
            assert_eq!(
                opt.try_step(&mut p, &[0.5, 0.5]).map_err(|e| e.to_string()),
                Err(error.to_string())
            );
            assert_eq!((p, opt.steps), ([1.0, 2.0], 0));
        }
        assert_eq!(Sgd::new(0.0).with_momentum(0.99).validate(2), Ok(()));
    }

    #[test]
    fn a_refused_step_changes_nothing_and_a_taken_one_is_the_plain_step() {
        use crate::optim::{Optimizer, OptimizerError};
        for momentum in [0.0, 0.9] {
            let mut opt = Sgd::new(0.5).with_momentum(momentum);
            let mut twin = opt.clone();
            let (mut p, mut q) = ([1.0f32, -1.0], [1.0f32, -1.0]);
            opt.try_step(&mut p, &[0.25, 0.5]).unwrap();
            twin.step(&mut q, &[0.25, 0.5]);
            assert_eq!((p, &opt.velocity), (q, &twin.velocity));
            let error = opt.try_step(&mut p, &[f32::INFINITY, 0.5]).unwrap_err();
            assert!(
                matches!(error, OptimizerError::NonFiniteGradient { index: 0, value } if value.is_infinite()),
                "{error:?}"
            );
            opt.learning_rate = 3e38;
            let error = opt.try_step(&mut p, &[0.25, 4.0]).unwrap_err();
            assert_eq!(
                error,
                OptimizerError::NonFiniteUpdate {
                    buffer: "parameter",
                    index: 1
                }
            );
            assert_eq!((p, &opt.velocity, opt.steps), (q, &twin.velocity, 1));
        }
        // The velocity itself overflows.
        let mut opt = Sgd::new(0.0).with_momentum(0.5);
        let mut p = [0.0f32];
        opt.try_step(&mut p, &[3e38]).unwrap();
        let error = opt.try_step(&mut p, &[3e38]).unwrap_err();
        assert_eq!(
            error,
            OptimizerError::NonFiniteUpdate {
                buffer: "velocity",
                index: 0
            }
        );
        assert_eq!(opt.velocity, [3e38]);
    }

    #[test]
    fn reusing_an_optimizer_for_a_model_of_another_size_is_an_error() {
        use crate::optim::{Optimizer, OptimizerError};
        let mut opt = Sgd::new(0.1);
        opt.try_step(&mut [0.0; 3], &[0.0; 3]).unwrap();
        let expected = OptimizerError::ParamCountMismatch {
            expected: 3,
            found: 2,
        };
        assert_eq!(opt.validate(2), Err(expected.clone()));
        assert_eq!(opt.try_step(&mut [0.0; 2], &[0.0; 2]), Err(expected));
    }

    #[test]
    #[should_panic(expected = "velocity has 1 values for 2 parameters")]
    fn momentum_needs_a_full_velocity() {
        sgd_step(&mut [0.0; 2], &[0.0; 2], &mut [0.0; 1], 0.1, 0.9);
    }
}
