//! Recurrent layers against an independent implementation: `scripts/recurrent_reference.py`
//! computes PyTorch's RNN, LSTM and GRU equations in float64 numpy on fixed weights and
//! sequences; `nn` must reproduce every step's state to 1e-5, through both the heap-free
//! single-sample path and the batched path, and its last state in last-state mode.

use nn::{Model, Network};

#[allow(clippy::excessive_precision)] // nine digits, so every f32 round-trips exactly
mod reference {
    include!("fixtures/recurrent_reference.rs");
}

const STEPS: usize = 5;
const FEATURES: usize = 3;
const UNITS: usize = 4;

macro_rules! cell_networks {
    ($sequence:ident, $last:ident, $cell:ident) => {
        nn::network! {
            struct $sequence { input: [5 steps, 3], $cell(4, return_sequences = true) }
        }
        nn::network! {
            struct $last { input: [5 steps, 3], $cell(4) }
        }
    };
}

cell_networks!(RnnSequence, RnnLast, rnn);
cell_networks!(LstmSequence, LstmLast, lstm);
cell_networks!(GruSequence, GruLast, gru);

#[track_caller]
fn assert_within(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5, "{what}[{i}]: {g} vs reference {w}");
    }
}

/// Both paths of the sequence network reproduce every state; the last-state network gives
/// each sequence's final state.
fn check<S: Network + Model, L: Network>(
    sequence: &S,
    last: &L,
    states: &[f32],
    forward: impl Fn(&[f32]) -> Vec<f32>,
    name: &str,
) {
    let inputs = &reference::INPUTS;
    assert_within(
        &sequence.predict(inputs).unwrap(),
        states,
        &format!("{name} batched"),
    );
    for (b, (input, want)) in inputs
        .chunks(STEPS * FEATURES)
        .zip(states.chunks(STEPS * UNITS))
        .enumerate()
    {
        assert_within(&forward(input), want, &format!("{name} single sample {b}"));
        let final_state = &want[(STEPS - 1) * UNITS..];
        let mut got = [0.0; UNITS];
        last.forward_sample(input, &mut got);
        assert_within(&got, final_state, &format!("{name} last state {b}"));
    }
}

#[test]
fn rnn_matches_the_reference() {
    let (sequence, last) = (
        RnnSequence::from_params(reference::RNN_PARAMS),
        RnnLast::from_params(reference::RNN_PARAMS),
    );
    let forward = |x: &[f32]| sequence.forward(x.try_into().unwrap()).to_vec();
    check(&sequence, &last, &reference::RNN_STATES, forward, "rnn");
}

#[test]
fn lstm_matches_the_reference() {
    let (sequence, last) = (
        LstmSequence::from_params(reference::LSTM_PARAMS),
        LstmLast::from_params(reference::LSTM_PARAMS),
    );
    let forward = |x: &[f32]| sequence.forward(x.try_into().unwrap()).to_vec();
    check(&sequence, &last, &reference::LSTM_STATES, forward, "lstm");
}

#[test]
fn gru_matches_the_reference() {
    let (sequence, last) = (
        GruSequence::from_params(reference::GRU_PARAMS),
        GruLast::from_params(reference::GRU_PARAMS),
    );
    let forward = |x: &[f32]| sequence.forward(x.try_into().unwrap()).to_vec();
    check(&sequence, &last, &reference::GRU_STATES, forward, "gru");
}

#[test]
fn the_reference_is_not_trivial() {
    // States that barely move would make the comparison weak: they must vary across steps.
    for states in [
        &reference::RNN_STATES[..],
        &reference::LSTM_STATES,
        &reference::GRU_STATES,
    ] {
        let spread = states.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(spread > 0.1, "{states:?}");
        assert_ne!(states[..UNITS], states[UNITS..2 * UNITS]);
    }
}
