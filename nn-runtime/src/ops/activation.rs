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
mod tests {
    use super::*;
    use crate::ops::test_support::*;
    use crate::rng::Rng;
    use std::vec;
    use std::vec::Vec;

    const SIZES: [usize; 6] = [1, 3, 7, 16, 33, 100];

    /// Forward, in-place forward and a reference function agree.
    fn check_forward(act: &dyn Activation, reference: impl Fn(f64) -> f64, limit: f32, what: &str) {
        let mut rng = Rng::new(11);
        for n in SIZES {
            let x = random_vec(&mut rng, n, limit);
            let mut y = vec![f32::NAN; n];
            act.forward(&x, &mut y);
            let want: Vec<f64> = x.iter().map(|&v| reference(f64::from(v))).collect();
            assert_close(&y, &want, 1e-6, 1e-7, what);
            let mut in_place = x.clone();
            act.forward_in_place(&mut in_place);
            assert_eq!(in_place, y, "{what}: in-place forward differs");
        }
    }

    /// Backward against central differences of `Σ r ⊙ f(x)`.
    fn check_backward(act: &dyn Activation, x: &[f32], what: &str) {
        let mut rng = Rng::new(5);
        let n = x.len();
        let r = random_vec(&mut rng, n, 1.0);
        let mut y = vec![0.0; n];
        act.forward(x, &mut y);
        let mut dx = vec![f32::NAN; n];
        act.backward(x, &y, &r, &mut dx);
        let mut scratch = vec![0.0; n];
        check_gradient(what, x, &dx, 1e-3, 1e-2, 1e-4, |probe| {
            act.forward(probe, &mut scratch);
            weighted_sum(&r, &scratch)
        });
    }

    #[test]
    fn relu_forward_and_gradient() {
        check_forward(&Relu, |x| x.max(0.0), 3.0, "relu");
        let mut rng = Rng::new(1);
        for n in SIZES {
            check_backward(
                &Relu,
                &random_vec_away_from_zero(&mut rng, n, 3.0, 0.01),
                "relu'",
            );
        }
        let mut dx = [f32::NAN; 3];
        Relu.backward(
            &[-1.0, 0.0, 2.0],
            &[0.0, 0.0, 2.0],
            &[5.0, 5.0, 5.0],
            &mut dx,
        );
        assert_eq!(dx, [0.0, 0.0, 5.0]);
    }

    #[test]
    fn leaky_relu_forward_and_gradient() {
        let act = LeakyRelu { alpha: 0.3 };
        check_forward(
            &act,
            |x| if x > 0.0 { x } else { 0.3 * x },
            3.0,
            "leaky relu",
        );
        let mut rng = Rng::new(2);
        for n in SIZES {
            check_backward(
                &act,
                &random_vec_away_from_zero(&mut rng, n, 3.0, 0.01),
                "leaky relu'",
            );
        }
    }

    #[test]
    fn sigmoid_forward_and_gradient() {
        check_forward(&Sigmoid, |x| 1.0 / (1.0 + (-x).exp()), 8.0, "sigmoid");
        let mut rng = Rng::new(3);
        for n in SIZES {
            check_backward(&Sigmoid, &random_vec(&mut rng, n, 4.0), "sigmoid'");
        }
    }

    #[test]
    fn sigmoid_is_stable_for_large_inputs() {
        let x = [
            -1000.0,
            -100.0,
            -88.0,
            88.0,
            100.0,
            1000.0,
            f32::MAX,
            f32::MIN,
        ];
        let mut y = [f32::NAN; 8];
        Sigmoid.forward(&x, &mut y);
        assert!(
            y.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "{y:?}"
        );
        assert_eq!(y[0], 0.0);
        assert_eq!(y[5], 1.0);
        // e^-88 ≈ 6e-39 must survive as a tiny positive number, not collapse to 0.
        assert!(y[2] > 0.0 && y[2] < 1e-37, "{}", y[2]);
        let mut dx = [f32::NAN; 8];
        Sigmoid.backward(&x, &y, &[1.0; 8], &mut dx);
        assert!(dx.iter().all(|v| v.is_finite() && *v >= 0.0), "{dx:?}");
    }

    #[test]
    fn tanh_forward_and_gradient() {
        check_forward(&Tanh, f64::tanh, 5.0, "tanh");
        let mut rng = Rng::new(4);
        for n in SIZES {
            check_backward(&Tanh, &random_vec(&mut rng, n, 2.0), "tanh'");
        }
    }

    /// Softmax of each row in `f64`.
    fn softmax_reference(x: &[f32], width: usize) -> Vec<f64> {
        let mut out = Vec::new();
        for row in x.chunks(width) {
            let exps: Vec<f64> = row.iter().map(|&v| f64::from(v).exp()).collect();
            let sum: f64 = exps.iter().sum();
            out.extend(exps.iter().map(|e| e / sum));
        }
        out
    }

