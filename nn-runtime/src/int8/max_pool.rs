//! Int8 max pooling, TFLite's `reference_integer_ops::MaxPool` over `[channels, height,
//! width]`: each window's largest value over the positions inside the input, then clamped.
//! Input and output share one quantization (the maximum commutes with it), so there is no
//! rescaling and no rounding.

use super::AvgPool2dShape;

/// Max pooling of `input` (`[channels, in_height, in_width]`) into `output`
/// (`[channels, out_height, out_width]`), clamped to `[min, max]`; the geometry is an
/// [`AvgPool2dShape`] (a window, strides and padding, whichever the reduction).
///
/// # Panics
/// If a slice's length is not the shape's.
pub fn max_pool2d(shape: &AvgPool2dShape, min: i8, max: i8, input: &[i8], output: &mut [i8]) {
    let s = shape;
    assert_eq!(input.len(), s.channels * s.in_height * s.in_width);
    assert_eq!(output.len(), s.channels * s.out_height * s.out_width);
    for c in 0..s.channels {
        let plane = &input[c * s.in_height * s.in_width..][..s.in_height * s.in_width];
        for oy in 0..s.out_height {
            // The window's rows inside the input (padding never wins a maximum).
            let top = (oy * s.stride_h) as isize - s.pad_top as isize;
            let y0 = top.max(0) as usize;
            let y1 = ((top + s.size_h as isize).max(0) as usize).min(s.in_height);
            for ox in 0..s.out_width {
                let left = (ox * s.stride_w) as isize - s.pad_left as isize;
                let x0 = left.max(0) as usize;
                let x1 = ((left + s.size_w as isize).max(0) as usize).min(s.in_width);
                let mut largest = i8::MIN;
                for y in y0..y1 {
                    for &v in &plane[y * s.in_width + x0..y * s.in_width + x1] {
                        largest = largest.max(v);
                    }
                }
                output[(c * s.out_height + oy) * s.out_width + ox] = largest.clamp(min, max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(size: usize, stride: usize, pad: usize, [c, h, w]: [usize; 3]) -> AvgPool2dShape {
        AvgPool2dShape {
            channels: c,
            in_height: h,
            in_width: w,
            size_h: size,
            size_w: size,
            stride_h: stride,
            stride_w: stride,
            pad_top: pad,
            pad_left: pad,
            out_height: (h + 2 * pad - size) / stride + 1,
            out_width: (w + 2 * pad - size) / stride + 1,
        }
    }

    #[test]
    fn two_by_two_windows_take_their_maximum() {
        // Two channels of 4×4; channel 1 is channel 0 negated.
        let plane: Vec<i8> = (0..16).map(|i| (i * 7 % 16) as i8 - 8).collect();
        let input: Vec<i8> = plane.iter().chain(plane.iter()).copied().collect();
        let mut input = input;
        for v in &mut input[16..] {
            *v = -*v;
        }
        let s = shape(2, 2, 0, [2, 4, 4]);
        let mut out = [0i8; 8];
        max_pool2d(&s, -128, 127, &input, &mut out);
        for c in 0..2 {
            for oy in 0..2 {
                for ox in 0..2 {
                    let naive = (0..2)
                        .flat_map(|dy| (0..2).map(move |dx| (dy, dx)))
                        .map(|(dy, dx)| input[c * 16 + (2 * oy + dy) * 4 + 2 * ox + dx])
                        .max()
                        .unwrap();
                    assert_eq!(out[c * 4 + oy * 2 + ox], naive);
                }
            }
        }
    }

    #[test]
    fn padding_is_skipped_and_the_result_clamped() {
        // All −100: a padded window still finds −100, not a padded 0; clamped to ≥ −50.
        let s = shape(3, 1, 1, [1, 3, 3]);
        let mut out = [0i8; 9];
        max_pool2d(&s, -128, 127, &[-100; 9], &mut out);
        assert_eq!(out, [-100; 9]);
        max_pool2d(&s, -50, 127, &[-100; 9], &mut out);
        assert_eq!(out, [-50; 9]);
    }
}
