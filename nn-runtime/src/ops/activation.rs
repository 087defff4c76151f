//! Activations: each is one small type with its function and derivative side by side.

/// An element-wise (or, for softmax, row-wise) activation.
pub trait Activation {
    /// `y = f(x)`; `x` and `y` have the same length.
    fn forward(&self, x: &[f32], y: &mut [f32]);
    /// `x = f(x)` in place (single-sample inference).
    fn forward_in_place(&self, x: &mut [f32]);
    /// `dx = dy · f'(x)`, given the forward pass's input `x` and output `y`.
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]);
}

/// `max(x, 0)`.
pub struct Relu;
/// `x` for `x > 0`, else `alpha · x`.
pub struct LeakyRelu {
    /// Slope for negative inputs (Keras' default is 0.3, PyTorch's 0.01).
    pub alpha: f32,
}
/// `1 / (1 + e^-x)`, computed without overflow for large `|x|`.
pub struct Sigmoid;
/// `tanh(x)`.
pub struct Tanh;
/// `e^x_i / Σ_j e^x_j` over each row of `width` elements, max-subtracted for stability.
pub struct Softmax {
    /// Elements per row (the number of classes).
    pub width: usize,
}

impl Activation for Relu {
    fn forward(&self, x: &[f32], y: &mut [f32]) { todo!() }
    fn forward_in_place(&self, x: &mut [f32]) { todo!() }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) { todo!() }
}
impl Activation for LeakyRelu {
    fn forward(&self, x: &[f32], y: &mut [f32]) { todo!() }
    fn forward_in_place(&self, x: &mut [f32]) { todo!() }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) { todo!() }
}
impl Activation for Sigmoid {
    fn forward(&self, x: &[f32], y: &mut [f32]) { todo!() }
    fn forward_in_place(&self, x: &mut [f32]) { todo!() }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) { todo!() }
}
impl Activation for Tanh {
    fn forward(&self, x: &[f32], y: &mut [f32]) { todo!() }
    fn forward_in_place(&self, x: &mut [f32]) { todo!() }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) { todo!() }
}
impl Activation for Softmax {
    fn forward(&self, x: &[f32], y: &mut [f32]) { todo!() }
    fn forward_in_place(&self, x: &mut [f32]) { todo!() }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) { todo!() }
}
