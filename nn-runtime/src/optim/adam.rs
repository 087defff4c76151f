//! Adam (Kingma & Ba 2015) with bias correction, as in PyTorch and Keras.

use crate::ops::math;

/// One Adam step; `step` counts from 1.
///
/// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, then
/// `p -= lr / (1−β₁^step) · m / (√v / √(1−β₂^step) + ε)`: PyTorch's formula, with ε added
/// after the bias correction of `v`.
#[allow(clippy::too_many_arguments)]
pub fn adam_step(
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
    step: u32,
    learning_rate: f32,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
) {
    let n = params.len();
    assert!(
        grads.len() == n && m.len() == n && v.len() == n,
        "adam_step: params, grads, m and v must have the same length (got {}, {}, {}, {})",
        n,
        grads.len(),
        m.len(),
        v.len()
    );
    assert!(step >= 1, "adam_step: step counts from 1");
    let update = AdamUpdate::new(step, learning_rate, beta1, beta2, epsilon);
    for (((p, &g), m), v) in params
        .iter_mut()
        .zip(grads)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        (*p, *m, *v) = update.apply(*p, g, *m, *v);
    }
}

/// The coefficients of one Adam step, and the update of one parameter: shared by
/// [`adam_step`] and the check before a checked step, so both see the same values.
#[derive(Clone, Copy)]
struct AdamUpdate {
    step_size: f32,
    inv_sqrt_correction2: f32,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
}

impl AdamUpdate {
    fn new(step: u32, learning_rate: f32, beta1: f32, beta2: f32, epsilon: f32) -> Self {
        // The corrections are computed once per step, in f64: 1 − β^t is a small difference.
        let correction1 = 1.0 - math::powi(f64::from(beta1), step);
        let correction2 = 1.0 - math::powi(f64::from(beta2), step);
        AdamUpdate {
            step_size: (f64::from(learning_rate) / correction1) as f32,
            inv_sqrt_correction2: (1.0 / math::sqrt_f64(correction2)) as f32,
            beta1,
            beta2,
            epsilon,
        }
    }

    /// The new `(p, m, v)` of one parameter.
    #[inline(always)]
    fn apply(&self, p: f32, g: f32, m: f32, v: f32) -> (f32, f32, f32) {
        let m = self.beta1 * m + (1.0 - self.beta1) * g;
        let v = self.beta2 * v + (1.0 - self.beta2) * g * g;
        let denominator = math::sqrt(v) * self.inv_sqrt_correction2 + self.epsilon;
        (p - self.step_size * m / denominator, m, v)
    }
}

/// The first parameter whose Adam step would leave it or a moment NaN or infinite, and
/// which buffer that would be; reads only. Empty moments count as zeros (the first step).
#[cfg(feature = "std")]
fn adam_overflow(
    params: &[f32],
    grads: &[f32],
    m: &[f32],
    v: &[f32],
    update: &AdamUpdate,
) -> Option<(&'static str, usize)> {
    use super::error::non_finite;
    let candidate = |i: usize| {
        let (m, v) = (m.get(i).copied(), v.get(i).copied());
        update.apply(params[i], grads[i], m.unwrap_or(0.0), v.unwrap_or(0.0))
    };
    let bad = |(p, m, v): (f32, f32, f32)| non_finite(p) | non_finite(m) | non_finite(v);
    let count: usize = if m.len() == params.len() && v.len() == params.len() {
        let values = params.iter().zip(grads).zip(m).zip(v);
        values
            .map(|(((&p, &g), &m), &v)| usize::from(bad(update.apply(p, g, m, v))))
            .sum()
    } else {
        (0..params.len())
            .map(|i| usize::from(bad(candidate(i))))
            .sum()
    };
    if count == 0 {
        return None;
    }
    let index = (0..params.len()).find(|&i| bad(candidate(i)))?;
    let (_, m, v) = candidate(index);
    let buffer = if non_finite(m) {
        "m"
    } else if non_finite(v) {
        "v"
    } else {
        "parameter"
    };
    Some((buffer, index))
}

