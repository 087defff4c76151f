//! Quantization parameters and constant int8/int32 data of TFLite tensors, and the moves of
//! int8 kernels from TFLite's layouts into `nn`'s.

use super::super::error::TfliteError;
use super::super::model::{Tensor, TensorType};

/// The per-tensor `(scale, zero_point)` of an int8 activation, or an error naming `what`
/// when the tensor is not int8 or not quantized with one scale.
pub fn tensor_quantization(tensor: &Tensor, what: &str) -> Result<(f32, i32), TfliteError> {
    if tensor.dtype != TensorType::Int8 {
        return Err(TfliteError::invalid(format!(
            "{what} \"{}\" is {:?}; expected int8",
            tensor.name, tensor.dtype
        )));
    }
    match &tensor.quantization {
        Some(q) if q.scales.len() == 1 => {
            let zero_point = i32::try_from(q.zero_points[0])
                .ok()
                .filter(|z| (-128..=127).contains(z))
                .ok_or_else(|| {
                    TfliteError::invalid(format!(
                        "{what} \"{}\" has the zero point {}, outside int8",
                        tensor.name, q.zero_points[0]
                    ))
                })?;
            if !(q.scales[0].is_finite() && q.scales[0] > 0.0) {
                return Err(TfliteError::invalid(format!(
                    "{what} \"{}\" has the scale {}; expected a positive number",
                    tensor.name, q.scales[0]
                )));
            }
            Ok((q.scales[0], zero_point))
        }
        Some(q) => Err(TfliteError::invalid(format!(
            "{what} \"{}\" has {} scales; expected one",
            tensor.name,
            q.scales.len()
        ))),
        None => Err(TfliteError::invalid(format!(
            "{what} \"{}\" is int8 without quantization parameters",
            tensor.name
        ))),
    }
}

/// The scales and the (common) zero point of int8 weights: one scale, or one per slice of
/// `dimension` (which must be where the output channels are).
pub(super) fn weight_quantization(
    tensor: &Tensor,
    dimension: usize,
) -> Result<(Vec<f32>, i32), TfliteError> {
    let q = tensor.quantization.as_ref().ok_or_else(|| {
        TfliteError::invalid(format!(
            "weights \"{}\" are not quantized; expected int8 with scales",
            tensor.name
        ))
    })?;
    if tensor.dtype != TensorType::Int8 || !tensor.is_constant() {
        return Err(TfliteError::invalid(format!(
            "weights \"{}\" are {:?}{}; expected constant int8",
            tensor.name,
            tensor.dtype,
            if tensor.is_constant() {
                ""
            } else {
                " activations"
            }
        )));
    }
    if q.scales.len() > 1 && q.quantized_dimension != dimension {
        return Err(TfliteError::invalid(format!(
            "weights \"{}\" are quantized along dimension {}; expected the output channels' {}",
            tensor.name, q.quantized_dimension, dimension
        )));
    }
    let zero_point = q.zero_points[0];
    if q.zero_points.iter().any(|&z| z != zero_point) || !(-128..=127).contains(&zero_point) {
        return Err(TfliteError::invalid(format!(
            "weights \"{}\" have zero points {:?}; expected one int8 zero point for all channels",
            tensor.name, q.zero_points
        )));
    }
    Ok((q.scales.clone(), zero_point as i32))
}

/// An int8 constant's values.
pub(super) fn int8_values(tensor: &Tensor) -> Vec<i8> {
    tensor.data.iter().map(|&b| b as i8).collect()
}

/// An int32 constant's values (biases), or an error if it is not int32.
pub(super) fn int32_values(tensor: &Tensor) -> Result<Vec<i32>, TfliteError> {
    if tensor.dtype != TensorType::Int32 || !tensor.is_constant() {
        return Err(TfliteError::invalid(format!(
            "bias \"{}\" is {:?}{}; expected constant int32",
            tensor.name,
            tensor.dtype,
            if tensor.is_constant() {
                ""
            } else {
                " activations"
            }
        )));
    }
    Ok(tensor
        .data
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// A convolution kernel from TFLite's OHWI to `nn`'s OIHW.
pub(in crate::io::tflite) fn ohwi_to_oihw(src: &[i8], [o, h, w, i]: [usize; 4]) -> Vec<i8> {
    let mut dst = vec![0; src.len()];
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

/// A depthwise kernel from TFLite's `[1, KH, KW, C·M]` to `nn`'s `[C·M, KH, KW]`.
pub(in crate::io::tflite) fn hwo_to_ohw(src: &[i8], [h, w, o]: [usize; 3]) -> Vec<i8> {
    let mut dst = vec![0; src.len()];
    for y in 0..h {
        for x in 0..w {
            for oc in 0..o {
                dst[(oc * h + y) * w + x] = src[(y * w + x) * o + oc];
            }
        }
    }
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_move_into_nn_layouts() {
        // OHWI [2, 1, 2, 3]: value = 100·o + 10·x + i.
        let src: Vec<i8> = (0..2)
            .flat_map(|o| {
                (0..2).flat_map(move |x| (0..3).map(move |i| (o * 100 + x * 10 + i) as i8))
            })
            .collect();
        let dst = ohwi_to_oihw(&src, [2, 1, 2, 3]);
        assert_eq!(&dst[..6], &[0, 10, 1, 11, 2, 12]);
        assert_eq!(dst[6], 100);
        // HWO [1, 2, 3]: value = 10·x + o.
        let dst = hwo_to_ohw(&[0, 1, 2, 10, 11, 12], [1, 2, 3]);
        assert_eq!(dst, [0, 10, 1, 11, 2, 12]);
    }
}
