//! The sequence rule: which layers take a sequence, keep it, or turn it into a vector. The
//! shape rules of each kind live with its definition in `nn_runtime::layers`.

use crate::ir::{format_shape, Layer, LayerKind};

/// Whether `kind` outputs a sequence, given whether its input is one; or why it cannot take
/// its input. `previous` is the layer before it, if any.
pub fn sequence_output(
    kind: &LayerKind,
    input_is_sequence: bool,
    input: &[usize],
    previous: Option<&Layer>,
) -> Result<bool, String> {
    let name = kind.keyword();
    match kind {
        LayerKind::Recurrent { sequences, .. } if input_is_sequence => Ok(*sequences),
        LayerKind::Recurrent { .. } => Err(match previous.map(|l| (l.kind, &l.name)) {
            Some((LayerKind::Recurrent { .. }, previous)) => format!(
                "{name} needs a sequence, but `{previous}` returns only its last state {}; give `{previous}` the option `return_sequences = true` to stack recurrent layers",
                format_shape(input)
            ),
            _ => {
                let hint = match input {
                    [steps, features] => format!("; mark the steps in the input: `input: [{steps} steps, {features}]`"),
                    _ => "; a sequence input is written `input: [STEPS steps, FEATURES]`".to_string(),
                };
                format!("{name} expects a sequence of [steps, features], but receives {}{hint}", format_shape(input))
            }
        }),
        LayerKind::Flatten => Ok(false),
        LayerKind::Relu
        | LayerKind::LeakyRelu { .. }
        | LayerKind::Sigmoid
        | LayerKind::Tanh
        | LayerKind::Dropout { .. } => Ok(input_is_sequence),
        _ if input_is_sequence => Err(format!(
            "{name} does not take a sequence, but receives the sequence {}; take the last state (a recurrent layer without `return_sequences = true`) or add `flatten` before it",
            format_shape(input)
        )),
        _ => Ok(false),
    }
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
