//! The buffers a training step works in, made once so that a step allocates nothing.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Range;

use super::check::{check_dataset, Role};
use super::finite::{step_error, SavedState};
use super::metric_selection::Collected;
use super::metrics::count_correct;
use super::targets::{apply_weights, check_labels, gather_targets, weighted_loss};
use super::TrainError;
use crate::data::Dataset;
use crate::network::{Mode, Network};
use crate::optim::Optimizer;
use crate::rng::Rng;

/// What one batch measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchStats {
    /// Samples in the batch.
    pub samples: usize,
    /// Mean loss over the batch, before the update. When it is not finite the update was
    /// skipped and the parameters are unchanged.
    pub loss: f32,
    /// Predictions that were right (see [`Evaluation::accuracy`](super::Evaluation::accuracy)).
    pub correct: usize,
    /// Predictions judged: rows, elements, or none for a regression loss.
    pub judged: usize,
}

/// Buffers reused across batches for network `N`, up to a maximum batch: the node arena, its
/// gradient, the parameter gradients and the gathered targets.
///
/// A smaller batch uses the front of each buffer, laid out for its own size, so one workspace
/// serves every batch of an epoch, the short last one included.
pub struct Workspace<N: Network> {
    max_batch: usize,
    nodes: Vec<f32>,
    node_grads: Vec<f32>,
    param_grads: Vec<f32>,
    targets: Vec<f32>,
    /// The weights of the batch's samples, when `fit` weights them.
    batch_weights: Vec<f32>,
    /// Whether a training step keeps its outputs for the epoch's metrics.
    pub(crate) keep_outputs: bool,
    /// The outputs of the last training step, when kept.
    kept_outputs: Vec<f32>,
    /// Samples in the last forward pass.
    last_batch: usize,
    saved_state: SavedState,
    network: PhantomData<fn() -> N>,
}

impl<N: Network> fmt::Debug for Workspace<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workspace")
            .field("max_batch", &self.max_batch)
            .field("reserved_floats", &self.reserved_floats())
            .finish()
    }
}

impl<N: Network> Workspace<N> {
    /// Buffers for training and evaluating batches of up to `max_batch` samples.
    pub fn new(max_batch: usize) -> Self {
        let arena = N::arena_len(max_batch);
        Workspace {
            max_batch,
            nodes: vec![0.0; arena],
            node_grads: vec![0.0; arena],
            param_grads: vec![0.0; N::PARAM_COUNT],
            targets: vec![0.0; max_batch * N::OUTPUT_LEN],
            batch_weights: Vec::new(),
            keep_outputs: false,
            kept_outputs: Vec::new(),
            last_batch: 0,
            saved_state: SavedState::default(),
            network: PhantomData,
        }
    }

    /// Buffers for inference only: no gradients until a training step needs them.
    pub(crate) fn for_inference(max_batch: usize) -> Self {
        Workspace {
            max_batch,
            nodes: vec![0.0; N::arena_len(max_batch)],
            node_grads: Vec::new(),
            param_grads: Vec::new(),
            targets: vec![0.0; max_batch * N::OUTPUT_LEN],
            batch_weights: Vec::new(),
            keep_outputs: false,
            kept_outputs: Vec::new(),
            last_batch: 0,
            saved_state: SavedState::default(),
            network: PhantomData,
        }
    }

    /// The largest batch the buffers hold.
    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// Floats the buffers have reserved; constant across training steps.
    pub fn reserved_floats(&self) -> usize {
        self.nodes.capacity()
            + self.node_grads.capacity()
            + self.param_grads.capacity()
            + self.targets.capacity()
    }

