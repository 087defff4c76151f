//! Why an optimizer refused to train a model or to take a step.

use core::fmt;

/// Why [`Optimizer::validate`](super::Optimizer::validate) or
/// [`Optimizer::try_step`](super::Optimizer::try_step) refused. Whenever one of these is
/// returned, neither the parameters nor the optimizer's state were changed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum OptimizerError {
    /// A hyperparameter outside the range the method allows.
    InvalidHyperparameter {
        /// The method, e.g. `"Adam"`.
        optimizer: &'static str,
        /// The field, e.g. `"beta1"`.
        name: &'static str,
        /// The value it has.
        value: f32,
        /// The values it may have, e.g. `"in [0, 1)"`.
        allowed: &'static str,
    },
    /// The optimizer's state belongs to a model with another number of parameters.
    ParamCountMismatch {
        /// Parameters the state was made for.
        expected: usize,
        /// Parameters of the model it is used with now.
        found: usize,
    },
    /// A gradient is NaN or infinite; the step was not taken.
    NonFiniteGradient {
        /// Its index in the flat gradient.
        index: usize,
        /// The gradient.
        value: f32,
    },
    /// The step would have made a value NaN or infinite although every gradient is finite
    /// (it overflowed); it was not taken.
    NonFiniteUpdate {
        /// What would have become non-finite: `"parameter"` or a state buffer such as `"v"`.
        buffer: &'static str,
        /// Its index in the flat parameters.
        index: usize,
    },
    /// The optimizer has no learning rate that can be read or set, so a schedule or a
    /// callback cannot change it.
    NoLearningRate,
}

impl fmt::Display for OptimizerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptimizerError::InvalidHyperparameter {
                optimizer,
                name,
                value,
                allowed,
            } => write!(
                f,
                "{optimizer}: {name} is {value}, but it must be {allowed}; set a valid {name}"
            ),
            OptimizerError::ParamCountMismatch { expected, found } => write!(
                f,
                "the optimizer's state is for a model of {expected} parameters, but this model \
                 has {found}; use one optimizer per model (or a fresh one)"
            ),
            OptimizerError::NonFiniteGradient { index, value } => {
                write!(f, "gradient {index} is {value}; the step was not taken")
            }
            OptimizerError::NoLearningRate => write!(
                f,
                "the optimizer has no settable learning rate; implement \
                 `Optimizer::learning_rate` and `set_learning_rate` to schedule it"
            ),
            OptimizerError::NonFiniteUpdate { buffer, index } => write!(
                f,
                "the step would make {buffer} {index} overflow to a non-finite value; it was not \
                 taken"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OptimizerError {}

#[cfg(feature = "std")]
/// `Ok` when `value` is in the range `accepts` decides, else
/// [`OptimizerError::InvalidHyperparameter`].
pub(crate) fn check_hyperparameter(
    optimizer: &'static str,
    name: &'static str,
    value: f32,
    allowed: &'static str,
    accepts: fn(f32) -> bool,
) -> Result<(), OptimizerError> {
    if accepts(value) {
        Ok(())
    } else {
        Err(OptimizerError::InvalidHyperparameter {
            optimizer,
            name,
            value,
            allowed,
        })
    }
}

#[cfg(feature = "std")]
/// Finite and at least 0: a learning rate.
pub(crate) const NON_NEGATIVE: (&str, fn(f32) -> bool) =
    ("finite and at least 0", |x| x.is_finite() && x >= 0.0);
#[cfg(feature = "std")]
/// In `[0, 1)`: a momentum or a moment's decay.
pub(crate) const DECAY: (&str, fn(f32) -> bool) = ("in [0, 1)", |x| (0.0..1.0).contains(&x));
#[cfg(feature = "std")]
/// Finite and above 0: Adam's ε, a clipping norm.
pub(crate) const POSITIVE: (&str, fn(f32) -> bool) =
    ("finite and greater than 0", |x| x.is_finite() && x > 0.0);

#[cfg(feature = "std")]
/// The exponent bits of an `f32`: all set for infinities and NaN, and only for them.
const EXPONENT: u32 = 0x7f80_0000;

#[cfg(feature = "std")]
/// A word whose top bit is set exactly when `x` is NaN or infinite: the exponent plus one
/// step carries into the sign position only from all ones. OR-ing such words is a
/// reduction that vectorizes, unlike a search or a float sum.
#[inline(always)]
pub(crate) fn non_finite_flag(x: f32) -> u32 {
    (x.to_bits() & EXPONENT).wrapping_add(0x0080_0000)
}

#[cfg(feature = "std")]
/// Whether a word OR-ed together from [`non_finite_flag`]s saw a NaN or an infinity.
#[inline(always)]
pub(crate) fn flagged(flags: u32) -> bool {
    flags & 0x8000_0000 != 0
}

#[cfg(feature = "std")]
/// Whether `x` is NaN or infinite, as bit arithmetic that vectorizes.
#[inline(always)]
pub(crate) fn non_finite(x: f32) -> bool {
    flagged(non_finite_flag(x))
}

#[cfg(feature = "std")]
/// Whether any of `values` is NaN or infinite, in one branch-free pass.
#[inline]
pub(crate) fn any_non_finite(values: &[f32]) -> bool {
    flagged(
        values
            .iter()
            .fold(0, |flags, &x| flags | non_finite_flag(x)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_is_exactly_nan_and_the_infinities() {
        for x in [f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(non_finite(x), "{x}");
        }
        for x in [0.0, -0.0, 1.0, f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45] {
            assert!(!non_finite(x), "{x}");
        }
        assert!(any_non_finite(&[1.0, 2.0, f32::INFINITY, 3.0]));
        assert!(!any_non_finite(&[1.0, f32::MAX, -0.0, f32::MIN]));
        assert!(!any_non_finite(&[]));
    }

    #[test]
    fn the_message_says_what_arrived_and_what_is_allowed() {
        let (allowed, accepts) = DECAY;
        let error = check_hyperparameter("Adam", "beta1", 1.0, allowed, accepts).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Adam: beta1 is 1, but it must be in [0, 1); set a valid beta1"
        );
        assert!(check_hyperparameter("Adam", "beta1", 0.0, allowed, accepts).is_ok());
        let (allowed, accepts) = NON_NEGATIVE;
        for bad in [f32::NAN, f32::INFINITY, -1e-3] {
            assert!(check_hyperparameter("Sgd", "learning_rate", bad, allowed, accepts).is_err());
        }
        let (allowed, accepts) = POSITIVE;
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(check_hyperparameter("Adam", "epsilon", bad, allowed, accepts).is_err());
        }
    }
}
