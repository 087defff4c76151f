//! The sequence rule: which layers take a sequence, keep it, or turn it into a vector, as
//! each kind's `SequenceRule` says. The shape rules of each kind live with its definition in
//! `nn_runtime::layers`.

use crate::ir::{format_shape, Layer};
use crate::layers::BoundLayer;
use nn_runtime::layers::{Args, SequenceRule};

/// Whether a layer of `layer`'s kind outputs a sequence, given whether its input is one; or
/// why it cannot take its input. `previous` is the layer whose output it receives, if any.
pub fn sequence_output(
    layer: &BoundLayer,
    input_is_sequence: bool,
    input: &[usize],
    previous: Option<&Layer>,
) -> Result<bool, String> {
    let name = layer.kind.keyword;
    match layer.kind.sequence {
        SequenceRule::Requires if input_is_sequence => {
            Ok(Args::new(&layer.values).flag("return_sequences"))
        }
        SequenceRule::Requires => Err(match previous {
            Some(previous) if previous.sequence == Some(SequenceRule::Requires) => format!(
                "{name} needs a sequence, but `{}` returns only its last state {}; give `{}` the option `return_sequences = true` to stack recurrent layers",
                previous.name,
                format_shape(input),
                previous.name
            ),
            _ => {
                let hint = match input {
                    [steps, features] => format!("; mark the steps in the input: `input: [{steps} steps, {features}]`"),
                    _ => "; a sequence input is written `input: [STEPS steps, FEATURES]`".to_string(),
                };
                format!("{name} expects a sequence of [steps, features], but receives {}{hint}", format_shape(input))
            }
        }),
        SequenceRule::Ends => Ok(false),
        SequenceRule::Keeps => Ok(input_is_sequence),
        SequenceRule::Rejects if input_is_sequence => Err(format!(
            "{name} does not take a sequence, but receives the sequence {}; take the last state (a recurrent layer without `return_sequences = true`) or add `flatten` before it",
            format_shape(input)
        )),
        SequenceRule::Rejects => Ok(false),
    }
}
