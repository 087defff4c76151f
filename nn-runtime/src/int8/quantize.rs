//! Post-training quantization: a trained f32 network and a calibration sample in, the
//! parameters of its int8 type (`quantized: Name`) out — the same byte image
//! `io::tflite::load_int8` writes from a converted file, prepared by the same code.
//!
//! The f32 network runs over the sample ([`crate::Model::layer_outputs`]); each quantized
//! tensor's range (the output of a convolution, dense layer or addition, after the
//! activation folded into it, and the network's input) gives its asymmetric int8
//! parameters as TFLite's converter chooses them ([`calibrate::asymmetric_quantization`]);
//! pooling and `flatten` keep their input's, softmax writes at 1/256 with zero point −128.
//! Weights are symmetric per output channel, biases int32 at `input_scale · weight_scale`,
//! and each layer's multipliers and clamps are computed by the importer's own functions.

use std::fmt;

use super::calibrate::{self, TensorRange};
use super::network::bytes::LeWriter;
use super::network::params::{write_add, write_conv, write_dense, write_softmax};
use super::{
    activation_range, AddParams, Int8Layer, Int8LayerKind, Int8Scales, Quantization,
    QuantizedNetwork, SoftmaxParams,
};
use crate::io::tflite::int8::stage::{conv_requantization, dense_requantization};
use crate::network::{Network, TensorInfo};
use crate::train::Model;

/// How a calibration run turns the values a tensor took into its range.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Calibration {
    /// The smallest and largest value seen, as TFLite's converter takes them.
    MinMax,
    /// The `p`-th and `(100 − p)`-th percentiles (`p` in `(50, 100]`, e.g. 99.99): rare
    /// outliers are clipped and the rest resolved more finely.
    Percentile(f32),
}

/// Why a network could not be quantized.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum QuantizeError {
    /// No calibration samples were given.
    NoCalibrationData,
    /// The calibration inputs are not whole samples.
    PartialSample {
        /// Floats given.
        len: usize,
        /// Floats in one sample.
        input_len: usize,
    },
    /// A calibration input, or a layer's output on one, is NaN or infinite.
    NonFinite {
        /// The sample, counted from 0.
        sample: usize,
        /// `"the input"`, or the layer whose output it is.
        at: &'static str,
    },
    /// The int8 type is not the int8 form of the f32 network.
    Mismatch(String),
    /// A percentile outside `(50, 100]`.
    BadPercentile(f32),
}

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCalibrationData => write!(
                f,
                "no calibration samples: pass a few hundred typical inputs (e.g. training data)"
            ),
            Self::PartialSample { len, input_len } => write!(
                f,
                "{len} calibration floats are not whole samples of {input_len}; pass \
                 samples × {input_len} floats"
            ),
            Self::NonFinite { sample, at } => write!(
                f,
                "calibration sample {sample}: {at} holds a NaN or an infinity; a range \
                 needs finite values (check the data and the trained weights)"
            ),
            Self::Mismatch(what) => write!(
                f,
                "the int8 type is not this network's (declare `quantized:` in the same \
                 `network!`): {what}"
            ),
            Self::BadPercentile(p) => write!(
                f,
                "percentile {p} is outside (50, 100]; use e.g. 99.99, or 100 for min/max"
            ),
        }
    }
}

impl std::error::Error for QuantizeError {}

/// Quantizes `float` into `network`, its int8 type, calibrated on `inputs` (whole samples,
/// `F::INPUT_LEN` floats each, e.g. a few hundred training inputs), and returns the scales
/// the parameters were computed from (which `io::tflite::export_int8` writes into a
/// `.tflite` file).
///
/// ```ignore
/// let mut int8 = Box::new(MlpInt8::ZERO);
/// let scales =
///     nn::int8::quantize_into(&*mlp, &train.inputs[..500 * 784], Calibration::MinMax, &mut *int8)?;
/// let scores = int8.forward(&int8.quantize_input(&digit));
/// ```
///
/// # Errors
/// See [`QuantizeError`]; `network` is then unchanged.
pub fn quantize_into<F: Network + Model, Q: QuantizedNetwork>(
    float: &F,
    inputs: &[f32],
    calibration: Calibration,
    network: &mut Q,
) -> Result<Int8Scales, QuantizeError> {
    let (bytes, scales) = quantize::<F, Q>(float, inputs, calibration)?;
    network.read_le_bytes(&bytes);
    Ok(scales)
}

/// The parameter image of `float` quantized as `Q` (what `Q::from_le_bytes` takes, e.g. to
/// bake into firmware); see [`quantize_into`].
///
/// # Errors
/// See [`QuantizeError`].
pub fn quantized_param_bytes<F: Network + Model, Q: QuantizedNetwork>(
    float: &F,
    inputs: &[f32],
    calibration: Calibration,
) -> Result<Vec<u8>, QuantizeError> {
    quantize::<F, Q>(float, inputs, calibration).map(|(bytes, _)| bytes)
}

