//! Hand-written networks, an optimizer and data helpers for the training-loop tests.
//!
//! Everything computes with plain loops, independent of the runtime's kernels, so the tests
//! exercise the training loop alone.
#![allow(dead_code, unused_imports)] // each test file uses a different part

mod dense;
mod recording;

pub use dense::{Dense, Head, Mse, Sigmoid, Softmax};
pub use recording::{Call, Recording};

use nn_runtime::{Dataset, Optimizer};

/// Plain gradient descent, `p -= learning_rate * g`, counting its steps.
pub struct PlainSgd {
    pub learning_rate: f32,
    pub steps: usize,
}

impl PlainSgd {
    pub fn new(learning_rate: f32) -> Self {
        PlainSgd {
            learning_rate,
            steps: 0,
        }
    }
}

impl Optimizer for PlainSgd {
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        assert_eq!(params.len(), grads.len());
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= self.learning_rate * g;
        }
        self.steps += 1;
    }
}

/// A data set built field by field.
pub fn dataset(
    inputs: Vec<f32>,
    targets: Vec<f32>,
    input_len: usize,
    target_len: usize,
) -> Dataset {
    Dataset {
        inputs,
        targets,
        input_len,
        target_len,
    }
}

/// `n` samples whose single input is the sample's own index, with target 0.
pub fn numbered(n: usize) -> Dataset {
    dataset((0..n).map(|i| i as f32).collect(), vec![0.0; n], 1, 1)
}

/// A learnable regression: `y = 2 x0 - 3 x1 + 0.5` on a grid of 16 points.
pub fn linear_regression() -> Dataset {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for a in 0..4 {
        for b in 0..4 {
            let (x0, x1) = (a as f32 / 3.0 - 0.5, b as f32 / 3.0 - 0.5);
            inputs.extend([x0, x1]);
            targets.push(2.0 * x0 - 3.0 * x1 + 0.5);
        }
    }
    dataset(inputs, targets, 2, 1)
}

/// Two separable classes, one-hot: class 1 when `x0 + x1 > 0`, on 20 points.
pub fn two_blobs() -> Dataset {
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for k in 0..20 {
        let class = k % 2;
        let sign = if class == 1 { 1.0 } else { -1.0 };
        let jitter = (k / 2) as f32 * 0.1 - 0.45;
        inputs.extend([sign * (1.0 + jitter), sign * (0.5 - jitter)]);
        targets.extend(if class == 1 { [0.0, 1.0] } else { [1.0, 0.0] });
    }
    dataset(inputs, targets, 2, 2)
}
