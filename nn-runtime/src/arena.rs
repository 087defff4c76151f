//! The batched passes of a generated network over a node arena: the contract between the
//! code `nn::network!` generates and the training loop. Hidden from users (it is reached
//! through `__private`), so its layout can change with the macro.

use crate::network::{LossKind, Mode};
use crate::rng::Rng;

/// The batched forward, loss and backward passes over a *node arena*: node `i` (node 0 is
/// the input, node `i + 1` the output of layer `i`) holds `batch * NODE_WIDTHS[i]` floats,
/// and the nodes follow each other in order; after them come `batch * AUX_WIDTH` floats that
/// layers keep between the forward and the backward pass (dropout masks, im2col matrices,
/// batch statistics). `Workspace` (with `std`) owns such arenas.
///
/// The last node holds the network's output (after its final activation, e.g. the softmax
/// probabilities); a loss fused with that activation reads the logits from the node before
/// it. Gradients in the node-gradient arena are overwritten, not accumulated, by
/// [`Self::loss_batch`] and [`Self::backward_batch`]; parameter gradients are accumulated.
pub trait Arena {
    /// Floats per sample of every node: the input, then each layer's output.
    const NODE_WIDTHS: &'static [usize];
    /// Floats per sample of the auxiliary region after the nodes.
    const AUX_WIDTH: usize;
    /// The node the loss reads: the logits below a fused softmax or sigmoid, else the
    /// output (the last node).
    const LOSS_NODE: usize;

    /// Batched forward pass over a node arena whose node 0 already holds the inputs.
    ///
    /// [`Mode::Train`] writes every node, as the backward pass needs them. [`Mode::Infer`]
    /// writes the output node and the node below it (what [`Self::loss_batch`] reads) in
    /// full, but may run chains of per-sample layers (convolution, pooling, element-wise)
    /// one sample at a time and leave the nodes inside such a chain holding scratch. With a
    /// batch of one, every node holds its value after either mode: a chain's scratch is its
    /// nodes' first sample, the one sample there is (`Model::layer_outputs` relies on it).
    fn forward_batch(&self, nodes: &mut [f32], batch: usize, mode: Mode, rng: &mut Rng);

    /// Mean loss of the batch against `targets` (`batch * OUTPUT_LEN` floats), read from a
    /// node arena after [`Self::forward_batch`]. With `node_grads`, also writes the gradient
    /// that [`Self::backward_batch`] starts from (fused with the final softmax or sigmoid
    /// where the loss calls for it).
    fn loss_batch(
        nodes: &[f32],
        targets: &[f32],
        batch: usize,
        node_grads: Option<&mut [f32]>,
    ) -> f32;

    /// Backpropagates from the gradient [`Self::loss_batch`] left in `node_grads`, adding
    /// the parameter gradients into `param_grads` (`PARAM_COUNT` floats). It may overwrite
    /// the arena's auxiliary region, so it runs once per forward pass.
    fn backward_batch(
        &self,
        nodes: &mut [f32],
        node_grads: &mut [f32],
        batch: usize,
        param_grads: &mut [f32],
    );

    /// After a [`Mode::Train`] forward pass over `nodes`: updates non-trainable state from the
    /// batch (batch norm's running statistics). Does nothing for most networks.
    fn update_state(&mut self, nodes: &[f32], batch: usize) {
        let _ = (nodes, batch);
    }

    /// Floats of the nodes alone for `batch` samples: where the auxiliary region starts.
    fn nodes_len(batch: usize) -> usize {
        batch * Self::NODE_WIDTHS.iter().sum::<usize>()
    }

    /// Floats in a node arena for `batch` samples: the nodes, then the auxiliary region.
    fn arena_len(batch: usize) -> usize {
        Self::nodes_len(batch) + batch * Self::AUX_WIDTH
    }
}

/// The node a chain's loss reads: the last, or the one below it for a fused loss.
pub const fn default_loss_node(nodes: usize, loss: LossKind) -> usize {
    if loss.fused_with_last_layer() {
        nodes - 2
    } else {
        nodes - 1
    }
}
