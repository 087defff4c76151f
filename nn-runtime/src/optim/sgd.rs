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

    fn learning_rate(&self) -> Option<f32> {
        Some(self.learning_rate)
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), super::OptimizerError> {
        super::check_learning_rate("Sgd", learning_rate)?;
        self.learning_rate = learning_rate;
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
#[path = "sgd_tests.rs"]
mod tests;
