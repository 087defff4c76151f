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

/// Panics unless `x` and `y` have the same length.
fn check_forward_lengths(x: &[f32], y: &[f32]) {
    assert_eq!(
        x.len(),
        y.len(),
        "activation: input has {} values but output has {}",
        x.len(),
        y.len()
    );
}

/// `y[i] = f(x[i])`.
#[inline(always)]
fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32) -> f32) {
    check_forward_lengths(x, y);
    for (y, &x) in y.iter_mut().zip(x) {
        *y = f(x);
    }
}

/// Panics unless `x`, `y`, `dy` and `dx` have the same length.
fn check_backward_lengths(x: &[f32], y: &[f32], dy: &[f32], dx: &[f32]) {
    let n = dx.len();
    assert!(
        x.len() == n && y.len() == n && dy.len() == n,
        "activation backward: x, y, dy and dx must have the same length (got {}, {}, {}, {})",
        x.len(),
        y.len(),
        dy.len(),
        n
    );
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
    check_backward_lengths(x, y, dy, dx);
    for (((dx, &x), &y), &dy) in dx.iter_mut().zip(x).zip(y).zip(dy) {
        *dx = g(x, y, dy);
    }
}

impl Activation for Relu {
    fn forward(&self, x: &[f32], y: &mut [f32]) {
        (super::kernels::active().relu.forward)(x, y);
    }
    fn forward_in_place(&self, x: &mut [f32]) {
        (super::kernels::active().relu.in_place)(x);
    }
    fn backward(&self, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        check_backward_lengths(x, y, dy, dx);
        (super::kernels::active().relu.backward)(x, dy, dx);
    }
}

/// The ReLU loops, the kernel table's portable entries; the x86 tables run [`relu_avx2`].
pub(crate) mod relu_loops {
    use super::{map, piecewise, relu};

    /// `y = relu(x)`.
    #[inline(always)]
    pub(crate) fn forward(x: &[f32], y: &mut [f32]) {
        map(x, y, relu);
    }

    /// `x = relu(x)`.
    #[inline(always)]
    pub(crate) fn in_place(x: &mut [f32]) {
        x.iter_mut().for_each(|v| *v = relu(*v));
    }

    /// `dx = dy` where `x > 0`, else 0 (NaN where `x` is NaN); lengths equal.
    #[inline(always)]
    pub(crate) fn backward(x: &[f32], dy: &[f32], dx: &mut [f32]) {
        // The derivative at exactly 0 is taken as 0, as in PyTorch.
        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
            *dx = piecewise(x, dy, 0.0);
        }
    }
}

/// [`relu_loops`] on AVX2, eight values per select, written out: compiled from the plain
/// loops, the in-place pass becomes a masked store of zeros, which AMD microcodes.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod relu_avx2 {
    use super::{piecewise, relu};
    use core::arch::x86_64::*;

    /// `x` where `x > 0` or NaN, else `+0` (the lanes where `x ≤ 0` cleared).
    #[inline(always)]
    unsafe fn relu8(x: __m256) -> __m256 {
        _mm256_andnot_ps(_mm256_cmp_ps::<_CMP_LE_OQ>(x, _mm256_setzero_ps()), x)
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn forward(x: &[f32], y: &mut [f32]) {
        super::check_forward_lengths(x, y);
        let body = x.len() / 8 * 8;
        for i in (0..body).step_by(8) {
            _mm256_storeu_ps(
                y.as_mut_ptr().add(i),
                relu8(_mm256_loadu_ps(x.as_ptr().add(i))),
            );
        }
        for (y, &x) in y[body..].iter_mut().zip(&x[body..]) {
            *y = relu(x);
        }
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn in_place(x: &mut [f32]) {
        let body = x.len() / 8 * 8;
        for i in (0..body).step_by(8) {
            let at = x.as_mut_ptr().add(i);
            _mm256_storeu_ps(at, relu8(_mm256_loadu_ps(at)));
        }
        x[body..].iter_mut().for_each(|v| *v = relu(*v));
    }

    /// # Safety
    /// The CPU must have AVX2; `x`, `dy` and `dx` have the same length.
    #[target_feature(enable = "avx2")]
    pub(crate) unsafe fn backward(x: &[f32], dy: &[f32], dx: &mut [f32]) {
        assert!(x.len() == dx.len() && dy.len() == dx.len());
        let body = x.len() / 8 * 8;
        let zero = _mm256_setzero_ps();
        for i in (0..body).step_by(8) {
            let v = _mm256_loadu_ps(x.as_ptr().add(i));
            let g = _mm256_loadu_ps(dy.as_ptr().add(i));
            // dy where x > 0, x itself where x is NaN, else +0.
            let pass = _mm256_and_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(v, zero), g);
            let nan = _mm256_and_ps(_mm256_cmp_ps::<_CMP_UNORD_Q>(v, v), v);
            _mm256_storeu_ps(dx.as_mut_ptr().add(i), _mm256_or_ps(pass, nan));
        }
        for ((dx, &x), &dy) in dx[body..].iter_mut().zip(&x[body..]).zip(&dy[body..]) {
            *dx = piecewise(x, dy, 0.0);
        }
    }
}

/// `0` for `x ≤ 0`, else `x`; NaN stays NaN (a plain `x > 0 ? x : 0` would make it 0).
#[inline(always)]
fn relu(x: f32) -> f32 {
    if x <= 0.0 {
        0.0
    } else {
        x
    }
}

/// The derivative of a two-piece linear activation times `dy`: `dy` for `x > 0`,
/// `below` for `x ≤ 0`, and NaN for a NaN `x` (two selects, no branch).
#[inline(always)]
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
