//! The layers a spec may name, their arguments, and binding a layer's written arguments to
//! them. Every problem becomes an error on the offending token.

use crate::ast::{LayerItem, Value};
use crate::errors::Errors;
use crate::ir::{Cell, Init, LayerKind, Padding, Pair};
use crate::suggest::did_you_mean;

mod names;
mod validate;
use validate::validate;

/// How a layer is written with its first argument, e.g. `dense(128)`; `None` for a name
/// that is not a layer, the name itself for a layer without arguments.
pub fn example(layer: &str) -> Option<String> {
    if !LAYER_NAMES.contains(&layer) {
        return None;
    }
    Some(match params_of(layer).first() {
        Some(param) => param.example.to_string(),
        None => layer.to_string(),
    })
}

/// The largest count or padding a spec may write (and the largest input dimension):
/// beyond it, a fixed-size network could not hold even one such row.
pub const MAX_DIMENSION: usize = 1 << 28;

pub const LAYER_NAMES: &[&str] = &[
    "dense",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "flatten",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "dropout",
    "batch_norm",
    "rnn",
    "lstm",
    "gru",
];

/// What an argument must be.
#[derive(Clone, Copy)]
enum Kind {
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

#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    kind: Kind,
    required: bool,
    /// Whether it may be given without its name; options that are not are named only.
    positional: bool,
    /// How the layer is written, for "needs …, e.g. `dense(128)`" messages.
    example: &'static str,
    /// Why zero is not allowed, for counts.
    zero: &'static str,
}

const fn param(
    name: &'static str,
    kind: Kind,
    required: bool,
    positional: bool,
    example: &'static str,
) -> Param {
    Param {
        name,
        kind,
        required,
        positional,
        example,
        zero: "",
    }
}

fn params_of(layer: &str) -> &'static [Param] {
    const INIT: Param = param(
        "init",
        Kind::Choice(&["he", "glorot"]),
        false,
        false,
        "init = glorot",
    );
    const DENSE: &[Param] = &[
        Param {
            zero: "a layer of width zero has no outputs",
            ..param("units", Kind::Count, true, true, "dense(128)")
        },
        INIT,
    ];
    const LEAKY_RELU: &[Param] = &[param(
        "alpha",
        Kind::Number,
        false,
        true,
        "leaky_relu(0.01)",
    )];
    const CONV2D: &[Param] = &[
        Param {
            zero: "a layer of no filters has no outputs",
            ..param("filters", Kind::Count, true, true, "conv2d(8, kernel = 3)")
        },
        Param {
            zero: "an empty kernel sees nothing",
            ..param("kernel", Kind::Pair, true, true, "conv2d(8, kernel = 3)")
        },
        Param {
            zero: "a stride of zero never moves the kernel",
            ..param("stride", Kind::Pair, false, false, "stride = 2")
        },
        param("padding", Kind::Padding, false, false, "padding = same"),
        INIT,
    ];
    const POOL: &[Param] = &[
        Param {
            zero: "an empty window sees nothing",
            ..param("size", Kind::Pair, true, true, "max_pool2d(2)")
        },
        Param {
            zero: "a stride of zero never moves the window",
            ..param("stride", Kind::Pair, false, false, "stride = 2")
        },
    ];
    const DROPOUT: &[Param] = &[param("rate", Kind::Rate, true, true, "dropout(0.25)")];
    const BATCH_NORM: &[Param] = &[
        param(
            "momentum",
            Kind::Fraction,
            false,
            false,
            "batch_norm(momentum = 0.1)",
        ),
        param(
            "epsilon",
            Kind::Positive,
            false,
            false,
            "batch_norm(epsilon = 1e-5)",
        ),
    ];
    const RECURRENT: &[Param] = &[
        Param {
            zero: "a recurrent layer of zero units has no state",
            ..param("units", Kind::Count, true, true, "lstm(64)")
        },
        param(
            "return_sequences",
            Kind::Bool,
            false,
            false,
            "return_sequences = true",
        ),
    ];
    match layer {
        "dense" => DENSE,
        "rnn" | "lstm" | "gru" => RECURRENT,
        "leaky_relu" => LEAKY_RELU,
        "conv2d" => CONV2D,
        "max_pool2d" | "avg_pool2d" => POOL,
        "dropout" => DROPOUT,
        "batch_norm" => BATCH_NORM,
        _ => &[],
    }
}

