//! `flatten`: one dimension of all the input's values; in a flat buffer nothing moves.

use super::args::{KindInfo, SequenceRule};
use super::shape::{element_count, shape_of, Shape};
use super::AnyLayer;
use super::{Backward, Definition, InPlace, Kernel, SamplePass, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::rng::Rng;
use core::fmt;

/// A reshape to `[width]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flatten {
    /// Floats per sample.
    pub width: usize,
}

impl Kernel for Flatten {
    fn aux_width(&self) -> usize {
        0
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
        _aux: &mut [f32],
        _batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        y.copy_from_slice(x);
    }

    fn backward_batch(
        &self,
        _params: &[f32],
        pass: Backward<'_>,
        _param_grads: &mut [f32],
        _batch: usize,
    ) {
        if let Some(dx) = pass.dx {
            dx.copy_from_slice(pass.dy);
        }
    }
}

impl InPlace for Flatten {
    fn forward_in_place(&self, _params: &[f32], _values: &mut [f32]) {}
}

impl Definition for Flatten {
    fn keyword(&self) -> &'static str {
        "flatten"
    }

    fn tensors(&self) -> Tensors {
        Tensors::NONE
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::Flatten
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::Identity
    }

    fn per_sample(&self) -> bool {
        true
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{path}::Flatten {{ width: {} }}", self.width)
    }
}

impl Flatten {
    /// All of `input`'s values in one dimension.
    pub fn resolve(input: &[usize]) -> (Flatten, Shape) {
        let width = element_count(input);
        (Flatten { width }, shape_of(&[width]))
    }
}

/// `flatten`.
pub const KIND: KindInfo = KindInfo {
    keyword: "flatten",
    args: &[],
    sequence: SequenceRule::Ends,
    resolve: |_args, input| {
        let (layer, output) = Flatten::resolve(input);
        Ok((AnyLayer::Flatten(layer), output))
    },
};
