//! Forward, inference and running-statistics tests, with the naive references they share
//! with the backward tests.

use super::*;
use crate::ops::test_support::{assert_close, random_vec, to_f64};
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `(channels, spatial, batch)`: after a dense layer (spatial 1) and after a convolution.
const SHAPES: [(usize, usize, usize); 7] = [
    (3, 1, 2),
    (4, 1, 5),
    (2, 1, 16),
    (1, 5, 1),
    (2, 4, 3),
    (3, 9, 2),
    (5, 6, 7),
];

pub(super) fn shape(channels: usize, spatial: usize) -> BatchNormShape {
    BatchNormShape {
        channels,
        spatial,
        momentum: 0.1,
        epsilon: 1e-5,
    }
}

/// Channel `c`'s values, gathered naively by index.
pub(super) fn channel_values(x: &[f32], s: &BatchNormShape, batch: usize, c: usize) -> Vec<f64> {
    let mut values = Vec::new();
    for b in 0..batch {
        for p in 0..s.spatial {
            values.push(f64::from(x[(b * s.channels + c) * s.spatial + p]));
        }
    }
    values
}

/// Per-channel mean and biased variance, computed independently of the kernel.
fn reference_stats(x: &[f32], s: &BatchNormShape, batch: usize) -> (Vec<f64>, Vec<f64>) {
    (0..s.channels)
        .map(|c| {
            let v = channel_values(x, s, batch, c);
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            (mean, v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n)
        })
        .unzip()
}

/// `y = γ·(x − mean)/√(var + ε) + β`, indexing every value explicitly.
#[allow(clippy::too_many_arguments)]
fn reference_normalize(
    x: &[f32],
    s: &BatchNormShape,
    gamma: &[f32],
    beta: &[f32],
    mean: &[f64],
    var: &[f64],
    batch: usize,
) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for b in 0..batch {
        for c in 0..s.channels {
            for p in 0..s.spatial {
                let i = (b * s.channels + c) * s.spatial + p;
                let xhat = (f64::from(x[i]) - mean[c]) / (var[c] + f64::from(s.epsilon)).sqrt();
                y[i] = f64::from(gamma[c]) * xhat + f64::from(beta[c]);
            }
        }
    }
    y
}

/// Runs the training forward pass on fresh buffers: `(output, stats)`.
pub(super) fn forward(
    s: &BatchNormShape,
    gamma: &[f32],
    beta: &[f32],
    x: &[f32],
    batch: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut y = vec![f32::NAN; x.len()];
    let mut stats = vec![f32::NAN; 2 * s.channels];
    batch_norm_forward_train(s, gamma, beta, x, &mut y, &mut stats, batch);
    (y, stats)
}

#[test]
fn forward_matches_the_naive_reference() {
    let mut rng = Rng::new(41);
    for (channels, spatial, batch) in SHAPES {
        let s = shape(channels, spatial);
        let gamma = random_vec(&mut rng, channels, 2.0);
        let beta = random_vec(&mut rng, channels, 2.0);
        // An offset per value keeps the mean away from zero.
        let x: Vec<f32> = random_vec(&mut rng, batch * channels * spatial, 3.0)
            .iter()
            .map(|v| v + 1.5)
            .collect();
        let (y, stats) = forward(&s, &gamma, &beta, &x, batch);
        let (mean, var) = reference_stats(&x, &s, batch);
        let inv_std: Vec<f64> = var.iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
        let what = format!("shape {channels}×{spatial}, batch {batch}");
        assert_close(&stats[..channels], &mean, 1e-6, 1e-6, &what);
        assert_close(&stats[channels..], &inv_std, 1e-6, 1e-6, &what);
        let want = reference_normalize(&x, &s, &gamma, &beta, &mean, &var, batch);
        assert_close(&y, &want, 1e-5, 1e-5, &what);
    }
}

#[test]
fn a_known_example() {
    // Two channels, spatial 2, batch 2; ε = 0 keeps the numbers exact.
    // Channel 0 holds 1, 3, 5, 7 (mean 4, variance 5); channel 1 holds 2, 2, 4, 4
    // (mean 3, variance 1).
    let s = BatchNormShape {
        epsilon: 0.0,
        ..shape(2, 2)
    };
    let x = [1.0, 3.0, 2.0, 2.0, 5.0, 7.0, 4.0, 4.0];
    let (y, stats) = forward(&s, &[1.0, 2.0], &[0.0, 10.0], &x, 2);
    let r = 1.0 / 5.0f32.sqrt();
    assert_eq!(stats, [4.0, 3.0, r, 1.0]);
    let want = [-3.0 * r, -r, 8.0, 8.0, r, 3.0 * r, 12.0, 12.0];
    assert_close(&y, &to_f64(&want), 1e-6, 1e-6, "y");
}

