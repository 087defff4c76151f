//! Shape rules per layer kind: input shape + layer → output shape, or why not.
//! Pure functions, so every rule is unit-tested without a token in sight.

use crate::ir::{element_count, format_shape, Layer, LayerKind, Padding, Pair};

/// The resolved geometry of a convolution or pooling window over a `[c, h, w]` input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub channels: usize,
    pub input: Pair,
    pub size: Pair,
    pub stride: Pair,
    /// Zeros above and left of the input; those below and right are implied by `output`.
    pub pad_before: Pair,
    pub output: Pair,
}

/// The output shape of `kind` applied to one sample of `input`, or the reason it cannot be.
pub fn output_shape(kind: &LayerKind, input: &[usize]) -> Result<Vec<usize>, String> {
    match kind {
        LayerKind::Dense { units, .. } => {
            if input.len() != 1 {
                return Err(format!(
                    "dense expects a 1-D input, but receives {} ({} values); add `flatten` before it",
                    format_shape(input),
                    describe_product(input),
                ));
            }
            Ok(vec![*units])
        }
        LayerKind::Softmax => {
            if input.len() != 1 {
                return Err(format!(
                    "softmax works on a 1-D input, but receives {}; add `flatten` before it",
                    format_shape(input)
                ));
            }
            if input[0] < 2 {
                return Err(
                    "softmax over 1 value always outputs 1.0; use `sigmoid` for a single output"
                        .into(),
                );
            }
            Ok(input.to_vec())
        }
        LayerKind::Flatten => Ok(vec![element_count(input)]),
        LayerKind::Relu
        | LayerKind::LeakyRelu { .. }
        | LayerKind::Sigmoid
        | LayerKind::Tanh
        | LayerKind::Dropout { .. } => Ok(input.to_vec()),
        LayerKind::BatchNorm { .. } => Ok(input.to_vec()),
        LayerKind::Conv2d { filters, .. } => {
            let window = window(kind, input)?;
            Ok(vec![*filters, window.output.0, window.output.1])
        }
        LayerKind::MaxPool2d { .. } | LayerKind::AvgPool2d { .. } => {
            let window = window(kind, input)?;
            Ok(vec![window.channels, window.output.0, window.output.1])
        }
        LayerKind::Recurrent {
            units, sequences, ..
        } => {
            let &[steps, _] = input else {
                return Err(format!(
                    "{} expects a [steps, features] sequence, but receives {}",
                    kind.keyword(),
                    format_shape(input)
                ));
            };
            Ok(if *sequences {
                vec![steps, *units]
            } else {
                vec![*units]
            })
        }
    }
}

/// Whether `kind` outputs a sequence, given whether its input is one; or why it cannot take
/// its input. `previous` is the layer before it, if any.
pub fn sequence_output(
    kind: &LayerKind,
    input_is_sequence: bool,
    input: &[usize],
    previous: Option<&Layer>,
) -> Result<bool, String> {
    let name = kind.keyword();
    match kind {
        LayerKind::Recurrent { sequences, .. } if input_is_sequence => Ok(*sequences),
        LayerKind::Recurrent { .. } => Err(match previous.map(|l| (l.kind, &l.name)) {
            Some((LayerKind::Recurrent { .. }, previous)) => format!(
                "{name} needs a sequence, but `{previous}` returns only its last state {}; give `{previous}` the option `return_sequences = true` to stack recurrent layers",
                format_shape(input)
            ),
            _ => {
                let hint = match input {
                    [steps, features] => format!("; mark the steps in the input: `input: [{steps} steps, {features}]`"),
                    _ => "; a sequence input is written `input: [STEPS steps, FEATURES]`".to_string(),
                };
                format!("{name} expects a sequence of [steps, features], but receives {}{hint}", format_shape(input))
            }
        }),
        LayerKind::Flatten => Ok(false),
        LayerKind::Relu
        | LayerKind::LeakyRelu { .. }
        | LayerKind::Sigmoid
        | LayerKind::Tanh
        | LayerKind::Dropout { .. } => Ok(input_is_sequence),
        _ if input_is_sequence => Err(format!(
            "{name} does not take a sequence, but receives the sequence {}; take the last state (a recurrent layer without `return_sequences = true`) or add `flatten` before it",
            format_shape(input)
        )),
        _ => Ok(false),
    }
}

