//! What a layer kind takes as written in a spec: its arguments (names, kinds, which are
//! required or positional, an example for messages), how a layer of it treats sequences,
//! and how it is resolved from bound arguments and an input shape.

use super::shape::{Padding, Shape, ShapeError};
use super::AnyLayer;

/// What an argument must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A whole number ≥ 1.
    Count,
    /// Any finite number.
    Number,
    /// A count, or a `(height, width)` pair of counts.
    Pair,
    /// `valid`, `same`, a count or a pair of counts (zeros on each side).
    Padding,
    /// A number in `[0, 1)`.
    Rate,
    /// A number in `(0, 1]`.
    Fraction,
    /// A number greater than 0.
    Positive,
    /// One of a few names.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
}

/// One argument of a layer kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    /// Its name, e.g. `units`.
    pub name: &'static str,
    /// What it must be.
    pub kind: ArgKind,
    /// Whether a layer must give it.
    pub required: bool,
    /// Whether it may be given without its name; the others are named options.
    pub positional: bool,
    /// How it is written, for messages: `dense(128)`.
    pub example: &'static str,
    /// For counts: why zero is not allowed.
    pub zero: &'static str,
}

impl ArgSpec {
    /// An argument; `zero` is empty (see [`Self::zero_means`]).
    pub const fn new(
        name: &'static str,
        kind: ArgKind,
        required: bool,
        positional: bool,
        example: &'static str,
    ) -> ArgSpec {
        ArgSpec {
            name,
            kind,
            required,
            positional,
            example,
            zero: "",
        }
    }

    /// The same argument, with why zero is not allowed.
    pub const fn zero_means(self, why: &'static str) -> ArgSpec {
        ArgSpec { zero: why, ..self }
    }
}

/// The value of a bound argument, in the type the layer holds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArgValue {
    /// A whole number.
    Count(usize),
    /// A number, as the `f32` the layer holds.
    Number(f32),
    /// A `(height, width)` pair (a single count stands for a square).
    Pair(usize, usize),
    /// A padding.
    Padding(Padding),
    /// One of the kind's choices.
    Choice(&'static str),
    /// A flag.
    Bool(bool),
}

/// A layer's bound arguments, by name.
#[derive(Clone, Copy, Debug)]
pub struct Args<'a> {
    values: &'a [(&'static str, ArgValue)],
}

impl<'a> Args<'a> {
    /// The arguments `values`.
    pub fn new(values: &'a [(&'static str, ArgValue)]) -> Self {
        Args { values }
    }

    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<ArgValue> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, value)| value)
    }

    /// A required count.
    pub fn count(&self, name: &'static str) -> Result<usize, ShapeError> {
        match self.get(name) {
            Some(ArgValue::Count(n)) => Ok(n),
            _ => Err(ShapeError::MissingArgument { name }),
        }
    }

    /// A pair, or a count standing for a square; `None` when not given.
    pub fn pair(&self, name: &'static str) -> Option<(usize, usize)> {
        match self.get(name)? {
            ArgValue::Pair(h, w) => Some((h, w)),
            ArgValue::Count(n) => Some((n, n)),
            _ => None,
        }
    }

    /// A number, or `default` when not given.
    pub fn number_or(&self, name: &str, default: f32) -> f32 {
        match self.get(name) {
            Some(ArgValue::Number(x)) => x,
            _ => default,
        }
    }

    /// A flag, false when not given.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ArgValue::Bool(true)))
    }

    /// A choice, if given.
    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.get(name)? {
            ArgValue::Choice(choice) => Some(choice),
            _ => None,
        }
    }

    /// A padding, `valid` when not given.
    pub fn padding(&self, name: &str) -> Padding {
        match self.get(name) {
            Some(ArgValue::Padding(padding)) => padding,
            _ => Padding::Valid,
        }
    }
}

/// How a layer of a kind treats a sequence input (`[steps, features]` marked as steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceRule {
    /// Takes only sequences (recurrent layers); outputs one when `return_sequences`.
    Requires,
    /// Works value by value and keeps whatever it is given, sequence or not.
    Keeps,
    /// Turns anything, a sequence too, into a vector.
    Ends,
    /// Takes no sequence.
    Rejects,
}

/// A resolved layer and its output shape, or why its input does not fit.
pub type Resolved = Result<(AnyLayer, Shape), ShapeError>;

/// A layer kind as specs name it.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    /// The name in specs, e.g. `dense`.
    pub keyword: &'static str,
    /// Its arguments, positional ones first.
    pub args: &'static [ArgSpec],
    /// How it treats sequences.
    pub sequence: SequenceRule,
    /// The layer of these arguments over `input`, with its output shape; or why not.
    pub resolve: fn(&Args<'_>, &[usize]) -> Resolved,
}

/// The `init` argument of a weight layer.
pub(super) const INIT: ArgSpec = ArgSpec::new(
    "init",
    ArgKind::Choice(&["he", "glorot"]),
    false,
    false,
    "init = glorot",
);

/// The initialization chosen by `init`, He when not given.
pub(super) fn init_of(args: &Args<'_>) -> super::Init {
    match args.choice("init") {
        Some("glorot") => super::Init::Glorot,
        _ => super::Init::He,
    }
}
