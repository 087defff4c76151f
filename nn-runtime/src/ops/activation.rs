//! Activations: each is one small type with its function and derivative side by side.
//!
//! All slices may hold a whole batch: element-wise activations do not care about rows, and
//! softmax works on every row of `width` elements. Lengths must match; a mismatch panics.
//!
//! A NaN input gives a NaN output and a NaN derivative, as IEEE arithmetic would: an
//! activation never turns a NaN into a number, so a NaN in the data reaches the loss and
//! the gradients, where training notices it. (A softmax row with a NaN is NaN throughout.)

use super::math;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relu;
/// `min(max(x, 0), 6)`: ReLU capped at 6 (MobileNet's activation, PyTorch's `ReLU6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relu6;
/// `x` for `x > 0`, else `alpha · x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu {
    /// Slope for negative inputs (Keras' default is 0.3, PyTorch's 0.01).
    pub alpha: f32,
}
/// `1 / (1 + e^-x)`, computed without overflow for large `|x|`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sigmoid;
/// `tanh(x)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tanh;
/// `e^x_i / Σ_j e^x_j` over each row of `width` elements, max-subtracted for stability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Softmax {
    /// Elements per row (the number of classes).
    pub width: usize,
}

/// `y[i] = f(x[i])`.
#[inline]
fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32) -> f32) {
    assert_eq!(
        x.len(),
        y.len(),
        "activation: input has {} values but output has {}",
        x.len(),
        y.len()
    );
    for (y, &x) in y.iter_mut().zip(x) {
        *y = f(x);
    }
}

/// `dx[i] = g(x[i], y[i], dy[i])` for an element-wise derivative `g`.
#[inline]
fn map_backward(
    x: &[f32],
    y: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    g: impl Fn(f32, f32, f32) -> f32,
) {
    let n = dx.len();
    assert!(
        x.len() == n && y.len() == n && dy.len() == n,
        "activation backward: x, y, dy and dx must have the same length (got {}, {}, {}, {})",
        x.len(),
        y.len(),
        dy.len(),
        n
    );
    for (((dx, &x), &y), &dy) in dx.iter_mut().zip(x).zip(y).zip(dy) {
        *dx = g(x, y, dy);
    }
}

impl Activation for Relu {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        map(x, y, relu);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = relu(*v));
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        // The derivative at exactly 0 is taken as 0, as in PyTorch.
        map_backward(x, y, dy, dx, |x, _, dy| piecewise(x, dy, 0.0));
    }
}

/// `0` for `x ≤ 0`, else `x`; NaN stays NaN (a plain `x > 0 ? x : 0` would make it 0).
#[inline]
fn relu(x: f32) -> f32 {
    if x <= 0.0 {
        0.0
    } else {
        x
    }
}

/// The derivative of a two-piece linear activation times `dy`: `dy` for `x > 0`,
/// `below` for `x ≤ 0`, and NaN for a NaN `x` (two selects, no branch).
#[inline]
fn piecewise(x: f32, dy: f32, below: f32) -> f32 {
    if x > 0.0 {
        dy
    } else if x <= 0.0 {
        below
    } else {
        x
    }
}

impl Activation for Relu6 {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        map(x, y, relu6);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = relu6(*v));
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        // Zero at both kinks, as in PyTorch: the gradient flows only strictly inside (0, 6).
        map_backward(x, y, dy, dx, |x, _, dy| {
            if x > 0.0 && x < RELU6_CAP {
                dy
            } else if x <= 0.0 || x >= RELU6_CAP {
                0.0
            } else {
                x
            }
        });
    }
}

/// Where [`Relu6`] saturates.
const RELU6_CAP: f32 = 6.0;

/// [`relu`] capped at 6; NaN stays NaN (both comparisons are false for it). Not
/// `x.clamp(0.0, 6.0)`, which keeps −0 as −0 where [`relu`] gives +0.
#[inline]
#[allow(clippy::manual_clamp)]
fn relu6(x: f32) -> f32 {
    if x <= 0.0 {
        0.0
    } else if x >= RELU6_CAP {
        RELU6_CAP
    } else {
        x
    }
}

impl Activation for LeakyRelu {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        let alpha = self.alpha;
        map(x, y, |x| leaky_relu(x, alpha));
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        let alpha = self.alpha;
        x.iter_mut().for_each(|v| *v = leaky_relu(*v, alpha));
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        let alpha = self.alpha;
        map_backward(x, y, dy, dx, |x, _, dy| piecewise(x, dy, alpha * dy));
    }
}

#[inline]
fn leaky_relu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        alpha * x
    }
}

impl Activation for Sigmoid {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        map(x, y, sigmoid);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = sigmoid(*v));
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        // σ' = σ (1 − σ), from the stored output.
        map_backward(x, y, dy, dx, |_, y, dy| dy * y * (1.0 - y));
    }
}

/// The logistic function, evaluating `e^t` only for `t ≤ 0` so it never overflows.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + math::exp(-x))
    } else {
        let e = math::exp(x);
        e / (1.0 + e)
    }
}

impl Activation for Tanh {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        map(x, y, math::tanh);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = math::tanh(*v));
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        // tanh' = 1 − tanh², from the stored output.
        map_backward(x, y, dy, dx, |_, y, dy| dy * (1.0 - y * y));
    }
}

impl Softmax {
    /// Panics unless `len` is a whole number of rows.
    fn check_rows(&self, len: usize) {
        assert!(self.width > 0, "softmax: width must be at least 1");
        assert!(
            len.is_multiple_of(self.width),
            "softmax: {len} values are not a whole number of rows of {}",
            self.width
        );
    }
}

/// Softmax of one row, in place.
fn softmax_row_in_place(row: &mut [f32]) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = math::exp(*v - max);
        sum += *v;
    }
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

impl Activation for Softmax {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        assert_eq!(
            x.len(),
            y.len(),
            "softmax: input has {} values but output has {}",
            x.len(),
            y.len()
        );
        y.copy_from_slice(x);
        self.forward_in_place(y);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        self.check_rows(x.len());
        x.chunks_exact_mut(self.width)
            .for_each(softmax_row_in_place);
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        let n = dx.len();
        assert!(
            x.len() == n && y.len() == n && dy.len() == n,
            "softmax backward: x, y, dy and dx must have the same length (got {}, {}, {}, {})",
            x.len(),
            y.len(),
            dy.len(),
            n
        );
        self.check_rows(n);
        // Jacobian-vector product per row: dx = y ⊙ (dy − ⟨dy, y⟩).
        let rows = y.chunks_exact(self.width).zip(dy.chunks_exact(self.width));
        for ((y, dy), dx) in rows.zip(dx.chunks_exact_mut(self.width)) {
            let dot: f32 = y.iter().zip(dy).map(|(y, dy)| y * dy).sum();
            for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
                *dx = y * (dy - dot);
            }
        }
    }
}

#[cfg(test)]
#[path = "activation_tests.rs"]
mod tests;
