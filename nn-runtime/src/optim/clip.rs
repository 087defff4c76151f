//! Gradient clipping.

/// Scales `grads` so their L2 norm is at most `max_norm`; returns the norm before clipping.
pub fn clip_global_norm(grads: &mut [f32], max_norm: f32) -> f32 { todo!() }
