//! TFLite's outputs and intermediate tensors on seeded inputs, as
//! `scripts/mlperf_reference.py` writes them into the folder `NN_MLPERF_EXPECTED` names, and
//! their comparison with a network's: the final outputs, and every layer that has an
//! operator's output tensor to match.

use std::path::{Path, PathBuf};

use nn::io::tflite::{Activation, Model, Op};
use nn::Network;

/// Samples in `nn`'s order, one vector each.
pub type Samples = Vec<Vec<f32>>;

/// The folder of TFLite's expected tensors, if `NN_MLPERF_EXPECTED` names one; else says,
/// for `name`, that the comparison is skipped.
fn expected_dir(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("NN_MLPERF_EXPECTED").map(PathBuf::from);
    if dir.is_none() {
        eprintln!(
            "{name}: outputs not compared with TFLite's; write them with \
             scripts/mlperf_reference.py and set NN_MLPERF_EXPECTED to their folder"
        );
    }
    dir
}

fn read_expected(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| {
        panic!(
            "NN_MLPERF_EXPECTED is set, but {} cannot be read ({error}); write it with \
             `python scripts/mlperf_reference.py <folder>`",
            path.display()
        )
    })
}

fn parse_values<'a>(path: &Path, words: impl Iterator<Item = &'a str>) -> Vec<f32> {
    words
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{}: {v:?}", path.display()))
        })
        .collect()
}

/// TFLite's outputs for the model `name`, if `NN_MLPERF_EXPECTED` names their folder: the
/// inputs and the outputs, one per sample.
pub fn tflite_outputs(name: &str) -> Option<(Samples, Samples)> {
    let path = expected_dir(name)?.join(format!("{name}.txt"));
    let text = read_expected(&path);
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let mut words = line.split(' ');
        let kind = words.next();
        let values = parse_values(&path, words);
        match kind {
            Some("input") => inputs.push(values),
            Some("output") => outputs.push(values),
            other => panic!("{}: unexpected line kind {other:?}", path.display()),
        }
    }
    assert_eq!(inputs.len(), outputs.len(), "{}", path.display());
    Some((inputs, outputs))
}

/// The largest magnitude of `values`, at least the smallest positive float: what a
/// difference is measured against.
fn scale(values: &[f32]) -> f32 {
    values.iter().fold(f32::MIN_POSITIVE, |m, v| m.max(v.abs()))
}

/// The index and size of the largest `|found − expected|`.
fn worst_difference(found: &[f32], expected: &[f32]) -> (usize, f32) {
    found
        .iter()
        .zip(expected)
        .map(|(y, e)| (y - e).abs())
        .enumerate()
        .fold(
            (0, 0.0),
            |worst, (i, d)| if d > worst.1 { (i, d) } else { worst },
        )
}

/// Compares `network`'s outputs with TFLite's, within `tolerance` of the largest expected
/// output in magnitude, sample by sample.
pub fn compare_with_tflite<N: Network>(network: &N, name: &str, tolerance: f32) {
    let Some((inputs, expected)) = tflite_outputs(name) else {
        return;
    };
    let mut worst = 0.0f32;
    for (k, (input, expected)) in inputs.iter().zip(&expected).enumerate() {
        assert_eq!((input.len(), expected.len()), (N::INPUT_LEN, N::OUTPUT_LEN));
        let mut output = vec![0.0; N::OUTPUT_LEN];
        network.forward_sample(input, &mut output);
        let scale = scale(expected);
        let (_, difference) = worst_difference(&output, expected);
        worst = worst.max(difference / scale);
        assert!(
            difference <= tolerance * scale,
            "{name} sample {k}: max |nn − TFLite| = {difference:e}, over {tolerance:e} × the \
             output's scale {scale:e}\n   nn: {:?}\nTFLite: {:?}",
            &output[..output.len().min(12)],
            &expected[..expected.len().min(12)]
        );
    }
    eprintln!(
        "{name}: {} samples, max |nn − TFLite| / output scale = {worst:.2e}",
        inputs.len()
    );
}

/// The activation an operator fuses into its output, `None` for an operator without.
fn fused_activation(op: &Op) -> Activation {
    match op {
        Op::Conv2d(options) => options.activation,
        Op::DepthwiseConv2d(options) => options.activation,
        Op::FullyConnected(options) => options.activation,
        Op::AveragePool2d(options) | Op::MaxPool2d(options) => options.activation,
        Op::Add { activation } => *activation,
        _ => Activation::None,
    }
}

/// The `nn` layer kinds an operator's output may come from: the operator's own layer, or
/// the activation it fuses, which `nn` declares as the layer after it.
fn layer_kinds(op: &Op) -> &'static [&'static str] {
    match (fused_activation(op), op) {
        (Activation::Relu, _) => &["relu"],
        (Activation::Relu6, _) => &["relu6"],
        (Activation::Tanh, _) => &["tanh"],
        (_, Op::Conv2d(_)) => &["conv2d"],
        (_, Op::DepthwiseConv2d(_)) => &["depthwise_conv2d"],
        (_, Op::FullyConnected(_)) => &["dense"],
        (_, Op::AveragePool2d(_)) => &["avg_pool2d", "global_avg_pool2d"],
        (_, Op::MaxPool2d(_)) => &["max_pool2d", "global_max_pool2d"],
        (_, Op::Reshape { .. }) => &["flatten"],
        (_, Op::Softmax { .. }) => &["softmax"],
        (_, Op::Add { .. }) => &["add"],
        _ => &[],
    }
}

