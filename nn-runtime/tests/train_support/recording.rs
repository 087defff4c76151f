//! A wrapper network that records what the training loop feeds it.

use std::sync::Mutex;

use nn_runtime::__private::Arena;
use nn_runtime::{LayerInfo, LossKind, Mode, Network, Rng, TensorInfo};

/// One batched forward pass as [`Recording`] saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub mode: Mode,
    pub batch: usize,
    /// Node 0: the batch's inputs, rows in order.
    pub inputs: Vec<f32>,
}

/// Wraps a network, recording every batched forward pass, and optionally making the output
/// of one of them (1-based count) NaN.
pub struct Recording<N: Network> {
    pub inner: N,
    pub calls: Mutex<Vec<Call>>,
    pub poison_call: Option<usize>,
}

impl<N: Network> Recording<N> {
    pub fn new(inner: N) -> Self {
        Recording {
            inner,
            calls: Mutex::new(Vec::new()),
            poison_call: None,
        }
    }

    /// The training passes only.
    pub fn train_calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|call| call.mode == Mode::Train)
            .cloned()
            .collect()
    }
}

impl<N: Network> Network for Recording<N> {
    const INPUT_LEN: usize = N::INPUT_LEN;
    const OUTPUT_LEN: usize = N::OUTPUT_LEN;
    const PARAM_COUNT: usize = N::PARAM_COUNT;
    const LOSS: LossKind = N::LOSS;
    const TENSORS: &'static [TensorInfo] = N::TENSORS;
    const LAYERS: &'static [LayerInfo] = N::LAYERS;

    fn params(&self) -> &[f32] {
        self.inner.params()
    }
    fn params_mut(&mut self) -> &mut [f32] {
        self.inner.params_mut()
    }
    fn init(&mut self, seed: u64) {
        self.inner.init(seed)
    }
    fn forward_sample(&self, input: &[f32], output: &mut [f32]) {
        self.inner.forward_sample(input, output)
    }
}

impl<N: Network> Arena for Recording<N> {
    const NODE_WIDTHS: &'static [usize] = N::NODE_WIDTHS;
    const AUX_WIDTH: usize = N::AUX_WIDTH;
    const LOSS_NODE: usize = N::LOSS_NODE;

    fn forward_batch(&self, nodes: &mut [f32], batch: usize, mode: Mode, rng: &mut Rng) {
        let inputs = nodes[..batch * N::INPUT_LEN].to_vec();
        let mut calls = self.calls.lock().unwrap();
        calls.push(Call {
            mode,
            batch,
            inputs,
        });
        self.inner.forward_batch(nodes, batch, mode, rng);
        if self.poison_call == Some(calls.len()) {
            let end = nodes.len();
            nodes[end - batch * N::OUTPUT_LEN..].fill(f32::NAN);
        }
    }

    fn loss_batch(
        nodes: &[f32],
        targets: &[f32],
        batch: usize,
        node_grads: Option<&mut [f32]>,
    ) -> f32 {
        N::loss_batch(nodes, targets, batch, node_grads)
    }

    fn backward_batch(
        &self,
        nodes: &mut [f32],
        node_grads: &mut [f32],
        batch: usize,
        param_grads: &mut [f32],
    ) {
        self.inner
            .backward_batch(nodes, node_grads, batch, param_grads)
    }
}
