//! The cheap check before a step: whether the gradients are small enough that the update
//! provably stays finite, so that only the gradients need reading.
//!
//! For finite `p` and `|u| ≤ 2^100`, `p − u` is finite: even from `±f32::MAX` it lands within
//! half a unit in the last place (2^103 there) and rounds back to `±f32::MAX`. So a step
//! whose update is at most 2^100 in every element, from finite parameters and state, leaves
//! everything finite. The optimizers keep upper bounds of their state's magnitudes, derive
//! from them the largest gradient for which that holds, and compare every gradient with it
//! in one branch-free pass (which a NaN fails too). Only when a gradient fails it do they
//! compute every candidate value before writing.

/// The largest update magnitude the fast check allows.
pub(crate) const UPDATE_LIMIT: f64 = (1u128 << 100) as f64;

/// Whether every value is within `[-limit, limit]` (NaN is not), in one branch-free pass;
/// `limit` must be finite and not negative. Uses the kernel table's variant (AVX2 on x86-64
/// when the CPU has it).
#[inline]
pub(crate) fn all_within(values: &[f32], limit: f32) -> bool {
    (crate::ops::kernels::active().all_within)(values, limit)
}

/// [`all_within_portable`] compiled for AVX2: the same loop, eight lanes wide.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn all_within_avx2(values: &[f32], limit: f32) -> bool {
    all_within_portable(values, limit)
}

/// The bits of `|x|` are above those of `limit` exactly when `|x| > limit` or `x` is NaN;
/// `limit − |x|` in those bits (both below 2^31, so it cannot overflow) is then negative,
/// and OR-ing the differences keeps any sign: a reduction that vectorizes.
#[inline(always)]
pub(crate) fn all_within_portable(values: &[f32], limit: f32) -> bool {
    let limit = limit.to_bits() as i32;
    let signs = values.iter().fold(0i32, |signs, &x| {
        signs | (limit - (x.to_bits() & 0x7fff_ffff) as i32)
    });
    signs >= 0
}

/// The largest magnitude in `values` (0 when empty); only after a step that needed the
/// careful check, so it may take its time.
pub(crate) fn max_abs(values: &[f32]) -> f64 {
    values
        .iter()
        .map(|&x| f64::from(x.abs()))
        .fold(0.0, f64::max)
}

/// `limit` as an `f32` no larger than it, or `None` when it is not positive.
pub(crate) fn gradient_limit(limit: f64) -> Option<f32> {
    if limit.is_nan() || limit <= 0.0 {
        return None;
    }
    let rounded = limit.min(f64::from(f32::MAX)) as f32;
    Some(if f64::from(rounded) > limit {
        rounded.next_down()
    } else {
        rounded
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_update_limit_keeps_even_the_largest_parameter_finite() {
        let u = UPDATE_LIMIT as f32;
        assert_eq!(f32::MAX + u, f32::MAX);
        assert_eq!(-f32::MAX - u, -f32::MAX);
    }

    #[test]
    fn all_within_fails_on_nan_infinity_and_large_values() {
        assert!(all_within(&[1.0, -2.0, 0.0], 2.0));
        assert!(!all_within(&[1.0, -2.5, 0.0], 2.0));
        assert!(!all_within(&[1.0, f32::NAN], 2.0));
        assert!(!all_within(&[f32::NEG_INFINITY], f32::MAX));
        assert!(all_within(&[], 0.0));
        assert!(all_within(&[f32::MAX, -f32::MAX], f32::MAX));
        assert!(!all_within(&[0.0, -0.0, 1e-45], 0.0));
        assert!(all_within(&[0.0, -0.0], 0.0));
        // Long enough for the vector loops, with the offender in the tail or the body.
        let mut long = vec![0.5f32; 1003];
        assert!(all_within(&long, 0.5) && all_within_portable(&long, 0.5));
        for at in [0, 17, 1002] {
            long[at] = f32::NAN;
            assert!(!all_within(&long, 0.5) && !all_within_portable(&long, 0.5));
            long[at] = -0.75;
            assert!(!all_within(&long, 0.5) && !all_within_portable(&long, 0.5));
            long[at] = 0.5;
        }
    }

    #[test]
    fn gradient_limits_round_down_and_refuse_non_positive_limits() {
        assert_eq!(gradient_limit(0.0), None);
        assert_eq!(gradient_limit(-1.0), None);
        assert_eq!(gradient_limit(f64::NAN), None);
        assert_eq!(gradient_limit(f64::INFINITY), Some(f32::MAX));
        let limit = 0.1f64;
        assert!(f64::from(gradient_limit(limit).unwrap()) <= limit);
        assert_eq!(max_abs(&[1.0, -3.0, 2.0]), 3.0);
    }

    /// Random hyperparameters, parameters and gradients over the whole range of `f32`:
    /// every checked step either leaves everything finite, or is refused and changes
    /// nothing. (The fast check must never let an overflow through.)
    #[test]
    fn checked_steps_never_leave_anything_non_finite() {
        use crate::optim::{Adam, Optimizer, Sgd};
        use crate::rng::Rng;
        let mut rng = Rng::new(17);
        let power = |lo: i32, hi: i32, rng: &mut Rng| {
            let sign = if rng.below(2) == 0 { 1.0 } else { -1.0 };
            sign * 2f32.powi(lo + rng.below((hi - lo) as usize) as i32)
        };
        let (mut taken, mut refused) = (0, 0);
        for case in 0..300 {
            let learning_rate = power(-20, 127, &mut rng).abs();
            let mut optimizer: Box<dyn Optimizer> = if case % 2 == 0 {
                let momentum = [0.0, 0.5, 0.99][rng.below(3)];
                Box::new(Sgd::new(learning_rate).with_momentum(momentum))
            } else {
                let mut adam = Adam::new(learning_rate);
                adam.epsilon = power(-60, 0, &mut rng).abs();
                adam.beta1 = [0.0, 0.9, 0.99][rng.below(3)];
                Box::new(adam)
            };
            let mut params: Vec<f32> = (0..8).map(|_| power(-20, 128, &mut rng)).collect();
            for _ in 0..12 {
                // Mostly ordinary gradients, sometimes huge ones.
                let top = if rng.below(4) == 0 { 128 } else { 10 };
                let grads: Vec<f32> = (0..8).map(|_| power(-30, top, &mut rng)).collect();
                let (before, state) = (params.clone(), optimizer.state());
                match optimizer.try_step(&mut params, &grads) {
                    Ok(()) => {
                        taken += 1;
                        let state = optimizer.state().unwrap();
                        let buffers = state.buffers.iter().flat_map(|(_, b)| b);
                        assert!(
                            params.iter().chain(buffers).all(|v| v.is_finite()),
                            "case {case}: {params:?} {state:?}"
                        );
                    }
                    Err(_) => {
                        refused += 1;
                        assert_eq!(params, before, "case {case}");
                        assert_eq!(optimizer.state(), state, "case {case}");
                    }
                }
            }
        }
        // Both outcomes occur, so both branches above were checked.
        assert!(
            taken > 100 && refused > 100,
            "{taken} taken, {refused} refused"
        );
    }
}
