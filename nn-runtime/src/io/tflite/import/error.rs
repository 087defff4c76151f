//! Why a TFLite model cannot be loaded into a declared network.

use super::super::TfliteError;

/// What disagrees between an operator of the file and the layer of the network in its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The operator has another kind than the layer (or no layer is left for it).
    Kind,
    /// A tensor has another shape: an activation, a weight or a bias.
    Shape,
    /// An option differs: stride, padding, window, fused activation, bias, …
    Option,
    /// The layer reads other tensors than the operator (the graphs are wired differently).
    Wiring,
}

impl Mismatch {
    fn noun(self) -> &'static str {
        match self {
            Mismatch::Kind => "operator",
            Mismatch::Shape => "shape",
            Mismatch::Option => "option",
            Mismatch::Wiring => "input",
        }
    }
}

/// A TFLite model that could not be loaded into a network: the file could not be read, or
/// the first place where its graph and the network's declaration disagree.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file could not be read or is not a well-formed TFLite model.
    #[error("{0}")]
    Read(#[from] TfliteError),
    /// An operator and the network's layer in its place disagree.
    #[error(
        "{} mismatch at operator {operator} ({op}) and {}: the file holds {file}, but the \
         network expects {network}",
        .kind.noun(),
        layer_or_end(*.layer)
    )]
    Mismatch {
        /// The operator's index in the main graph; the number of operators when the file
        /// ends before the network does.
        operator: usize,
        /// TFLite's name for the operator, e.g. `"CONV_2D"`, or `"end of graph"`.
        op: String,
        /// The layer in its place, if the network has one left.
        layer: Option<&'static str>,
        /// What disagrees.
        kind: Mismatch,
        /// What the file holds.
        file: String,
        /// What the network expects.
        network: String,
    },
    /// The graph's input is not the network's input.
    #[error(
        "the file's input is {file:?} (as [C, H, W] for an image), but the network's is \
         {network:?}"
    )]
    InputMismatch {
        /// The file's input shape, converted to `nn`'s order (`[C, H, W]` for NHWC).
        file: Vec<usize>,
        /// The network's input shape.
        network: Vec<usize>,
    },
    /// An operator or option `nn` has no counterpart for (dilation, a weights format, a
    /// tensor type, an operator kind).
    #[error("operator {operator} ({op}) cannot be imported: {reason}")]
    Unsupported {
        /// The operator's index in the main graph.
        operator: usize,
        /// TFLite's name for it.
        op: String,
        /// What is not supported.
        reason: String,
    },
    /// The file's graph contradicts itself in a way the reader does not check: an operator
    /// without its weights, a bias of the wrong length, quantization without scales, …
    #[error("operator {operator} ({op}) is invalid: {reason}")]
    Invalid {
        /// The operator's index in the main graph.
        operator: usize,
        /// TFLite's name for it.
        op: String,
        /// What is wrong.
        reason: String,
    },
}

/// The layer an operator was compared with, or the end of the network.
fn layer_or_end(layer: Option<&str>) -> String {
    layer.map_or("the end of the network".to_string(), |layer| {
        format!("layer `{layer}`")
    })
}