    /// One gradient step on the samples of `data` named by `indices`: gather them, run the
    /// forward pass in [`Mode::Train`], the loss and the backward pass, then let `optimizer`
    /// update `network` with [`Optimizer::try_step`]. Allocates nothing (after the first
    /// step of a workspace made for inference, or of a network with batch norm).
    ///
    /// A non-finite loss is returned in [`BatchStats::loss`] without updating the parameters;
    /// `fit` turns it into [`TrainError::NonFiniteLoss`].
    ///
    /// # Errors
    /// Besides the checks of the batch: [`TrainError::NonFiniteStep`] (with epoch and batch
    /// 0) when the optimizer refuses the step because a gradient or the update is not finite,
    /// and [`TrainError::InvalidOptimizer`] when it refuses its hyperparameters or the
    /// model's size; the parameters (batch norm's running statistics included) and the
    /// optimizer's state are then unchanged.
    pub fn train_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        let rows = check_dataset::<N>(data, Role::Training)?;
        self.check_batch(indices.len())?;
        if let Some(&index) = indices.iter().find(|&&index| index >= rows) {
            return Err(TrainError::SampleOutOfRange { index, len: rows });
        }
        check_labels::<N>(data, indices.iter().copied(), Role::Training)?;
        self.train_checked_batch(network, data, indices, None, optimizer, rng)
    }

    /// [`Self::train_batch`] on a batch already checked, each sample's loss weighted by
    /// `weights[index]` when weights are given (see [`apply_weights`]).
    pub(crate) fn train_checked_batch(
        &mut self,
        network: &mut N,
        data: &Dataset,
        indices: &[usize],
        weights: Option<&[f32]>,
        optimizer: &mut dyn Optimizer,
        rng: &mut Rng,
    ) -> Result<BatchStats, TrainError> {
        self.reserve_gradients();
        let batch = indices.len();
        let stats = self.forward_loss(network, data, indices, weights, rng);
        if !stats.loss.is_finite() {
            return Ok(stats);
        }
        self.saved_state.save::<N>(network.params());
        network.update_state(self.nodes(batch), batch);
        self.backward(network, batch);
        if let Err(error) = optimizer.try_step(network.params_mut(), self.param_grads()) {
            self.saved_state.restore::<N>(network.params_mut());
            return Err(step_error::<N>(error));
        }
        Ok(stats)
    }

    /// The first half of a training step on checked `indices`: gathers the samples, runs the
    /// forward pass in [`Mode::Train`] and the loss with its gradient, weighted per sample
    /// by `weights[index]` when given. The gradient buffers must exist (see
    /// [`Self::reserve_gradients`]).
    pub(crate) fn forward_loss(
        &mut self,
        network: &N,
        data: &Dataset,
        indices: &[usize],
        weights: Option<&[f32]>,
        rng: &mut Rng,
    ) -> BatchStats {
        let batch = indices.len();
        let arena = N::arena_len(batch);
        let nodes = &mut self.nodes[..arena];
        let targets = &mut self.targets[..batch * N::OUTPUT_LEN];
        gather(
            &data.inputs,
            N::INPUT_LEN,
            indices,
            &mut nodes[..batch * N::INPUT_LEN],
        );
        gather_targets::<N>(data, indices.iter().copied(), targets);

        network.forward_batch(nodes, batch, Mode::Train, rng);
        // No zeroing: the loss and every layer's backward pass overwrite the gradients they
        // produce (the `Network` contract), and nothing reads the others.
        let node_grads = &mut self.node_grads[..arena];
        let mut loss = N::loss_batch(nodes, targets, batch, Some(&mut *node_grads));
        if let Some(weights) = weights {
            let batch_weights = &mut self.batch_weights;
            batch_weights.clear();
            batch_weights.extend(indices.iter().map(|&index| weights[index]));
            loss = apply_weights::<N>(nodes, node_grads, targets, batch_weights);
        }
        let (correct, judged) =
            count_correct(N::LOSS, output::<N>(nodes, batch), targets, N::OUTPUT_LEN);
        self.last_batch = batch;
        if self.keep_outputs {
            // Copied now: the backward pass may reuse the arena.
            self.kept_outputs.clear();
            self.kept_outputs
                .extend_from_slice(output::<N>(&self.nodes, batch));
        }
        BatchStats {
            samples: batch,
            loss,
            correct,
            judged,
        }
    }

    /// Appends the outputs and targets of the last training step (with
    /// [`Self::keep_outputs`]) or the last evaluation to `into`.
    pub(crate) fn collect(&self, into: &mut Collected, training: bool) {
        let batch = self.last_batch;
        if training {
            into.outputs.extend_from_slice(&self.kept_outputs);
        } else {
            into.outputs
                .extend_from_slice(output::<N>(&self.nodes, batch));
        }
        into.targets
            .extend_from_slice(&self.targets[..batch * N::OUTPUT_LEN]);
    }

    /// The node arena of the last forward pass over `batch` samples.
    pub(crate) fn nodes(&self, batch: usize) -> &[f32] {
        &self.nodes[..N::arena_len(batch)]
    }

    /// The second half of a training step, after [`Self::forward_loss`]: the parameter
    /// gradients of the batch's mean loss, from zero.
    pub(crate) fn backward(&mut self, network: &N, batch: usize) {
        let arena = N::arena_len(batch);
        let param_grads = &mut self.param_grads[..N::PARAM_COUNT];
        param_grads.fill(0.0);
        network.backward_batch(
            &mut self.nodes[..arena],
            &mut self.node_grads[..arena],
            batch,
            param_grads,
        );
    }

    /// The parameter gradients [`Self::backward`] left.
    pub(crate) fn param_grads(&self) -> &[f32] {
        &self.param_grads[..N::PARAM_COUNT]
    }

    /// Loss and accuracy of the consecutive samples `rows` of an already checked data set,
    /// in [`Mode::Infer`] and without gradients; each sample's loss weighted by
    /// `weights[row]` when given.
    pub(crate) fn evaluate_rows(
        &mut self,
        network: &N,
        data: &Dataset,
        rows: Range<usize>,
        weights: Option<&[f32]>,
    ) -> BatchStats {
        let batch = rows.len();
        debug_assert!(batch > 0 && batch <= self.max_batch);
        let arena = N::arena_len(batch);
        let nodes = &mut self.nodes[..arena];
        let targets = &mut self.targets[..batch * N::OUTPUT_LEN];
        let (input_len, output_len) = (N::INPUT_LEN, N::OUTPUT_LEN);
        nodes[..batch * input_len]
            .copy_from_slice(&data.inputs[rows.start * input_len..rows.end * input_len]);
        gather_targets::<N>(data, rows.clone(), targets);

        // Inference is deterministic, so the generator is never drawn from.
        network.forward_batch(nodes, batch, Mode::Infer, &mut Rng::new(0));
        let loss = match weights {
            Some(weights) => weighted_loss::<N>(nodes, targets, &weights[rows]),
            None => N::loss_batch(nodes, targets, batch, None),
        };
        self.last_batch = batch;
        let (correct, judged) =
            count_correct(N::LOSS, output::<N>(nodes, batch), targets, output_len);
        BatchStats {
            samples: batch,
            loss,
            correct,
            judged,
        }
    }

    /// The network outputs of the last forward pass over `batch` samples.
    pub(crate) fn outputs(&self, batch: usize) -> &[f32] {
        output::<N>(&self.nodes, batch)
    }

    /// Network outputs for whole input rows (`inputs.len() / INPUT_LEN <= max_batch`), in
    /// [`Mode::Infer`], written to `outputs`.
    pub(crate) fn predict_rows(&mut self, network: &N, inputs: &[f32], outputs: &mut [f32]) {
        let batch = inputs.len() / N::INPUT_LEN;
        debug_assert!(batch > 0 && batch <= self.max_batch);
        let nodes = &mut self.nodes[..N::arena_len(batch)];
        nodes[..inputs.len()].copy_from_slice(inputs);
        network.forward_batch(nodes, batch, Mode::Infer, &mut Rng::new(0));
        outputs.copy_from_slice(output::<N>(nodes, batch));
    }

    pub(crate) fn check_batch(&self, batch: usize) -> Result<(), TrainError> {
        if batch == 0 {
            return Err(TrainError::ZeroBatchSize);
        }
        if batch > self.max_batch {
            return Err(TrainError::BatchTooLarge {
                batch,
                max_batch: self.max_batch,
            });
        }
        Ok(())
    }

    /// Makes the gradient buffers of an inference workspace; a no-op for one made by `new`.
    pub(crate) fn reserve_gradients(&mut self) {
        if self.node_grads.len() < self.nodes.len() {
            self.node_grads.resize(self.nodes.len(), 0.0);
        }
        if self.param_grads.len() < N::PARAM_COUNT {
            self.param_grads.resize(N::PARAM_COUNT, 0.0);
        }
    }
}

/// The network output in a node arena of `batch` samples: its last node.
fn output<N: Network>(nodes: &[f32], batch: usize) -> &[f32] {
    let end = N::nodes_len(batch);
    &nodes[end - batch * N::OUTPUT_LEN..end]
}

/// Copies rows `indices` of a row-major matrix with rows of `row_len` into `into`, in order.
fn gather(rows: &[f32], row_len: usize, indices: &[usize], into: &mut [f32]) {
    for (slot, &index) in into.chunks_exact_mut(row_len).zip(indices) {
        slot.copy_from_slice(&rows[index * row_len..(index + 1) * row_len]);
    }
}
