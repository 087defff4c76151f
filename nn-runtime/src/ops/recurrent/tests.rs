use super::unrolled::matvec_add;
use super::*;
use crate::ops::test_support::{check_gradient, random_vec, weighted_sum};
use std::vec;
use std::vec::Vec;

const CELLS: [Cell; 3] = [Cell::Rnn, Cell::Lstm, Cell::Gru];

fn shape(cell: Cell, sequences: bool) -> RecurrentShape {
    RecurrentShape {
        cell,
        steps: 4,
        features: 3,
        units: 5,
        sequences,
    }
}

fn forward_batch(shape: &RecurrentShape, params: &[f32], x: &[f32], batch: usize) -> Vec<f32> {
    let mut y = vec![0.0; batch * shape.output_len()];
    let mut aux = vec![f32::NAN; batch * shape.aux_len()]; // garbage must not leak in
    recurrent_forward_batch(shape, params, x, &mut y, &mut aux, batch);
    y
}

#[test]
fn batched_forward_matches_single_sample_inference() {
    let mut rng = Rng::new(11);
    for cell in CELLS {
        for sequences in [false, true] {
            let shape = shape(cell, sequences);
            let params = random_vec(&mut rng, shape.param_len(), 0.6);
            let batch = 3;
            let x = random_vec(&mut rng, batch * shape.input_len(), 1.5);
            let y = forward_batch(&shape, &params, &x, batch);
            let mut state = vec![f32::NAN; shape.state_len()];
            for b in 0..batch {
                let mut single = vec![0.0; shape.output_len()];
                let sample = &x[b * shape.input_len()..(b + 1) * shape.input_len()];
                recurrent_forward(&shape, &params, sample, &mut single, &mut state);
                let want = &y[b * shape.output_len()..(b + 1) * shape.output_len()];
                for (i, (&s, &w)) in single.iter().zip(want).enumerate() {
                    assert!(
                        (s - w).abs() < 1e-5,
                        "{cell:?} seq={sequences} b{b}[{i}]: {s} vs {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn last_state_is_the_last_step_of_the_sequence() {
    let mut rng = Rng::new(12);
    for cell in CELLS {
        let (seq, last) = (shape(cell, true), shape(cell, false));
        let params = random_vec(&mut rng, seq.param_len(), 0.6);
        let x = random_vec(&mut rng, 2 * seq.input_len(), 1.0);
        let all = forward_batch(&seq, &params, &x, 2);
        let end = forward_batch(&last, &params, &x, 2);
        let h = seq.units;
        for b in 0..2 {
            let final_step = (b * seq.steps + seq.steps - 1) * h;
            assert_eq!(
                &all[final_step..final_step + h],
                &end[b * h..(b + 1) * h],
                "{cell:?}"
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng::new(13);
    for cell in CELLS {
        for sequences in [false, true] {
            let shape = shape(cell, sequences);
            let batch = 2;
            let params = random_vec(&mut rng, shape.param_len(), 0.5);
            let x = random_vec(&mut rng, batch * shape.input_len(), 1.0);
            let r = random_vec(&mut rng, batch * shape.output_len(), 1.0);

            let mut y = vec![0.0; r.len()];
            let mut aux = vec![0.0; batch * shape.aux_len()];
            recurrent_forward_batch(&shape, &params, &x, &mut y, &mut aux, batch);
            let mut dx = vec![f32::NAN; x.len()];
            // Parameter gradients accumulate: start from a known offset and subtract it.
            let mut dparams = vec![0.25; params.len()];
            recurrent_backward_batch(
                &shape,
                &params,
                &x,
                &mut aux,
                &r,
                Some(&mut dx),
                &mut dparams,
                batch,
            );
            dparams.iter_mut().for_each(|g| *g -= 0.25);

            let what = format!("{cell:?} sequences={sequences}");
            check_gradient(&format!("{what} d/dx"), &x, &dx, 1e-2, 2e-2, 2e-4, |x| {
                weighted_sum(&r, &forward_batch(&shape, &params, x, batch))
            });
            check_gradient(
                &format!("{what} d/dparams"),
                &params,
                &dparams,
                1e-2,
                2e-2,
                2e-4,
                |p| weighted_sum(&r, &forward_batch(&shape, p, &x, batch)),
            );
        }
    }
}

#[test]
fn a_wrong_gate_derivative_would_be_caught() {
    // Perturbing one parameter gradient must fail the same check the tests rely on.
    let shape = shape(Cell::Lstm, true);
    let mut rng = Rng::new(14);
    let params = random_vec(&mut rng, shape.param_len(), 0.5);
    let x = random_vec(&mut rng, shape.input_len(), 1.0);
    let r = random_vec(&mut rng, shape.output_len(), 1.0);
    let mut y = vec![0.0; r.len()];
    let mut aux = vec![0.0; shape.aux_len()];
    recurrent_forward_batch(&shape, &params, &x, &mut y, &mut aux, 1);
    let mut dparams = vec![0.0; params.len()];
    recurrent_backward_batch(&shape, &params, &x, &mut aux, &r, None, &mut dparams, 1);
    dparams[shape.gate_width() * shape.features + 7] += 0.05;
    let result = std::panic::catch_unwind(|| {
        check_gradient("perturbed", &params, &dparams, 1e-2, 2e-2, 2e-4, |p| {
            weighted_sum(&r, &forward_batch(&shape, p, &x, 1))
        });
    });
    assert!(result.is_err());
}

#[test]
fn lstm_step_matches_the_equations_written_out() {
    // One step from a zero state, H = 1, F = 1: every gate sees w·x + biases.
    let shape = RecurrentShape {
        cell: Cell::Lstm,
        steps: 1,
        features: 1,
        units: 1,
        sequences: false,
    };
    // weight_ih [i f g o], weight_hh, bias_ih, bias_hh.
    let params = [
        0.5, -0.3, 0.8, 0.1, /* hh */ 0.2, 0.2, 0.2, 0.2, /* b_ih */ 0.1, 1.0, 0.0, -0.2,
        /* b_hh */ 0.05, 0.0, 0.1, 0.0,
    ];
    let x = 2.0f64;
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let i = sig(0.5 * x + 0.15);
    let g = (0.8 * x + 0.1).tanh();
    let o = sig(0.1 * x - 0.2);
    let want = o * (i * g).tanh(); // c = f·0 + i·g
    let (mut y, mut state) = ([0.0f32], [0.0f32; 6]);
    recurrent_forward(&shape, &params, &[2.0], &mut y, &mut state);
    assert!((f64::from(y[0]) - want).abs() < 1e-6, "{} vs {want}", y[0]);
}

#[test]
fn init_follows_the_documented_scheme() {
    for cell in CELLS {
        let shape = RecurrentShape {
            cell,
            steps: 2,
            features: 30,
            units: 16,
            sequences: false,
        };
        let mut params = vec![f32::NAN; shape.param_len()];
        recurrent_init(&shape, &mut params, &mut Rng::new(5));
        let g = shape.gate_width();
        let (ih, rest) = params.split_at(g * 30);
        let (hh, biases) = rest.split_at(g * 16);
        let glorot = (6.0f32 / 46.0).sqrt();
        assert!(ih.iter().all(|w| w.abs() <= glorot) && ih.iter().any(|w| w.abs() > 0.9 * glorot));
        assert!(hh.iter().all(|w| w.abs() <= 0.25) && hh.iter().any(|w| w.abs() > 0.2));
        let ones: Vec<usize> = (0..biases.len()).filter(|&j| biases[j] == 1.0).collect();
        if cell == Cell::Lstm {
            assert_eq!(
                ones,
                (16..32).collect::<Vec<_>>(),
                "forget-gate bias_ih is 1"
            );
        } else {
            assert!(ones.is_empty());
        }
        assert!(biases.iter().all(|&b| b == 0.0 || b == 1.0));
    }
}

#[test]
fn matvec_add_matches_a_naive_product() {
    let mut rng = Rng::new(6);
    for (rows, cols) in [(1, 1), (3, 7), (5, 8), (4, 33), (2, 0)] {
        let w = random_vec(&mut rng, rows * cols, 1.0);
        let x = random_vec(&mut rng, cols, 1.0);
        let mut y = random_vec(&mut rng, rows, 1.0);
        let want: Vec<f32> = (0..rows)
            .map(|r| y[r] + (0..cols).map(|c| w[r * cols + c] * x[c]).sum::<f32>())
            .collect();
        matvec_add(&w, &x, &mut y);
        for (a, b) in y.iter().zip(&want) {
            assert!((a - b).abs() < 1e-5, "{rows}x{cols}: {y:?} vs {want:?}");
        }
    }
}

#[test]
#[should_panic(expected = "needs 200 parameters, got 199")]
fn a_wrong_parameter_count_is_rejected() {
    let shape = shape(Cell::Lstm, false);
    let mut y = vec![0.0; 5];
    let mut state = vec![0.0; shape.state_len()];
    recurrent_forward(&shape, &[0.0; 199], &[0.0; 12], &mut y, &mut state);
}