/// The largest gradient magnitude for which a step from finite parameters, with moments of
/// at most `(m_bound, v_bound)`, provably leaves the parameters and the moments finite.
#[cfg(feature = "std")]
fn adam_gradient_limit(update: &AdamUpdate, (m_bound, v_bound): (f64, f64)) -> Option<f32> {
    // |p' − p| = step_size·|m'| / (√v'·c + ε) ≤ step_size·|m'| / ε must be at most
    // UPDATE_LIMIT, with |m'| ≤ β₁·|m| + (1 − β₁)·|g|; and v' ≤ β₂·v + (1 − β₂)·g² must stay
    // finite, which gradients up to 2^60 and v up to 2^120 guarantee.
    const GRADIENT_CAP: f64 = (1u64 << 60) as f64;
    // Also refuses a NaN bound.
    if v_bound.is_nan() || v_bound > GRADIENT_CAP * GRADIENT_CAP {
        return None;
    }
    let beta1 = f64::from(update.beta1);
    let m_limit = guard::UPDATE_LIMIT * f64::from(update.epsilon) / f64::from(update.step_size);
    let room = (m_limit - beta1 * m_bound) / (1.0 - beta1);
    // At most half the room per gradient, so that the bound of m settles below its limit.
    guard::gradient_limit(room.min(m_limit / 2.0).min(GRADIENT_CAP))
}

/// Adam that owns its moment buffers.
///
/// `new` takes any value, and the fields are public; [`Optimizer::validate`](super::Optimizer::validate)
/// (which `fit` calls first) accepts a learning rate that is finite and at least 0, `beta1`
/// and `beta2` in `[0, 1)` and an `epsilon` that is finite and greater than 0.
#[cfg(feature = "std")]
#[derive(Clone)]
pub struct Adam {
    /// Step size.
    pub learning_rate: f32,
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to the denominator.
    pub epsilon: f32,
    m: Vec<f32>,
    v: Vec<f32>,
    step: u32,
    /// Upper bounds of `|m|` and `v`, kept by checked steps; `None` after an unchecked one.
    moment_bounds: Option<(f64, f64)>,
}

#[cfg(feature = "std")]
impl Adam {
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(learning_rate: f32) -> Self {
        Adam {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            m: Vec::new(),
            v: Vec::new(),
            step: 0,
            moment_bounds: Some((0.0, 0.0)),
        }
    }
}

#[cfg(feature = "std")]
use super::guard;

