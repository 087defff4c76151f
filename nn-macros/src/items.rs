//! The body's settings and layers sorted apart, and the `input:` shape checked.

use crate::ast::{InputItem, Item, LayerItem, LossItem, OutputsItem, QuantizedItem, Spec};
use crate::check::MAX_ELEMENTS;
use crate::errors::Errors;
use nn_runtime::layers::MAX_RANK;

/// Splits the body into its single input, its layers, its optional outputs and its
/// optional single loss.
#[allow(clippy::type_complexity)]
pub fn sort_items<'a>(
    spec: &'a Spec,
    errors: &mut Errors,
) -> (
    Option<&'a InputItem>,
    Vec<&'a LayerItem>,
    Option<&'a OutputsItem>,
    Option<&'a LossItem>,
) {
    let (mut input, mut layers, mut outputs, mut loss) = (None, Vec::new(), None, None);
    let mut misplaced_loss = false;
    for item in &spec.items {
        match item {
            Item::Input(item) if input.is_some() => errors.push(
                item.keyword.span(),
                "duplicate `input:`: a network has one input shape",
            ),
            Item::Input(item) if !layers.is_empty() => {
                errors.push(item.keyword.span(), "`input:` must come before the layers");
                input = Some(item);
            }
            Item::Input(item) => input = Some(item),
            Item::Outputs(item) if outputs.is_some() => errors.push(
                item.keyword.span(),
                "duplicate `outputs:`: list every output in one `outputs: [a, b]`",
            ),
            Item::Outputs(item) => outputs = Some(item),
            Item::Loss(item) if loss.is_some() => errors.push(
                item.keyword.span(),
                "duplicate `loss:`: a network has one loss; add terms with `+`, e.g. `loss: mse(a) + 0.5 * mse(b)`",
            ),
            Item::Loss(item) => loss = Some(item),
            Item::Quantized(_) => {}
            Item::Layer(item) => {
                if let Some(loss) = loss.filter(|_| !misplaced_loss) {
                    misplaced_loss = true;
                    let written = crate::loss::written(loss);
                    errors.push(
                        loss.keyword.span(),
                        format!("`loss:` comes after the layers, but `{}` follows it; move `loss: {written}` to the end", item.name),
                    );
                }
                layers.push(item)
            }
        }
    }
    (input, layers, outputs, loss)
}

/// The single `quantized:` setting, if any.
pub fn quantized_item<'a>(spec: &'a Spec, errors: &mut Errors) -> Option<&'a QuantizedItem> {
    let mut found: Option<&QuantizedItem> = None;
    for item in &spec.items {
        if let Item::Quantized(item) = item {
            if found.is_some() {
                errors.push(
                    item.keyword.span(),
                    "duplicate `quantized:`: a network has one int8 type",
                );
            } else {
                found = Some(item);
            }
        }
    }
    found
}

pub fn check_input(input: &InputItem, errors: &mut Errors) -> Option<Vec<usize>> {
    if input.dims.is_empty() {
        errors.push(
            input.bracket_span,
            "the input shape needs at least one dimension, e.g. `[784]` or `[1, 28, 28]`",
        );
        return None;
    }
    if input.dims.len() > MAX_RANK {
        errors.push(
            input.bracket_span,
            format!(
                "the input shape has {} dimensions; a sample may have at most {MAX_RANK}",
                input.dims.len()
            ),
        );
        return None;
    }
    let mut dims = Vec::new();
    for dim in &input.dims {
        match dim.base10_parse::<usize>() {
            Ok(0) => errors.push(dim.span(), "an input dimension must be at least 1"),
            Ok(d) if d <= MAX_ELEMENTS => dims.push(d),
            _ => errors.push(dim.span(), format!("input dimension `{dim}` is larger than a fixed-size network can hold ({MAX_ELEMENTS} values)")),
        }
    }
    let total = dims
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS);
    if total.is_none() {
        errors.push(
            input.bracket_span,
            format!("the input shape holds more than {MAX_ELEMENTS} values"),
        );
    }
    if let Some((index, marker)) = &input.steps {
        let written: Vec<String> = input.dims.iter().map(|d| d.to_string()).collect();
        let fix = match (written.as_slice(), index) {
            ([_, _], 0) => None,
            ([features, steps], _) => Some(format!("the steps come first: write `input: [{steps} steps, {features}]`")),
            ([steps], _) => Some(format!("a sequence also needs the features of each step: write e.g. `input: [{steps} steps, 1]`")),
            (_, _) => {
                let features = input.dims.iter().enumerate().filter(|(i, _)| i != index)
                    .map(|(_, d)| d.to_string()).collect::<Vec<_>>().join("×");
                Some(format!("a sequence has two dimensions: write `input: [{} steps, F]` with F = {features}, the features of each step flattened", written[*index]))
            }
        };
        if let Some(fix) = fix {
            errors.push(
                marker.span(),
                format!(
                    "`steps` marks the first of two dimensions ([STEPS steps, FEATURES]); {fix}"
                ),
            );
            return None;
        }
    }
    (dims.len() == input.dims.len() && total.is_some()).then_some(dims)
}
