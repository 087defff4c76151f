//! Recurrent layers over fixed-length sequences: Elman RNN, LSTM and GRU, with PyTorch's
//! equations, gate order and tensor layout, so weights map one to one.
//!
//! A sample is `[steps, features]`, row-major (step-major). Each layer has four tensors, in
//! this order and adjacent in memory: `weight_ih` `[G·H, F]`, `weight_hh` `[G·H, H]`,
//! `bias_ih` `[G·H]` and `bias_hh` `[G·H]`, where `H` is the number of units and `G` the
//! number of gates (1, 4, 3). With `xₜ` the input at step `t` and `h` the previous state
//! (zero at the start):
//!
//! - RNN: `h' = tanh(W_ih xₜ + b_ih + W_hh h + b_hh)`.
//! - LSTM, gates `i, f, g, o`: `i = σ(·)`, `f = σ(·)`, `g = tanh(·)`, `o = σ(·)` of
//!   `W_ih xₜ + b_ih + W_hh h + b_hh`; `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
//! - GRU, gates `r, z, n`: `r = σ(W_ir xₜ + b_ir + W_hr h + b_hr)`, `z` likewise,
//!   `n = tanh(W_in xₜ + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 − z) ⊙ n + z ⊙ h`.
//!
//! The batched passes project every step's input with one GEMM, run the recurrence step by
//! step (one GEMM per step for the hidden projection), and backpropagate through time with the
//! weight gradients again gathered into single GEMMs.

mod gru;
mod lstm;
mod rnn;
mod unrolled;

use super::init::glorot_uniform;
use crate::rng::Rng;
use unrolled::{add_column_sums, add_hidden_weight_grad, input_side_gradients};

/// The recurrent cell of a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Elman RNN with tanh.
    Rnn,
    /// Long short-term memory.
    Lstm,
    /// Gated recurrent unit.
    Gru,
}

impl Cell {
    /// Gates, i.e. blocks of `H` rows in the weight matrices.
    pub const fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }

    /// Per-step `[H]` vectors kept besides the gates and the previous state: LSTM's cell
    /// state, GRU's hidden projection of the `n` gate.
    const fn extra(self) -> usize {
        match self {
            Cell::Rnn => 0,
            Cell::Lstm | Cell::Gru => 1,
        }
    }

    /// `[H]` vectors carried from step to step in the backward pass (`dh`, and LSTM's `dc`).
    const fn carried(self) -> usize {
        match self {
            Cell::Lstm => 2,
            Cell::Rnn | Cell::Gru => 1,
        }
    }
}

/// The geometry of a recurrent layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecurrentShape {
    /// Which cell.
    pub cell: Cell,
    /// Sequence length `T`.
    pub steps: usize,
    /// Input width per step `F`.
    pub features: usize,
    /// State width `H`.
    pub units: usize,
    /// Output every step's state (`[T, H]`) rather than only the last one (`[H]`).
    pub sequences: bool,
}

impl RecurrentShape {
    /// Rows of the weight matrices: `G·H`.
    pub const fn gate_width(&self) -> usize {
        self.cell.gates() * self.units
    }

    /// Floats of all four tensors.
    pub const fn param_len(&self) -> usize {
        let g = self.gate_width();
        g * self.features + g * self.units + 2 * g
    }

    /// Floats of one input sample.
    pub const fn input_len(&self) -> usize {
        self.steps * self.features
    }

    /// Floats of one output sample.
    pub const fn output_len(&self) -> usize {
        if self.sequences {
            self.steps * self.units
        } else {
            self.units
        }
    }

    /// Scratch floats single-sample inference needs: gates, extra and state.
    pub const fn state_len(&self) -> usize {
        (self.cell.gates() + self.cell.extra() + 1) * self.units
    }

    /// Floats per sample the batched forward pass keeps for the backward pass: every step's
    /// activated gates, extra vector and previous state, plus the vectors carried backward.
    pub const fn aux_len(&self) -> usize {
        self.steps * self.state_len() + self.cell.carried() * self.units
    }

    fn check(&self, what: &str, params: usize) {
        assert!(
            params == self.param_len(),
            "{what}: {:?} layer of {} units over {} features needs {} parameters, got {params}",
            self.cell,
            self.units,
            self.features,
            self.param_len()
        );
    }
}

