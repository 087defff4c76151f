//! Why a metric could not be computed.

use core::fmt;

/// Why a metric could not be computed from the values it was given.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MetricError {
    /// Two inputs that pair up element by element have different lengths.
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        found: usize,
        /// The length the other inputs call for.
        expected: usize,
    },
    /// A class label is not below the number of classes.
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
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Position of the value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// The inputs are empty, or a setting is out of range, so the metric has no value.
    Undefined {
        /// Why.
        reason: &'static str,
    },
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricError::LengthMismatch {
                what,
                found,
                expected,
            } => write!(
                f,
                "{what} has {found} values, but the other inputs call for {expected}"
            ),
            MetricError::LabelOutOfRange {
                what,
                index,
                label,
                classes,
            } => write!(
                f,
                "{what}[{index}] is class {label}, but there are only {classes} classes (0 to {})",
                classes.saturating_sub(1)
            ),
            MetricError::NonFinite { what, index, value } => write!(
                f,
                "{what}[{index}] is {value}: metrics need finite scores and predictions"
            ),
            MetricError::Undefined { reason } => write!(f, "the metric is undefined: {reason}"),
        }
    }
}

impl std::error::Error for MetricError {}