#[test]
fn normalized_output_has_zero_mean_and_unit_variance() {
    let mut rng = Rng::new(42);
    for (channels, spatial, batch) in SHAPES {
        if batch * spatial < 2 {
            continue; // a single value per channel normalizes to 0
        }
        let s = shape(channels, spatial);
        // Channel c is scaled by c + 1 and shifted by 10·c, so every channel starts out different.
        let mut x = random_vec(&mut rng, batch * channels * spatial, 1.0);
        for (i, v) in x.iter_mut().enumerate() {
            let c = (i / spatial) % channels;
            *v = *v * (c + 1) as f32 + 10.0 * c as f32;
        }
        let (y, _) = forward(&s, &vec![1.0; channels], &vec![0.0; channels], &x, batch);
        let (mean, var) = reference_stats(&y, &s, batch);
        let (_, x_var) = reference_stats(&x, &s, batch);
        for c in 0..channels {
            // ε shrinks the variance slightly below 1: var/(var + ε).
            let want_var = x_var[c] / (x_var[c] + 1e-5);
            assert!(mean[c].abs() < 1e-5, "channel {c}: mean {}", mean[c]);
            assert!(
                (var[c] - want_var).abs() < 1e-4,
                "channel {c}: variance {}",
                var[c]
            );
            assert!(
                (var[c] - 1.0).abs() < 1e-3,
                "channel {c}: variance {}",
                var[c]
            );
        }
    }
}

#[test]
fn gamma_scales_and_beta_shifts_the_normalized_values() {
    let mut rng = Rng::new(43);
    let (channels, spatial, batch) = (3, 4, 5);
    let s = shape(channels, spatial);
    let x = random_vec(&mut rng, batch * channels * spatial, 2.0);
    let (plain, plain_stats) = forward(&s, &[1.0; 3], &[0.0; 3], &x, batch);
    let (gamma, beta) = ([2.0, -0.5, 3.0], [1.0, 4.0, -2.0]);
    let (y, stats) = forward(&s, &gamma, &beta, &x, batch);
    assert_eq!(stats, plain_stats, "γ and β do not change the statistics");
    for (i, (&y, &p)) in y.iter().zip(&plain).enumerate() {
        let c = (i / spatial) % channels;
        let want = f64::from(gamma[c]) * f64::from(p) + f64::from(beta[c]);
        assert!((f64::from(y) - want).abs() < 1e-5, "[{i}]: {y} vs {want}");
    }
}

#[test]
fn running_statistics_blend_in_the_unbiased_variance() {
    // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3);
    // channel 1 holds -2, 0, 2, 4 (mean 1, biased variance 5, unbiased 20/3).
    // The same values as 2 samples of spatial 2 and as 4 samples of spatial 1.
    let cases = [
        (
            2usize,
            2usize,
            vec![1.0, 2.0, -2.0, 0.0, 3.0, 4.0, 2.0, 4.0],
        ),
        (1, 4, vec![1.0, -2.0, 2.0, 0.0, 3.0, 2.0, 4.0, 4.0]),
    ];
    for (spatial, batch, x) in cases {
        let s = shape(2, spatial);
        let (_, stats) = forward(&s, &[1.0; 2], &[0.0; 2], &x, batch);
        let (mut mean, mut var) = ([0.5f32, -1.0], [2.0f32, 3.0]);
        batch_norm_update_running(&s, &stats, &mut mean, &mut var, batch);
        let want_mean = [0.9 * 0.5 + 0.1 * 2.5, -0.9 + 0.1 * 1.0];
        let want_var = [0.9 * 2.0 + 0.1 * 5.0 / 3.0, 0.9 * 3.0 + 0.1 * 20.0 / 3.0];
        assert_close(&mean, &want_mean, 1e-6, 1e-6, "running mean");
        assert_close(&var, &want_var, 1e-5, 1e-5, "running var");
    }
}