#[cfg(feature = "std")]
impl super::Optimizer for Adam {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        assert_eq!(
            params.len(),
            grads.len(),
            "Adam::step: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        if self.step == 0 {
            // First step: the moments start at zero, sized to the model.
            self.m = vec![0.0; params.len()];
            self.v = vec![0.0; params.len()];
        }
        assert_eq!(
            params.len(),
            self.m.len(),
            "Adam::step: the optimizer was first used with {} parameters and now gets {}; \
             use one optimizer per model",
            self.m.len(),
            params.len()
        );
        // Past u32::MAX steps both corrections are 1 to f32 precision; saturating is exact.
        self.step = self.step.saturating_add(1);
        self.moment_bounds = None;
        adam_step(
            params,
            grads,
            &mut self.m,
            &mut self.v,
            self.step,
            self.learning_rate,
            self.beta1,
            self.beta2,
            self.epsilon,
        );
    }

    fn validate(&self, param_count: usize) -> Result<(), super::OptimizerError> {
        use super::error::{check_hyperparameter, DECAY, NON_NEGATIVE, POSITIVE};
        let checks = [
            ("learning_rate", self.learning_rate, NON_NEGATIVE),
            ("beta1", self.beta1, DECAY),
            ("beta2", self.beta2, DECAY),
            ("epsilon", self.epsilon, POSITIVE),
        ];
        for (name, value, (allowed, accepts)) in checks {
            check_hyperparameter("Adam", name, value, allowed, accepts)?;
        }
        if self.step > 0 && self.m.len() != param_count {
            return Err(super::OptimizerError::ParamCountMismatch {
                expected: self.m.len(),
                found: param_count,
            });
        }
        Ok(())
    }

    /// Compares the gradients with the largest one that provably keeps the step finite
    /// (see the module `guard`); only when one is larger, or NaN, computes every candidate
    /// parameter and moment before writing.
    fn try_step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<(), super::OptimizerError> {
        assert_eq!(
            params.len(),
            grads.len(),
            "Adam::try_step: {} parameters but {} gradients",
            params.len(),
            grads.len()
        );
        super::Optimizer::validate(self, params.len())?;
        let (m, v, bounds): (&[f32], &[f32], _) = if self.step == 0 {
            (&[], &[], Some((0.0, 0.0)))
        } else {
            (&self.m, &self.v, self.moment_bounds)
        };
        let step = self.step.saturating_add(1);
        let update = AdamUpdate::new(
            step,
            self.learning_rate,
            self.beta1,
            self.beta2,
            self.epsilon,
        );
        let limit = bounds
            .and_then(|bounds| adam_gradient_limit(&update, bounds))
            .filter(|&limit| guard::all_within(grads, limit));
        if limit.is_none() {
            super::check_gradients(grads)?;
            if let Some((buffer, index)) = adam_overflow(params, grads, m, v, &update) {
                return Err(super::OptimizerError::NonFiniteUpdate { buffer, index });
            }
        }
        let (m_bound, v_bound) = bounds.unwrap_or((0.0, 0.0));
        super::Optimizer::step(self, params, grads);
        let (beta1, beta2) = (f64::from(self.beta1), f64::from(self.beta2));
        self.moment_bounds = Some(match limit.map(f64::from) {
            Some(g) => (
                beta1 * m_bound + (1.0 - beta1) * g,
                beta2 * v_bound + (1.0 - beta2) * g * g,
            ),
            None => (guard::max_abs(&self.m), guard::max_abs(&self.v)),
        });
        Ok(())
    }

    /// Method `"adam"`, the step count and the moments `m` and `v`.
    fn state(&self) -> Option<super::OptimizerState> {
        Some(super::OptimizerState {
            method: "adam".to_string(),
            step: u64::from(self.step),
            buffers: vec![
                ("m".to_string(), self.m.clone()),
                ("v".to_string(), self.v.clone()),
            ],
        })
    }

    fn set_state(
        &mut self,
        state: &super::OptimizerState,
    ) -> Result<(), super::OptimizerStateError> {
        state.check_method("adam")?;
        let step = u32::try_from(state.step)
            .map_err(|_| super::OptimizerStateError::StepOutOfRange { step: state.step })?;
        // Before the first step the moments are empty; after it, as long as the model.
        let len = state.buffer("m").map_or(0, <[f32]>::len);
        if (step == 0) != (len == 0) {
            return Err(super::OptimizerStateError::Inconsistent {
                detail: format!("step {step} with {len} values in `m`"),
            });
        }
        let m = state.buffer_of_len("m", len)?;
        let v = state.buffer_of_len("v", len)?;
        super::OptimizerState::check_values("m", m, false)?;
        super::OptimizerState::check_values("v", v, true)?;
        self.m = m.to_vec();
        self.v = v.to_vec();
        self.moment_bounds = Some((guard::max_abs(m), guard::max_abs(v)));
        self.step = step;
        Ok(())
    }

    fn learning_rate(&self) -> Option<f32> {
        Some(self.learning_rate)
    }

    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<(), super::OptimizerError> {
        super::check_learning_rate("Adam", learning_rate)?;
        self.learning_rate = learning_rate;
        Ok(())
    }

    /// `learning_rate`, `beta1`, `beta2` and `epsilon`.
    fn hyperparameters(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("learning_rate", f64::from(self.learning_rate)),
            ("beta1", f64::from(self.beta1)),
            ("beta2", f64::from(self.beta2)),
            ("epsilon", f64::from(self.epsilon)),
        ]
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for Adam {
    /// Hyperparameters, the step count and the size of the moments, not their contents.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Adam")
            .field("learning_rate", &self.learning_rate)
            .field("beta1", &self.beta1)
            .field("beta2", &self.beta2)
            .field("epsilon", &self.epsilon)
            .field("step", &self.step)
            .field("param_count", &self.m.len())
            .finish()
    }
}

#[cfg(test)]
#[path = "adam_tests.rs"]
mod tests;