    #[test]
    fn softmax_forward_matches_reference_per_row() {
        let mut rng = Rng::new(6);
        for width in [1, 2, 3, 10, 17] {
            for rows in [1, 4, 7] {
                let act = Softmax { width };
                let x = random_vec(&mut rng, width * rows, 6.0);
                let mut y = vec![f32::NAN; x.len()];
                act.forward(&x, &mut y);
                assert_close(&y, &softmax_reference(&x, width), 1e-5, 1e-7, "softmax");
                for row in y.chunks(width) {
                    assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                }
                let mut in_place = x.clone();
                act.forward_in_place(&mut in_place);
                assert_eq!(in_place, y);
            }
        }
    }

    #[test]
    fn softmax_survives_huge_logits() {
        let act = Softmax { width: 3 };
        let mut y = [0.0; 6];
        act.forward(&[1000.0, 999.0, -1000.0, -5000.0, -5001.0, -5000.0], &mut y);
        let e = (-1.0f64).exp();
        let want = [
            1.0 / (1.0 + e),
            e / (1.0 + e),
            0.0,
            1.0 / (2.0 + e),
            e / (2.0 + e),
            1.0 / (2.0 + e),
        ];
        assert_close(&y, &want, 1e-6, 1e-7, "softmax of huge logits");
    }

    #[test]
    fn softmax_gradient_is_the_jacobian_vector_product() {
        let mut rng = Rng::new(7);
        for width in [1, 2, 5, 10] {
            for rows in [1, 3] {
                let x = random_vec(&mut rng, width * rows, 3.0);
                check_backward(&Softmax { width }, &x, "softmax'");
            }
        }
    }

    /// Every activation, forward (both forms) and backward, maps a NaN input to NaN and
    /// leaves its neighbours alone.
    #[test]
    fn a_nan_input_gives_a_nan_output_and_derivative() {
        let x = [-2.0, f32::NAN, 0.0, 1.5, -0.0, 3.0];
        let elementwise: [(&dyn Activation, &str); 4] = [
            (&Relu, "relu"),
            (&LeakyRelu { alpha: 0.1 }, "leaky relu"),
            (&Sigmoid, "sigmoid"),
            (&Tanh, "tanh"),
        ];
        for (act, what) in elementwise {
            let mut y = [0.0; 6];
            act.forward(&x, &mut y);
            let mut in_place = x;
            act.forward_in_place(&mut in_place);
            let mut dx = [0.0; 6];
            act.backward(&x, &y, &[1.0; 6], &mut dx);
            for (i, (v, d)) in y.iter().zip(dx).enumerate() {
                assert_eq!(v.is_nan(), i == 1, "{what}: y = {y:?}");
                assert_eq!(
                    in_place[i].is_nan(),
                    i == 1,
                    "{what} in place: {in_place:?}"
                );
                assert_eq!(d.is_nan(), i == 1, "{what}': dx = {dx:?}");
            }
        }
        // Softmax: the row with the NaN is NaN throughout, the other row is untouched.
        let act = Softmax { width: 3 };
        let x = [0.5, f32::NAN, -1.0, 0.5, 2.0, -1.0];
        let mut y = [0.0; 6];
        act.forward(&x, &mut y);
        assert!(y[..3].iter().all(|v| v.is_nan()), "{y:?}");
        assert!(y[3..].iter().all(|v| v.is_finite()), "{y:?}");
        let mut dx = [0.0; 6];
        act.backward(&x, &y, &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &mut dx);
        assert!(dx[..3].iter().all(|v| v.is_nan()), "{dx:?}");
        assert!(dx[3..].iter().all(|v| v.is_finite()), "{dx:?}");
    }

    #[test]
    fn relu_keeps_its_values_at_signed_zeros_and_infinities() {
        let x = [-0.0, 0.0, f32::INFINITY, f32::NEG_INFINITY];
        let mut y = [f32::NAN; 4];
        Relu.forward(&x, &mut y);
        assert_eq!(
            y.map(f32::to_bits),
            [0.0, 0.0, f32::INFINITY, 0.0].map(f32::to_bits)
        );
        let mut dx = [f32::NAN; 4];
        Relu.backward(&x, &y, &[2.0; 4], &mut dx);
        assert_eq!(dx, [0.0, 0.0, 2.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "whole number of rows")]
    fn softmax_rejects_partial_rows() {
        Softmax { width: 3 }.forward_in_place(&mut [0.0; 4]);
    }

    #[test]
    #[should_panic(expected = "same length")]
    fn backward_rejects_mismatched_lengths() {
        Tanh.backward(&[0.0; 3], &[0.0; 3], &[0.0; 2], &mut [0.0; 3]);
    }
}
