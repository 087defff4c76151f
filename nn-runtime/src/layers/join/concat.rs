//! `concat(a, b, …)`: tensors side by side along their first dimension (channels of
//! `[C, H, W]`, features of a vector), or along the features of sequences `[steps, F]`.

use super::{AnyJoin, Join, JoinError, JoinInfo};
use crate::layers::shape::{Shape, MAX_RANK};
use crate::network::{LayerOp, Mode};
use crate::rng::Rng;
use core::fmt;

/// Most tensors one `concat` joins: their block widths are kept in a fixed array.
pub const MAX_CONCAT_INPUTS: usize = 8;

/// Inputs laid side by side: each sample is `outer` runs of every input's block in turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Concat {
    /// The axis joined along: 0, or 1 for sequences.
    pub axis: usize,
    /// Runs per sample: the steps of a sequence, else 1.
    pub outer: usize,
    /// Floats of each input per run.
    pub blocks: [usize; MAX_CONCAT_INPUTS],
    /// How many inputs.
    pub inputs: usize,
}

impl Concat {
    fn blocks(&self) -> &[usize] {
        &self.blocks[..self.inputs]
    }

    fn run(&self) -> usize {
        self.blocks().iter().sum()
    }

    /// Where input `which` starts within a run.
    fn offset(&self, which: usize) -> usize {
        self.blocks[..which].iter().sum()
    }
}

pub(super) const KIND: JoinInfo = JoinInfo {
    keyword: "concat",
    inputs: (2, MAX_CONCAT_INPUTS),
    example: "concat(left, right)",
    resolve: |inputs, sequence| {
        let axis = usize::from(sequence);
        let first = inputs[0];
        for (second, shape) in inputs.iter().enumerate().skip(1) {
            let agrees = shape.len() == first.len()
                && shape
                    .iter()
                    .zip(first)
                    .enumerate()
                    .all(|(d, (a, b))| d == axis || a == b);
            if !agrees {
                let needs = if sequence {
                    "`concat` joins sequences along their features: the steps must be equal"
                } else {
                    "`concat` joins along the first dimension (channels or features): the other dimensions must be equal"
                };
                return Err(JoinError {
                    first: 0,
                    second,
                    needs,
                });
            }
        }
        let mut dims = [0usize; MAX_RANK];
        dims[..first.len()].copy_from_slice(first);
        dims[axis] = inputs.iter().fold(0usize, |n, s| n.saturating_add(s[axis]));
        let shape = Shape::new(&dims[..first.len()]).ok_or(JoinError {
            first: 0,
            second: 0,
            needs: "a tensor has at most 8 dimensions",
        })?;
        let outer = first[..axis].iter().product();
        let mut blocks = [0; MAX_CONCAT_INPUTS];
        for (block, shape) in blocks.iter_mut().zip(inputs) {
            *block = shape[axis..].iter().product();
        }
        let join = Concat {
            axis,
            outer,
            blocks,
            inputs: inputs.len(),
        };
        Ok((AnyJoin::Concat(join), shape))
    },
};

impl Join for Concat {
    fn keyword(&self) -> &'static str {
        "concat"
    }

    fn aux_width(&self) -> usize {
        0
    }

    fn flops(&self) -> u64 {
        0
    }

    fn op(&self) -> LayerOp {
        LayerOp::Concat { axis: self.axis }
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        let Concat {
            axis,
            outer,
            blocks,
            inputs,
        } = self;
        write!(
            out,
            "{path}::Concat {{ axis: {axis}, outer: {outer}, blocks: {blocks:?}, inputs: {inputs} }}"
        )
    }

    fn forward_sample(&self, inputs: &[&[f32]], y: &mut [f32]) {
        self.gather(inputs, y, 1);
    }

    fn forward_batch(
        &self,
        inputs: &[&[f32]],
        y: &mut [f32],
        _aux: &mut [f32],
        batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        self.gather(inputs, y, batch);
    }

    fn backward_input(
        &self,
        which: usize,
        _inputs: &[&[f32]],
        _aux: &[f32],
        dy: &[f32],
        dx: &mut [f32],
        _batch: usize,
        accumulate: bool,
    ) {
        let (run, block, offset) = (self.run(), self.blocks[which], self.offset(which));
        for (dx, dy) in dx.chunks_exact_mut(block).zip(dy.chunks_exact(run)) {
            let dy = &dy[offset..offset + block];
            if accumulate {
                dx.iter_mut().zip(dy).for_each(|(dx, &dy)| *dx += dy);
            } else {
                dx.copy_from_slice(dy);
            }
        }
    }
}

impl Concat {
    /// Copies every input's blocks into place, for `batch` samples.
    fn gather(&self, inputs: &[&[f32]], y: &mut [f32], batch: usize) {
        let run = self.run();
        for (which, input) in inputs.iter().enumerate() {
            let (block, offset) = (self.blocks[which], self.offset(which));
            let runs = y.chunks_exact_mut(run).take(batch * self.outer);
            for (y, x) in runs.zip(input.chunks_exact(block)) {
                y[offset..offset + block].copy_from_slice(x);
            }
        }
    }
}
