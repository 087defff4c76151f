//! A dense layer with a choice of output activation and loss, written with plain loops.

use std::marker::PhantomData;

use nn_runtime::__private::{default_loss_node, Arena};
use nn_runtime::{LayerInfo, LayerOp, LossKind, Mode, Network, Rng, TensorInfo};

/// The output activation and loss of a [`Dense`] network.
pub trait Head: 'static {
    /// The loss.
    const LOSS: LossKind;
    /// Turns one row of logits into outputs, in place.
    fn activate(row: &mut [f32]);
    /// Mean loss of `outputs` against `targets`; with `grads`, writes the gradient with
    /// respect to the logits (fused with the activation).
    fn loss(outputs: &[f32], targets: &[f32], batch: usize, grads: Option<&mut [f32]>) -> f32;
}

/// Identity output, mean squared error over all elements.
pub struct Mse;
/// Softmax output, cross-entropy averaged over rows.
pub struct Softmax;
/// Sigmoid output, binary cross-entropy averaged over all elements.
pub struct Sigmoid;

impl Head for Mse {
    const LOSS: LossKind = LossKind::MeanSquaredError;
    fn activate(_row: &mut [f32]) {}
    fn loss(outputs: &[f32], targets: &[f32], _batch: usize, grads: Option<&mut [f32]>) -> f32 {
        let n = outputs.len() as f32;
        if let Some(grads) = grads {
            for ((g, &y), &t) in grads.iter_mut().zip(outputs).zip(targets) {
                *g = 2.0 * (y - t) / n;
            }
        }
        outputs
            .iter()
            .zip(targets)
            .map(|(&y, &t)| (y - t) * (y - t))
            .sum::<f32>()
            / n
    }
}

impl Head for Softmax {
    const LOSS: LossKind = LossKind::SoftmaxCrossEntropy;
    fn activate(row: &mut [f32]) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &z| m.max(z));
        let mut sum = 0.0;
        for z in row.iter_mut() {
            *z = (*z - max).exp();
            sum += *z;
        }
        for p in row.iter_mut() {
            *p /= sum;
        }
    }
    fn loss(outputs: &[f32], targets: &[f32], batch: usize, grads: Option<&mut [f32]>) -> f32 {
        let b = batch as f32;
        if let Some(grads) = grads {
            for ((g, &p), &t) in grads.iter_mut().zip(outputs).zip(targets) {
                *g = (p - t) / b;
            }
        }
        -outputs
            .iter()
            .zip(targets)
            .map(|(&p, &t)| t * p.ln())
            .sum::<f32>()
            / b
    }
}

impl Head for Sigmoid {
    const LOSS: LossKind = LossKind::SigmoidBinaryCrossEntropy;
    fn activate(row: &mut [f32]) {
        for z in row.iter_mut() {
            *z = 1.0 / (1.0 + (-*z).exp());
        }
    }
    fn loss(outputs: &[f32], targets: &[f32], _batch: usize, grads: Option<&mut [f32]>) -> f32 {
        let n = outputs.len() as f32;
        if let Some(grads) = grads {
            for ((g, &p), &t) in grads.iter_mut().zip(outputs).zip(targets) {
                *g = (p - t) / n;
            }
        }
        let terms = outputs.iter().zip(targets);
        -terms
            .map(|(&p, &t)| t * p.ln() + (1.0 - t) * (1.0 - p).ln())
            .sum::<f32>()
            / n
    }
}

/// One dense layer `y = head(W x + b)`: `I` inputs, `O` outputs, weight `[O, I]` then bias.
pub struct Dense<H: Head, const I: usize, const O: usize> {
    pub params: Vec<f32>,
    head: PhantomData<H>,
}

impl<H: Head, const I: usize, const O: usize> Dense<H, I, O> {
    /// All parameters zero.
    pub fn zeroed() -> Self {
        Dense {
            params: vec![0.0; O * I + O],
            head: PhantomData,
        }
    }

