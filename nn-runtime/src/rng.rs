//! A small, seedable, platform-independent random number generator.
//!
//! Initialization, shuffling and dropout must give the same numbers on a laptop and on a
//! microcontroller, for a given seed, so the generator is defined here rather than borrowed
//! from a crate whose output may change between versions.

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, trivially seedable.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole sequence is determined by `seed`.
    pub const fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, with 24 bits of precision (all an `f32` mantissa holds).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform in `[-limit, limit)`.
    pub fn uniform(&mut self, limit: f32) -> f32 {
        (self.next_f32() * 2.0 - 1.0) * limit
    }

    /// Standard normal, by the Box–Muller transform (one draw of two uniforms per value:
    /// simple and the same on every platform with the same `ln`, `sqrt` and `cos`).
    pub fn normal(&mut self) -> f32 {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let radius = crate::ops::math::sqrt(-2.0 * crate::ops::math::ln(1.0 - self.next_f32()));
        radius * crate::ops::math::cos(core::f32::consts::TAU * self.next_f32())
    }

    /// Uniform in `0..n`, without modulo bias (Lemire's multiply-shift rejection method).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Rng::below needs a non-empty range");
        let n = n as u64;
        loop {
            let product = (self.next_u64() as u128) * (n as u128);
            let low = product as u64;
            if low >= n.wrapping_neg() % n {
                return (product >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_different_seeds_differ() {
        let a: [u64; 4] = core::array::from_fn({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        });
        let b: [u64; 4] = core::array::from_fn({
            let mut r = Rng::new(7);
            move |_| r.next_u64()
        });
        let mut c = Rng::new(8);
        assert_eq!(a, b);
        assert_ne!(a[0], c.next_u64());
    }

    #[test]
    fn known_first_output_of_splitmix64() {
        // Reference value of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn floats_stay_in_range_and_cover_it() {
        let mut r = Rng::new(1);
        let (mut lo, mut hi) = (f32::MAX, f32::MIN);
        for _ in 0..10_000 {
            let x = r.uniform(0.5);
            assert!((-0.5..0.5).contains(&x));
            lo = lo.min(x);
            hi = hi.max(x);
        }
        assert!(lo < -0.49 && hi > 0.49, "range barely covered: {lo}..{hi}");
    }

    #[test]
    fn normal_draws_have_mean_zero_and_variance_one() {
        let mut r = Rng::new(11);
        let n = 100_000;
        let draws: std::vec::Vec<f64> = (0..n).map(|_| f64::from(r.normal())).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        let beyond_two = draws.iter().filter(|x| x.abs() > 2.0).count() as f64 / n as f64;
        // Standard errors at 100,000 draws: 0.003 for the mean, 0.0045 for the variance.
        assert!(mean.abs() < 0.015, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
        // P(|z| > 2) = 0.0455 for a normal; a uniform of variance 1 would give 0.
        assert!((beyond_two - 0.0455).abs() < 0.004, "tail {beyond_two}");
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = Rng::new(3);
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[r.below(5)] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: [usize; 100] = core::array::from_fn(|i| i);
        Rng::new(9).shuffle(&mut v);
        assert_ne!(v, core::array::from_fn(|i| i));
        let mut sorted = v;
        sorted.sort_unstable();
        assert_eq!(sorted, core::array::from_fn(|i| i));
    }
}
