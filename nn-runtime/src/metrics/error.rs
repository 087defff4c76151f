//! Why a metric could not be computed.

/// Why a metric could not be computed from the values it was given.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricError {
    /// Two inputs that pair up element by element have different lengths.
    #[error("{what} has {found} values, but the other inputs call for {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        found: usize,
        /// The length the other inputs call for.
        expected: usize,
    },
    /// A class label is not below the number of classes.
    #[error(
        "{what}[{index}] is class {label}, but there are only {classes} classes (0 to {})",
        .classes.saturating_sub(1)
    )]
    LabelOutOfRange {
        /// Which input.
        what: &'static str,
        /// Position of the label.
        index: usize,
        /// The label.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// A score or prediction is NaN or infinite.
    #[error("{what}[{index}] is {value}: metrics need finite scores and predictions")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// The inputs are empty, or a setting is out of range, so the metric has no value.
    #[error("the metric is undefined: {reason}")]
    Undefined {
        /// Why.
        reason: &'static str,
    },
}
