//! The state of the walk over a graph's operators and a network's layers, and the checks
//! every operator shares.

use std::collections::HashMap;

use super::super::model::{Operator, Subgraph, Tensor, TensorType};
use super::super::ops::{Activation, Padding};
use super::error::{ImportError, Mismatch};
use super::values;
use crate::network::{LayerInfo, TensorInfo};

/// Where in the file an error is: the operator's index and name.
pub(super) struct At {
    operator: usize,
    op: String,
}

impl At {
    pub(super) fn new(operator: usize, op: &str) -> Self {
        At {
            operator,
            op: op.to_string(),
        }
    }

    pub(super) fn mismatch(
        &self,
        kind: Mismatch,
        layer: Option<&LayerInfo>,
        file: impl Into<String>,
        network: impl Into<String>,
    ) -> ImportError {
        ImportError::Mismatch {
            operator: self.operator,
            op: self.op.clone(),
            layer: layer.map(|layer| layer.name),
            kind,
            file: file.into(),
            network: network.into(),
        }
    }

    pub(super) fn invalid(&self, reason: impl Into<String>) -> ImportError {
        ImportError::Invalid {
            operator: self.operator,
            op: self.op.clone(),
            reason: reason.into(),
        }
    }

    pub(super) fn unsupported(&self, reason: impl Into<String>) -> ImportError {
        ImportError::Unsupported {
            operator: self.operator,
            op: self.op.clone(),
            reason: reason.into(),
        }
    }
}

/// The `nn` node a TFLite activation tensor is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Node {
    /// 0 for the input, `i + 1` for the output of layer `i`.
    pub(super) index: usize,
    /// For a 1-D node that TFLite holds as a flattened NHWC map: that map's `[H, W, C]`, the
    /// order its elements are in the file.
    pub(super) hwc: Option<[usize; 3]>,
}

pub(super) struct Walk<'a> {
    pub(super) graph: &'a Subgraph,
    pub(super) layers: &'static [LayerInfo],
    pub(super) tensors: &'static [TensorInfo],
    pub(super) params: Vec<f32>,
    /// The next layer to match.
    next: usize,
    /// The activation tensors matched so far.
    nodes: HashMap<usize, Node>,
}

/// A TFLite activation shape in `nn`'s order: the batch dimension dropped, NHWC as
/// `[C, H, W]`.
pub(super) fn nn_shape(shape: &[usize]) -> Vec<usize> {
    match shape {
        [_, h, w, c] => vec![*c, *h, *w],
        [_, rest @ ..] if !rest.is_empty() => rest.to_vec(),
        other => other.to_vec(),
    }
}

/// TensorFlow's padding of one axis as (before, after): none for `VALID`; for `SAME`, what
/// makes the output `ceil(input / stride)`, the odd row or column after.
fn tf_padding(padding: Padding, input: usize, kernel: usize, stride: usize) -> [usize; 2] {
    match padding {
        Padding::Valid => [0, 0],
        Padding::Same => {
            let output = input.div_ceil(stride);
            let total = ((output.saturating_sub(1)) * stride + kernel).saturating_sub(input);
            [total / 2, total - total / 2]
        }
    }
}

/// `[top, left, bottom, right]`, as `LayerOp` orders padding.
pub(super) fn tf_padding_2d(
    padding: Padding,
    input: &[usize],
    kernel: [usize; 2],
    stride: [usize; 2],
) -> [usize; 4] {
    let (h, w) = (
        input.get(1).copied().unwrap_or(0),
        input.get(2).copied().unwrap_or(0),
    );
    let [top, bottom] = tf_padding(padding, h, kernel[0], stride[0]);
    let [left, right] = tf_padding(padding, w, kernel[1], stride[1]);
    [top, left, bottom, right]
}

fn activation_keyword(activation: Activation) -> Option<&'static str> {
    match activation {
        Activation::Relu => Some("relu"),
        Activation::Relu6 => Some("relu6"),
        _ => None,
    }
}

