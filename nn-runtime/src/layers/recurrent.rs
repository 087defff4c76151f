//! `rnn(units)`, `lstm(units)`, `gru(units)`: PyTorch's cells over a `[steps, features]`
//! sequence, with tensors `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` (see
//! [`crate::ops::recurrent`]).

use super::args::{ArgKind, ArgSpec, Args, KindInfo, SequenceRule};
use super::definition::product;
use super::shape::{shape_of, Shape, ShapeError};
use super::AnyLayer;
use super::{Backward, Definition, Kernel, SamplePass, TensorSpec, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::recurrent::Cell;
use crate::ops::recurrent::{
    recurrent_backward_batch, recurrent_forward, recurrent_forward_batch, recurrent_init,
    RecurrentShape,
};
use crate::rng::Rng;
use core::fmt;

/// A recurrent layer of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrent(pub RecurrentShape);

impl Kernel for Recurrent {
    /// Training keeps every step's gates and states for backpropagation through time.
    fn aux_width(&self) -> usize {
        self.0.aux_len()
    }

    /// The gates and the state of one step.
    fn state_len(&self) -> usize {
        self.0.state_len()
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        recurrent_init(&self.0, params, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], state: &mut [f32]) {
        recurrent_forward(&self.0, params, x, y, &mut state[..self.0.state_len()]);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        recurrent_forward_batch(&self.0, params, x, y, aux, batch);
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        recurrent_backward_batch(
            &self.0,
            params,
            pass.x,
            pass.aux,
            pass.dy,
            pass.dx,
            param_grads,
            batch,
        );
    }
}

impl Definition for Recurrent {
    fn keyword(&self) -> &'static str {
        match self.0.cell {
            Cell::Rnn => "rnn",
            Cell::Lstm => "lstm",
            Cell::Gru => "gru",
        }
    }

    fn tensors(&self) -> Tensors {
        let s = &self.0;
        let rows = s.cell.gates() * s.units;
        Tensors::of([
            TensorSpec::trained("weight_ih", [rows, s.features]),
            TensorSpec::trained("weight_hh", [rows, s.units]),
            TensorSpec::trained("bias_ih", [rows]),
            TensorSpec::trained("bias_hh", [rows]),
        ])
    }

    /// Per step, every gate's products with the input and the previous state.
    fn flops(&self) -> u64 {
        let s = &self.0;
        product(&[
            2,
            s.steps,
            s.cell.gates(),
            s.units,
            s.features.saturating_add(s.units),
        ])
    }

    fn op(&self) -> LayerOp {
        LayerOp::Recurrent {
            cell: self.0.cell,
            units: self.0.units,
            return_sequences: self.0.sequences,
        }
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::OutOfPlace
    }

    /// One GEMM per step over the whole batch.
    fn per_sample(&self) -> bool {
        false
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let RecurrentShape {
            cell,
            steps,
            features,
            units,
            sequences,
        } = self.0;
        write!(
            out,
            "{path}::Recurrent({path}::RecurrentShape {{ cell: {path}::Cell::{cell:?}, \
             steps: {steps}, features: {features}, units: {units}, sequences: {sequences} }})"
        )
    }
}

impl Recurrent {
    /// A `cell` layer of `units` over a `[steps, features]` input; with its output shape,
    /// `[steps, units]` when it returns every step's state, else `[units]`.
    ///
    /// # Errors
    /// [`ShapeError::NotSequence`] for any other input.
    pub fn resolve(
        input: &[usize],
        cell: Cell,
        units: usize,
        sequences: bool,
    ) -> Result<(Recurrent, Shape), ShapeError> {
        let shape = RecurrentShape {
            cell,
            steps: 0,
            features: 0,
            units,
            sequences,
        };
        let &[steps, features] = input else {
            return Err(ShapeError::NotSequence {
                kind: Recurrent(shape).keyword(),
                found: shape_of(input),
            });
        };
        let output = if sequences {
            shape_of(&[steps, units])
        } else {
            shape_of(&[units])
        };
        let shape = RecurrentShape {
            steps,
            features,
            ..shape
        };
        Ok((Recurrent(shape), output))
    }
}

/// `rnn(units)`, `lstm(units)`, `gru(units)`, each with `return_sequences = true` to output
/// every step's state.
const RECURRENT_ARGS: &[ArgSpec] = &[
    ArgSpec::new("units", ArgKind::Count, true, true, "lstm(64)")
        .zero_means("a recurrent layer of zero units has no state"),
    ArgSpec::new(
        "return_sequences",
        ArgKind::Bool,
        false,
        false,
        "return_sequences = true",
    ),
];

/// A recurrent layer of `cell` from its arguments.
fn resolve_cell(
    cell: Cell,
    args: &Args<'_>,
    input: &[usize],
) -> Result<(AnyLayer, Shape), ShapeError> {
    let (layer, output) = Recurrent::resolve(
        input,
        cell,
        args.count("units")?,
        args.flag("return_sequences"),
    )?;
    Ok((AnyLayer::Recurrent(layer), output))
}

/// `rnn(units)`.
pub const RNN: KindInfo = KindInfo {
    keyword: "rnn",
    args: RECURRENT_ARGS,
    sequence: SequenceRule::Requires,
    resolve: |args, input| resolve_cell(Cell::Rnn, args, input),
};

/// `lstm(units)`.
pub const LSTM: KindInfo = KindInfo {
    keyword: "lstm",
    args: RECURRENT_ARGS,
    sequence: SequenceRule::Requires,
    resolve: |args, input| resolve_cell(Cell::Lstm, args, input),
};

/// `gru(units)`.
pub const GRU: KindInfo = KindInfo {
    keyword: "gru",
    args: RECURRENT_ARGS,
    sequence: SequenceRule::Requires,
    resolve: |args, input| resolve_cell(Cell::Gru, args, input),
};
