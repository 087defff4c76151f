//! Why a trained network cannot be folded into a deployed one.

use crate::network::LayerOp;

/// The deployed network does not correspond to the trained one with its batch norms folded.
///
/// Layer names are those of [`Network::LAYERS`](crate::Network::LAYERS): `trained` names a
/// layer of the trained network, `deployed` one of the deployed network.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FoldError {
    /// The deployed network ends, but the trained one goes on with a layer that is not a
    /// foldable batch norm.
    #[error(
        "the deployed network ends where the trained one has {kind} `{trained}`; declare it \
         in the deployed network too (only batch norms after a conv2d, depthwise_conv2d or \
         dense layer are left out)"
    )]
    MissingLayer {
        /// The first trained layer left over.
        trained: &'static str,
        /// Its kind.
        kind: &'static str,
    },
    /// The deployed network goes on after the last layer of the trained one.
    #[error(
        "the deployed network has {kind} `{deployed}` after the last layer of the trained \
         one; remove it"
    )]
    ExtraLayer {
        /// The first deployed layer left over.
        deployed: &'static str,
        /// Its kind.
        kind: &'static str,
    },
    /// Corresponding layers are of different kinds.
    #[error(
        "deployed layer `{deployed}` is a {deployed_kind}, but the trained network has \
         {trained_kind} `{trained}` in its place"
    )]
    KindMismatch {
        /// The trained layer.
        trained: &'static str,
        /// Its kind.
        trained_kind: &'static str,
        /// The deployed layer in its place.
        deployed: &'static str,
        /// Its kind.
        deployed_kind: &'static str,
    },
    /// Corresponding layers are of one kind but have different settings (units, kernel,
    /// stride, padding, rate, …).
    #[error(
        "deployed layer `{deployed}` is {found:?}, but trained layer `{trained}` is \
         {expected:?}; declare it with the same settings"
    )]
    OpMismatch {
        /// The trained layer.
        trained: &'static str,
        /// The deployed layer in its place.
        deployed: &'static str,
        /// The trained layer's settings.
        expected: Box<LayerOp>,
        /// The deployed layer's settings.
        found: Box<LayerOp>,
    },
    /// Corresponding layers have different input or output shapes.
    #[error(
        "deployed layer `{deployed}` has {which} shape {found:?}, but trained layer \
         `{trained}` has {expected:?}"
    )]
    ShapeMismatch {
        /// The trained layer.
        trained: &'static str,
        /// The deployed layer in its place.
        deployed: &'static str,
        /// `"input"` or `"output"`.
        which: &'static str,
        /// The trained layer's shape.
        expected: Vec<usize>,
        /// The deployed layer's shape.
        found: Vec<usize>,
    },
    /// Corresponding layers read different tensors (the graphs are wired differently).
    #[error(
        "deployed layer `{deployed}` reads {found:?}, but trained layer `{trained}` reads what \
         corresponds to {expected:?} in the deployed network"
    )]
    InputMismatch {
        /// The trained layer.
        trained: &'static str,
        /// The deployed layer in its place.
        deployed: &'static str,
        /// The deployed layers (or `input`) that correspond to what the trained layer reads.
        expected: Vec<&'static str>,
        /// What the deployed layer reads.
        found: Vec<&'static str>,
    },
    /// A batch norm of the trained network has no counterpart in the deployed one and
    /// cannot be folded.
    #[error(
        "batch norm `{batch_norm}` is missing from the deployed network but cannot be folded: \
         {reason}; keep it in the deployed network"
    )]
    UnfoldableBatchNorm {
        /// The batch norm.
        batch_norm: &'static str,
        /// Why not.
        reason: String,
    },
    /// A deployed `depthwise_conv2d` declared with `bias = false` would have to absorb a
    /// batch norm's shift, or the trained layer's bias.
    #[error(
        "deployed layer `{deployed}` has no bias, but needs one to absorb `{absorbs}`; declare \
         it with `bias = true`"
    )]
    MissingBias {
        /// The deployed layer.
        deployed: &'static str,
        /// What its bias would hold: a batch norm's name, or the trained layer's.
        absorbs: &'static str,
    },
}