/// The parameter image and the scales it was computed from.
fn quantize<F: Network + Model, Q: QuantizedNetwork>(
    float: &F,
    inputs: &[f32],
    calibration: Calibration,
) -> Result<(Vec<u8>, Int8Scales), QuantizeError> {
    let keep_values = match calibration {
        Calibration::MinMax => false,
        Calibration::Percentile(p) if p > 50.0 && p <= 100.0 => true,
        Calibration::Percentile(p) => return Err(QuantizeError::BadPercentile(p)),
    };
    if inputs.is_empty() {
        return Err(QuantizeError::NoCalibrationData);
    }
    if !inputs.len().is_multiple_of(F::INPUT_LEN) {
        return Err(QuantizeError::PartialSample {
            len: inputs.len(),
            input_len: F::INPUT_LEN,
        });
    }
    if (Q::INPUT_LEN, Q::OUTPUT_LEN) != (F::INPUT_LEN, F::OUTPUT_LEN) {
        return Err(QuantizeError::Mismatch(format!(
            "it maps {} inputs to {} outputs, the network {} to {}",
            Q::INPUT_LEN,
            Q::OUTPUT_LEN,
            F::INPUT_LEN,
            F::OUTPUT_LEN
        )));
    }
    let nodes = output_nodes::<F, Q>()?;

    // Calibrate: the range of the input (node 0) and of every step's output node.
    let mut ranges: Vec<Option<TensorRange>> = vec![None; F::LAYERS.len() + 1];
    ranges[0] = Some(TensorRange::new(keep_values));
    for &node in &nodes {
        ranges[node] = Some(TensorRange::new(keep_values));
    }
    for (sample, input) in inputs.chunks_exact(F::INPUT_LEN).enumerate() {
        observe(&mut ranges[0], input, sample, "the input")?;
        let outputs = float
            .layer_outputs(input)
            .map_err(|e| QuantizeError::Mismatch(e.to_string()))?;
        for (i, (layer, output)) in F::LAYERS.iter().zip(&outputs).enumerate() {
            observe(&mut ranges[i + 1], output, sample, layer.name)?;
        }
    }
    let quantization = |node: usize| {
        let range = ranges[node]
            .as_ref()
            .expect("every output node is calibrated");
        let (min, max) = match calibration {
            Calibration::Percentile(p) => range.percentile(p),
            Calibration::MinMax => (range.min, range.max),
        };
        calibrate::asymmetric_quantization(min, max)
    };

    // Each step's output quantization; index 0 is the input's, `k + 1` step `k`'s.
    let mut q = vec![quantization(0)];
    for (step, &node) in Q::LAYERS.iter().zip(&nodes) {
        let own = match step.kind {
            Int8LayerKind::Conv2d(_)
            | Int8LayerKind::DepthwiseConv2d(_)
            | Int8LayerKind::Dense { .. }
            | Int8LayerKind::Add => quantization(node),
            // TFLite's int8 softmax writes probabilities at 1/256 from −128.
            Int8LayerKind::Softmax { .. } => Quantization {
                scale: 1.0 / 256.0,
                zero_point: -128,
            },
            // Pooling and reshaping keep their input's quantization.
            _ => q[step.inputs[0]],
        };
        q.push(own);
    }

    let mut out = vec![0u8; Q::PARAM_BYTES];
    let w = &mut LeWriter::new(&mut out);
    q[0].write(w);
    q[q.len() - 1].write(w);
    let mut weights = Vec::with_capacity(Q::LAYERS.len());
    for (k, step) in Q::LAYERS.iter().enumerate() {
        weights.push(write_step(float, step, &q, k, w)?);
    }
    if w.at != Q::PARAM_BYTES {
        return Err(QuantizeError::Mismatch(format!(
            "its parameters take {} bytes, the network's {}",
            Q::PARAM_BYTES,
            w.at
        )));
    }
    let scales = Int8Scales {
        activations: q,
        weights,
    };
    Ok((out, scales))
}

/// The f32 node (0 the input, `i + 1` layer `i`'s output) holding each int8 step's output:
/// the step's own layer, or the `relu` or `relu6` folded into it.
fn output_nodes<F: Network, Q: QuantizedNetwork>() -> Result<Vec<usize>, QuantizeError> {
    Q::LAYERS
        .iter()
        .map(|step| {
            let index = F::LAYERS
                .iter()
                .position(|l| l.name == step.name)
                .ok_or_else(|| {
                    QuantizeError::Mismatch(format!("the network has no layer `{}`", step.name))
                })?;
            let own = index + 1;
            let activation = F::LAYERS
                .iter()
                .position(|l| matches!(l.kind, "relu" | "relu6") && l.inputs == [own]);
            Ok(match (step.activation, activation) {
                (super::FusedActivation::None, _) | (_, None) => own,
                (_, Some(a)) => a + 1,
            })
        })
        .collect()
}

