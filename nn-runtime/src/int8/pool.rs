//! Int8 average pooling, TFLite's `reference_integer_ops::AveragePool` over `[channels,
//! height, width]`: each window's sum over the positions inside the input, divided by their
//! count with rounding half away from zero, then clamped. Input and output share one
//! quantization, so there is no rescaling.

/// The geometry of one average pooling, padding included (TensorFlow's `same` pads; the
/// padded positions are not counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2dShape {
    /// Channels.
    pub channels: usize,
    /// Input height.
    pub in_height: usize,
    /// Input width.
    pub in_width: usize,
    /// Window height.
    pub size_h: usize,
    /// Window width.
    pub size_w: usize,
    /// Vertical stride (≥ 1).
    pub stride_h: usize,
    /// Horizontal stride (≥ 1).
    pub stride_w: usize,
    /// Rows of padding above the input.
    pub pad_top: usize,
    /// Columns of padding left of the input.
    pub pad_left: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
}

/// `round(sum / count)`, ties away from zero, as TFLite's integer average pooling divides
/// (C's division truncates towards zero).
#[inline]
pub const fn rounded_average(sum: i32, count: i32) -> i32 {
    if sum > 0 {
        (sum + count / 2) / count
    } else {
        (sum - count / 2) / count
    }
}

/// One sample. Every window must overlap the input (TFLite fails the operator otherwise).
pub fn avg_pool2d(shape: &AvgPool2dShape, min: i8, max: i8, input: &[i8], output: &mut [i8]) {
    let s = shape;
    let what = "int8::avg_pool2d";
    assert!(
        s.stride_h >= 1 && s.stride_w >= 1,
        "{what}: strides must be at least 1"
    );
    assert_eq!(
        input.len(),
        s.channels * s.in_height * s.in_width,
        "{what}: input length"
    );
    assert_eq!(
        output.len(),
        s.channels * s.out_height * s.out_width,
        "{what}: output length"
    );
    let plane = s.in_height * s.in_width;
    let out_plane = s.out_height * s.out_width;
    for c in 0..s.channels {
        let in_map = &input[c * plane..][..plane];
        for oy in 0..s.out_height {
            let iy0 = (oy * s.stride_h) as isize - s.pad_top as isize;
            let rows = super::conv::taps_inside(iy0, s.size_h, s.in_height);
            for ox in 0..s.out_width {
                let ix0 = (ox * s.stride_w) as isize - s.pad_left as isize;
                let cols = super::conv::taps_inside(ix0, s.size_w, s.in_width);
                let count = (rows.len() * cols.len()) as i32;
                assert!(
                    count > 0,
                    "{what}: window ({oy}, {ox}) lies outside the input"
                );
                let mut sum = 0i32;
                for ky in rows.clone() {
                    let row = &in_map[(iy0 + ky as isize) as usize * s.in_width..][..s.in_width];
                    for kx in cols.clone() {
                        sum += i32::from(row[(ix0 + kx as isize) as usize]);
                    }
                }
                let average = rounded_average(sum, count).clamp(i32::from(min), i32::from(max));
                output[c * out_plane + oy * s.out_width + ox] = average as i8;
            }
        }
    }
}
