//! Global pooling over `[channels, height, width]` samples: the mean or the maximum of each
//! channel's whole map, `[channels]` out (Keras' `GlobalAveragePooling2D` and
//! `GlobalMaxPooling2D`, PyTorch's `AdaptiveAvgPool2d(1)` and `AdaptiveMaxPool2d(1)` followed
//! by a flatten). Slices may hold a whole batch (any whole number of samples).

/// The fixed geometry of one global pooling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalPoolShape {
    /// Channels (the output's width).
    pub channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
}

impl GlobalPoolShape {
    /// Values in one channel's map.
    pub const fn area(&self) -> usize {
        self.height * self.width
    }
}

/// Checks the slice lengths against the geometry; returns the number of maps (samples ×
/// channels) they hold, each of which gives one output.
fn maps(what: &str, shape: &GlobalPoolShape, input: usize, output: usize) -> usize {
    let s = shape;
    let sample = s.channels * s.area();
    if sample == 0 {
        assert!(
            input == 0 && output == 0,
            "{what}: a sample of {} channels × {}×{} holds no values, got {input} inputs and \
             {output} outputs",
            s.channels,
            s.height,
            s.width
        );
        return 0;
    }
    assert!(
        input.is_multiple_of(sample),
        "{what}: {input} input values are not a whole number of samples of {} channels × {}×{}",
        s.channels,
        s.height,
        s.width
    );
    let batch = input / sample;
    assert_eq!(
        output,
        batch * s.channels,
        "{what}: {output} output values, but {batch} samples × {} channels need {}",
        s.channels,
        batch * s.channels
    );
    batch * s.channels
}

/// The mean of each channel's map.
pub fn global_avg_pool2d_forward(shape: &GlobalPoolShape, input: &[f32], output: &mut [f32]) {
    let s = shape;
    if maps("global_avg_pool2d_forward", s, input.len(), output.len()) == 0 {
        return;
    }
    let area = s.area() as f32;
    for (map, o) in input.chunks_exact(s.area()).zip(output) {
        *o = super::math::sum(map) / area;
    }
}

/// Spreads each output's gradient evenly over its map; *overwrites* `input_grad`.
pub fn global_avg_pool2d_backward(
    shape: &GlobalPoolShape,
    output_grad: &[f32],
    input_grad: &mut [f32],
) {
    let s = shape;
    let what = "global_avg_pool2d_backward";
    if maps(what, s, input_grad.len(), output_grad.len()) == 0 {
        return;
    }
    let area = s.area() as f32;
    for (map, &g) in input_grad.chunks_exact_mut(s.area()).zip(output_grad) {
        map.fill(g / area);
    }
}

/// The place and value of the first maximum of `map`; a NaN counts as the maximum, so it
/// propagates (as in [`super::pool::max_pool2d_forward`]).
fn first_max(map: &[f32]) -> (usize, f32) {
    let (mut best_at, mut best) = (0, map[0]);
    for (i, &v) in map.iter().enumerate() {
        if v.is_nan() {
            return (i, v);
        }
        if v > best {
            (best_at, best) = (i, v);
        }
    }
    (best_at, best)
}

/// The maximum of each channel's map.
pub fn global_max_pool2d_forward(shape: &GlobalPoolShape, input: &[f32], output: &mut [f32]) {
    let s = shape;
    if maps("global_max_pool2d_forward", s, input.len(), output.len()) == 0 {
        return;
    }
    for (map, o) in input.chunks_exact(s.area()).zip(output) {
        *o = first_max(map).1;
    }
}

/// Routes each output's gradient to the first maximum of its map (found again from
/// `input`, so ties and NaNs resolve as in the forward pass); *overwrites* `input_grad`.
pub fn global_max_pool2d_backward(
    shape: &GlobalPoolShape,
    input: &[f32],
    output_grad: &[f32],
    input_grad: &mut [f32],
) {
    let s = shape;
    let what = "global_max_pool2d_backward";
    assert_eq!(
        input.len(),
        input_grad.len(),
        "{what}: input_grad has {} values, but input has {}",
        input_grad.len(),
        input.len()
    );
    if maps(what, s, input.len(), output_grad.len()) == 0 {
        return;
    }
    let maps = input
        .chunks_exact(s.area())
        .zip(input_grad.chunks_exact_mut(s.area()));
    for ((map, grad), &g) in maps.zip(output_grad) {
        grad.fill(0.0);
        grad[first_max(map).0] = g;
    }
}

#[cfg(test)]
#[path = "global_pool_tests.rs"]
mod tests;