impl<'a> Walk<'a> {
    pub(super) fn new(
        graph: &'a Subgraph,
        layers: &'static [LayerInfo],
        tensors: &'static [TensorInfo],
        param_count: usize,
    ) -> Self {
        Walk {
            graph,
            layers,
            tensors,
            params: vec![0.0; param_count],
            next: 0,
            nodes: HashMap::new(),
        }
    }

    /// The parameters written so far; zero where the file has nothing (a bias it leaves out).
    pub(super) fn params(&self) -> &[f32] {
        &self.params
    }

    /// Matches the graph's input with the network's.
    pub(super) fn input(&mut self) -> Result<(), ImportError> {
        let network = self
            .layers
            .iter()
            .find(|layer| layer.inputs.contains(&0))
            .map_or(&[][..], |layer| layer.input_shape);
        let file = match self.graph.inputs[..] {
            [tensor] => nn_shape(&self.graph.tensors[tensor].shape),
            _ => Vec::new(),
        };
        if file != network || self.graph.inputs.len() != 1 {
            return Err(ImportError::InputMismatch {
                file,
                network: network.to_vec(),
            });
        }
        self.nodes.insert(
            self.graph.inputs[0],
            Node {
                index: 0,
                hwc: None,
            },
        );
        Ok(())
    }

    /// After the last operator: no layer may be left, and the graph's output must be the
    /// network's.
    pub(super) fn finish(&self) -> Result<(), ImportError> {
        let at = At {
            operator: self.graph.operators.len(),
            op: "end of graph".to_string(),
        };
        if let Some(layer) = self.layers.get(self.next) {
            return Err(at.mismatch(
                Mismatch::Kind,
                Some(layer),
                "no more operators",
                format!("a `{}` layer", layer.kind),
            ));
        }
        let output = match self.graph.outputs[..] {
            [tensor] => self.nodes.get(&tensor).map(|node| node.index),
            _ => None,
        };
        if output != Some(self.layers.len()) {
            return Err(at.mismatch(
                Mismatch::Wiring,
                None,
                format!("the graph's outputs {:?}", self.graph.outputs),
                "one output, that of the last layer",
            ));
        }
        Ok(())
    }

    /// The node of the operator's `k`-th input, an activation computed before.
    pub(super) fn activation_input(
        &self,
        at: &At,
        operator: &Operator,
        k: usize,
    ) -> Result<Node, ImportError> {
        let tensor = operator
            .inputs
            .get(k)
            .copied()
            .flatten()
            .ok_or_else(|| at.invalid(format!("it has no input {k}")))?;
        let data = &self.graph.tensors[tensor];
        if data.dtype != TensorType::Float32 {
            return Err(at.unsupported(format!(
                "its input \"{}\" is {:?}; only float models are imported (int8 weights in them \
                 are dequantized, int8 activations are not)",
                data.name, data.dtype
            )));
        }
        self.nodes.get(&tensor).copied().ok_or_else(|| {
            at.unsupported(format!(
                "its input {k} (\"{}\") is not the graph's input nor the output of an operator \
                 before it",
                data.name
            ))
        })
    }

