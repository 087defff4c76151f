//! Constant tensors as floats, and the moves from TFLite's layouts into `nn`'s.

use super::super::model::{Tensor, TensorType};

/// The tensor's values as floats: float32 as stored, int8 and uint8 dequantized with their
/// (per-tensor or per-channel) scales and zero points, as hybrid models store weights.
pub(super) fn dequantize(tensor: &Tensor) -> Result<Vec<f32>, String> {
    let data = &tensor.data;
    match tensor.dtype {
        TensorType::Float32 => Ok(data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()),
        TensorType::Int8 | TensorType::UInt8 => {
            let q = tensor.quantization.as_ref().ok_or_else(|| {
                format!(
                    "tensor \"{}\" holds {:?} values without quantization scales",
                    tensor.name, tensor.dtype
                )
            })?;
            // Elements of one channel lie `inner` apart, channels repeat every `inner · n`.
            let n = q.scales.len();
            let inner: usize = tensor.shape[(q.quantized_dimension + 1).min(tensor.shape.len())..]
                .iter()
                .product();
            let signed = tensor.dtype == TensorType::Int8;
            Ok(data
                .iter()
                .enumerate()
                .map(|(e, &byte)| {
                    let channel = if n == 1 { 0 } else { (e / inner.max(1)) % n };
                    let value = if signed {
                        f64::from(byte as i8)
                    } else {
                        f64::from(byte)
                    };
                    let real =
                        f64::from(q.scales[channel]) * (value - q.zero_points[channel] as f64);
                    real as f32
                })
                .collect())
        }
        other => Err(format!(
            "tensor \"{}\" is of type {other:?}; constants are read as float32, int8 or uint8",
            tensor.name
        )),
    }
}

/// A convolution kernel from TFLite's OHWI to `nn`'s (PyTorch's) OIHW.
pub(super) fn ohwi_to_oihw(src: &[f32], [o, h, w, i]: [usize; 4]) -> Vec<f32> {
    let mut dst = vec![0.0; src.len()];
    for oc in 0..o {
        for y in 0..h {
            for x in 0..w {
                for ic in 0..i {
                    dst[((oc * i + ic) * h + y) * w + x] = src[((oc * h + y) * w + x) * i + ic];
                }
            }
        }
    }
    dst
}

/// A depthwise kernel from TFLite's `[1, H, W, C·M]` to `nn`'s `[C·M, 1, H, W]`. Both number
/// output channel `k` as filter `k mod M` of input channel `k / M`.
pub(super) fn hwo_to_ohw(src: &[f32], [h, w, o]: [usize; 3]) -> Vec<f32> {
    let mut dst = vec![0.0; src.len()];
    for y in 0..h {
        for x in 0..w {
            for oc in 0..o {
                dst[(oc * h + y) * w + x] = src[(y * w + x) * o + oc];
            }
        }
    }
    dst
}

/// A dense weight `[out, H·W·C]` whose columns follow a flattened NHWC tensor, with its
/// columns put in the order of the same tensor flattened from `nn`'s `[C, H, W]`.
pub(super) fn hwc_columns_to_chw(src: &[f32], out: usize, [h, w, c]: [usize; 3]) -> Vec<f32> {
    let cols = h * w * c;
    let mut dst = vec![0.0; src.len()];
    for row in 0..out {
        let (from, to) = (&src[row * cols..][..cols], &mut dst[row * cols..][..cols]);
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    to[(ch * h + y) * w + x] = from[(y * w + x) * c + ch];
                }
            }
        }
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::tflite::Quantization;

    #[test]
    fn conv_kernel_moves_channels_in_front_of_the_window() {
        // OHWI [1, 1, 2, 3]: value = 10·x + i.
        let src = [0.0, 1.0, 2.0, 10.0, 11.0, 12.0];
        assert_eq!(
            ohwi_to_oihw(&src, [1, 1, 2, 3]),
            [0.0, 10.0, 1.0, 11.0, 2.0, 12.0]
        );
    }

    #[test]
    fn depthwise_kernel_puts_channels_first() {
        // [1, 2, 1, 2]: value = 10·y + k.
        let src = [0.0, 1.0, 10.0, 11.0];
        assert_eq!(hwo_to_ohw(&src, [2, 1, 2]), [0.0, 10.0, 1.0, 11.0]);
    }

    #[test]
    fn dense_columns_follow_the_chw_flattening() {
        // One row; HWC order for h = 1, w = 2, c = 2: (x0 c0, x0 c1, x1 c0, x1 c1).
        let src = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(hwc_columns_to_chw(&src, 1, [1, 2, 2]), [1.0, 3.0, 2.0, 4.0]);
    }

    #[test]
    fn per_channel_int8_is_dequantized_along_its_dimension() {
        let tensor = Tensor {
            name: "w".into(),
            shape: vec![2, 2],
            dtype: TensorType::Int8,
            data: vec![1, 0xff, 4, 2],
            quantization: Some(Quantization {
                scales: vec![0.5, 0.25],
                zero_points: vec![0, 2],
                quantized_dimension: 0,
            }),
            is_variable: false,
        };
        assert_eq!(dequantize(&tensor).unwrap(), [0.5, -0.5, 0.5, 0.0]);
    }
}