/// The window geometry of a conv2d or pooling layer.
pub fn window(kind: &LayerKind, input: &[usize]) -> Result<Window, String> {
    let name = kind.keyword();
    let &[channels, height, width] = input else {
        return Err(format!(
            "{name} expects a [channels, height, width] input, but receives {}{}",
            format_shape(input),
            match input {
                [_, _] => "; give the input a channel dimension, e.g. [1, h, w]",
                _ => "",
            }
        ));
    };
    let (size, stride, padding) = match *kind {
        LayerKind::Conv2d {
            kernel,
            stride,
            padding,
            ..
        } => (kernel, stride, padding),
        LayerKind::MaxPool2d { size, stride } | LayerKind::AvgPool2d { size, stride } => {
            (size, stride, Padding::Valid)
        }
        _ => return Err(format!("{name} has no window")),
    };
    let (height_pad, width_pad) = (
        axis_padding(height, size.0, stride.0, padding, 0),
        axis_padding(width, size.1, stride.1, padding, 1),
    );
    // Saturating: the operands are bounded by `check`, but a shape rule must not be what
    // panics when they are not.
    let padded = (
        height
            .saturating_add(height_pad.0)
            .saturating_add(height_pad.1),
        width
            .saturating_add(width_pad.0)
            .saturating_add(width_pad.1),
    );
    if size.0 > padded.0 || size.1 > padded.1 {
        let what = if name == "conv2d" {
            "kernel"
        } else {
            "pooling window"
        };
        let note = if padded != (height, width) {
            format!(" (padded: {}×{})", padded.0, padded.1)
        } else {
            String::new()
        };
        return Err(format!(
            "the {what} {}×{} does not fit the {height}×{width} input{note}{}",
            size.0,
            size.1,
            channels_last_hint(input)
        ));
    }
    let output = (
        (padded.0 - size.0) / stride.0.max(1) + 1,
        (padded.1 - size.1) / stride.1.max(1) + 1,
    );
    Ok(Window {
        channels,
        input: (height, width),
        size,
        stride,
        pad_before: (height_pad.0, width_pad.0),
        output,
    })
}

/// A hint when an input looks like `[height, width, channels]`, the layout of Keras and
/// image files, rather than the `[channels, height, width]` that `nn` (like PyTorch) uses.
fn channels_last_hint(input: &[usize]) -> String {
    match *input {
        [height, width, channels] if channels <= 4 && height > channels && width > channels => {
            format!("; `nn` takes images as [channels, height, width]: if {} is the channels, write the shape [{channels}, {height}, {width}]", channels)
        }
        _ => String::new(),
    }
}

/// Zeros (before, after) one axis of `input` values for a window of `size` and `stride`.
fn axis_padding(input: usize, size: usize, stride: usize, padding: Padding, axis: usize) -> Pair {
    match padding {
        Padding::Valid => (0, 0),
        Padding::Explicit(pad) => {
            let pad = if axis == 0 { pad.0 } else { pad.1 };
            (pad, pad)
        }
        Padding::Same => {
            let output = input.div_ceil(stride.max(1));
            let total = output
                .saturating_sub(1)
                .saturating_mul(stride)
                .saturating_add(size)
                .saturating_sub(input);
            (total / 2, total - total / 2)
        }
    }
}

/// Channels and values per channel that batch norm normalizes over: the first dimension
/// is the channel (features of a 1-D input, feature maps of an image).
pub fn batch_norm_groups(input: &[usize]) -> (usize, usize) {
    match input {
        [features] => (*features, 1),
        [channels, rest @ ..] => (*channels, element_count(rest)),
        [] => (0, 0),
    }
}

/// `16×5×5 = 400` for a multi-dimensional shape.
fn describe_product(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("{} = {}", dims.join("×"), element_count(shape))
}

#[cfg(test)]
#[path = "shape_tests.rs"]
mod tests;
