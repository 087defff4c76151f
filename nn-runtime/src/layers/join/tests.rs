//! Each join's backward pass against central finite differences of its forward pass, and
//! its shape rule.

use super::*;
use std::vec::Vec;

/// `Σ weights · y` after a training forward pass with a generator seeded the same every
/// time (so a `sample` join draws the same ε for every evaluation).
fn weighted_output(join: &AnyJoin, inputs: &[Vec<f32>], weights: &[f32], batch: usize) -> f64 {
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; weights.len()];
    let mut aux = vec![0.0; join.join().aux_width() * batch];
    let join = join.join();
    join.forward_batch(
        &views,
        &mut y,
        &mut aux,
        batch,
        Mode::Train,
        &mut Rng::new(5),
    );
    y.iter()
        .zip(weights)
        .map(|(&y, &w)| f64::from(y) * f64::from(w))
        .sum()
}

/// Checks every input's gradient, overwritten and accumulated, against finite differences.
fn check_gradients(join: AnyJoin, inputs: Vec<Vec<f32>>, out_len: usize, batch: usize) {
    let mut rng = Rng::new(3);
    let weights: Vec<f32> = (0..out_len).map(|_| rng.uniform(1.0)).collect();
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; out_len];
    let mut aux = vec![0.0; join.join().aux_width() * batch];
    join.join().forward_batch(
        &views,
        &mut y,
        &mut aux,
        batch,
        Mode::Train,
        &mut Rng::new(5),
    );
    for which in 0..inputs.len() {
        let mut dx = vec![0.0; inputs[which].len()];
        join.join()
            .backward_input(which, &views, &aux, &weights, &mut dx, batch, false);
        let mut accumulated = vec![1.0; inputs[which].len()];
        join.join()
            .backward_input(which, &views, &aux, &weights, &mut accumulated, batch, true);
        for (i, (&analytic, &added)) in dx.iter().zip(&accumulated).enumerate() {
            let h = 1e-3;
            let mut plus = inputs.clone();
            plus[which][i] += h;
            let mut minus = inputs.clone();
            minus[which][i] -= h;
            let numeric = (weighted_output(&join, &plus, &weights, batch)
                - weighted_output(&join, &minus, &weights, batch))
                / (2.0 * f64::from(h));
            let error = (f64::from(analytic) - numeric).abs();
            assert!(
                error < 2e-3 * (1.0 + numeric.abs()),
                "{}: input {which}[{i}]: analytic {analytic}, numeric {numeric}",
                join.join().keyword()
            );
            assert!(
                (added - 1.0 - analytic).abs() < 1e-6,
                "accumulating adds the same gradient"
            );
        }
    }
}

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.uniform(1.5)).collect()
}

fn resolve(keyword: &str, shapes: &[&[usize]], sequence: bool) -> (AnyJoin, Vec<usize>) {
    let kind = join_kind(keyword).expect("a registered join");
    let (join, shape) = (kind.resolve)(shapes, sequence).expect("shapes that fit");
    (join, shape.dims().to_vec())
}

#[test]
fn add_sums_and_passes_the_gradient_to_every_input() {
    let (join, shape) = resolve("add", &[&[2, 3], &[2, 3], &[2, 3]], false);
    assert_eq!(shape, [2, 3]);
    let batch = 2;
    let inputs: Vec<Vec<f32>> = (0..3).map(|s| random(6 * batch, s)).collect();
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; 12];
    join.join().forward_sample(&views[..], &mut y);
    assert_eq!(y[7], inputs[0][7] + inputs[1][7] + inputs[2][7]);
    check_gradients(join, inputs, 12, batch);
}

#[test]
fn concat_joins_channels_and_the_features_of_each_step() {
    let (join, shape) = resolve("concat", &[&[2, 3, 3], &[1, 3, 3]], false);
    assert_eq!(shape, [3, 3, 3]);
    let inputs = vec![random(2 * 18, 1), random(2 * 9, 2)];
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; 2 * 27];
    join.join()
        .forward_batch(&views, &mut y, &mut [], 2, Mode::Infer, &mut Rng::new(0));
    // Sample 1: its 18 values of the first input, then its 9 of the second.
    assert_eq!(y[27..45], inputs[0][18..36]);
    assert_eq!(y[45..54], inputs[1][9..18]);
    check_gradients(join, inputs, 54, 2);

    let (join, shape) = resolve("concat", &[&[4, 2], &[4, 3]], true);
    assert_eq!(shape, [4, 5]);
    let inputs = vec![random(8, 3), random(12, 4)];
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; 20];
    join.join().forward_sample(&views, &mut y);
    // Step 2: the first input's two features, then the second's three.
    assert_eq!(y[10..12], inputs[0][4..6]);
    assert_eq!(y[12..15], inputs[1][6..9]);
    check_gradients(join, inputs, 20, 1);
}

#[test]
fn sample_draws_in_training_and_takes_the_mean_in_inference() {
    let (join, shape) = resolve("sample", &[&[5], &[5]], false);
    assert_eq!(shape, [5]);
    let batch = 3;
    let inputs = vec![random(5 * batch, 8), random(5 * batch, 9)];
    let views: Vec<&[f32]> = inputs.iter().map(|v| v.as_slice()).collect();
    let mut y = vec![0.0; 15];
    let mut aux = vec![0.0; 15];
    join.join().forward_batch(
        &views,
        &mut y,
        &mut aux,
        batch,
        Mode::Infer,
        &mut Rng::new(1),
    );
    assert_eq!(y, inputs[0]);
    join.join().forward_batch(
        &views,
        &mut y,
        &mut aux,
        batch,
        Mode::Train,
        &mut Rng::new(1),
    );
    for i in 0..15 {
        let expected = inputs[0][i] + (0.5 * inputs[1][i]).exp() * aux[i];
        assert!((y[i] - expected).abs() < 1e-6);
    }
    assert!(aux.iter().all(|&e| e != 0.0), "training draws noise");
    check_gradients(join, inputs, 15, batch);
}

#[test]
fn shape_rules_name_the_pair_that_disagrees() {
    let add = join_kind("add").unwrap();
    let error = (add.resolve)(&[&[4], &[4], &[5]], false).unwrap_err();
    assert_eq!((error.first, error.second), (0, 2));
    let concat = join_kind("concat").unwrap();
    assert!((concat.resolve)(&[&[2, 4, 4], &[2, 3, 4]], false).is_err());
    assert!((concat.resolve)(&[&[2, 4], &[3, 4]], true).is_err());
    assert!((concat.resolve)(&[&[4], &[4, 1]], false).is_err());
    let sample = join_kind("sample").unwrap();
    assert!((sample.resolve)(&[&[20], &[10]], false).is_err());
}
