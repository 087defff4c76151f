//! Every layer's output for one sample: what an imported or trained network is inspected
//! with, layer by layer, against another implementation's intermediate tensors.

use super::TrainError;
use crate::network::{Mode, Network};
use crate::rng::Rng;

/// Each layer's output for one sample; see [`super::Model::layer_outputs`].
///
/// The batched inference pass over an arena of one sample: with a batch of one it leaves
/// every node holding its value (as the batched forward pass promises), which is copied out.
pub(crate) fn layer_outputs<N: Network>(
    network: &N,
    input: &[f32],
) -> Result<Vec<Vec<f32>>, TrainError> {
    if input.len() != N::INPUT_LEN {
        return Err(TrainError::ShapeMismatch {
            what: "layer_outputs inputs (one sample)",
            expected: N::INPUT_LEN,
            found: input.len(),
        });
    }
    let mut nodes = vec![0.0; N::arena_len(1)];
    nodes[..N::INPUT_LEN].copy_from_slice(input);
    network.forward_batch(&mut nodes, 1, Mode::Infer, &mut Rng::new(0));
    let mut start = N::NODE_WIDTHS[0];
    let outputs = N::NODE_WIDTHS[1..]
        .iter()
        .map(|&width| {
            let output = nodes[start..start + width].to_vec();
            start += width;
            output
        })
        .collect();
    Ok(outputs)
}
