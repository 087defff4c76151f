//! Moves of constants from `nn`'s layouts into TFLite's (the inverses of the importer's),
//! activation shapes in TFLite's order, and TensorFlow's padding scheme of a geometry.

use super::super::ops::Padding;

/// A convolution kernel from `nn`'s OIHW to TFLite's OHWI.
pub(super) fn oihw_to_ohwi(src: &[i8], [o, i, h, w]: [usize; 4]) -> Vec<i8> {
    let mut dst = vec![0; src.len()];
    for oc in 0..o {
        for ic in 0..i {
            for y in 0..h {
                for x in 0..w {
                    dst[((oc * h + y) * w + x) * i + ic] = src[((oc * i + ic) * h + y) * w + x];
                }
            }
        }
    }
    dst
}

/// A depthwise kernel from `nn`'s `[C·M, KH, KW]` to TFLite's `[1, KH, KW, C·M]`.
pub(super) fn ohw_to_hwo(src: &[i8], [o, h, w]: [usize; 3]) -> Vec<i8> {
    let mut dst = vec![0; src.len()];
    for oc in 0..o {
        for y in 0..h {
            for x in 0..w {
                dst[(y * w + x) * o + oc] = src[(oc * h + y) * w + x];
            }
        }
    }
    dst
}

/// A dense weight `[out, C·H·W]` reading `nn`'s `[C, H, W]` flattening, its columns
/// reordered for TFLite's `[H, W, C]` flattening.
pub(super) fn chw_columns_to_hwc(weight: &[i8], [c, h, w]: [usize; 3]) -> Vec<i8> {
    let inputs = c * h * w;
    let mut out = vec![0; weight.len()];
    for (row, out_row) in weight
        .chunks_exact(inputs)
        .zip(out.chunks_exact_mut(inputs))
    {
        for ch in 0..c {
            for y in 0..h {
                for x in 0..w {
                    out_row[(y * w + x) * c + ch] = row[(ch * h + y) * w + x];
                }
            }
        }
    }
    out
}

/// An activation's shape in TFLite's order, batch of one: `[1, H, W, C]` for `nn`'s
/// `[C, H, W]`, `[1, …]` otherwise.
pub(super) fn tflite_shape(nn_shape: &[usize]) -> Vec<usize> {
    match nn_shape {
        &[c, h, w] => vec![1, h, w, c],
        other => [&[1][..], other].concat(),
    }
}

/// Whether TensorFlow's `padding` pads `pad_before` before the first row (or column) of
/// `input` and gives `output` windows of `kernel` at `stride`.
pub(super) fn fits(
    padding: Padding,
    (input, kernel, stride, output): (usize, usize, usize, usize),
    pad_before: usize,
) -> bool {
    match padding {
        Padding::Valid => {
            output == (input + stride).saturating_sub(kernel) / stride && pad_before == 0
        }
        Padding::Same => {
            let total = ((output.max(1) - 1) * stride + kernel).saturating_sub(input);
            output == input.div_ceil(stride) && pad_before == total / 2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::int8::values::{hwo_to_ohw, ohwi_to_oihw};
    use super::*;

    fn ramp(len: usize) -> Vec<i8> {
        (0..len).map(|i| (i % 251) as i8).collect()
    }

    #[test]
    fn the_moves_invert_the_importers() {
        let oihw = ramp(3 * 2 * 5 * 4);
        let ohwi = oihw_to_ohwi(&oihw, [3, 2, 5, 4]);
        assert_eq!(ohwi_to_oihw(&ohwi, [3, 5, 4, 2]), oihw);
        let ohw = ramp(6 * 3 * 2);
        assert_eq!(hwo_to_ohw(&ohw_to_hwo(&ohw, [6, 3, 2]), [3, 2, 6]), ohw);
        // OIHW [2, 1, 1, 3] (o, i, x): o·100 + x → OHWI keeps x outermost after o.
        assert_eq!(
            oihw_to_ohwi(&[0, 1, 2, 100, 101, 102], [2, 1, 1, 3]),
            [0, 1, 2, 100, 101, 102]
        );
        assert_eq!(oihw_to_ohwi(&[0, 1, 10, 11], [1, 2, 1, 2]), [0, 10, 1, 11]);
    }

    #[test]
    fn flattened_columns_move_from_chw_to_hwc() {
        // One row over a [2, 1, 3] map: value 10·c + x.
        let row = [0, 1, 2, 10, 11, 12];
        assert_eq!(chw_columns_to_hwc(&row, [2, 1, 3]), [0, 10, 1, 11, 2, 12]);
    }

    #[test]
    fn geometries_map_to_tensorflow_padding() {
        use Padding::{Same, Valid};
        assert!(fits(Valid, (28, 3, 1, 26), 0));
        assert!(!fits(Same, (28, 3, 1, 26), 0));
        assert!(fits(Same, (28, 3, 1, 28), 1));
        assert!(!fits(Valid, (28, 3, 1, 28), 1));
        // Stride 2: SAME pads the odd row at the end, so PyTorch's padding 1 is neither.
        assert!(fits(Same, (28, 3, 2, 14), 0));
        assert!(!fits(Same, (28, 3, 2, 14), 1) && !fits(Valid, (28, 3, 2, 14), 1));
        // A 1×1 window, or 2×2 at stride 2 on an even size, pads nothing either way.
        assert!(fits(Valid, (7, 1, 1, 7), 0) && fits(Same, (7, 1, 1, 7), 0));
        assert!(fits(Valid, (8, 2, 2, 4), 0) && fits(Same, (8, 2, 2, 4), 0));
    }
}
