//! One operator being prepared: its tensors, checked as they are taken, and messages that
//! name it.

use super::super::error::TfliteError;
use super::super::model::{Operator, Subgraph, Tensor};
use super::super::ops::{Activation, Padding};
use super::is_int8;
use super::values::{int32_values, tensor_quantization};
use crate::int8::FusedActivation;

/// One operator and where it sits, for messages.
pub(super) struct At<'a> {
    pub(super) graph: &'a Subgraph,
    pub(super) operator: &'a Operator,
    pub(super) index: usize,
}

impl At<'_> {
    pub(super) fn error(&self, what: impl std::fmt::Display) -> TfliteError {
        TfliteError::invalid(format!(
            "operator {} ({}): {what}",
            self.index,
            self.operator.op.name()
        ))
    }

    pub(super) fn input(&self, k: usize) -> Result<(usize, &Tensor), TfliteError> {
        match self.operator.inputs.get(k) {
            Some(&Some(t)) => Ok((t, &self.graph.tensors[t])),
            _ => Err(self.error(format_args!("input {k} is missing"))),
        }
    }

    /// Input `k`, an int8 activation (not a constant).
    pub(super) fn activation(&self, k: usize) -> Result<(usize, &Tensor), TfliteError> {
        let (t, tensor) = self.input(k)?;
        if tensor.is_constant() || !is_int8(tensor) {
            return Err(self.error(format_args!(
                "input {k} (\"{}\") is a {}{:?} tensor; expected int8 activations",
                tensor.name,
                if tensor.is_constant() {
                    "constant "
                } else {
                    ""
                },
                tensor.dtype
            )));
        }
        Ok((t, tensor))
    }

    /// The optional bias, input 2.
    pub(super) fn bias(&self, channels: usize) -> Result<Vec<i32>, TfliteError> {
        let Some(&Some(t)) = self.operator.inputs.get(2) else {
            return Ok(Vec::new());
        };
        let bias = int32_values(&self.graph.tensors[t]).map_err(|e| self.error(e))?;
        if bias.len() != channels {
            return Err(self.error(format_args!(
                "{} biases for {channels} output channels",
                bias.len()
            )));
        }
        Ok(bias)
    }

    pub(super) fn output(&self) -> Result<(usize, &Tensor), TfliteError> {
        let t = *self
            .operator
            .outputs
            .first()
            .ok_or_else(|| self.error("it has no output"))?;
        let tensor = &self.graph.tensors[t];
        if !is_int8(tensor) {
            return Err(self.error(format_args!(
                "its output \"{}\" is {:?}; expected int8",
                tensor.name, tensor.dtype
            )));
        }
        Ok((t, tensor))
    }

    pub(super) fn quantization(
        &self,
        tensor: &Tensor,
        what: &str,
    ) -> Result<(f32, i32), TfliteError> {
        tensor_quantization(tensor, what).map_err(|e| self.error(e))
    }

    /// `[H, W, C]` of a `[1, H, W, C]` tensor.
    pub(super) fn image(&self, tensor: &Tensor) -> Result<[usize; 3], TfliteError> {
        match tensor.shape.as_slice() {
            &[1, h, w, c] => Ok([h, w, c]),
            other => Err(self.error(format_args!(
                "\"{}\" has the shape {other:?}; expected [1, H, W, C]",
                tensor.name
            ))),
        }
    }

    pub(super) fn fused(&self, activation: Activation) -> Result<FusedActivation, TfliteError> {
        Ok(match activation {
            Activation::None => FusedActivation::None,
            Activation::Relu => FusedActivation::Relu,
            Activation::Relu6 => FusedActivation::Relu6,
            Activation::ReluN1To1 => FusedActivation::ReluN1To1,
            other => {
                return Err(self.error(format_args!(
                    "the fused activation {other:?} has no int8 clamp"
                )))
            }
        })
    }

    /// TensorFlow's padding before the first row or column for one axis, checking that the
    /// output's size is the one the scheme gives.
    pub(super) fn padding(
        &self,
        padding: Padding,
        (input, kernel, stride, output): (usize, usize, usize, usize),
    ) -> Result<usize, TfliteError> {
        let expected = match padding {
            Padding::Same => input.div_ceil(stride),
            Padding::Valid => (input + stride).saturating_sub(kernel) / stride,
        };
        if output != expected {
            return Err(self.error(format_args!(
                "an output of {output} from {input} inputs, window {kernel}, stride {stride} and \
                 {padding:?} padding; expected {expected}"
            )));
        }
        let total = ((output - 1) * stride + kernel).saturating_sub(input);
        Ok(match padding {
            Padding::Same => total / 2,
            Padding::Valid => 0,
        })
    }
}
