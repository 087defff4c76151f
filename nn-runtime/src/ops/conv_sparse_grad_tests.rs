//! The backward pass from mostly-zero output gradients (`conv_sparse_grad.rs`), every kernel
//! table's per-sample kernel, against the `f64` reference: wide and narrow, padded and
//! vertically strided geometries, gradients from all-zero to dense, with and without the
//! input gradient; and the dispatch on density.

use super::tests::{all_cases, random_data, reference, shape_of};
use super::wide_tests::{assert_gradients, reference_backward, wide_cases};
use super::*;
use crate::ops::kernels::test_every_variant;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `len` gradients in ±1, each nonzero with probability `density`.
fn sparse_gradient(rng: &mut Rng, len: usize, density: f32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            let g = rng.uniform(1.0);
            if rng.next_f32() < density {
                g
            } else {
                0.0
            }
        })
        .collect()
}

/// The geometries the sparse path takes: the wide cases and the hand-picked and random ones
/// of `conv_tests.rs` with unit horizontal stride.
fn sparse_cases(rng: &mut Rng) -> Vec<Conv2dShape> {
    let mut shapes = wide_cases(rng);
    shapes.extend(
        all_cases(71)
            .into_iter()
            .map(shape_of)
            .filter(sparse::suits),
    );
    shapes
}

test_every_variant! {
    fn sparse_backward_matches_the_reference(kernels) {
        let mut rng = Rng::new(72);
        for s in sparse_cases(&mut rng) {
            for density in [0.0, 0.2, 1.0] {
                let batch = 1 + rng.below(3);
                let d = random_data(&mut rng, &s, batch);
                let out_len = batch * s.out_channels * s.out_height * s.out_width;
                let dy = sparse_gradient(&mut rng, out_len, density);
                let want = reference_backward(&s, &d.weight, &d.input, &dy, batch);
                let offset_w = random_vec(&mut rng, d.weight.len(), 1.0);
                let offset_b = random_vec(&mut rng, s.out_channels, 1.0);
                let (mut dw, mut db) = (offset_w.clone(), offset_b.clone());
                let mut dx = vec![f32::NAN; d.input.len()];
                sparse::run(
                    kernels.conv2d_sparse_grad,
                    &s,
                    &d.weight,
                    &d.input,
                    &dy,
                    Some(&mut dx),
                    &mut dw,
                    &mut db,
                    batch,
                );
                let what = format!("{s:?} batch {batch} density {density}");
                assert_gradients(&s, batch, &what, (&dw, &db, &dx), (&offset_w, &offset_b), &want);

                // Without the input gradient, the parameter gradients are the same.
                let (mut dw2, mut db2) = (offset_w.clone(), offset_b.clone());
                sparse::run(
                    kernels.conv2d_sparse_grad,
                    &s,
                    &d.weight,
                    &d.input,
                    &dy,
                    None,
                    &mut dw2,
                    &mut db2,
                    batch,
                );
                assert_eq!((dw2, db2), (dw, db), "{what}: gradients without input_grad");
            }
        }
    }
}

/// Through the crate's entry points for training, whose forward pass may leave the im2col
/// matrices unfilled (NaN here): a sparse and a dense gradient (one path each) both give the
/// reference's gradients.
#[test]
fn backward_from_input_matches_the_reference_at_every_density() {
    let mut rng = Rng::new(73);
    for case in [
        [32, 10, 10, 64, 3, 3, 1, 1, 0, 0, 0, 0],
        [8, 9, 7, 16, 3, 3, 2, 1, 1, 1, 1, 1],
    ] {
        let s = shape_of(case);
        let batch = 3;
        let d = random_data(&mut rng, &s, batch);
        let out_len = batch * s.out_channels * s.out_height * s.out_width;
        for density in [0.1, sparse::MAX_DENSITY + 0.2] {
            let dy = sparse_gradient(&mut rng, out_len, density);
            let mut y = vec![f32::NAN; out_len];
            let mut cols = vec![f32::NAN; batch * s.col_len()];
            conv2d_forward_batch_for_training(
                &s, &d.weight, &d.bias, &d.input, &mut y, &mut cols, batch,
            );
            let want_y = reference(&s, &d.weight, &d.bias, &d.input, batch);
            assert_close(&y, &want_y, 1e-4, 1e-4, &format!("forward {case:?}"));
            let (mut dw, mut db, mut dx) = (
                vec![0.0; d.weight.len()],
                vec![0.0; s.out_channels],
                vec![f32::NAN; d.input.len()],
            );
            conv2d_backward_batch_from_input(
                &s,
                &d.weight,
                &d.input,
                &dy,
                Some(&mut dx),
                &mut dw,
                &mut db,
                &mut cols,
                batch,
            );
            let (want_dw, want_db, want_dx) =
                reference_backward(&s, &d.weight, &d.input, &dy, batch);
            let what = format!("{case:?} density {density}");
            let tol = 1e-4;
            assert_close(&dw, &want_dw, tol, tol, &format!("dW {what}"));
            assert_close(&db, &want_db, tol, tol, &format!("db {what}"));
            assert_close(&dx, &want_dx, tol, tol, &format!("dX {what}"));
        }
    }
}

#[test]
fn sparse_path_refuses_dense_gradients_and_horizontal_strides() {
    let s = shape_of([8, 6, 6, 32, 3, 3, 1, 1, 0, 0, 0, 0]);
    let d = random_data(&mut Rng::new(74), &s, 1);
    let dense = vec![1.0; s.out_channels * s.out_height * s.out_width];
    let (mut dw, mut db) = (vec![0.0; d.weight.len()], vec![0.0; s.out_channels]);
    let ran = sparse::backward_batch(&s, &d.weight, &d.input, &dense, None, &mut dw, &mut db, 1);
    assert!(!ran && dw.iter().chain(&db).all(|&v| v == 0.0));
    let strided = shape_of([8, 6, 6, 32, 3, 3, 1, 2, 0, 0, 0, 0]);
    let narrow = shape_of([8, 6, 6, 16, 3, 3, 1, 1, 0, 0, 0, 0]);
    assert!(sparse::suits(&s) && !sparse::suits(&strided) && !sparse::suits(&narrow));
}