fn observe(
    range: &mut Option<TensorRange>,
    values: &[f32],
    sample: usize,
    at: &'static str,
) -> Result<(), QuantizeError> {
    let Some(range) = range else {
        return Ok(());
    };
    if values.iter().any(|v| !v.is_finite()) {
        return Err(QuantizeError::NonFinite { sample, at });
    }
    range.observe(values);
    Ok(())
}

/// Writes step `k`'s parameters as the importer does and returns its weight scales (none
/// for a step without weights); `q` holds every step's output quantization.
fn write_step<F: Network>(
    float: &F,
    step: &Int8Layer,
    q: &[Quantization],
    k: usize,
    w: &mut LeWriter<'_>,
) -> Result<Vec<f32>, QuantizeError> {
    let input = q[step.inputs[0]];
    let output = q[k + 1];
    let pair = |q: Quantization| (q.scale, q.zero_point);
    match step.kind {
        Int8LayerKind::Conv2d(shape) | Int8LayerKind::DepthwiseConv2d(shape) => {
            let per_channel = match step.kind {
                Int8LayerKind::Conv2d(_) => shape.in_channels * shape.kernel_h * shape.kernel_w,
                _ => shape.kernel_h * shape.kernel_w,
            };
            let QuantizedWeights {
                weight,
                bias,
                scales,
            } = weights(float, step.name, [shape.out_channels, per_channel], input)?;
            let stage = conv_requantization(
                pair(input),
                &scales,
                pair(output),
                step.activation,
                shape.out_channels,
            );
            write_conv(
                w,
                &weight,
                &bias,
                &stage.scales,
                (stage.input_zero_point, stage.output_zero_point),
                (stage.min, stage.max),
            );
            return Ok(scales);
        }
        Int8LayerKind::Dense {
            inputs, outputs, ..
        } => {
            let QuantizedWeights {
                weight,
                bias,
                scales,
            } = weights(float, step.name, [outputs, inputs], input)?;
            let (stage, _) =
                dense_requantization(pair(input), (&scales, 0), pair(output), step.activation);
            write_dense(
                w,
                &weight,
                &bias,
                &stage.scales,
                (stage.input_zero_point, stage.output_zero_point),
                (stage.min, stage.max),
            );
            return Ok(scales);
        }
        Int8LayerKind::AvgPool2d(_) | Int8LayerKind::MaxPool2d(_) => {
            let (min, max) = activation_range(step.activation, output.scale, output.zero_point);
            w.i8s(&[min, max]);
        }
        Int8LayerKind::Add => {
            let clamp = activation_range(step.activation, output.scale, output.zero_point);
            let second = q[step.inputs[1]];
            write_add(
                &AddParams::new(pair(input), pair(second), pair(output), clamp),
                w,
            );
        }
        Int8LayerKind::Softmax { .. } => write_softmax(&SoftmaxParams::new(1.0, input.scale), w),
        Int8LayerKind::Flatten => {}
    }
    Ok(Vec::new())
}

/// A layer's weights quantized per output channel, its biases and the weight scales.
struct QuantizedWeights {
    weight: Vec<i8>,
    /// Zeros for a layer without biases.
    bias: Vec<i32>,
    scales: Vec<f32>,
}

/// A layer's weights (`[channels, per_channel]` as the int8 type expects them) quantized per
/// output channel, its biases (zeros without) at `input_scale · weight_scale`, and the
/// weight scales.
fn weights<F: Network>(
    float: &F,
    layer: &str,
    [channels, per_channel]: [usize; 2],
    input: Quantization,
) -> Result<QuantizedWeights, QuantizeError> {
    let tensor = |name: &str| -> Option<&TensorInfo> {
        F::TENSORS
            .iter()
            .find(|t| t.name.strip_prefix(layer) == Some(name))
    };
    let weight = tensor(".weight")
        .ok_or_else(|| QuantizeError::Mismatch(format!("the network's `{layer}` has no weight")))?;
    if weight.shape.first() != Some(&channels) || weight.len() != channels * per_channel {
        return Err(QuantizeError::Mismatch(format!(
            "`{layer}` has {channels} × {per_channel} weights in the int8 type, {:?} in the \
             network",
            weight.shape
        )));
    }
    let params = float.params();
    let values = &params[weight.offset..weight.offset + weight.len()];
    let (quantized, scales) = calibrate::symmetric_per_channel(values, channels);
    let bias = match tensor(".bias") {
        Some(b) => {
            calibrate::quantize_bias(&params[b.offset..b.offset + b.len()], input.scale, &scales)
        }
        None => vec![0; channels],
    };
    Ok(QuantizedWeights {
        weight: quantized,
        bias,
        scales,
    })
}
