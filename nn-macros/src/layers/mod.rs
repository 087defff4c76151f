//! The layers a spec may name, their arguments, and binding a layer's written arguments to
//! them. Every problem becomes an error on the offending token.

use crate::ast::{Arg, LayerItem, LossTerm, Value};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use nn_runtime::layers::{kind, ArgKind, ArgSpec, ArgValue, KindInfo, Padding, KINDS};
use proc_macro2::Span;

mod names;
mod validate;
use validate::validate;

/// How a layer is written with its first argument, e.g. `dense(128)`; `None` for a name
/// that is not a layer, the name itself for a layer without arguments.
pub fn example(layer: &str) -> Option<String> {
    let kind = kind(layer)?;
    Some(match kind.args.first() {
        Some(param) => param.example.to_string(),
        None => layer.to_string(),
    })
}

/// The largest count or padding a spec may write (and the largest input dimension):
/// beyond it, a fixed-size network could not hold even one such row.
pub const MAX_DIMENSION: usize = 1 << 28;

/// Every layer name, in the order of the grammar's table.
pub fn layer_names() -> Vec<&'static str> {
    KINDS.iter().map(|kind| kind.keyword).collect()
}

/// A written layer bound to its kind: each argument converted to the type the layer holds.
pub struct BoundLayer {
    pub kind: &'static KindInfo,
    pub values: Vec<(&'static str, ArgValue)>,
}

/// Binds a written layer to its kind's arguments, or records why it cannot be.
pub fn bind_layer(layer: &LayerItem, errors: &mut Errors) -> Option<BoundLayer> {
    let name = layer.name.to_string();
    let Some(kind) = kind(&name) else {
        errors.push(layer.name.span(), names::unknown_layer(&name));
        return None;
    };
    let written = Written {
        name: kind.keyword,
        name_span: layer.name.span(),
        paren_span: layer.paren_span,
        args: &layer.args,
    };
    let args = bind_args(kind.args, &written, errors)?;
    let values = args
        .values
        .iter()
        .map(|&(param, value)| Some((param.name, arg_value(param, value)?)))
        .collect::<Option<Vec<_>>>();
    let Some(values) = values else {
        // `validate` accepted every value, so each converts; never guess one that did not.
        errors.push(
            layer.name.span(),
            format!("the arguments of `{name}` cannot be used"),
        );
        return None;
    };
    Some(BoundLayer { kind, values })
}

/// Binds the arguments written after a loss's name to `params` (none for most losses),
/// or records why they cannot be: the same rules and messages as a layer's arguments.
pub fn bind_loss_args(
    loss: &LossTerm,
    params: &'static [ArgSpec],
    errors: &mut Errors,
) -> Option<Vec<(&'static str, ArgValue)>> {
    let name = loss.name.to_string();
    let written = Written {
        name: &name,
        name_span: loss.name.span(),
        paren_span: loss.paren_span,
        args: loss.settings(),
    };
    let bound = bind_args(params, &written, errors)?;
    let values = bound
        .values
        .iter()
        .map(|&(param, value)| Some((param.name, arg_value(param, value)?)))
        .collect::<Option<Vec<_>>>();
    if values.is_none() {
        errors.push(
            loss.name.span(),
            format!("the arguments of `{name}` cannot be used"),
        );
    }
    values
}

/// What `bind_args` reads of a written layer or loss.
struct Written<'a> {
    name: &'a str,
    name_span: Span,
    paren_span: Option<Span>,
    args: &'a [Arg],
}

/// A validated argument as the type its layer holds.
fn arg_value(param: &ArgSpec, value: &Value) -> Option<ArgValue> {
    let count = |value: &Value| match value {
        Value::Int { value, .. } => usize::try_from(*value).ok(),
        _ => None,
    };
    let pair = |value: &Value| match value {
        Value::Tuple { items, .. } => match items.as_slice() {
            [h, w] => Some((count(h)?, count(w)?)),
            _ => None,
        },
        other => count(other).map(|n| (n, n)),
    };
    Some(match param.kind {
        ArgKind::Count => ArgValue::Count(count(value)?),
        ArgKind::Pair => {
            let (h, w) = pair(value)?;
            ArgValue::Pair(h, w)
        }
        ArgKind::Padding => ArgValue::Padding(match value {
            Value::Ident(ident) if ident == "same" => Padding::Same,
            Value::Ident(ident) if ident == "valid" => Padding::Valid,
            other => {
                let (rows, columns) = pair(other)?;
                Padding::Explicit(rows, columns)
            }
        }),
        ArgKind::Number | ArgKind::Rate | ArgKind::Fraction | ArgKind::Positive => {
            ArgValue::Number(validate::as_f32(value)?)
        }
        ArgKind::Choice(choices) => match value {
            Value::Ident(ident) => ArgValue::Choice(choices.iter().find(|c| ident == *c)?),
            _ => return None,
        },
        ArgKind::Bool => match value {
            Value::Bool { value, .. } => ArgValue::Bool(*value),
            _ => return None,
        },
    })
}

