//! Fully connected layers. The weight is `[outputs, inputs]`, row-major (PyTorch's layout).

/// One sample: `output[o] = bias[o] + Σ_i weight[o, i] · input[i]`.
/// Dimensions come from the slice lengths (`weight.len() == output.len() * input.len()`).
pub fn dense_forward(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) { todo!() }

/// A batch, row-major `[batch, inputs]` → `[batch, outputs]`, through GEMM.
pub fn dense_forward_batch(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32], batch: usize) { todo!() }

/// Backward over a batch: *adds* `dW = dYᵀ·X` into `weight_grad` and `Σ_b dY` into
/// `bias_grad`; *overwrites* `input_grad` with `dY·W` when given (the first layer skips it).
pub fn dense_backward_batch(
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    batch: usize,
) { todo!() }
