//! Weight initialization, deterministic from a seed.

use crate::rng::Rng;

/// He (Kaiming) uniform: `U(-√(6/fan_in), √(6/fan_in))`, for layers followed by ReLU.
pub fn he_uniform(weights: &mut [f32], fan_in: usize, rng: &mut Rng) { todo!() }

/// Glorot (Xavier) uniform: `U(-√(6/(fan_in+fan_out)), …)`, for sigmoid, tanh, softmax, linear.
pub fn glorot_uniform(weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) { todo!() }