/// Whether the spec chose the dense layer's initialization itself.
pub fn has_explicit_init(layer: &LayerItem) -> bool {
    layer
        .args
        .iter()
        .any(|a| a.key.as_ref().is_some_and(|k| k == "init"))
}

/// Arguments bound to parameter names, each already validated against its kind.
struct Bound<'a> {
    values: Vec<(&'static ArgSpec, &'a Value)>,
}

impl Bound<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(param, _)| param.name == name)
            .map(|(_, v)| *v)
    }
}

fn bind_args<'a>(
    params: &'static [ArgSpec],
    written: &Written<'a>,
    errors: &mut Errors,
) -> Option<Bound<'a>> {
    let name = written.name;
    let before = errors.len();
    let mut bound = Bound { values: Vec::new() };
    let mut next_positional = 0;
    for arg in written.args {
        let param = match &arg.key {
            None => {
                let Some(param) = params.get(next_positional).filter(|p| p.positional) else {
                    errors.push(arg.value.span(), too_many_arguments(name, params));
                    continue;
                };
                next_positional += 1;
                param
            }
            Some(key) => {
                let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                let Some(param) = params.iter().find(|p| key == p.name) else {
                    let expected = if names.is_empty() {
                        format!("`{name}` takes no options")
                    } else {
                        format!("`{name}` takes {}", list(&names))
                    };
                    errors.push(
                        key.span(),
                        format!(
                            "unknown option `{key}`: {expected}{}",
                            did_you_mean(&key.to_string(), &names)
                        ),
                    );
                    continue;
                };
                param
            }
        };
        if bound.get(param.name).is_some() {
            let at = arg.key.as_ref().map_or(arg.value.span(), |k| k.span());
            errors.push(
                at,
                format!(
                    "duplicate option `{}` for `{name}`: give it once",
                    param.name
                ),
            );
            continue;
        }
        if let Some(problem) = validate(param, &arg.value) {
            // On the offending element of a pair, not on the whole tuple.
            let at = match &arg.value {
                Value::Tuple { items, .. } if items.len() == 2 => items
                    .iter()
                    .find(|item| validate(param, item).is_some())
                    .unwrap_or(&arg.value),
                _ => &arg.value,
            };
            errors.push_error(at.error(problem));
            continue;
        }
        bound.values.push((param, &arg.value));
    }
    for param in params.iter().filter(|p| p.required) {
        if bound.get(param.name).is_none() && errors.len() == before {
            let at = written.paren_span.unwrap_or(written.name_span);
            errors.push(
                at,
                format!(
                    "`{name}` needs its {}, e.g. `{}`",
                    param.name, param.example
                ),
            );
        }
    }
    (errors.len() == before).then_some(bound)
}

fn too_many_arguments(layer: &str, params: &[ArgSpec]) -> String {
    let positional: Vec<&ArgSpec> = params.iter().filter(|p| p.positional).collect();
    let options = match params.iter().find(|p| !p.positional) {
        Some(option) => format!("; options are named, e.g. `{}`", option.example),
        None => String::new(),
    };
    match positional.as_slice() {
        [] if params.is_empty() => format!("`{layer}` takes no arguments; write `{layer}`"),
        [] => format!("too many arguments: `{layer}` takes only named options{options}"),
        [only] => format!(
            "too many arguments: `{layer}` takes one positional argument ({}), e.g. `{}`{options}",
            only.name, only.example
        ),
        several => {
            let names: Vec<&str> = several.iter().map(|p| p.name).collect();
            format!("too many arguments: `{layer}` takes {} positional arguments ({}), e.g. `{}`{options}", several.len(), names.join(", "), several[0].example)
        }
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}