/// The four tensors of a layer, split from its flat parameters.
struct Weights<'a> {
    ih: &'a [f32],
    hh: &'a [f32],
    bias_ih: &'a [f32],
    bias_hh: &'a [f32],
}

impl<'a> Weights<'a> {
    fn split(shape: &RecurrentShape, params: &'a [f32]) -> Self {
        let g = shape.gate_width();
        let (ih, rest) = params.split_at(g * shape.features);
        let (hh, rest) = rest.split_at(g * shape.units);
        let (bias_ih, bias_hh) = rest.split_at(g);
        Weights {
            ih,
            hh,
            bias_ih,
            bias_hh,
        }
    }
}

/// The gradients of the four tensors, split like [`Weights`].
struct WeightGrads<'a> {
    ih: &'a mut [f32],
    hh: &'a mut [f32],
    bias_ih: &'a mut [f32],
    bias_hh: &'a mut [f32],
}

impl<'a> WeightGrads<'a> {
    fn split(shape: &RecurrentShape, grads: &'a mut [f32]) -> Self {
        let g = shape.gate_width();
        let (ih, rest) = grads.split_at_mut(g * shape.features);
        let (hh, rest) = rest.split_at_mut(g * shape.units);
        let (bias_ih, bias_hh) = rest.split_at_mut(g);
        WeightGrads {
            ih,
            hh,
            bias_ih,
            bias_hh,
        }
    }
}

/// The batched pass's per-layer memory, split from its auxiliary region: `gates`
/// `[B, T, G·H]`, `extra` `[B, T, H]` (absent for the RNN), `prev` `[B, T, H]` holding the
/// state each step starts from, and the carried vectors `[B, H]` each.
struct Stash<'a> {
    gates: &'a mut [f32],
    extra: &'a mut [f32],
    prev: &'a mut [f32],
    carried: &'a mut [f32],
}

impl<'a> Stash<'a> {
    fn split(shape: &RecurrentShape, aux: &'a mut [f32], batch: usize) -> Self {
        assert!(
            aux.len() == batch * shape.aux_len(),
            "recurrent: auxiliary region of {} floats, {} needed for a batch of {batch}",
            aux.len(),
            batch * shape.aux_len()
        );
        let steps = batch * shape.steps;
        let (gates, rest) = aux.split_at_mut(steps * shape.gate_width());
        let (extra, rest) = rest.split_at_mut(steps * shape.cell.extra() * shape.units);
        let (prev, carried) = rest.split_at_mut(steps * shape.units);
        Stash {
            gates,
            extra,
            prev,
            carried,
        }
    }
}

/// Inference on one sample (`[T, F]` → `[T, H]` or `[H]`) with `state` of
/// [`RecurrentShape::state_len`] floats as scratch; allocates nothing.
pub fn recurrent_forward(
    shape: &RecurrentShape,
    params: &[f32],
    input: &[f32],
    output: &mut [f32],
    state: &mut [f32],
) {
    shape.check("recurrent_forward", params.len());
    assert!(
        input.len() == shape.input_len()
            && output.len() == shape.output_len()
            && state.len() == shape.state_len(),
        "recurrent_forward: input {}, output {}, state {}; expected {}, {}, {}",
        input.len(),
        output.len(),
        state.len(),
        shape.input_len(),
        shape.output_len(),
        shape.state_len()
    );
    let w = Weights::split(shape, params);
    let h_len = shape.units;
    let (work, h) = state.split_at_mut(state.len() - h_len);
    h.fill(0.0);
    work[shape.gate_width()..].fill(0.0); // LSTM's cell state starts at zero
    for (t, x) in input.chunks_exact(shape.features).enumerate() {
        match shape.cell {
            Cell::Rnn => rnn::step(&w, x, work, h),
            Cell::Lstm => lstm::step(&w, x, work, h),
            Cell::Gru => gru::step(&w, x, work, h),
        }
        if shape.sequences {
            output[t * h_len..(t + 1) * h_len].copy_from_slice(h);
        }
    }
    if !shape.sequences {
        output.copy_from_slice(h);
    }
}