#[test]
fn a_single_value_per_channel_blends_in_variance_zero() {
    let s = shape(2, 1);
    let (_, stats) = forward(&s, &[1.0; 2], &[0.0; 2], &[3.0, -4.0], 1);
    let (mut mean, mut var) = ([1.0f32, 1.0], [2.0f32, 0.5]);
    batch_norm_update_running(&s, &stats, &mut mean, &mut var, 1);
    assert_close(&mean, &[0.9 + 0.3, 0.9 - 0.4], 1e-6, 1e-6, "running mean");
    assert_close(&var, &[1.8, 0.45], 1e-6, 1e-6, "running var");
    assert!(var.iter().all(|v| v.is_finite()));
}

#[test]
fn a_nan_in_the_batch_reaches_the_output_and_the_running_statistics() {
    let s = shape(2, 1);
    let (y, stats) = forward(&s, &[1.0; 2], &[0.0; 2], &[f32::NAN, 1.0, 2.0, 3.0], 2);
    assert!(y[0].is_nan() && y[2].is_nan(), "{y:?}");
    assert!(y[1].is_finite() && y[3].is_finite(), "{y:?}");
    let (mut mean, mut var) = ([1.0f32, 1.0], [2.0f32, 0.5]);
    batch_norm_update_running(&s, &stats, &mut mean, &mut var, 2);
    assert!(mean[0].is_nan() && var[0].is_nan(), "{mean:?} {var:?}");
    assert!(
        mean[1].is_finite() && var[1].is_finite(),
        "{mean:?} {var:?}"
    );
}

#[test]
fn an_empty_batch_leaves_the_running_statistics_alone() {
    let s = shape(2, 3);
    let (y, stats) = forward(&s, &[1.0; 2], &[0.0; 2], &[], 0);
    assert!(y.is_empty());
    assert_eq!(stats[..2], [0.0, 0.0]);
    let (mut mean, mut var) = ([1.0f32, 2.0], [3.0f32, 4.0]);
    batch_norm_update_running(&s, &stats, &mut mean, &mut var, 0);
    assert_eq!((mean, var), ([1.0, 2.0], [3.0, 4.0]));
    let (mut dg, mut db) = ([0.5f32; 2], [0.25f32; 2]);
    batch_norm_backward(
        &s,
        &[1.0; 2],
        &[],
        &stats,
        &[],
        Some(&mut []),
        &mut dg,
        &mut db,
        0,
    );
    assert_eq!((dg, db), ([0.5; 2], [0.25; 2]));
}

#[test]
fn running_statistics_converge_to_those_of_the_data() {
    let s = shape(2, 3);
    let batch = 8;
    let (gamma, beta) = ([1.0; 2], [0.0; 2]);

    // The same batch over and over: the error shrinks by 0.9 per step, down to the unbiased
    // statistics of that batch.
    let x = random_vec(&mut Rng::new(46), batch * 6, 2.0);
    let (_, stats) = forward(&s, &gamma, &beta, &x, batch);
    let (want_mean, biased) = reference_stats(&x, &s, batch);
    let n = (batch * 3) as f64;
    let want_var: Vec<f64> = biased.iter().map(|v| v * n / (n - 1.0)).collect();
    let (mut mean, mut var) = ([0.0f32; 2], [1.0f32; 2]);
    for _ in 0..300 {
        batch_norm_update_running(&s, &stats, &mut mean, &mut var, batch);
    }
    assert_close(&mean, &want_mean, 1e-5, 1e-5, "running mean, fixed batch");
    assert_close(&var, &want_var, 1e-5, 1e-5, "running var, fixed batch");

    // Fresh batches from uniform distributions: channel 0 on 3 ± 2 (variance 4/3),
    // channel 1 on −1 ± 0.5 (variance 1/12).
    let mut rng = Rng::new(47);
    let (mut mean, mut var) = ([0.0f32; 2], [1.0f32; 2]);
    let batch = 64;
    for _ in 0..500 {
        let mut x = random_vec(&mut rng, batch * 6, 1.0);
        for (i, v) in x.iter_mut().enumerate() {
            *v = if (i / 3) % 2 == 0 {
                3.0 + 2.0 * *v
            } else {
                -1.0 + 0.5 * *v
            };
        }
        let (_, stats) = forward(&s, &gamma, &beta, &x, batch);
        batch_norm_update_running(&s, &stats, &mut mean, &mut var, batch);
    }
    assert_close(
        &mean,
        &[3.0, -1.0],
        0.0,
        0.05,
        "running mean, random batches",
    );
    assert_close(
        &var,
        &[4.0 / 3.0, 1.0 / 12.0],
        0.05,
        0.0,
        "running var, random batches",
    );
}

