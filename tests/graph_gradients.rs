//! Gradient checks through graph networks: a residual `add`, `concat` of vectors and of
//! sequences, a tensor read by several layers (its gradient accumulated), several outputs
//! with weighted losses, and a variational autoencoder's `sample` and KL term. Each compares
//! the generated backward pass with central finite differences of the generated forward
//! pass and loss (the same seeded noise in every evaluation; smooth activations, so no
//! finite difference straddles a ReLU kink), and the heap-free
//! single-sample pass with the batched one.

mod support;

use nn::__private::Arena;
use nn::{LossKind, Network};
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    struct Residual {
        input: [2, 6, 6],
        conv2d(3, kernel = 3, padding = same), tanh as stem,
        conv2d(3, kernel = 3, padding = same), batch_norm, tanh,
        conv2d(3, kernel = 3, padding = same), batch_norm as residual,
        add(stem, residual), tanh,
        conv2d(4, kernel = 1, stride = 2) as projection,
        stem -> conv2d(4, kernel = 3, stride = 2, padding = 1) as strided,
        add(projection, strided),
        flatten, dense(3), softmax,
    }
}

nn::network! {
    struct SharedAndConcat {
        input: [4],
        dense(5), tanh as hidden,
        hidden -> dense(3) as left,
        hidden -> dense(2), sigmoid as right,
        hidden -> dense(5) as again,
        concat(left, right), tanh,
        dense(5) as joined,
        add(joined, again, hidden),
        dense(2),
    }
}

nn::network! {
    struct TwoHeads {
        input: [4],
        dense(6), tanh as shared,
        shared -> dense(3), softmax as digits,
        shared -> dense(2) as value,
        outputs: [digits, value],
        loss: cross_entropy(digits) + 0.5 * mse(value),
    }
}

nn::network! {
    struct TinyVae {
        input: [6],
        dense(5), tanh as hidden,
        hidden -> dense(2) as mean,
        hidden -> dense(2) as log_var,
        sample(mean, log_var),
        dense(5), tanh,
        dense(6), sigmoid,
        loss: 6 * binary_cross_entropy + 0.7 * kl(mean, log_var),
    }
}

nn::network! {
    struct SequenceConcat {
        input: [5 steps, 3],
        lstm(4, return_sequences = true) as forwards,
        input -> gru(2, return_sequences = true) as other,
        concat(forwards, other),
        rnn(3),
        dense(2),
    }
}

#[test]
fn through_a_residual_join_and_a_strided_projection() {
    check_gradients(&Residual::new(1), true, 3, 21);
    assert_single_matches_batched(&Residual::new(2), 3, 22);
}

#[test]
fn through_concat_and_a_tensor_read_by_four_layers() {
    check_gradients(&SharedAndConcat::new(3), false, 4, 23);
    assert_single_matches_batched(&SharedAndConcat::new(4), 3, 24);
}

#[test]
fn through_two_outputs_with_weighted_losses() {
    assert_eq!(TwoHeads::LOSS, LossKind::WeightedSum);
    assert_eq!(<TwoHeads as Network>::OUTPUT_LEN, 5);
    check_gradients(&TwoHeads::new(5), false, 4, 25);
    assert_single_matches_batched(&TwoHeads::new(6), 3, 26);
}

#[test]
fn through_sample_and_the_kl_term() {
    check_gradients(&TinyVae::new(7), false, 4, 27);
    // Inference takes the mean (ε = 0), the same in both paths.
    assert_single_matches_batched(&TinyVae::new(8), 3, 28);
}

#[test]
fn through_concat_of_sequences() {
    check_gradients(&SequenceConcat::new(9), false, 2, 29);
    assert_single_matches_batched(&SequenceConcat::new(10), 2, 30);
}

#[test]
fn several_outputs_are_side_by_side_in_the_output() {
    let model = TwoHeads::new(11);
    let input = [0.3, -0.2, 0.9, 0.1];
    let output = model.forward(&input);
    let digits: f32 = output[..3].iter().sum();
    assert!((digits - 1.0).abs() < 1e-5, "the softmax head comes first");
    // The loss of a sample is the weighted sum of each head's loss on its slice.
    let targets = [0.0, 1.0, 0.0, 0.25, -0.5];
    let mut nodes = vec![0.0; TwoHeads::arena_len(1)];
    nodes[..4].copy_from_slice(&input);
    model.forward_batch(&mut nodes, 1, nn::Mode::Infer, &mut nn::Rng::new(0));
    let loss = TwoHeads::loss_batch(&nodes, &targets, 1, None);
    let cross_entropy = -output[1].ln();
    let mse = ((output[3] - 0.25).powi(2) + (output[4] + 0.5).powi(2)) / 2.0;
    assert!((loss - (cross_entropy + 0.5 * mse)).abs() < 1e-5, "{loss}");
}
