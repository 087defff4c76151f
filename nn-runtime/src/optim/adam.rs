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
mod tests {
    use super::*;
    use crate::optim::{Optimizer, OptimizerError};

    /// Adam written out in f64 straight from Kingma & Ba, Algorithm 1 (with ε̂ placement as
    /// in PyTorch): the oracle for the f32 kernel.
    struct Reference {
        m: Vec<f64>,
        v: Vec<f64>,
        t: i32,
    }

    impl Reference {
        fn step(&mut self, p: &mut [f64], g: &[f32], lr: f64, b1: f64, b2: f64, eps: f64) {
            self.t += 1;
            for i in 0..p.len() {
                let g = f64::from(g[i]);
                self.m[i] = b1 * self.m[i] + (1.0 - b1) * g;
                self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g;
                let m_hat = self.m[i] / (1.0 - b1.powi(self.t));
                let v_hat = self.v[i] / (1.0 - b2.powi(self.t));
                p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
            }
        }
    }

    #[test]
    fn first_step_moves_each_parameter_by_the_learning_rate() {
        // With zero moments, m̂ = g and v̂ = g², so the first step is lr · g / (|g| + ε).
        let mut p = [1.0f32, 1.0, 1.0];
        let (mut m, mut v) = ([0.0; 3], [0.0; 3]);
        adam_step(
            &mut p,
            &[0.5, -3.0, 0.0],
            &mut m,
            &mut v,
            1,
            0.01,
            0.9,
            0.999,
            1e-8,
        );
        assert!(
            (p[0] - 0.99).abs() < 1e-6 && (p[1] - 1.01).abs() < 1e-6,
            "{p:?}"
        );
        assert_eq!(p[2], 1.0);
        // m = (1 − β₁) g, v = (1 − β₂) g² (1 − 0.999 is only good to ~1e-5 in f32).
        assert!(
            (m[0] - 0.05).abs() < 1e-7 && (v[1] - 0.009).abs() < 1e-6,
            "{m:?} {v:?}"
        );
    }

    #[test]
    fn several_steps_match_the_f64_formula() {
        let (lr, b1, b2, eps) = (0.05f32, 0.8f32, 0.95f32, 1e-6f32);
        let grads = [
            [0.3f32, -1.2, 4.0, 1e-3],
            [0.1, -1.0, -2.0, 1e-3],
            [-0.4, 0.6, 1.0, -1e-3],
            [0.2, 0.2, 0.2, 0.2],
        ];
        let mut p = [0.5f32, -0.25, 2.0, 0.0];
        let (mut m, mut v) = ([0.0f32; 4], [0.0f32; 4]);
        let mut want: Vec<f64> = p.iter().map(|&x| f64::from(x)).collect();
        let mut reference = Reference {
            m: vec![0.0; 4],
            v: vec![0.0; 4],
            t: 0,
        };
        for (t, g) in grads.iter().enumerate() {
            adam_step(&mut p, g, &mut m, &mut v, t as u32 + 1, lr, b1, b2, eps);
            reference.step(&mut want, g, lr.into(), b1.into(), b2.into(), eps.into());
            for i in 0..4 {
                assert!(
                    (f64::from(p[i]) - want[i]).abs() < 2e-6,
                    "step {}, p[{i}] = {} vs {}",
                    t + 1,
                    p[i],
                    want[i]
                );
            }
        }
    }

    #[test]
    fn adam_struct_matches_the_reference_and_counts_steps() {
        let mut opt = Adam::new(0.1);
        assert_eq!((opt.beta1, opt.beta2, opt.epsilon), (0.9, 0.999, 1e-8));
        let mut p = [1.0f32, -1.0];
        let mut want = [1.0f64, -1.0];
        let mut reference = Reference {
            m: vec![0.0; 2],
            v: vec![0.0; 2],
            t: 0,
        };
        for g in [[0.5f32, 0.25], [-0.1, 0.3], [0.2, -0.2]] {
            opt.step(&mut p, &g);
            reference.step(&mut want, &g, 0.1, 0.9, 0.999, 1e-8);
        }
        for i in 0..2 {
            assert!(
                (f64::from(p[i]) - want[i]).abs() < 1e-5,
                "{p:?} vs {want:?}"
            );
        }
        let debug = format!("{opt:?}");
        assert!(
            debug.contains("step: 3") && debug.contains("param_count: 2"),
            "{debug}"
        );
        // A clone carries the moments: both continue identically.
        let mut twin = opt.clone();
        let mut q = p;
        opt.step(&mut p, &[1.0, 1.0]);
        twin.step(&mut q, &[1.0, 1.0]);
        assert_eq!(p, q);
    }

    #[test]
    fn adam_finds_the_minimum_of_a_quadratic() {
        // f(p) = Σ a_i (p_i − c_i)², gradient 2 a_i (p_i − c_i); badly scaled on purpose.
        let (a, c) = ([1.0f32, 10.0, 0.1], [3.0f32, -2.0, 0.5]);
        let mut p = [0.0f32; 3];
        let mut opt = Adam::new(0.05);
        for _ in 0..3000 {
            let g: Vec<f32> = (0..3).map(|i| 2.0 * a[i] * (p[i] - c[i])).collect();
            opt.step(&mut p, &g);
        }
        for i in 0..3 {
            assert!((p[i] - c[i]).abs() < 1e-2, "p = {p:?}, minimum at {c:?}");
        }
    }