/// The batched forward pass: `input` `[B, T, F]` → `output` `[B, T, H]` or `[B, H]`,
/// keeping in `aux` (`B ·` [`RecurrentShape::aux_len`] floats) what the backward pass needs.
pub fn recurrent_forward_batch(
    shape: &RecurrentShape,
    params: &[f32],
    input: &[f32],
    output: &mut [f32],
    aux: &mut [f32],
    batch: usize,
) {
    shape.check("recurrent_forward_batch", params.len());
    check_batch("recurrent_forward_batch", shape, input, output, batch);
    let w = Weights::split(shape, params);
    let mut stash = Stash::split(shape, aux, batch);
    match shape.cell {
        Cell::Rnn => rnn::forward_batch(shape, &w, input, output, &mut stash, batch),
        Cell::Lstm => lstm::forward_batch(shape, &w, input, output, &mut stash, batch),
        Cell::Gru => gru::forward_batch(shape, &w, input, output, &mut stash, batch),
    }
}

/// Backpropagation through time after [`recurrent_forward_batch`]: *adds* the parameter
/// gradients into `param_grads` (laid out like the parameters) and *overwrites*
/// `input_grad` when given. Consumes `aux` (it is overwritten with gradients).
#[allow(clippy::too_many_arguments)]
pub fn recurrent_backward_batch(
    shape: &RecurrentShape,
    params: &[f32],
    input: &[f32],
    aux: &mut [f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    param_grads: &mut [f32],
    batch: usize,
) {
    let what = "recurrent_backward_batch";
    shape.check(what, params.len());
    shape.check(what, param_grads.len());
    check_batch(what, shape, input, output_grad, batch);
    let w = Weights::split(shape, params);
    let mut grads = WeightGrads::split(shape, param_grads);
    let mut stash = Stash::split(shape, aux, batch);
    match shape.cell {
        Cell::Rnn => rnn::backward_through_time(shape, &w, output_grad, &mut stash, batch),
        Cell::Lstm => lstm::backward_through_time(shape, &w, output_grad, &mut stash, batch),
        Cell::Gru => gru::backward_through_time(shape, &w, output_grad, &mut stash, batch),
    }
    // Now `gates` holds the gradient of every gate's pre-activation; for the GRU, `extra`
    // holds that of the `n` gate's hidden projection, which differs from its input side.
    let rows = batch * shape.steps;
    let g = shape.gate_width();
    input_side_gradients(shape, &w, input, stash.gates, input_grad, &mut grads, rows);
    let h = shape.units;
    match shape.cell {
        Cell::Gru => {
            let (rz_grad, n_grad) = grads.hh.split_at_mut(2 * h * h);
            add_hidden_weight_grad(&stash.gates[..], g, 2 * h, stash.prev, rz_grad, rows, h);
            add_hidden_weight_grad(&stash.extra[..], h, h, stash.prev, n_grad, rows, h);
            add_column_sums(&stash.gates[..], g, &mut grads.bias_hh[..2 * h], rows);
            add_column_sums(&stash.extra[..], h, &mut grads.bias_hh[2 * h..], rows);
        }
        Cell::Rnn | Cell::Lstm => {
            add_hidden_weight_grad(&stash.gates[..], g, g, stash.prev, grads.hh, rows, h);
            add_column_sums(&stash.gates[..], g, grads.bias_hh, rows);
        }
    }
}

/// PyTorch-compatible layout, Keras-style initialization: `weight_ih` Glorot uniform over
/// `(F, H)` per gate, `weight_hh` uniform in `±1/√H` (PyTorch's default), biases zero except
/// the LSTM's forget gate `bias_ih`, which starts at 1 so early training remembers.
pub fn recurrent_init(shape: &RecurrentShape, params: &mut [f32], rng: &mut Rng) {
    shape.check("recurrent_init", params.len());
    let g = shape.gate_width();
    let (ih, rest) = params.split_at_mut(g * shape.features);
    let (hh, biases) = rest.split_at_mut(g * shape.units);
    glorot_uniform(ih, shape.features, shape.units, rng);
    let limit = 1.0 / super::math::sqrt(shape.units as f32);
    hh.iter_mut().for_each(|w| *w = rng.uniform(limit));
    biases.fill(0.0);
    if shape.cell == Cell::Lstm {
        biases[shape.units..2 * shape.units].fill(1.0);
    }
}

fn check_batch(what: &str, shape: &RecurrentShape, input: &[f32], output: &[f32], batch: usize) {
    assert!(
        input.len() == batch * shape.input_len() && output.len() == batch * shape.output_len(),
        "{what}: input {} and output {} floats for a batch of {batch}; expected {} and {}",
        input.len(),
        output.len(),
        batch * shape.input_len(),
        batch * shape.output_len()
    );
}

#[cfg(test)]
mod tests;
