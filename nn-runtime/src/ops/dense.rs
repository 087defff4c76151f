//! Fully connected layers. The weight is `[outputs, inputs]`, row-major (PyTorch's layout).
//!
//! Single-sample inference runs [`dense_forward`], a matrix-vector product with an AVX2 + FMA
//! variant picked at run time beside a portable one (see `matvec.rs`). Batches go through
//! [`gemm`], except forward batches of at least 8 rows on a CPU with AVX2 + FMA, which take
//! the kernel of `dense_avx2.rs`.

use super::gemm::{gemm, Matrix, MatrixMut};
use super::matvec::matvec;

/// One sample: `output[o] = bias[o] + Σ_i weight[o, i] · input[i]`.
/// Dimensions come from the slice lengths (`weight.len() == output.len() * input.len()`).
pub fn dense_forward(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    let (inputs, outputs) = (input.len(), output.len());
    assert_eq!(
        weight.len(),
        outputs * inputs,
        "dense_forward: weight has {} values, but {outputs} outputs × {inputs} inputs need {}",
        weight.len(),
        outputs * inputs
    );
    assert_eq!(
        bias.len(),
        outputs,
        "dense_forward: bias has {} values for {outputs} outputs",
        bias.len()
    );
    matvec(weight, bias, input, output);
}

/// `(inputs, outputs)` of a batched dense layer, checked against every slice length.
fn batch_dims(
    what: &str,
    weight: usize,
    bias: usize,
    input: usize,
    output: usize,
    batch: usize,
) -> (usize, usize) {
    let outputs = bias;
    if batch == 0 {
        assert!(
            input == 0 && output == 0,
            "{what}: a batch of 0 has no inputs or outputs, got {input} and {output}"
        );
        assert!(
            outputs == 0 || weight.is_multiple_of(outputs),
            "{what}: weight has {weight} values for {outputs} outputs"
        );
        return (weight.checked_div(outputs).unwrap_or(0), outputs);
    }
    assert!(
        input.is_multiple_of(batch),
        "{what}: {input} input values are not a whole batch of {batch} samples"
    );
    let inputs = input / batch;
    assert_eq!(output, batch * outputs, "{what}: output has {output} values, but {batch} samples × {outputs} outputs (from the bias length) need {}", batch * outputs);
    assert_eq!(
        weight,
        outputs * inputs,
        "{what}: weight has {weight} values, but {outputs} outputs × {inputs} inputs need {}",
        outputs * inputs
    );
    (inputs, outputs)
}

/// A batch, row-major `[batch, inputs]` → `[batch, outputs]`, through GEMM.
pub fn dense_forward_batch(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    let (_, outputs) = batch_dims(
        "dense_forward_batch",
        weight.len(),
        bias.len(),
        input.len(),
        output.len(),
        batch,
    );
    if outputs == 0 {
        return;
    }
    // The kernel table's variant: AVX2 and AVX-512 take batches of 8 rows or more. Every
    // path gives the same bits with and without threads sharing the product (`gemm_split`),
    // so training on 1 and on 2 threads stays bit-identical.
    (super::kernels::active().dense_forward_batch)(weight, bias, input, output, batch);
}

/// The portable variant of [`dense_forward_batch`], through GEMM; lengths already checked,
/// `outputs > 0`.
pub(crate) fn dense_forward_batch_gemm(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    let outputs = bias.len();
    let inputs = weight.len() / outputs;
    for row in output.chunks_exact_mut(outputs) {
        row.copy_from_slice(bias);
    }
    // Y[batch, out] += X[batch, in] · Wᵀ, with Wᵀ read through swapped strides.
    gemm(
        1.0,
        Matrix::row_major(input, batch, inputs),
        Matrix::row_major(weight, outputs, inputs).t(),
        1.0,
        MatrixMut::row_major(output, batch, outputs),
    );
}