    /// The given parameters, weight rows first.
    pub fn with_params(params: &[f32]) -> Self {
        assert_eq!(params.len(), O * I + O);
        Dense {
            params: params.to_vec(),
            head: PhantomData,
        }
    }

    fn row(&self, input: &[f32], output: &mut [f32]) {
        let (weight, bias) = self.params.split_at(O * I);
        for o in 0..O {
            let dot: f32 = (0..I).map(|i| weight[o * I + i] * input[i]).sum();
            output[o] = dot + bias[o];
        }
        H::activate(output);
    }
}

impl<H: Head, const I: usize, const O: usize> Network for Dense<H, I, O> {
    const INPUT_LEN: usize = I;
    const OUTPUT_LEN: usize = O;
    const PARAM_COUNT: usize = O * I + O;
    const LOSS: LossKind = H::LOSS;
    const TENSORS: &'static [TensorInfo] = &[
        TensorInfo {
            name: "dense_0.weight",
            offset: 0,
            shape: &[O, I],
        },
        TensorInfo {
            name: "dense_0.bias",
            offset: O * I,
            shape: &[O],
        },
    ];
    const LAYERS: &'static [LayerInfo] = &[LayerInfo {
        name: "dense_0",
        kind: "dense",
        op: LayerOp::Dense { units: O },
        input_shape: &[I],
        inputs: &[0],
        output_shape: &[O],
        params: O * I + O,
        flops: 2 * (O * I) as u64,
    }];

    fn params(&self) -> &[f32] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }
    fn init(&mut self, seed: u64) {
        let mut rng = Rng::new(seed);
        let (weight, bias) = self.params.split_at_mut(O * I);
        weight.iter_mut().for_each(|w| *w = rng.uniform(0.5));
        bias.fill(0.0);
    }

    fn forward_sample(&self, input: &[f32], output: &mut [f32]) {
        assert_eq!((input.len(), output.len()), (I, O));
        self.row(input, output);
    }
}

impl<H: Head, const I: usize, const O: usize> Arena for Dense<H, I, O> {
    const NODE_WIDTHS: &'static [usize] = &[I, O];
    const AUX_WIDTH: usize = 0;
    const LOSS_NODE: usize = default_loss_node(Self::NODE_WIDTHS.len(), H::LOSS);

    fn forward_batch(&self, nodes: &mut [f32], batch: usize, _mode: Mode, _rng: &mut Rng) {
        assert_eq!(
            nodes.len(),
            Self::arena_len(batch),
            "arena sized for the batch"
        );
        let (inputs, outputs) = nodes.split_at_mut(batch * I);
        for (input, output) in inputs.chunks_exact(I).zip(outputs.chunks_exact_mut(O)) {
            self.row(input, output);
        }
    }

    fn loss_batch(
        nodes: &[f32],
        targets: &[f32],
        batch: usize,
        node_grads: Option<&mut [f32]>,
    ) -> f32 {
        assert_eq!(targets.len(), batch * O);
        let outputs = &nodes[batch * I..batch * (I + O)];
        H::loss(
            outputs,
            targets,
            batch,
            node_grads.map(|g| &mut g[batch * I..batch * (I + O)]),
        )
    }

    fn backward_batch(
        &self,
        nodes: &mut [f32],
        node_grads: &mut [f32],
        batch: usize,
        param_grads: &mut [f32],
    ) {
        let inputs = &nodes[..batch * I];
        let (input_grads, output_grads) = node_grads.split_at_mut(batch * I);
        let (weight, _) = self.params.split_at(O * I);
        let (weight_grad, bias_grad) = param_grads.split_at_mut(O * I);
        for s in 0..batch {
            for o in 0..O {
                let dz = output_grads[s * O + o];
                bias_grad[o] += dz;
                for i in 0..I {
                    weight_grad[o * I + i] += dz * inputs[s * I + i];
                    input_grads[s * I + i] += dz * weight[o * I + i];
                }
            }
        }
    }
}
