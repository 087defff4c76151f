//! Writing a quantized network as an int8 `.tflite` file ([`export_int8`]).

mod graph;
mod image;
mod layout;

use std::fmt;
use std::path::{Path, PathBuf};

use super::int8_param_bytes;
use super::write::write_to_bytes;
use crate::int8::{Int8LayerKind, Int8Scales, QuantizedNetwork};
use crate::io::write_atomically;

/// Why a quantized network could not be written as a `.tflite` file.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ExportError {
    /// A step has no TFLite operator that computes what it computes.
    Unsupported {
        /// The step's name.
        layer: &'static str,
        /// What TFLite lacks.
        reason: String,
    },
    /// The scales are not those the network's parameters were computed from.
    Scales(String),
    /// The file could not be written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported { layer, reason } => {
                write!(f, "step `{layer}` has no TFLite int8 form: {reason}")
            }
            Self::Scales(what) => write!(
                f,
                "the scales do not belong to this network's parameters (pass the ones \
                 `quantize_into` returned for it): {what}"
            ),
            Self::Io { path, message } => write!(f, "cannot write {}: {message}", path.display()),
        }
    }
}

impl std::error::Error for ExportError {}

/// `network` as the bytes of an int8 `.tflite` file that TFLite's interpreter runs with the
/// outputs of the network's own `forward`, bit for bit, with the quantization `scales`
/// gives.
///
/// ```ignore
/// let mut int8 = Box::new(MlpInt8::ZERO);
/// let scales = nn::int8::quantize_into(&*mlp, calibration, Calibration::MinMax, &mut *int8)?;
/// nn::io::tflite::save_int8(&*int8, &scales, "mlp_int8.tflite")?;
/// ```
///
/// The file is schema version 3 with one subgraph: an int8 input and output with their
/// scale and zero point; one operator per step (`CONV_2D`, `DEPTHWISE_CONV_2D`,
/// `FULLY_CONNECTED`, `AVERAGE_POOL_2D`, `MAX_POOL_2D`, `ADD`, `SOFTMAX`, and `RESHAPE` for
/// a `flatten`), a `relu` or `relu6` as the operator's fused activation; weights symmetric
/// per output channel in TFLite's layouts (OHWI, `[1, KH, KW, C·M]`, `[out, in]` with the
/// columns of a flattened map in TFLite's `[H, W, C]` order), biases int32 at
/// `input_scale · weight_scale`. The parameter image keeps the multipliers but not the
/// scales they came from, so those travel beside the network as [`Int8Scales`] (from
/// [`crate::int8::quantize_into`], or [`super::int8_scales`] for a loaded file). Before
/// returning, the export reads its own bytes back as `load_int8` would and checks that
/// they give the network's parameter image byte for byte.
///
/// # Errors
/// [`ExportError::Unsupported`] for a step TFLite cannot express (a padding that is neither
/// SAME nor VALID, a softmax not over the last axis, a flatten of a map read by other than
/// a dense layer); [`ExportError::Scales`] when `scales` has the wrong counts, a
/// non-positive scale, or values that do not reproduce the network's multipliers.
pub fn export_int8<N: QuantizedNetwork>(
    network: &N,
    scales: &Int8Scales,
) -> Result<Vec<u8>, ExportError> {
    check_counts::<N>(scales)?;
    let params = network.to_le_bytes();
    let steps = image::read_steps(&params, N::LAYERS).map_err(ExportError::Scales)?;
    let model = graph::int8_model::<N>(&steps, scales)?;
    let bytes = write_to_bytes(&model);
    // What a reader of the file computes must be the network itself.
    let model = super::read_from_bytes(&bytes)
        .map_err(|e| ExportError::Scales(format!("the written model does not read back: {e}")))?;
    let reread = int8_param_bytes::<N>(&model)
        .map_err(|e| ExportError::Scales(format!("the written model does not load: {e}")))?;
    if let Some(at) = (0..params.len()).find(|&i| reread[i] != params[i]) {
        let step = steps.iter().rposition(|s| s.offset <= at);
        let place = step.map_or("the input's or output's quantization".to_string(), |k| {
            format!("the parameters of step `{}`", N::LAYERS[k].name)
        });
        return Err(ExportError::Scales(format!(
            "loaded back, {place} differ from the network's (byte {at} of the image)"
        )));
    }
    Ok(bytes)
}

/// Writes [`export_int8`] to `path`, atomically.
///
/// # Errors
/// Those of [`export_int8`], and [`ExportError::Io`].
pub fn save_int8<N: QuantizedNetwork>(
    network: &N,
    scales: &Int8Scales,
    path: impl AsRef<Path>,
) -> Result<(), ExportError> {
    let path = path.as_ref();
    let bytes = export_int8(network, scales)?;
    write_atomically(path, |file| file.write_all(&bytes)).map_err(|e| ExportError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn check_counts<N: QuantizedNetwork>(scales: &Int8Scales) -> Result<(), ExportError> {
    let steps = N::LAYERS.len();
    if scales.activations.len() != steps + 1 || scales.weights.len() != steps {
        return Err(ExportError::Scales(format!(
            "{} activation and {} weight entries for {steps} steps; expected {} and {steps}",
            scales.activations.len(),
            scales.weights.len(),
            steps + 1
        )));
    }
    let bad = |s: f32| !(s.is_finite() && s > 0.0);
    if let Some(k) = scales
        .activations
        .iter()
        .position(|q| bad(q.scale) || !(-128..=127).contains(&q.zero_point))
    {
        return Err(ExportError::Scales(format!(
            "activation entry {k} is {:?}; expected a positive scale and an int8 zero point",
            scales.activations[k]
        )));
    }
    if let Some(k) = scales
        .weights
        .iter()
        .position(|w| w.iter().any(|&s| bad(s)))
    {
        return Err(ExportError::Scales(format!(
            "step `{}` has a weight scale that is not a positive number",
            N::LAYERS[k].name
        )));
    }
    for (layer, weights) in N::LAYERS.iter().zip(&scales.weights) {
        let channels = match layer.kind {
            Int8LayerKind::Conv2d(s) | Int8LayerKind::DepthwiseConv2d(s) => s.out_channels,
            Int8LayerKind::Dense { outputs, .. } => outputs,
            _ => continue,
        };
        if weights.len() != 1 && weights.len() != channels {
            return Err(ExportError::Scales(format!(
                "step `{}` has {} weight scales for {channels} output channels; expected one \
                 per channel, or one for all",
                layer.name,
                weights.len()
            )));
        }
    }
    Ok(())
}
