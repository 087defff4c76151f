//! Weight initialization, deterministic from a seed.

use super::math;
use crate::rng::Rng;

/// He (Kaiming) uniform: `U(-√(6/fan_in), √(6/fan_in))`, for layers followed by ReLU.
pub fn he_uniform(weights: &mut [f32], fan_in: usize, rng: &mut Rng) {
    assert!(fan_in > 0, "he_uniform: fan_in must be at least 1");
    fill_uniform(weights, math::sqrt(6.0 / fan_in as f32), rng);
}

/// Glorot (Xavier) uniform: `U(-√(6/(fan_in+fan_out)), …)`, for sigmoid, tanh, softmax, linear.
pub fn glorot_uniform(weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
    let fan_sum = fan_in.checked_add(fan_out).filter(|&s| s > 0);
    let fan_sum = fan_sum.expect("glorot_uniform: fan_in + fan_out must be at least 1");
    fill_uniform(weights, math::sqrt(6.0 / fan_sum as f32), rng);
}

/// Draws every weight, in order, from `U(-limit, limit)`.
fn fill_uniform(weights: &mut [f32], limit: f32, rng: &mut Rng) {
    for w in weights {
        *w = rng.uniform(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// Checks range, coverage, mean and variance (`limit²/3` for a uniform distribution).
    fn check_distribution(weights: &[f32], limit: f64) {
        let n = weights.len() as f64;
        let (mut lo, mut hi, mut sum, mut sum_sq) = (f64::MAX, f64::MIN, 0.0, 0.0);
        for &w in weights {
            let w = f64::from(w);
            assert!(w.abs() <= limit, "{w} outside ±{limit}");
            (lo, hi, sum, sum_sq) = (lo.min(w), hi.max(w), sum + w, sum_sq + w * w);
        }
        assert!(
            lo < -0.99 * limit && hi > 0.99 * limit,
            "range barely covered: {lo}..{hi} of ±{limit}"
        );
        let mean = sum / n;
        let variance = sum_sq / n - mean * mean;
        assert!(mean.abs() < 0.02 * limit, "mean {mean}");
        assert!(
            (variance / (limit * limit / 3.0) - 1.0).abs() < 0.03,
            "variance {variance} for limit {limit}"
        );
    }

    #[test]
    fn he_uniform_has_the_kaiming_limit_and_variance() {
        let mut w = vec![0.0; 20_000];
        he_uniform(&mut w, 24, &mut Rng::new(1));
        check_distribution(&w, 0.5); // √(6/24)
                                     // Variance 2/fan_in, the point of He initialization.
        let var: f64 = w.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / w.len() as f64;
        assert!((var * 24.0 / 2.0 - 1.0).abs() < 0.03);
    }

    #[test]
    fn glorot_uniform_has_the_xavier_limit() {
        let mut w = vec![0.0; 20_000];
        glorot_uniform(&mut w, 100, 50, &mut Rng::new(2));
        check_distribution(&w, 0.2); // √(6/150)
    }

    #[test]
    fn same_seed_same_weights_and_the_generator_advances() {
        let (mut a, mut b) = ([0.0; 10], [0.0; 10]);
        let mut rng = Rng::new(3);
        he_uniform(&mut a, 5, &mut rng);
        he_uniform(&mut b, 5, &mut Rng::new(3));
        assert_eq!(a, b);
        // The second layer drawn from the same generator gets different numbers.
        he_uniform(&mut b, 5, &mut rng);
        assert_ne!(a, b);
        // Exactly one draw per weight, in order: the next number is the 21st of the seed.
        let mut reference = Rng::new(3);
        (0..20).for_each(|_| {
            reference.next_u64();
        });
        assert_eq!(rng.next_u64(), reference.next_u64());
    }

    #[test]
    #[should_panic(expected = "fan_in must be at least 1")]
    fn he_uniform_rejects_zero_fan_in() {
        he_uniform(&mut [0.0; 2], 0, &mut Rng::new(0));
    }
}
