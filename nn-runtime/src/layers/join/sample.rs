//! `sample(mean, log_var)`: the reparameterization of a variational autoencoder,
//! `z = mean + exp(log_var / 2) · ε` with ε ~ N(0, I) drawn in training and ε = 0 in
//! inference (so inference decodes the mean and is deterministic).

use super::{first_unequal, put, AnyJoin, Join, JoinError, JoinInfo};
use crate::layers::shape::Shape;
use crate::network::{LayerOp, Mode};
use crate::ops::math::exp;
use crate::rng::Rng;
use core::fmt;

/// A draw from `N(mean, exp(log_var))` of `width` values per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Floats per sample of the mean, the log-variance and the output.
    pub width: usize,
}

pub(super) const KIND: JoinInfo = JoinInfo {
    keyword: "sample",
    inputs: (2, 2),
    example: "sample(mean, log_var)",
    resolve: |inputs, _sequence| {
        if let Some((first, second)) = first_unequal(inputs) {
            return Err(JoinError {
                first,
                second,
                needs: "`sample` needs a mean and a log-variance of the same shape",
            });
        }
        let shape = Shape::new(inputs[0]).ok_or(JoinError {
            first: 0,
            second: 0,
            needs: "a tensor has at most 8 dimensions",
        })?;
        Ok((AnyJoin::Sample(Sample { width: shape.len() }), shape))
    },
};

impl Join for Sample {
    fn keyword(&self) -> &'static str {
        "sample"
    }

    /// The noise ε of each value, for the backward pass.
    fn aux_width(&self) -> usize {
        self.width
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::Sample
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{path}::Sample {{ width: {} }}", self.width)
    }

    fn forward_sample(&self, inputs: &[&[f32]], y: &mut [f32]) {
        y.copy_from_slice(inputs[0]);
    }

    fn forward_batch(
        &self,
        inputs: &[&[f32]],
        y: &mut [f32],
        aux: &mut [f32],
        _batch: usize,
        mode: Mode,
        rng: &mut Rng,
    ) {
        if mode == Mode::Infer {
            y.copy_from_slice(inputs[0]);
            return;
        }
        let (mean, log_var) = (inputs[0], inputs[1]);
        for (((y, epsilon), &mean), &log_var) in y.iter_mut().zip(aux).zip(mean).zip(log_var) {
            *epsilon = rng.normal();
            *y = mean + exp(0.5 * log_var) * *epsilon;
        }
    }

    fn backward_input(
        &self,
        which: usize,
        inputs: &[&[f32]],
        aux: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        _batch: usize,
        accumulate: bool,
    ) {
        if which == 0 {
            for (dx, &dy) in dx.iter_mut().zip(dy) {
                put(dx, dy, accumulate);
            }
            return;
        }
        // ∂z/∂log_var = ½ · exp(log_var / 2) · ε.
        let log_var = inputs[1];
        for (((dx, &dy), &epsilon), &log_var) in dx.iter_mut().zip(dy).zip(aux).zip(log_var) {
            put(dx, dy * 0.5 * exp(0.5 * log_var) * epsilon, accumulate);
        }
    }
}