#[test]
fn inference_matches_the_formula() {
    let mut rng = Rng::new(48);
    for (channels, spatial, samples) in [(3, 1, 1), (3, 1, 4), (2, 6, 3), (4, 2, 1)] {
        let s = shape(channels, spatial);
        let gamma = random_vec(&mut rng, channels, 2.0);
        let beta = random_vec(&mut rng, channels, 2.0);
        let running_mean = random_vec(&mut rng, channels, 1.0);
        let running_var: Vec<f32> = (0..channels).map(|_| 0.1 + rng.next_f32() * 3.0).collect();
        let x = random_vec(&mut rng, samples * channels * spatial, 3.0);
        let mut y = x.clone();
        batch_norm_infer_in_place(&s, &gamma, &beta, &running_mean, &running_var, &mut y);
        let want = reference_normalize(
            &x,
            &s,
            &gamma,
            &beta,
            &to_f64(&running_mean),
            &to_f64(&running_var),
            samples,
        );
        assert_close(&y, &want, 1e-5, 1e-5, "infer");
    }
}

#[test]
fn inference_with_the_batch_statistics_reproduces_training_mode() {
    let mut rng = Rng::new(49);
    for (channels, spatial, batch) in SHAPES {
        let s = shape(channels, spatial);
        let gamma = random_vec(&mut rng, channels, 2.0);
        let beta = random_vec(&mut rng, channels, 2.0);
        let x = random_vec(&mut rng, batch * channels * spatial, 3.0);
        let (train, _) = forward(&s, &gamma, &beta, &x, batch);
        // The biased variance: training mode normalizes with it, not the unbiased one.
        let (mean, var) = reference_stats(&x, &s, batch);
        let to_f32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
        let mut infer = x.clone();
        batch_norm_infer_in_place(&s, &gamma, &beta, &to_f32(&mean), &to_f32(&var), &mut infer);
        assert_close(&infer, &to_f64(&train), 1e-4, 1e-4, "infer vs train");
    }
}

#[test]
#[should_panic(
    expected = "batch_norm_forward_train: input has 7 values, but 2 samples × 2 channels × 2 spatial need 8"
)]
fn forward_rejects_a_ragged_input() {
    let s = shape(2, 2);
    batch_norm_forward_train(
        &s,
        &[1.0; 2],
        &[0.0; 2],
        &[0.0; 7],
        &mut [0.0; 8],
        &mut [0.0; 4],
        2,
    );
}

#[test]
#[should_panic(expected = "batch_norm_forward_train: beta has 3 values for 2 channels")]
fn forward_rejects_a_wrong_beta_length() {
    let s = shape(2, 2);
    batch_norm_forward_train(
        &s,
        &[1.0; 2],
        &[0.0; 3],
        &[0.0; 8],
        &mut [0.0; 8],
        &mut [0.0; 4],
        2,
    );
}

#[test]
#[should_panic(
    expected = "batch_norm_forward_train: stats has 2 values, but 2 channels need 2 × 2"
)]
fn forward_rejects_a_short_stats_buffer() {
    let s = shape(2, 2);
    batch_norm_forward_train(
        &s,
        &[1.0; 2],
        &[0.0; 2],
        &[0.0; 8],
        &mut [0.0; 8],
        &mut [0.0; 2],
        2,
    );
}

#[test]
#[should_panic(
    expected = "batch_norm_infer_in_place: 7 values are not a whole number of samples of 2 channels × 2 spatial = 4"
)]
fn inference_rejects_a_partial_sample() {
    let s = shape(2, 2);
    batch_norm_infer_in_place(
        &s,
        &[1.0; 2],
        &[0.0; 2],
        &[0.0; 2],
        &[1.0; 2],
        &mut [0.0; 7],
    );
}

#[test]
#[should_panic(expected = "batch_norm_update_running: running_var has 1 values for 2 channels")]
fn update_rejects_a_wrong_running_var_length() {
    let s = shape(2, 2);
    batch_norm_update_running(&s, &[0.0, 0.0, 1.0, 1.0], &mut [0.0; 2], &mut [1.0; 1], 2);
}
