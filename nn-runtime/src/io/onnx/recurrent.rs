//! Recurrent layers as ONNX `RNN`, `LSTM` and `GRU` nodes.
//!
//! The equations are the same (ONNX's `GRU` with `linear_before_reset = 1` is PyTorch's), the
//! default activations too (tanh; σ, tanh, tanh; σ, tanh), but the packing differs:
//!
//! - gates: ONNX orders the LSTM's `i, o, f, c` where `nn` (as PyTorch) has `i, f, g, o`, and
//!   the GRU's `z, r, h` where `nn` has `r, z, n`;
//! - `W` is `weight_ih` as `[1, G·H, F]`, `R` is `weight_hh` as `[1, G·H, H]` and `B` is
//!   `bias_ih` followed by `bias_hh`, `[1, 2·G·H]`, each in ONNX's gate order.
//!
//! The layer reads `[batch, T, F]`. ONNX's `layout = 1` would read that directly, but ONNX
//! Runtime's CPU kernels refuse it ("Batchwise recurrent operations (layout == 1) are not
//! supported"), so the export keeps `layout = 0` and transposes: `[batch, T, F]` →
//! `Transpose` → `[T, batch, F]` → the cell → `Y` `[T, 1, batch, H]` or `Y_h` `[1, batch, H]`
//! → `Squeeze` the direction axis → `[T, batch, H]` → `Transpose` → `[batch, T, H]`, or
//! `[batch, H]` directly for the last state.

use super::proto::Message;
use super::{float_tensor, int64_tensor, int_attribute, ints_attribute, node};
use crate::ops::recurrent::Cell;

/// What the export needs to know of one recurrent layer.
pub(super) struct Layer<'a> {
    /// The layer's name, e.g. `lstm_0`; node and initializer names start with it.
    pub name: &'a str,
    pub cell: Cell,
    /// `H`.
    pub units: usize,
    /// `F`.
    pub features: usize,
    /// Every step's state rather than the last.
    pub return_sequences: bool,
}

/// The layer's parameters in `nn`'s (PyTorch's) layout and gate order.
pub(super) struct Weights<'a> {
    pub weight_ih: &'a [f32],
    pub weight_hh: &'a [f32],
    pub bias_ih: &'a [f32],
    pub bias_hh: &'a [f32],
}

/// For each ONNX gate block, in ONNX's order, the index of the same gate in `nn`'s order.
pub(super) const fn onnx_gate_order(cell: Cell) -> &'static [usize] {
    match cell {
        Cell::Rnn => &[0],
        // ONNX i, o, f, c from nn's i, f, g, o.
        Cell::Lstm => &[0, 3, 1, 2],
        // ONNX z, r, h from nn's r, z, n.
        Cell::Gru => &[1, 0, 2],
    }
}

/// `tensor` (`G` equal blocks of gate rows, in `nn`'s order) with its blocks in ONNX's order.
pub(super) fn reorder_gates(tensor: &[f32], cell: Cell) -> Vec<f32> {
    let block = tensor.len() / cell.gates();
    onnx_gate_order(cell)
        .iter()
        .flat_map(|&gate| &tensor[gate * block..(gate + 1) * block])
        .copied()
        .collect()
}

impl Layer<'_> {
    fn tensor(&self, suffix: &str) -> String {
        format!("{}.{suffix}", self.name)
    }
}

/// The initializers the nodes read: `W`, `R`, `B` and the `Squeeze` axes.
pub(super) fn initializers(layer: &Layer, weights: &Weights) -> Vec<Message> {
    let (h, f, g) = (layer.units, layer.features, layer.cell.gates());
    let mut bias = reorder_gates(weights.bias_ih, layer.cell);
    bias.extend(reorder_gates(weights.bias_hh, layer.cell));
    // Squeeze the direction axis: 1 of `Y` [T, 1, batch, H], 0 of `Y_h` [1, batch, H].
    let axis = i64::from(layer.return_sequences);
    vec![
        float_tensor(
            &layer.tensor("W"),
            &[1, g * h, f],
            &reorder_gates(weights.weight_ih, layer.cell),
        ),
        float_tensor(
            &layer.tensor("R"),
            &[1, g * h, h],
            &reorder_gates(weights.weight_hh, layer.cell),
        ),
        float_tensor(&layer.tensor("B"), &[1, 2 * g * h], &bias),
        int64_tensor(&layer.tensor("axes"), &[axis]),
    ]
}

/// The nodes from `input` `[batch, T, F]` to `output` `[batch, T, H]` or `[batch, H]`.
pub(super) fn nodes(layer: &Layer, input: &str, output: &str) -> Vec<Message> {
    let swap_batch_and_steps = [ints_attribute("perm", &[1, 0, 2])];
    let (op_type, mut attributes) = match layer.cell {
        Cell::Rnn => ("RNN", vec![]),
        Cell::Lstm => ("LSTM", vec![]),
        Cell::Gru => ("GRU", vec![int_attribute("linear_before_reset", 1)]),
    };
    attributes.insert(0, int_attribute("hidden_size", layer.units as i64));
    let [time_major, y, y_h, squeezed] = ["x", "y", "y_h", "y_squeezed"].map(|t| layer.tensor(t));
    let (cell_outputs, squeeze_input, squeeze_output) = if layer.return_sequences {
        (vec![y.as_str()], &y, squeezed.as_str())
    } else {
        // An empty name leaves the optional output `Y` out.
        (vec!["", y_h.as_str()], &y_h, output)
    };
    let mut nodes = vec![
        node(
            &layer.tensor("to_time_major"),
            "Transpose",
            &[input],
            &[&time_major],
            &swap_batch_and_steps,
        ),
        node(
            layer.name,
            op_type,
            &[
                &time_major,
                &layer.tensor("W"),
                &layer.tensor("R"),
                &layer.tensor("B"),
            ],
            &cell_outputs,
            &attributes,
        ),
        node(
            &layer.tensor("squeeze"),
            "Squeeze",
            &[squeeze_input, &layer.tensor("axes")],
            &[squeeze_output],
            &[],
        ),
    ];
    if layer.return_sequences {
        nodes.push(node(
            &layer.tensor("to_batch_major"),
            "Transpose",
            &[&squeezed],
            &[output],
            &swap_batch_and_steps,
        ));
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gate `k`'s block is filled with `k`, so the result names the source of every block.
    fn labelled(cell: Cell, block: usize) -> Vec<f32> {
        (0..cell.gates())
            .flat_map(|gate| core::iter::repeat_n(gate as f32, block))
            .collect()
    }

    #[test]
    fn gates_move_to_onnx_order() {
        // LSTM: nn i f g o → ONNX i o f c.
        let lstm = reorder_gates(&labelled(Cell::Lstm, 2), Cell::Lstm);
        assert_eq!(lstm, [0.0, 0.0, 3.0, 3.0, 1.0, 1.0, 2.0, 2.0]);
        // GRU: nn r z n → ONNX z r h.
        let gru = reorder_gates(&labelled(Cell::Gru, 3), Cell::Gru);
        assert_eq!(gru, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0]);
        let rnn = [1.0, 2.0, 3.0];
        assert_eq!(reorder_gates(&rnn, Cell::Rnn), rnn);
    }

    #[test]
    fn whole_rows_move_with_their_gate() {
        // GRU with H = 1 and F = 2: one row of two weights per gate.
        let weight = [10.0, 11.0, 20.0, 21.0, 30.0, 31.0];
        assert_eq!(
            reorder_gates(&weight, Cell::Gru),
            [20.0, 21.0, 10.0, 11.0, 30.0, 31.0]
        );
    }
}