/// For each operator of the file's main graph, in order, the `nn` layer whose output is
/// the operator's output tensor: the layer in the operator's place, or the activation
/// layer after it when the operator fuses one (a CONV_2D with ReLU is `conv2d, relu`; the
/// convolution's own output is never a tensor of the file). Checks each layer's kind.
pub fn operator_layers<N: Network>(model: &Model) -> Vec<usize> {
    let mut next = 0;
    let mut layers = Vec::new();
    for (index, operator) in model.main_graph().operators.iter().enumerate() {
        next += if fused_activation(&operator.op) == Activation::None {
            1
        } else {
            2
        };
        let layer = N::LAYERS
            .get(next - 1)
            .unwrap_or_else(|| panic!("operator {index} ({}) has no layer", operator.op.name()));
        assert!(
            layer_kinds(&operator.op).contains(&layer.kind),
            "operator {index} ({}) pairs with layer {} `{}` ({}), not one of {:?}",
            operator.op.name(),
            next - 1,
            layer.name,
            layer.kind,
            layer_kinds(&operator.op)
        );
        layers.push(next - 1);
    }
    assert_eq!(next, N::LAYERS.len(), "the operators end before the layers");
    layers
}

/// One operator's output for one sample, as the script writes it.
struct OperatorOutput {
    sample: usize,
    operator: usize,
    op: String,
    values: Vec<f32>,
}

fn tflite_operator_outputs(name: &str, path: &Path) -> Vec<OperatorOutput> {
    let text = read_expected(path);
    text.lines()
        .map(|line| {
            let mut words = line.split(' ');
            let mut index = |what| {
                words
                    .next()
                    .and_then(|w| w.parse().ok())
                    .unwrap_or_else(|| panic!("{name}: {} lacks the {what}", path.display()))
            };
            let (sample, operator) = (index("sample"), index("operator"));
            let op = words.next().unwrap_or_default().to_string();
            OperatorOutput {
                sample,
                operator,
                op,
                values: parse_values(path, words),
            }
        })
        .collect()
}

/// Row-major coordinates of flat `index` in `shape`.
fn coordinates(mut index: usize, shape: &[usize]) -> Vec<usize> {
    let mut at = vec![0; shape.len()];
    for (a, &d) in at.iter_mut().zip(shape).rev() {
        *a = index % d;
        index /= d;
    }
    at
}

/// Compares every layer output of `network` that the file has as an operator's output
/// tensor with TFLite's (from `<name>.layers.txt`), sample by sample, within `tolerance` of
/// that tensor's scale (its largest expected value in magnitude). Prints the worst
/// relative difference of each such layer, and returns the worst of all.
pub fn compare_layers_with_tflite<M: nn::Model>(
    network: &M,
    model: &Model,
    name: &str,
    tolerance: f32,
) -> Option<f32> {
    let dir = expected_dir(name)?;
    let (inputs, _) = tflite_outputs(name)?;
    let expected = tflite_operator_outputs(name, &dir.join(format!("{name}.layers.txt")));
    let layers = operator_layers::<M>(model);
    let operators = model.main_graph().operators.len();
    assert_eq!(
        expected.len(),
        inputs.len() * operators,
        "{name}: one tensor per operator and sample"
    );
    let mut worst_per_operator = vec![0.0f32; operators];
    for (k, input) in inputs.iter().enumerate() {
        let outputs = network.layer_outputs(input).unwrap();
        for tensor in expected.iter().filter(|t| t.sample == k) {
            let layer_index = layers[tensor.operator];
            let layer = &M::LAYERS[layer_index];
            let found = &outputs[layer_index];
            assert_eq!(
                found.len(),
                tensor.values.len(),
                "{name}: operator {} ({}) and layer {layer_index} `{}` differ in size",
                tensor.operator,
                tensor.op,
                layer.name
            );
            let scale = scale(&tensor.values);
            let (at, difference) = worst_difference(found, &tensor.values);
            let relative = difference / scale;
            let worst = &mut worst_per_operator[tensor.operator];
            *worst = worst.max(relative);
            assert!(
                difference <= tolerance * scale,
                "{name} sample {k}, operator {} ({}) ↔ layer {layer_index} `{}` ({}): max \
                 |nn − TFLite| = {difference:e} = {relative:.2e} × the tensor's scale {scale:e}, \
                 over {tolerance:e}, at element {at} {:?} of {:?}: nn {}, TFLite {}",
                tensor.operator,
                tensor.op,
                layer.name,
                layer.kind,
                coordinates(at, layer.output_shape),
                layer.output_shape,
                found[at],
                tensor.values[at],
            );
        }
    }
    let graph = model.main_graph();
    for (operator, worst) in worst_per_operator.iter().enumerate() {
        let layer = &M::LAYERS[layers[operator]];
        eprintln!(
            "{name}: operator {operator:2} {:17} ↔ layer {:2} {:20} max |nn − TFLite| / scale = {worst:.2e}",
            graph.operators[operator].op.name(),
            layers[operator],
            layer.name,
        );
    }
    let worst = worst_per_operator.iter().copied().fold(0.0, f32::max);
    eprintln!(
        "{name}: {} samples, {operators} layers, worst |nn − TFLite| / tensor scale = {worst:.2e}",
        inputs.len()
    );
    Some(worst)
}