/// Backward over a batch: *adds* `dW = dYᵀ·X` into `weight_grad` and `Σ_b dY` into
/// `bias_grad`; *overwrites* `input_grad` with `dY·W` when given (the first layer skips it).
pub fn dense_backward_batch(
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    batch: usize,
) {
    let what = "dense_backward_batch";
    let (inputs, outputs) = batch_dims(
        what,
        weight.len(),
        bias_grad.len(),
        input.len(),
        output_grad.len(),
        batch,
    );
    assert_eq!(
        weight_grad.len(),
        weight.len(),
        "{what}: weight_grad has {} values, weight {}",
        weight_grad.len(),
        weight.len()
    );

    // dWᵀ[in, out] += Xᵀ[in, batch] · dY[batch, out], with dWᵀ written through swapped
    // strides: the same sum as dW = dYᵀ·X, posed so that its columns are the output units.
    // When threads share large products by columns (`gemm_split`), each then owns the same
    // rows of W in the backward pass as in the forward pass, so they stay in its cache.
    gemm(
        1.0,
        Matrix::row_major(input, batch, inputs).t(),
        Matrix::row_major(output_grad, batch, outputs),
        1.0,
        MatrixMut::row_major(weight_grad, outputs, inputs).t(),
    );

    if outputs > 0 {
        for row in output_grad.chunks_exact(outputs) {
            for (db, &dy) in bias_grad.iter_mut().zip(row) {
                *db += dy;
            }
        }
    }

    if let Some(input_grad) = input_grad {
        assert_eq!(
            input_grad.len(),
            input.len(),
            "{what}: input_grad has {} values, input {}",
            input_grad.len(),
            input.len()
        );
        // dX[batch, in] = dY[batch, out] · W[out, in].
        gemm(
            1.0,
            Matrix::row_major(output_grad, batch, outputs),
            Matrix::row_major(weight, outputs, inputs),
            0.0,
            MatrixMut::row_major(input_grad, batch, inputs),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_support::*;
    use crate::rng::Rng;
    use std::vec;
    use std::vec::Vec;

    /// `[(inputs, outputs, batch)]`: sizes around the 16-lane chunking, and degenerate ones.
    const SHAPES: [(usize, usize, usize); 10] = [
        (1, 1, 1),
        (3, 2, 5),
        (7, 1, 3),
        (15, 4, 1),
        (16, 16, 2),
        (17, 9, 4),
        (33, 7, 6),
        (64, 10, 3),
        (100, 33, 7),
        (1, 20, 9),
    ];

    /// `bias + W·x` per sample, in `f64`.
    fn reference(weight: &[f32], bias: &[f32], input: &[f32], inputs: usize) -> Vec<f64> {
        let outputs = bias.len();
        let mut y = Vec::new();
        for x in input.chunks(inputs.max(1)) {
            for o in 0..outputs {
                let row = &weight[o * inputs..(o + 1) * inputs];
                y.push(
                    f64::from(bias[o])
                        + row
                            .iter()
                            .zip(x)
                            .map(|(&w, &v)| f64::from(w) * f64::from(v))
                            .sum::<f64>(),
                );
            }
        }
        y
    }

    #[test]
    fn single_sample_and_batch_match_the_naive_loop() {
        let mut rng = Rng::new(31);
        for (inputs, outputs, batch) in SHAPES {
            let weight = random_vec(&mut rng, outputs * inputs, 1.0);
            let bias = random_vec(&mut rng, outputs, 1.0);
            let input = random_vec(&mut rng, batch * inputs, 1.0);
            let want = reference(&weight, &bias, &input, inputs);
            let tolerance = 1e-6 * inputs as f64;

            let mut one_by_one = vec![f32::NAN; batch * outputs];
            for (x, y) in input.chunks(inputs).zip(one_by_one.chunks_mut(outputs)) {
                dense_forward(&weight, &bias, x, y);
            }
            assert_close(&one_by_one, &want, tolerance, tolerance, "dense_forward");

            let mut batched = vec![f32::NAN; batch * outputs];
            dense_forward_batch(&weight, &bias, &input, &mut batched, batch);
            assert_close(&batched, &want, tolerance, tolerance, "dense_forward_batch");
            assert_close(
                &batched,
                &to_f64(&one_by_one),
                tolerance,
                tolerance,
                "batch vs single",
            );
        }
    }

    #[test]
    fn a_known_layer() {
        // W = [1 2 3; 4 5 6], b = [0.5, -1], x = [1, 0, -1] → [0.5 - 2, -1 - 2].
        let (w, b) = ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.5, -1.0]);
        let mut y = [0.0; 2];
        dense_forward(&w, &b, &[1.0, 0.0, -1.0], &mut y);
        assert_eq!(y, [-1.5, -3.0]);
        let mut y2 = [0.0; 4];
        dense_forward_batch(&w, &b, &[1.0, 0.0, -1.0, 0.0, 1.0, 0.0], &mut y2, 2);
        assert_eq!(y2, [-1.5, -3.0, 2.5, 4.0]);
    }

    #[test]
    fn zero_inputs_give_the_bias() {
        let mut y = [f32::NAN; 2];
        dense_forward(&[], &[1.0, 2.0], &[], &mut y);
        assert_eq!(y, [1.0, 2.0]);
        let mut y = [f32::NAN; 6];
        dense_forward_batch(&[], &[1.0, 2.0], &[], &mut y, 3);
        assert_eq!(y, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    }

    #[test]
    fn backward_matches_finite_differences() {
        let mut rng = Rng::new(33);
        for (inputs, outputs, batch) in SHAPES {
            let weight = random_vec(&mut rng, outputs * inputs, 1.0);
            let bias = random_vec(&mut rng, outputs, 1.0);
            let input = random_vec(&mut rng, batch * inputs, 1.0);
            let r = random_vec(&mut rng, batch * outputs, 1.0); // L = Σ r ⊙ Y, so dY = r
            let objective = |w: &[f32], b: &[f32], x: &[f32]| {
                let mut y = vec![0.0; batch * outputs];
                dense_forward_batch(w, b, x, &mut y, batch);
                weighted_sum(&r, &y)
            };

            // Gradients are added to what is there: start from a known offset.
            let offset_w = random_vec(&mut rng, weight.len(), 1.0);
            let offset_b = random_vec(&mut rng, outputs, 1.0);
            let (mut dw, mut db) = (offset_w.clone(), offset_b.clone());
            let mut dx = vec![f32::NAN; input.len()];
            dense_backward_batch(&weight, &input, &r, Some(&mut dx), &mut dw, &mut db, batch);
            let added_w: Vec<f32> = dw.iter().zip(&offset_w).map(|(a, b)| a - b).collect();
            let added_b: Vec<f32> = db.iter().zip(&offset_b).map(|(a, b)| a - b).collect();

            let (eps, rel, abs) = (1e-3, 1e-2, 2e-3);
            check_gradient("dW", &weight, &added_w, eps, rel, abs, |w| {
                objective(w, &bias, &input)
            });
            check_gradient("db", &bias, &added_b, eps, rel, abs, |b| {
                objective(&weight, b, &input)
            });
            check_gradient("dX", &input, &dx, eps, rel, abs, |x| {
                objective(&weight, &bias, x)
            });

            // Without input_grad the parameter gradients are the same.
            let (mut dw2, mut db2) = (offset_w.clone(), offset_b.clone());
            dense_backward_batch(&weight, &input, &r, None, &mut dw2, &mut db2, batch);
            assert_eq!((dw2, db2), (dw, db));
        }
    }

    #[test]
    fn backward_matches_the_naive_formulas() {
        let mut rng = Rng::new(34);
        for (inputs, outputs, batch) in SHAPES {
            let weight = random_vec(&mut rng, outputs * inputs, 1.0);
            let input = random_vec(&mut rng, batch * inputs, 1.0);
            let dy = random_vec(&mut rng, batch * outputs, 1.0);
            let (mut dw, mut db, mut dx) = (
                vec![0.0; weight.len()],
                vec![0.0; outputs],
                vec![f32::NAN; input.len()],
            );
            dense_backward_batch(&weight, &input, &dy, Some(&mut dx), &mut dw, &mut db, batch);
            let (mut want_w, mut want_b, mut want_x) = (
                vec![0.0f64; dw.len()],
                vec![0.0f64; outputs],
                vec![0.0f64; dx.len()],
            );
            for s in 0..batch {
                for o in 0..outputs {
                    let g = f64::from(dy[s * outputs + o]);
                    want_b[o] += g;
                    for i in 0..inputs {
                        want_w[o * inputs + i] += g * f64::from(input[s * inputs + i]);
                        want_x[s * inputs + i] += g * f64::from(weight[o * inputs + i]);
                    }
                }
            }
            let tolerance = 1e-5 * (batch + outputs) as f64;
            assert_close(&dw, &want_w, tolerance, tolerance, "dW");
            assert_close(&db, &want_b, tolerance, tolerance, "db");
            assert_close(&dx, &want_x, tolerance, tolerance, "dX");
        }
    }

    #[test]
    #[should_panic(expected = "dense_forward: weight has 5 values")]
    fn forward_rejects_a_wrong_weight_length() {
        dense_forward(&[0.0; 5], &[0.0; 2], &[0.0; 3], &mut [0.0; 2]);
    }

    #[test]
    #[should_panic(expected = "not a whole batch")]
    fn batch_rejects_a_ragged_input() {
        dense_forward_batch(&[0.0; 6], &[0.0; 2], &[0.0; 7], &mut [0.0; 4], 2);
    }

    #[test]
    #[should_panic(expected = "output has 5 values")]
    fn batch_rejects_a_wrong_output_length() {
        dense_forward_batch(&[0.0; 6], &[0.0; 2], &[0.0; 6], &mut [0.0; 5], 2);
    }

    #[test]
    #[should_panic(expected = "input_grad has 5 values")]
    fn backward_rejects_a_wrong_input_grad_length() {
        let mut dx = [0.0; 5];
        dense_backward_batch(
            &[0.0; 6],
            &[0.0; 6],
            &[0.0; 4],
            Some(&mut dx),
            &mut [0.0; 6],
            &mut [0.0; 2],
            2,
        );
    }
}
