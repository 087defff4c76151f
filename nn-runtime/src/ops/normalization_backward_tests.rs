//! Gradient tests of [`batch_norm_backward`], against finite differences of the forward pass.

use super::tests::{channel_values, forward, shape};
use super::*;
use crate::ops::test_support::{check_gradient, random_vec, weighted_sum};
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

#[test]
fn backward_matches_finite_differences() {
    let mut rng = Rng::new(44);
    for (channels, spatial, batch) in [(3, 1, 3), (2, 4, 3), (2, 1, 2), (2, 3, 1)] {
        let s = shape(channels, spatial);
        let len = batch * channels * spatial;
        let gamma = random_vec(&mut rng, channels, 2.0);
        let beta = random_vec(&mut rng, channels, 1.0);
        let x = random_vec(&mut rng, len, 1.0);
        let r = random_vec(&mut rng, len, 1.0); // L = Σ r ⊙ Y, so dY = r
        let objective =
            |g: &[f32], b: &[f32], x: &[f32]| weighted_sum(&r, &forward(&s, g, b, x, batch).0);

        let (_, stats) = forward(&s, &gamma, &beta, &x, batch);
        // Parameter gradients are added to what is there: start from a known offset.
        let offset_g = random_vec(&mut rng, channels, 1.0);
        let offset_b = random_vec(&mut rng, channels, 1.0);
        let (mut dg, mut db) = (offset_g.clone(), offset_b.clone());
        let mut dx = vec![f32::NAN; len];
        batch_norm_backward(
            &s,
            &gamma,
            &x,
            &stats,
            &r,
            Some(&mut dx),
            &mut dg,
            &mut db,
            batch,
        );
        let added_g: Vec<f32> = dg.iter().zip(&offset_g).map(|(a, b)| a - b).collect();
        let added_b: Vec<f32> = db.iter().zip(&offset_b).map(|(a, b)| a - b).collect();

        let (eps, rel, abs) = (1e-3, 1e-2, 2e-3);
        let what = format!("{channels}×{spatial}, batch {batch}");
        check_gradient(
            &format!("dγ {what}"),
            &gamma,
            &added_g,
            eps,
            rel,
            abs,
            |g| objective(g, &beta, &x),
        );
        check_gradient(
            &format!("dβ {what}"),
            &beta,
            &added_b,
            eps,
            rel,
            abs,
            |b| objective(&gamma, b, &x),
        );
        // Every coordinate of x, so the coupling across the batch is checked too.
        check_gradient(&format!("dX {what}"), &x, &dx, eps, rel, abs, |x| {
            objective(&gamma, &beta, x)
        });

        // Without input_grad the parameter gradients are the same.
        let (mut dg2, mut db2) = (offset_g.clone(), offset_b.clone());
        batch_norm_backward(&s, &gamma, &x, &stats, &r, None, &mut dg2, &mut db2, batch);
        assert_eq!((dg2, db2), (dg, db));
    }
}

#[test]
fn input_gradient_is_orthogonal_to_constant_and_normalized_directions() {
    // Shifting or scaling a channel's inputs leaves its normalized output unchanged, so
    // per channel Σ dx = 0 and Σ dx·x̂ = 0 for any dy. (Only with ε = 0: ε makes the output
    // depend slightly on the scale.)
    let mut rng = Rng::new(45);
    let (channels, spatial, batch) = (3, 5, 4);
    let s = BatchNormShape {
        epsilon: 0.0,
        ..shape(channels, spatial)
    };
    let len = batch * channels * spatial;
    let x = random_vec(&mut rng, len, 2.0);
    let dy = random_vec(&mut rng, len, 1.0);
    let gamma = random_vec(&mut rng, channels, 2.0);
    let (xhat, stats) = forward(&s, &[1.0; 3], &[0.0; 3], &x, batch);
    let mut dx = vec![f32::NAN; len];
    let (mut dg, mut db) = (vec![0.0; channels], vec![0.0; channels]);
    batch_norm_backward(
        &s,
        &gamma,
        &x,
        &stats,
        &dy,
        Some(&mut dx),
        &mut dg,
        &mut db,
        batch,
    );
    for c in 0..channels {
        let (dxc, xhatc) = (
            channel_values(&dx, &s, batch, c),
            channel_values(&xhat, &s, batch, c),
        );
        let sum: f64 = dxc.iter().sum();
        let dot: f64 = dxc.iter().zip(&xhatc).map(|(a, b)| a * b).sum();
        assert!(sum.abs() < 1e-5, "channel {c}: Σ dx = {sum}");
        assert!(dot.abs() < 1e-5, "channel {c}: Σ dx·x̂ = {dot}");
    }
}

#[test]
#[should_panic(
    expected = "batch_norm_backward: input_grad has 6 values, but 2 samples × 2 channels × 2 spatial need 8"
)]
fn backward_rejects_a_wrong_input_grad_length() {
    let s = shape(2, 2);
    let mut dx = [0.0; 6];
    batch_norm_backward(
        &s,
        &[1.0; 2],
        &[0.0; 8],
        &[0.0; 4],
        &[0.0; 8],
        Some(&mut dx),
        &mut [0.0; 2],
        &mut [0.0; 2],
        2,
    );
}
