//! `add(a, b, …)`: the element-wise sum of tensors of one shape (a residual join).

use super::{first_unequal, put, AnyJoin, Join, JoinError, JoinInfo};
use crate::layers::shape::Shape;
use crate::network::{LayerOp, Mode};
use crate::rng::Rng;
use core::fmt;

/// The sum of `inputs` tensors of `width` floats per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Add {
    /// Floats per sample of each input and of the output.
    pub width: usize,
    /// How many tensors are summed.
    pub inputs: usize,
}

pub(super) const KIND: JoinInfo = JoinInfo {
    keyword: "add",
    inputs: (2, usize::MAX),
    example: "add(shortcut, residual)",
    resolve: |inputs, _sequence| {
        if let Some((first, second)) = first_unequal(inputs) {
            return Err(JoinError {
                first,
                second,
                needs: "`add` needs inputs of equal shapes",
            });
        }
        let shape = Shape::new(inputs[0]).ok_or(JoinError {
            first: 0,
            second: 0,
            needs: "a tensor has at most 8 dimensions",
        })?;
        let join = Add {
            width: shape.len(),
            inputs: inputs.len(),
        };
        Ok((AnyJoin::Add(join), shape))
    },
};

impl Join for Add {
    fn keyword(&self) -> &'static str {
        "add"
    }

    fn aux_width(&self) -> usize {
        0
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::Add
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let Add { width, inputs } = self;
        write!(out, "{path}::Add {{ width: {width}, inputs: {inputs} }}")
    }

    fn forward_sample(&self, inputs: &[&[f32]], y: &mut [f32]) {
        sum(inputs, y);
    }

    fn forward_batch(
        &self,
        inputs: &[&[f32]],
        y: &mut [f32],
        _aux: &mut [f32],
        _batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        sum(inputs, y);
    }

    fn backward_input(
        &self,
        _which: usize,
        _inputs: &[&[f32]],
        _aux: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        _batch: usize,
        accumulate: bool,
    ) {
        for (dx, &dy) in dx.iter_mut().zip(dy) {
            put(dx, dy, accumulate);
        }
    }
}

/// `y = Σ inputs`, in input order (so every pass rounds the same way).
fn sum(inputs: &[&[f32]], y: &mut [f32]) {
    y.copy_from_slice(inputs[0]);
    for input in &inputs[1..] {
        for (y, &x) in y.iter_mut().zip(*input) {
            *y += x;
        }
    }
}