    /// The operator's `k`-th input, which must be a constant.
    pub(super) fn constant(
        &self,
        at: &At,
        operator: &Operator,
        k: usize,
    ) -> Result<&'a Tensor, ImportError> {
        let graph: &'a Subgraph = self.graph;
        operator
            .inputs
            .get(k)
            .copied()
            .flatten()
            .map(|tensor| &graph.tensors[tensor])
            .filter(|tensor| tensor.is_constant())
            .ok_or_else(|| at.invalid(format!("its input {k} is not a constant (its weights)")))
    }

    /// The tensor's shape, which must have `R` dimensions.
    pub(super) fn dims<const R: usize>(
        &self,
        at: &At,
        tensor: &Tensor,
        what: &str,
    ) -> Result<[usize; R], ImportError> {
        tensor.shape.as_slice().try_into().map_err(|_| {
            at.invalid(format!(
                "its {what} \"{}\" has the shape {:?}; expected {R} dimensions",
                tensor.name, tensor.shape
            ))
        })
    }

    /// A constant's values as floats, dequantized if stored as integers.
    pub(super) fn floats(&self, at: &At, tensor: &Tensor) -> Result<Vec<f32>, ImportError> {
        values::dequantize(tensor).map_err(|reason| at.unsupported(reason))
    }

    pub(super) fn output_tensor(&self, at: &At, operator: &Operator) -> Result<usize, ImportError> {
        match operator.outputs[..] {
            [tensor] => Ok(tensor),
            _ => Err(at.invalid(format!(
                "it has {} outputs; expected one",
                operator.outputs.len()
            ))),
        }
    }

    /// The shape of node `index` in the network.
    pub(super) fn node_shape(&self, index: usize) -> &'static [usize] {
        match index {
            0 => self
                .layers
                .iter()
                .find(|layer| layer.inputs.contains(&0))
                .map_or(&[], |layer| layer.input_shape),
            _ => self.layers[index - 1].output_shape,
        }
    }

    pub(super) fn node_name(&self, index: usize) -> &'static str {
        match index {
            0 => "input",
            _ => self.layers[index - 1].name,
        }
    }

    /// Takes the next layer, which must be of one of `kinds` and read the nodes `reads`.
    pub(super) fn take(
        &mut self,
        at: &At,
        kinds: &[&str],
        reads: &[usize],
    ) -> Result<&'static LayerInfo, ImportError> {
        let wanted = format!("{} (a `{}` layer in nn)", at.op, kinds.join("` or `"));
        let layer = self
            .layers
            .get(self.next)
            .ok_or_else(|| at.mismatch(Mismatch::Kind, None, wanted.clone(), "no more layers"))?;
        if !kinds.contains(&layer.kind) {
            return Err(at.mismatch(
                Mismatch::Kind,
                Some(layer),
                wanted,
                format!("a `{}` layer", layer.kind),
            ));
        }
        self.check_reads(at, layer, reads)?;
        self.next += 1;
        Ok(layer)
    }

    /// Takes the layer of the operator's fused activation, if it has one, and records the
    /// operator's output as the node of the last layer taken, `hwc` as its file order.
    pub(super) fn fused(
        &mut self,
        at: &At,
        operator: &Operator,
        activation: Activation,
        hwc: Option<[usize; 3]>,
    ) -> Result<(), ImportError> {
        if activation != Activation::None {
            let keyword = activation_keyword(activation).ok_or_else(|| {
                at.unsupported(format!(
                    "nn has no layer for the fused activation {activation:?}"
                ))
            })?;
            let node = self.next;
            match self.layers.get(self.next) {
                Some(layer) if layer.kind == keyword => {
                    self.check_reads(at, layer, &[node])?;
                    self.next += 1;
                }
                layer => {
                    return Err(at.mismatch(
                        Mismatch::Option,
                        layer,
                        format!("a fused {keyword}"),
                        layer.map_or("no more layers".to_string(), |layer| {
                            format!("a `{}` layer, not `{keyword}`", layer.kind)
                        }),
                    ))
                }
            }
        }
        let output = self.output_tensor(at, operator)?;
        self.nodes.insert(
            output,
            Node {
                index: self.next,
                hwc,
            },
        );
        Ok(())
    }

    /// Records `output` as another name of `node` (a reshape that changes nothing in nn).
    pub(super) fn alias(&mut self, output: usize, node: Node) {
        self.nodes.insert(output, node);
    }

    /// The next layer, if any is left.
    pub(super) fn peek(&self) -> Option<&'static LayerInfo> {
        self.layers.get(self.next)
    }
}