/// Turns a written layer into a [`LayerKind`], or records why it cannot be one.
pub fn bind_layer(layer: &LayerItem, errors: &mut Errors) -> Option<LayerKind> {
    let name = layer.name.to_string();
    if !LAYER_NAMES.contains(&name.as_str()) {
        errors.push(layer.name.span(), names::unknown_layer(&name));
        return None;
    }
    let args = bind_args(&name, layer, errors)?;
    Some(match name.as_str() {
        "dense" => {
            let init = match args.choice("init") {
                Some("glorot") => Some(Init::Glorot),
                Some(_) => Some(Init::He),
                None => None,
            };
            // `init: None` is resolved later from the activation that follows.
            LayerKind::Dense {
                units: args.count("units")?,
                init: init.unwrap_or(Init::Glorot),
            }
        }
        "relu" => LayerKind::Relu,
        "leaky_relu" => LayerKind::LeakyRelu {
            alpha: args.number("alpha").unwrap_or(0.01),
        },
        "sigmoid" => LayerKind::Sigmoid,
        "tanh" => LayerKind::Tanh,
        "softmax" => LayerKind::Softmax,
        "conv2d" => {
            let init = if args.choice("init") == Some("glorot") {
                Init::Glorot
            } else {
                Init::He
            };
            let padding = match args.get("padding") {
                None => Padding::Valid,
                Some(Value::Ident(ident)) if ident == "same" => Padding::Same,
                Some(Value::Ident(_)) => Padding::Valid,
                Some(_) => Padding::Explicit(args.pair("padding")?),
            };
            let stride = args.pair("stride").unwrap_or((1, 1));
            LayerKind::Conv2d {
                filters: args.count("filters")?,
                kernel: args.pair("kernel")?,
                stride,
                padding,
                init,
            }
        }
        "max_pool2d" | "avg_pool2d" => {
            let size = args.pair("size")?;
            let stride = args.pair("stride").unwrap_or(size);
            if name == "max_pool2d" {
                LayerKind::MaxPool2d { size, stride }
            } else {
                LayerKind::AvgPool2d { size, stride }
            }
        }
        "dropout" => LayerKind::Dropout {
            rate: args.number("rate")?,
        },
        "batch_norm" => LayerKind::BatchNorm {
            momentum: args.number("momentum").unwrap_or(0.1),
            epsilon: args.number("epsilon").unwrap_or(1e-5),
        },
        "rnn" | "lstm" | "gru" => LayerKind::Recurrent {
            cell: match name.as_str() {
                "rnn" => Cell::Rnn,
                "lstm" => Cell::Lstm,
                "gru" => Cell::Gru,
                _ => return None,
            },
            units: args.count("units")?,
            sequences: matches!(
                args.get("return_sequences"),
                Some(Value::Bool { value: true, .. })
            ),
        },
        "flatten" => LayerKind::Flatten,
        _ => {
            // `LAYER_NAMES` lists every name bound above; a name it lists but this does not
            // bind is a bug to report, never a layer to guess.
            errors.push(
                layer.name.span(),
                format!("`{name}` is listed as a layer but has no binding"),
            );
            return None;
        }
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
    values: Vec<(&'static str, &'a Value)>,
}

impl Bound<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
    fn count(&self, name: &str) -> Option<usize> {
        match self.get(name)? {
            Value::Int { value, .. } => usize::try_from(*value).ok(),
            _ => None,
        }
    }
    /// A number as the f32 the generated code holds; `validate` has checked that value.
    fn number(&self, name: &str) -> Option<f32> {
        validate::as_f32(self.get(name)?)
    }
    /// A count as a square pair, or a `(height, width)` tuple.
    fn pair(&self, name: &str) -> Option<Pair> {
        match self.get(name)? {
            Value::Int { value, .. } => {
                Some((usize::try_from(*value).ok()?, usize::try_from(*value).ok()?))
            }
            Value::Tuple { items, .. } => match items.as_slice() {
                [Value::Int { value: h, .. }, Value::Int { value: w, .. }] => {
                    Some((usize::try_from(*h).ok()?, usize::try_from(*w).ok()?))
                }
                _ => None,
            },
            _ => None,
        }
    }
    fn choice(&self, name: &str) -> Option<&'static str> {
        match self.get(name)? {
            Value::Ident(ident) => ["he", "glorot"].into_iter().find(|c| ident == c),
            _ => None,
        }
    }
}

fn bind_args<'a>(name: &str, layer: &'a LayerItem, errors: &mut Errors) -> Option<Bound<'a>> {
    let params = params_of(name);
    let before = errors.len();
    let mut bound = Bound { values: Vec::new() };
    let mut next_positional = 0;
    for arg in &layer.args {
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
        bound.values.push((param.name, &arg.value));
    }
    for param in params.iter().filter(|p| p.required) {
        if bound.get(param.name).is_none() && errors.len() == before {
            let at = layer.paren_span.unwrap_or(layer.name.span());
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

fn too_many_arguments(layer: &str, params: &[Param]) -> String {
    let positional: Vec<&Param> = params.iter().filter(|p| p.positional).collect();
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
