//! Whether a written argument value fits its parameter, and the message when it does not.

use super::{list, MAX_DIMENSION};
use crate::ast::Value;
use crate::suggest::did_you_mean;
use nn_runtime::layers::{ArgKind as Kind, ArgSpec as Param};

pub(super) fn validate(param: &Param, value: &Value) -> Option<String> {
    let name = param.name;
    match (param.kind, value) {
        (Kind::Count, Value::Int { value, .. })
            if *value >= 1 && *value <= MAX_DIMENSION as i128 =>
        {
            None
        }
        (Kind::Count, Value::Int { value: 0, .. }) => Some(format!(
            "{name} must be at least 1, found 0: {}",
            param.zero
        )),
        (Kind::Count, Value::Int { value, .. }) if *value < 0 => {
            Some(format!("{name} must be at least 1, found {value}"))
        }
        (Kind::Count, Value::Int { value, .. }) => Some(format!(
            "{name} = {value} is too large for a fixed-size network: the largest is {MAX_DIMENSION}"
        )),
        (Kind::Count, Value::Float { text, .. }) => Some(format!(
            "{name} must be a whole number, e.g. `{}`, found the float `{text}`",
            param.example,
        )),
        (Kind::Count, other) => Some(format!(
            "{name} must be a whole number, e.g. `{}`, found {}",
            param.example,
            other.describe()
        )),
        (Kind::Pair, Value::Int { .. }) => validate(
            &Param {
                kind: Kind::Count,
                ..*param
            },
            value,
        ),
        (Kind::Pair, Value::Tuple { items, .. }) if items.len() == 2 => {
            items.iter().find_map(|item| {
                validate(
                    &Param {
                        kind: Kind::Count,
                        ..*param
                    },
                    item,
                )
            })
        }
        (Kind::Pair, other) => Some(format!(
            "{name} must be a whole number or a pair such as `(3, 5)`, found {}",
            other.describe()
        )),
        (Kind::Padding, Value::Ident(ident)) if ident == "same" || ident == "valid" => None,
        (Kind::Padding, Value::Int { .. }) => padding_zeros(value),
        (Kind::Padding, Value::Tuple { items, .. })
            if items.len() == 2 && items.iter().all(|i| matches!(i, Value::Int { .. })) =>
        {
            items.iter().find_map(padding_zeros)
        }
        (Kind::Padding, Value::Ident(ident)) => Some(format!(
            "padding must be `valid`, `same`, a whole number or a pair, found `{ident}`{}",
            did_you_mean(&ident.to_string(), &["valid", "same"])
        )),
        (Kind::Padding, other) => Some(format!(
            "padding must be `valid`, `same`, a whole number or a pair such as `(1, 2)`, found {}",
            other.describe()
        )),
        (Kind::Rate | Kind::Fraction | Kind::Positive, Value::Int { .. } | Value::Float { .. }) => {
            let number = as_f64(value);
            let (ok, range) = match param.kind {
                Kind::Rate => ((0.0..1.0).contains(&number), "in [0, 1)"),
                Kind::Fraction => (number > 0.0 && number <= 1.0, "in (0, 1]"),
                _ => (number > 0.0 && number.is_finite(), "greater than 0"),
            };
            if !ok {
                return Some(format!(
                    "{name} must be {range}, found {}",
                    value_text(value)
                ));
            }
            // In range as written; the generated code holds an f32, which must be too.
            let single = number as f32;
            let ok = match param.kind {
                Kind::Rate => (0.0..1.0).contains(&single),
                Kind::Fraction => single > 0.0 && single <= 1.0,
                _ => single > 0.0 && single.is_finite(),
            };
            (!ok).then(|| {
                let nearest = match param.kind {
                    Kind::Rate => {
                        format!("the largest rate below 1 is {}", 1.0 - f32::EPSILON / 2.0)
                    }
                    _ if single == 0.0 => "write a value of at least 1e-38".to_string(),
                    _ => "write a value of at most 3.4e38".to_string(),
                };
                format!(
                    "{name} = {} becomes {single} as an f32, which is not {range}; {nearest}",
                    value_text(value)
                )
            })
        }
        (Kind::Rate | Kind::Fraction | Kind::Positive, other) => Some(format!(
            "{name} must be a number, e.g. `{}`, found {}",
            param.example,
            other.describe()
        )),
        (Kind::Number, Value::Float { value, .. }) if !value.is_finite() => Some(format!(
            "{name} must be a finite number, e.g. `{}`",
            param.example
        )),
        (Kind::Number, Value::Int { value, .. }) if (*value as f64).abs() <= f32::MAX as f64 => {
            None
        }
        (Kind::Number, Value::Float { value, .. }) if value.abs() <= f32::MAX as f64 => None,
        (Kind::Number, Value::Int { .. } | Value::Float { .. }) => Some(format!(
            "{name} = {} does not fit in an f32",
            value_text(value)
        )),
        (Kind::Number, other) => Some(format!(
            "{name} must be a number, e.g. `{}`, found {}",
            param.example,
            other.describe()
        )),
        (Kind::Bool, Value::Bool { .. }) => None,
        (Kind::Bool, other) => Some(format!(
            "{name} must be `true` or `false`, found {}",
            other.describe()
        )),
        (Kind::Choice(choices), Value::Ident(ident)) if choices.iter().any(|c| ident == c) => None,
        (Kind::Choice(choices), other) => {
            let hint = match other {
                Value::Ident(ident) if ident == "xavier" => {
                    "; Xavier initialization is called `glorot` here".to_string()
                }
                Value::Ident(ident) if ident == "kaiming" => {
                    "; Kaiming initialization is called `he` here".to_string()
                }
                Value::Ident(ident) => did_you_mean(&ident.to_string(), choices),
                _ => String::new(),
            };
            Some(format!(
                "{name} must be one of {}, found {}{hint}",
                list(choices),
                other.describe()
            ))
        }
    }
}

/// Padding is zeros added on each side: 0 up to [`MAX_DIMENSION`].
fn padding_zeros(value: &Value) -> Option<String> {
    match value {
        Value::Int { value, .. } if *value < 0 => Some(format!(
            "padding must be at least 0, found {value}: it is the zeros added on each side"
        )),
        Value::Int { value, .. } if *value > MAX_DIMENSION as i128 => Some(format!(
            "padding = {value} is too large for a fixed-size network: the largest is {MAX_DIMENSION}"
        )),
        _ => None,
    }
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Int { value, .. } => *value as f64,
        Value::Float { value, .. } => *value,
        _ => f64::NAN,
    }
}

/// A number argument as the f32 that generated code holds.
pub(super) fn as_f32(value: &Value) -> Option<f32> {
    matches!(value, Value::Int { .. } | Value::Float { .. }).then(|| as_f64(value) as f32)
}

fn value_text(value: &Value) -> String {
    match value {
        Value::Int { value, .. } => value.to_string(),
        Value::Float { text, .. } => text.clone(),
        other => other.describe(),
    }
}
