//! `dense(units)`: `y = W x + b`, `W` is `[units, inputs]` (PyTorch's layout), then the bias.

use super::args::{init_of, ArgKind, ArgSpec, KindInfo, SequenceRule, INIT};
use super::definition::product;
use super::shape::{shape_of, Shape, ShapeError};
use super::AnyLayer;
use super::{Backward, Definition, Init, Kernel, SamplePass, TensorSpec, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::dense::{dense_backward_batch, dense_forward, dense_forward_batch};
use crate::rng::Rng;
use core::fmt;

/// A fully connected layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dense {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub units: usize,
    /// How the weight starts.
    pub init: Init,
}

impl Dense {
    fn split<'a>(&self, params: &'a [f32]) -> (&'a [f32], &'a [f32]) {
        params.split_at(self.units * self.inputs)
    }
}

impl Kernel for Dense {
    fn aux_width(&self) -> usize {
        0
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let weight = &mut params[..self.units * self.inputs];
        self.init.fill(weight, self.inputs, self.units, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        let (weight, bias) = self.split(params);
        dense_forward(weight, bias, x, y);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        _aux: &mut [f32],
        batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        let (weight, bias) = self.split(params);
        dense_forward_batch(weight, bias, x, y, batch);
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        let (weight, _) = self.split(params);
        let (weight_grad, bias_grad) = param_grads.split_at_mut(weight.len());
        dense_backward_batch(
            weight,
            pass.x,
            pass.dy,
            pass.dx,
            weight_grad,
            bias_grad,
            batch,
        );
    }
}

impl Definition for Dense {
    fn keyword(&self) -> &'static str {
        "dense"
    }

    fn tensors(&self) -> Tensors {
        Tensors::of([
            TensorSpec::trained("weight", [self.units, self.inputs]),
            TensorSpec::trained("bias", [self.units]),
        ])
    }

    fn flops(&self) -> u64 {
        product(&[2, self.inputs, self.units])
    }

    fn op(&self) -> LayerOp {
        LayerOp::Dense { units: self.units }
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::OutOfPlace
    }

    fn per_sample(&self) -> bool {
        false
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let Dense {
            inputs,
            units,
            init,
        } = self;
        write!(
            out,
            "{path}::Dense {{ inputs: {inputs}, units: {units}, init: "
        )?;
        init.write_literal(path, out)?;
        write!(out, " }}")
    }
}

impl Dense {
    /// A dense layer of `units` over `input`, which must be a vector; with its output shape.
    ///
    /// # Errors
    /// [`ShapeError::NotVector`] for an input of more dimensions.
    pub fn resolve(
        input: &[usize],
        units: usize,
        init: Init,
    ) -> Result<(Dense, Shape), ShapeError> {
        let &[inputs] = input else {
            return Err(ShapeError::NotVector {
                kind: "dense",
                found: shape_of(input),
            });
        };
        let layer = Dense {
            inputs,
            units,
            init,
        };
        Ok((layer, shape_of(&[units])))
    }
}

/// `dense(units, init = he | glorot)`.
pub const KIND: KindInfo = KindInfo {
    keyword: "dense",
    args: &[
        ArgSpec::new("units", ArgKind::Count, true, true, "dense(128)")
            .zero_means("a layer of width zero has no outputs"),
        INIT,
    ],
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let (layer, output) = Dense::resolve(input, args.count("units")?, init_of(args))?;
        Ok((AnyLayer::Dense(layer), output))
    },
};