    #[test]
    #[should_panic(expected = "first used with 2 parameters and now gets 3")]
    fn adam_struct_rejects_a_changed_parameter_count() {
        let mut opt = Adam::new(0.1);
        opt.step(&mut [0.0; 2], &[0.0; 2]);
        opt.step(&mut [0.0; 3], &[0.0; 3]);
    }

    #[test]
    fn invalid_hyperparameters_are_named_with_their_value_and_range() {
        let cases = [
            (
                Adam::new(-1.0),
                "learning_rate is -1, but it must be finite and at least 0",
            ),
            (Adam::new(f32::NAN), "learning_rate is NaN"),
            (Adam::new(f32::INFINITY), "learning_rate is inf"),
            (
                Adam {
                    beta1: 1.0,
                    ..Adam::new(0.1)
                },
                "beta1 is 1, but it must be in [0, 1)",
            ),
            (
                Adam {
                    beta2: -0.5,
                    ..Adam::new(0.1)
                },
                "beta2 is -0.5",
            ),
            (
                Adam {
                    beta2: f32::NAN,
                    ..Adam::new(0.1)
                },
                "beta2 is NaN",
            ),
            (
                Adam {
                    epsilon: 0.0,
                    ..Adam::new(0.1)
                },
                "epsilon is 0, but it must be finite and greater than 0",
            ),
        ];
        for (mut opt, message) in cases {
            let error = opt.validate(2).unwrap_err();
            assert!(error.to_string().contains(message), "{error}");
            let mut p = [1.0f32, 2.0];
            assert_eq!(
                opt.try_step(&mut p, &[0.5, 0.5]).map_err(|e| e.to_string()),
                Err(error.to_string())
            );
            assert_eq!((p, opt.step), ([1.0, 2.0], 0));
        }
        assert_eq!(Adam::new(0.0).validate(2), Ok(()));
    }

    /// The state (moments and step count) and parameters, to compare before and after.
    fn snapshot(opt: &Adam, p: &[f32]) -> (Vec<u32>, Vec<u32>, Vec<u32>, u32) {
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect();
        (bits(p), bits(&opt.m), bits(&opt.v), opt.step)
    }

    #[test]
    fn a_refused_step_changes_nothing() {
        let mut opt = Adam::new(0.1);
        let mut p = [1.0f32, -1.0, 0.5];
        opt.try_step(&mut p, &[0.1, 0.2, 0.3]).unwrap();
        let before = snapshot(&opt, &p);
        let error = opt.try_step(&mut p, &[0.1, f32::NAN, 0.3]).unwrap_err();
        assert!(
            matches!(error, OptimizerError::NonFiniteGradient { index: 1, value } if value.is_nan()),
            "{error:?}"
        );
        assert_eq!(snapshot(&opt, &p), before);
        // A finite gradient whose square overflows: the second moment would be infinite.
        let error = opt.try_step(&mut p, &[0.1, 0.2, 3e22]).unwrap_err();
        assert_eq!(
            error,
            OptimizerError::NonFiniteUpdate {
                buffer: "v",
                index: 2
            }
        );
        assert_eq!(snapshot(&opt, &p), before);
        // A huge learning rate: the parameter would overflow.
        opt.learning_rate = 3e38;
        let error = opt.try_step(&mut p, &[1.0, 0.2, 0.3]).unwrap_err();
        assert_eq!(
            error,
            OptimizerError::NonFiniteUpdate {
                buffer: "parameter",
                index: 0
            }
        );
        assert_eq!(snapshot(&opt, &p), before);
    }

    #[test]
    fn a_checked_step_is_the_unchecked_step_bit_for_bit() {
        let (mut checked, mut unchecked) = (Adam::new(0.05), Adam::new(0.05));
        let (mut p, mut q) = ([0.5f32, -0.25, 2.0], [0.5f32, -0.25, 2.0]);
        for g in [[0.3f32, -1.2, 4.0], [0.1, -1.0, -2.0], [-0.4, 0.6, 1.0]] {
            checked.try_step(&mut p, &g).unwrap();
            unchecked.step(&mut q, &g);
            assert_eq!(snapshot(&checked, &p), snapshot(&unchecked, &q));
        }
    }

    #[test]
    fn reusing_an_optimizer_for_a_model_of_another_size_is_an_error() {
        let mut opt = Adam::new(0.1);
        opt.try_step(&mut [0.0; 2], &[1.0; 2]).unwrap();
        let expected = OptimizerError::ParamCountMismatch {
            expected: 2,
            found: 3,
        };
        assert_eq!(opt.validate(3), Err(expected.clone()));
        let mut p = [1.0f32; 3];
        assert_eq!(opt.try_step(&mut p, &[1.0; 3]), Err(expected));
        assert_eq!((p, opt.step), ([1.0; 3], 1));
    }

    #[test]
    #[should_panic(expected = "step counts from 1")]
    fn step_zero_is_rejected() {
        adam_step(
            &mut [0.0],
            &[0.0],
            &mut [0.0],
            &mut [0.0],
            0,
            0.1,
            0.9,
            0.999,
            1e-8,
        );
    }
}
