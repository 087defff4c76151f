//! `dropout(rate)`: inverted dropout, active only in training; the identity in inference.

use super::args::{ArgKind, ArgSpec, ArgValue, KindInfo, SequenceRule};
use super::shape::{element_count, shape_of, Shape, ShapeError};
use super::AnyLayer;
use super::{Backward, Definition, InPlace, Kernel, SamplePass, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::dropout::{dropout_backward, dropout_forward_train};
use crate::rng::Rng;
use core::fmt;

/// Dropout of `rate` over samples of `width` floats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// Probability of dropping a value, in `[0, 1)`.
    pub rate: f32,
    /// Floats per sample.
    pub width: usize,
}

impl Kernel for Dropout {
    /// Training keeps the mask.
    fn aux_width(&self) -> usize {
        self.width
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, _params: &mut [f32], _rng: &mut Rng) {}

    fn forward_sample(&self, _params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        y.copy_from_slice(x);
    }

    fn forward_batch(
        &self,
        _params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        _batch: usize,
        mode: Mode,
        rng: &mut Rng,
    ) {
        match mode {
            Mode::Train => dropout_forward_train(self.rate, x, y, aux, rng),
            Mode::Infer => y.copy_from_slice(x),
        }
    }

    fn backward_batch(
        &self,
        _params: &[f32],
        pass: Backward<'_>,
        _param_grads: &mut [f32],
        _batch: usize,
    ) {
        if let Some(dx) = pass.dx {
            dropout_backward(pass.aux, pass.dy, dx);
        }
    }
}

impl InPlace for Dropout {
    /// Inference keeps every value.
    fn forward_in_place(&self, _params: &[f32], _values: &mut [f32]) {}
}

impl Definition for Dropout {
    fn keyword(&self) -> &'static str {
        "dropout"
    }

    fn tensors(&self) -> Tensors {
        Tensors::NONE
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::Dropout { rate: self.rate }
    }

    /// Inference keeps every value.
    fn sample_pass(&self) -> SamplePass {
        SamplePass::Identity
    }

    fn per_sample(&self) -> bool {
        true
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let Dropout { rate, width } = self;
        write!(
            out,
            "{path}::Dropout {{ rate: {rate:?}f32, width: {width} }}"
        )
    }
}

impl Dropout {
    /// Dropout of `rate` over `input`, whose shape it keeps.
    pub fn resolve(input: &[usize], rate: f32) -> (Dropout, Shape) {
        let width = element_count(input);
        (Dropout { rate, width }, shape_of(input))
    }
}

/// `dropout(rate)`.
pub const KIND: KindInfo = KindInfo {
    keyword: "dropout",
    args: &[ArgSpec::new(
        "rate",
        ArgKind::Rate,
        true,
        true,
        "dropout(0.25)",
    )],
    sequence: SequenceRule::Keeps,
    resolve: |args, input| {
        let rate = match args.get("rate") {
            Some(ArgValue::Number(rate)) => rate,
            _ => return Err(ShapeError::MissingArgument { name: "rate" }),
        };
        let (layer, output) = Dropout::resolve(input, rate);
        Ok((AnyLayer::Dropout(layer), output))
    },
};
