//! Recurrent networks end to end: the generated backpropagation through time agrees with
//! finite differences of the generated forward pass and loss, for every cell, both output
//! modes and stacked layers; the heap-free path agrees with the batched one.

mod support;

use nn::__private::Arena;
use nn::Network;
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    struct RnnLast {
        input: [5 steps, 3],
        rnn(4),
        dense(3), softmax,
    }
}

nn::network! {
    struct LstmLast {
        input: [5 steps, 3],
        lstm(4),
        dense(3), softmax,
    }
}

nn::network! {
    struct GruLast {
        input: [5 steps, 3],
        gru(4),
        dense(2),
    }
}

nn::network! {
    struct RnnSequence {
        input: [4 steps, 2],
        rnn(3, return_sequences = true),
        flatten, dense(2),
    }
}

nn::network! {
    struct LstmSequence {
        input: [4 steps, 2],
        lstm(3, return_sequences = true), tanh,
        flatten, dense(3), softmax,
    }
}

nn::network! {
    struct GruSequence {
        input: [4 steps, 2],
        gru(3, return_sequences = true),
        flatten, dense(1), sigmoid,
    }
}

nn::network! {
    /// Two stacked layers of different cells: the upper one's input gradient feeds the
    /// lower one's parameter gradients, so both are checked.
    struct Stacked {
        input: [6 steps, 3],
        lstm(4, return_sequences = true),
        dropout(0.2),
        gru(3),
        dense(2), softmax,
    }
}

#[test]
fn rnn_last_state() {
    check_gradients(&RnnLast::new(1), true, 3, 21);
}

#[test]
fn lstm_last_state() {
    check_gradients(&LstmLast::new(2), true, 3, 22);
}

#[test]
fn gru_last_state_with_mse() {
    check_gradients(&GruLast::new(3), false, 3, 23);
}

#[test]
fn rnn_whole_sequence() {
    check_gradients(&RnnSequence::new(4), false, 2, 24);
}

#[test]
fn lstm_whole_sequence() {
    check_gradients(&LstmSequence::new(5), true, 2, 25);
}

#[test]
fn gru_whole_sequence() {
    check_gradients(&GruSequence::new(6), true, 2, 26);
}

#[test]
fn stacked_lstm_and_gru() {
    check_gradients(&Stacked::new(7), true, 3, 27);
}

#[test]
fn single_sample_forward_matches_the_batched_forward() {
    assert_single_matches_batched(&LstmLast::new(8), 3, 31);
    assert_single_matches_batched(&GruSequence::new(9), 3, 32);
    assert_single_matches_batched(&RnnSequence::new(10), 3, 33);
    assert_single_matches_batched(&Stacked::new(11), 3, 34);
}

#[test]
fn tensors_follow_pytorch_names_and_shapes() {
    let tensors: Vec<(&str, &[usize])> =
        Stacked::TENSORS.iter().map(|t| (t.name, t.shape)).collect();
    assert_eq!(
        tensors[..8],
        [
            ("lstm_0.weight_ih", &[16, 3][..]),
            ("lstm_0.weight_hh", &[16, 4][..]),
            ("lstm_0.bias_ih", &[16][..]),
            ("lstm_0.bias_hh", &[16][..]),
            ("gru_0.weight_ih", &[9, 4][..]),
            ("gru_0.weight_hh", &[9, 3][..]),
            ("gru_0.bias_ih", &[9][..]),
            ("gru_0.bias_hh", &[9][..]),
        ]
    );
    assert_eq!(Stacked::INPUT_SHAPE, [6, 3]);
    assert_eq!(<Stacked as Arena>::NODE_WIDTHS, &[18, 24, 24, 3, 2, 2]);
    // Single-sample scratch: the LSTM's sequence [6, 4] and the GRU's state [3] in the two
    // buffers, plus the larger layer's gates, cell and state: LSTM (4 + 1 + 1) × 4.
    assert_eq!(Stacked::SCRATCH_LEN, 24 + 3 + 24);
    // The summary marks which shapes are sequences.
    let rows: Vec<&str> = Stacked::SUMMARY.lines().collect();
    let row = |name: &str| *rows.iter().find(|r| r.starts_with(name)).unwrap();
    assert!(
        row("input").contains("[6 steps, 3]"),
        "{}",
        Stacked::SUMMARY
    );
    assert!(
        row("lstm_0").contains("[6 steps, 4]"),
        "{}",
        Stacked::SUMMARY
    );
    assert!(
        row("dropout_0").contains("[6 steps, 4]"),
        "{}",
        Stacked::SUMMARY
    );
    assert!(row("gru_0").contains(" [3] "), "{}", Stacked::SUMMARY);
}
