//! `Model::layer_outputs`: every layer's output for one sample, checked against naive
//! computations of each layer from the one before it. The convolutions, activations and
//! pooling form a chain that batched inference runs sample by sample, whose inner nodes
//! would hold scratch in a larger batch.

use nn::{Model, Network, TrainError};

nn::network! {
    struct Probe {
        input: [1, 5, 5],
        conv2d(2, kernel = 3, padding = same), relu,
        depthwise_conv2d(kernel = 3), relu,
        max_pool2d(3), flatten,
        dense(3), softmax,
    }
}

fn tensor<'a, N: Network>(network: &'a N, name: &str) -> &'a [f32] {
    let tensor = N::TENSORS.iter().find(|t| t.name == name).unwrap();
    &network.params()[tensor.offset..tensor.offset + tensor.len()]
}

/// A 3×3 convolution of a `[channels, h, w]` map, stride 1, `pad` zeros on every side, with
/// `groups` groups (1: a full convolution; `channels`: a depthwise one).
fn conv3x3(
    x: &[f32],
    (channels, h, w): (usize, usize, usize),
    weight: &[f32],
    bias: &[f32],
    groups: usize,
    pad: usize,
) -> Vec<f32> {
    let filters = bias.len();
    let (oh, ow) = (h + 2 * pad - 2, w + 2 * pad - 2);
    let per_group = channels / groups;
    let mut y = vec![0.0; filters * oh * ow];
    for f in 0..filters {
        let group = f / (filters / groups);
        for oy in 0..oh {
            for ox in 0..ow {
                let mut sum = bias[f];
                for i in 0..per_group {
                    let c = group * per_group + i;
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (iy, ix) = (
                                (oy + ky) as isize - pad as isize,
                                (ox + kx) as isize - pad as isize,
                            );
                            if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                                sum += weight[((f * per_group + i) * 3 + ky) * 3 + kx]
                                    * x[(c * h + iy as usize) * w + ix as usize];
                            }
                        }
                    }
                }
                y[(f * oh + oy) * ow + ox] = sum;
            }
        }
    }
    y
}

fn relu(x: &[f32]) -> Vec<f32> {
    x.iter().map(|v| v.max(0.0)).collect()
}

fn assert_close(name: &str, found: &[f32], expected: &[f32]) {
    assert_eq!(found.len(), expected.len(), "{name}");
    for (k, (f, e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f - e).abs() <= 1e-5 * (1.0 + e.abs()),
            "{name}[{k}]: {f} vs {e}"
        );
    }
}

#[test]
fn every_layer_output_follows_from_the_one_before() {
    let probe = Probe::new(7);
    let input: Vec<f32> = (0..25).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
    let outputs = probe.layer_outputs(&input).unwrap();
    assert_eq!(outputs.len(), Probe::LAYERS.len());
    for (layer, output) in Probe::LAYERS.iter().zip(&outputs) {
        assert_eq!(
            output.len(),
            layer.output_shape.iter().product::<usize>(),
            "{}",
            layer.name
        );
    }

    let conv = conv3x3(
        &input,
        (1, 5, 5),
        tensor(&probe, "conv2d_0.weight"),
        tensor(&probe, "conv2d_0.bias"),
        1,
        1,
    );
    assert_close("conv2d_0", &outputs[0], &conv);
    assert_close("relu_0", &outputs[1], &relu(&outputs[0]));
    let depthwise = conv3x3(
        &outputs[1],
        (2, 5, 5),
        tensor(&probe, "depthwise_conv2d_0.weight"),
        tensor(&probe, "depthwise_conv2d_0.bias"),
        2,
        0,
    );
    assert_close("depthwise_conv2d_0", &outputs[2], &depthwise);
    assert_close("relu_1", &outputs[3], &relu(&outputs[2]));
    let pooled: Vec<f32> = outputs[3]
        .chunks(9)
        .map(|c| c.iter().copied().fold(f32::MIN, f32::max))
        .collect();
    assert_close("max_pool2d_0", &outputs[4], &pooled);
    assert_close("flatten_0", &outputs[5], &outputs[4]);
    let (weight, bias) = (
        tensor(&probe, "dense_0.weight"),
        tensor(&probe, "dense_0.bias"),
    );
    let dense: Vec<f32> = (0..3)
        .map(|o| {
            bias[o]
                + (0..2)
                    .map(|i| weight[o * 2 + i] * outputs[5][i])
                    .sum::<f32>()
        })
        .collect();
    assert_close("dense_0", &outputs[6], &dense);
    let total: f32 = outputs[6].iter().map(|v| v.exp()).sum();
    let softmax: Vec<f32> = outputs[6].iter().map(|v| v.exp() / total).collect();
    assert_close("softmax_0", &outputs[7], &softmax);

    let mut output = [0.0; 3];
    probe.forward_sample(&input, &mut output);
    assert_close("forward_sample", &outputs[7], &output);
    // Not a vacuous check: the ReLUs cut something, and something passes them.
    assert!(outputs[1].contains(&0.0) && outputs[1].iter().any(|&v| v > 0.0));
}

#[test]
fn a_wrong_input_length_is_named() {
    let probe = Probe::new(7);
    assert_eq!(
        format!("{:?}", probe.layer_outputs(&[0.0; 24]).unwrap_err()),
        format!(
            "{:?}",
            TrainError::ShapeMismatch {
                what: "layer_outputs inputs (one sample)",
                expected: 25,
                found: 24,
            }
        )
    );
}
