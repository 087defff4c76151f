//! Shared test harness: random data, tolerant comparisons, finite-difference gradients and
//! guard bands around a kernel's output.

use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// Floats on each side of a kernel's output that it must leave alone, and their value.
const GUARD: usize = 16;
const SENTINEL: f32 = 12345.0;

/// Runs `kernel` on an output of `len` floats that starts NaN (so an element left unwritten
/// fails any comparison) between two guard bands; panics, naming `what`, if a guard was
/// written, and returns the output.
#[track_caller]
pub(crate) fn guarded_output(len: usize, what: &str, kernel: impl FnOnce(&mut [f32])) -> Vec<f32> {
    let mut buffer = vec![SENTINEL; GUARD + len + GUARD];
    buffer[GUARD..GUARD + len].fill(f32::NAN);
    kernel(&mut buffer[GUARD..GUARD + len]);
    let (before, after) = (&buffer[..GUARD], &buffer[GUARD + len..]);
    assert!(
        before.iter().chain(after).all(|&v| v == SENTINEL),
        "{what}: wrote outside the output"
    );
    buffer[GUARD..GUARD + len].to_vec()
}

/// `len` values uniform in `[-limit, limit)`.
pub(crate) fn random_vec(rng: &mut Rng, len: usize, limit: f32) -> Vec<f32> {
    (0..len).map(|_| rng.uniform(limit)).collect()
}

/// Like [`random_vec`], but every value at least `gap` away from zero (for kinks at 0).
pub(crate) fn random_vec_away_from_zero(
    rng: &mut Rng,
    len: usize,
    limit: f32,
    gap: f32,
) -> Vec<f32> {
    (0..len)
        .map(|_| loop {
            let x = rng.uniform(limit);
            if x.abs() >= gap {
                break x;
            }
        })
        .collect()
}

/// `rows` random probability vectors of `classes` entries each (soft targets).
pub(crate) fn random_distributions(rng: &mut Rng, rows: usize, classes: usize) -> Vec<f32> {
    let mut t: Vec<f32> = (0..rows * classes).map(|_| rng.next_f32() + 0.01).collect();
    for row in t.chunks_exact_mut(classes) {
        let sum: f32 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= sum);
    }
    t
}

/// Asserts `|got − want| ≤ abs + rel · |want|` element-wise, naming the first offender.
#[track_caller]
pub(crate) fn assert_close(got: &[f32], want: &[f64], rel: f64, abs: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(g) - w).abs();
        assert!(
            err <= abs + rel * w.abs(),
            "{what}[{i}]: got {g}, expected {w} (error {err:e})"
        );
    }
}

/// Widens a slice to `f64`.
pub(crate) fn to_f64(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

/// `Σ r_i · y_i` in `f64`: the scalar objective that turns a vector output into a gradient
/// check (its gradient with respect to `y` is `r`).
pub(crate) fn weighted_sum(r: &[f32], y: &[f32]) -> f64 {
    assert_eq!(r.len(), y.len());
    r.iter()
        .zip(y)
        .map(|(&a, &b)| f64::from(a) * f64::from(b))
        .sum()
}

/// Compares an analytic gradient with central differences of `objective` around `x`.
///
/// Each coordinate is perturbed by `±eps` in `f32`; the step actually taken (after rounding)
/// divides the difference. A coordinate passes when
/// `|analytic − numeric| ≤ abs + rel · max(|analytic|, |numeric|)`.
#[track_caller]
pub(crate) fn check_gradient(
    what: &str,
    x: &[f32],
    analytic: &[f32],
    eps: f32,
    rel: f64,
    abs: f64,
    mut objective: impl FnMut(&[f32]) -> f64,
) {
    assert_eq!(x.len(), analytic.len(), "{what}: gradient length");
    let mut probe = x.to_vec();
    for i in 0..x.len() {
        let (plus, minus) = (x[i] + eps, x[i] - eps);
        probe[i] = plus;
        let f_plus = objective(&probe);
        probe[i] = minus;
        let f_minus = objective(&probe);
        probe[i] = x[i];
        let numeric = (f_plus - f_minus) / (f64::from(plus) - f64::from(minus));
        let a = f64::from(analytic[i]);
        let err = (a - numeric).abs();
        let bound = abs + rel * a.abs().max(numeric.abs());
        assert!(
            err <= bound,
            "{what}[{i}]: analytic {a}, finite difference {numeric} (error {err:e} > {bound:e})"
        );
    }
}

/// A deliberately wrong gradient must be caught: guards the checker against being vacuous.
#[test]
fn check_gradient_rejects_a_wrong_gradient() {
    let x = [0.5f32, -1.0, 2.0];
    let square_sum = |v: &[f32]| v.iter().map(|&a| f64::from(a) * f64::from(a)).sum::<f64>();
    check_gradient("right", &x, &[1.0, -2.0, 4.0], 1e-3, 1e-2, 1e-4, square_sum);
    let wrong = std::panic::catch_unwind(|| {
        check_gradient("wrong", &x, &[1.0, -2.0, 4.1], 1e-3, 1e-2, 1e-4, square_sum);
    });
    assert!(wrong.is_err());
}
