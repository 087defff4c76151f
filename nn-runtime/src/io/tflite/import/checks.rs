//! The checks of an operator against its layer that write nothing but the weights: tensor
//! shapes, strides and windows, padding, output shapes and what a layer reads.

use super::super::model::Operator;
use super::super::ops::Padding;
use super::error::{ImportError, Mismatch};
use super::walk::{nn_shape, At, Walk};
use crate::network::LayerInfo;

impl Walk<'_> {
    /// Writes `values`, of `shape` in `nn`'s layout, into the layer's tensor `suffix`.
    pub(super) fn write(
        &mut self,
        at: &At,
        layer: &LayerInfo,
        suffix: &str,
        shape: &[usize],
        values: &[f32],
        what: &str,
    ) -> Result<(), ImportError> {
        let tensor = self
            .tensors
            .iter()
            .find(|t| {
                t.name
                    .strip_prefix(layer.name)
                    .and_then(|rest| rest.strip_prefix('.'))
                    == Some(suffix)
            })
            .ok_or_else(|| {
                at.mismatch(
                    Mismatch::Option,
                    Some(layer),
                    format!("a {suffix}"),
                    format!("no `{}.{suffix}` tensor", layer.name),
                )
            })?;
        if tensor.shape != shape {
            return Err(at.mismatch(
                Mismatch::Shape,
                Some(layer),
                format!("a {what} of {shape:?}"),
                format!("`{}` of {:?}", tensor.name, tensor.shape),
            ));
        }
        self.params[tensor.offset..tensor.offset + tensor.len()].copy_from_slice(values);
        Ok(())
    }

    /// Writes the operator's bias (its third input), if it has one, into the layer's; `out`
    /// is the number of output channels.
    pub(super) fn bias(
        &mut self,
        at: &At,
        operator: &Operator,
        layer: &LayerInfo,
        out: usize,
    ) -> Result<(), ImportError> {
        let Some(tensor) = operator.inputs.get(2).copied().flatten() else {
            return Ok(());
        };
        let tensor = &self.graph.tensors[tensor];
        if !tensor.is_constant() || tensor.len() != out {
            return Err(at.invalid(format!(
                "its bias \"{}\" of shape {:?} is not a constant of {out} values, one per \
                 output channel",
                tensor.name, tensor.shape
            )));
        }
        let values = self.floats(at, tensor)?;
        self.write(at, layer, "bias", &[out], &values, "bias")
    }

    /// Compares a pair (a stride or a window) of the file with the network's.
    pub(super) fn check_pair(
        &self,
        at: &At,
        layer: &LayerInfo,
        what: &str,
        file: [usize; 2],
        network: [usize; 2],
    ) -> Result<(), ImportError> {
        if file == network {
            return Ok(());
        }
        Err(at.mismatch(
            Mismatch::Option,
            Some(layer),
            format!("{what} {}×{}", file[0], file[1]),
            format!("{what} {}×{}", network[0], network[1]),
        ))
    }

    /// Compares the padding TensorFlow's scheme gives here with the network's.
    pub(super) fn check_padding(
        &self,
        at: &At,
        layer: &LayerInfo,
        scheme: Padding,
        file: [usize; 4],
        network: [usize; 4],
    ) -> Result<(), ImportError> {
        if file == network {
            return Ok(());
        }
        Err(at.mismatch(
            Mismatch::Option,
            Some(layer),
            format!("{scheme:?} padding, here {file:?} (top, left, bottom, right)"),
            format!("padding {network:?}"),
        ))
    }

    /// Compares the operator's output shape with the layer's.
    pub(super) fn check_output(
        &self,
        at: &At,
        operator: &Operator,
        layer: &LayerInfo,
    ) -> Result<(), ImportError> {
        let output = self.output_tensor(at, operator)?;
        let file = nn_shape(&self.graph.tensors[output].shape);
        if file == layer.output_shape {
            return Ok(());
        }
        Err(at.mismatch(
            Mismatch::Shape,
            Some(layer),
            format!("an output of {file:?}"),
            format!("{:?}", layer.output_shape),
        ))
    }

    pub(super) fn check_reads(
        &self,
        at: &At,
        layer: &LayerInfo,
        reads: &[usize],
    ) -> Result<(), ImportError> {
        let (mut file, mut network) = (reads.to_vec(), layer.inputs.to_vec());
        file.sort_unstable();
        network.sort_unstable();
        if file == network {
            return Ok(());
        }
        let names = |nodes: &[usize]| {
            nodes
                .iter()
                .map(|&node| format!("`{}`", self.node_name(node)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Err(at.mismatch(
            Mismatch::Wiring,
            Some(layer),
            format!("an operator reading {}", names(&file)),
            format!("a layer reading {}", names(&network)),
        ))
    }
}
