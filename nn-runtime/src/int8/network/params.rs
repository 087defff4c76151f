//! The parameters of each int8 layer in fixed-size arrays, the types `network!`'s quantized
//! networks are made of: `const` to build (zeroed, or from bytes) and thin over the kernels.

use super::bytes::{LeReader, LeWriter};
use crate::int8::{
    self, AddParams, AvgPool2dShape, DoubleScale, OutputStage, QuantizedMultiplier, SoftmaxParams,
};
use crate::ops::conv::Conv2dShape;

/// The quantization of a tensor: the real value of `q` is `scale · (q − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization {
    /// The step between neighbouring values.
    pub scale: f32,
    /// The int8 value of a real 0.
    pub zero_point: i32,
}

impl Quantization {
    /// Scale 0, zero point 0: a network not loaded yet.
    pub const ZERO: Self = Self {
        scale: 0.0,
        zero_point: 0,
    };
    /// Bytes in the image.
    pub const BYTES: usize = 8;

    /// Reads the fields.
    pub const fn read(&mut self, r: &mut LeReader<'_>) {
        self.scale = r.f32();
        self.zero_point = r.i32();
    }

    /// Writes the fields.
    pub fn write(&self, w: &mut LeWriter<'_>) {
        w.f32(self.scale);
        w.i32s(&[self.zero_point]);
    }

    /// `x` quantized: `round(x / scale) + zero_point`, saturated to int8.
    pub fn quantize(&self, x: f32) -> i8 {
        let q = libm::roundf(x / self.scale) as i32;
        q.saturating_add(self.zero_point).clamp(-128, 127) as i8
    }

    /// The real value of `q`.
    pub fn dequantize(&self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero_point) as f32
    }
}

/// A convolution's or depthwise convolution's parameters: `W` weights in `nn`'s layout,
/// `C` output channels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvParams<const W: usize, const C: usize> {
    /// `[O, I, KH, KW]` (convolution) or `[C·M, KH, KW]` (depthwise).
    pub weight: [i8; W],
    /// Per output channel, at scale `input_scale · weight_scale`.
    pub bias: [i32; C],
    /// Per output channel: `input_scale · weight_scale / output_scale`.
    pub scales: [QuantizedMultiplier; C],
    /// The input's zero point.
    pub input_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// The smallest output (the folded activation's clamp).
    pub min: i8,
    /// The largest output.
    pub max: i8,
}

const ZERO_MULTIPLIER: QuantizedMultiplier = QuantizedMultiplier {
    multiplier: 0,
    shift: 0,
};

impl<const W: usize, const C: usize> ConvParams<W, C> {
    /// All zero.
    pub const ZERO: Self = Self {
        weight: [0; W],
        bias: [0; C],
        scales: [ZERO_MULTIPLIER; C],
        input_zero_point: 0,
        output_zero_point: 0,
        min: 0,
        max: 0,
    };
    /// Bytes in the image: weights, biases, significands, shifts, zero points, clamp.
    pub const BYTES: usize = W + 12 * C + 10;

    /// Reads the fields in [`write_conv`]'s order.
    pub const fn read(&mut self, r: &mut LeReader<'_>) {
        r.i8s(&mut self.weight);
        r.i32s(&mut self.bias);
        r.multipliers(&mut self.scales);
        self.input_zero_point = r.i32();
        self.output_zero_point = r.i32();
        self.min = r.i8();
        self.max = r.i8();
    }

    /// Writes the fields.
    pub fn write(&self, w: &mut LeWriter<'_>) {
        let zero_points = (self.input_zero_point, self.output_zero_point);
        let clamp = (self.min, self.max);
        write_conv(
            w,
            &self.weight,
            &self.bias,
            &self.scales,
            zero_points,
            clamp,
        );
    }

    /// The kernels' view.
    pub fn stage(&self) -> OutputStage<'_, QuantizedMultiplier> {
        OutputStage {
            input_zero_point: self.input_zero_point,
            weight_zero_point: 0,
            output_zero_point: self.output_zero_point,
            min: self.min,
            max: self.max,
            scales: &self.scales,
        }
    }

    /// [`int8::conv2d`] with these parameters.
    #[inline]
    pub fn conv2d(&self, shape: &Conv2dShape, input: &[i8], output: &mut [i8]) {
        conv2d(
            shape,
            &self.stage(),
            &self.weight,
            &self.bias,
            input,
            output,
        );
    }

    /// [`int8::depthwise_conv2d`] with these parameters.
    #[inline]
    pub fn depthwise_conv2d(&self, shape: &Conv2dShape, input: &[i8], output: &mut [i8]) {
        depthwise_conv2d(
            shape,
            &self.stage(),
            &self.weight,
            &self.bias,
            input,
            output,
        );
    }
}

// The kernels instantiated here, not generic: compiled once, in this crate (and so
// optimized even where the generated code that calls them is not).

#[inline(never)]
fn conv2d(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, QuantizedMultiplier>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    int8::conv2d(shape, stage, weight, bias, input, output);
}

#[inline(never)]
fn depthwise_conv2d(
    shape: &Conv2dShape,
    stage: &OutputStage<'_, QuantizedMultiplier>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    int8::depthwise_conv2d(shape, stage, weight, bias, input, output);
}

#[inline(never)]
fn fully_connected(
    stage: &OutputStage<'_, DoubleScale>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    int8::fully_connected(stage, weight, bias, input, output);
}

/// Writes a convolution's parameters as [`ConvParams::read`] reads them; an empty `bias`
/// is written as zeros.
pub fn write_conv(
    w: &mut LeWriter<'_>,
    weight: &[i8],
    bias: &[i32],
    scales: &[QuantizedMultiplier],
    (input_zero_point, output_zero_point): (i32, i32),
    (min, max): (i8, i8),
) {
    w.i8s(weight);
    if bias.is_empty() {
        w.zeros_i32(scales.len());
    } else {
        w.i32s(bias);
    }
    w.multipliers(scales);
    w.i32s(&[input_zero_point, output_zero_point]);
    w.i8s(&[min, max]);
}

/// A dense layer's parameters: `W = O · inputs` weights, `O` outputs, requantized in double
/// precision as TFLite's reference kernel does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseParams<const W: usize, const O: usize> {
    /// `[O, inputs]`.
    pub weight: [i8; W],
    /// Per output.
    pub bias: [i32; O],
    /// Per output: `input_scale · weight_scale / output_scale`.
    pub scales: [DoubleScale; O],
    /// The input's zero point.
    pub input_zero_point: i32,
    /// The output's zero point.
    pub output_zero_point: i32,
    /// The smallest output.
    pub min: i8,
    /// The largest output.
    pub max: i8,
}

impl<const W: usize, const O: usize> DenseParams<W, O> {
    /// All zero.
    pub const ZERO: Self = Self {
        weight: [0; W],
        bias: [0; O],
        scales: [DoubleScale(0.0); O],
        input_zero_point: 0,
        output_zero_point: 0,
        min: 0,
        max: 0,
    };
    /// Bytes in the image: weights, biases, scales, zero points, clamp.
    pub const BYTES: usize = W + 12 * O + 10;

    /// Reads the fields in [`write_dense`]'s order.
    pub const fn read(&mut self, r: &mut LeReader<'_>) {
        r.i8s(&mut self.weight);
        r.i32s(&mut self.bias);
        r.double_scales(&mut self.scales);
        self.input_zero_point = r.i32();
        self.output_zero_point = r.i32();
        self.min = r.i8();
        self.max = r.i8();
    }

    /// Writes the fields.
    pub fn write(&self, w: &mut LeWriter<'_>) {
        let zero_points = (self.input_zero_point, self.output_zero_point);
        let clamp = (self.min, self.max);
        write_dense(
            w,
            &self.weight,
            &self.bias,
            &self.scales,
            zero_points,
            clamp,
        );
    }

    /// [`int8::fully_connected`] with these parameters.
    #[inline]
    pub fn fully_connected(&self, input: &[i8], output: &mut [i8]) {
        let stage = OutputStage {
            input_zero_point: self.input_zero_point,
            weight_zero_point: 0,
            output_zero_point: self.output_zero_point,
            min: self.min,
            max: self.max,
            scales: &self.scales,
        };
        fully_connected(&stage, &self.weight, &self.bias, input, output);
    }
}

/// Writes a dense layer's parameters as [`DenseParams::read`] reads them.
pub fn write_dense(
    w: &mut LeWriter<'_>,
    weight: &[i8],
    bias: &[i32],
    scales: &[DoubleScale],
    (input_zero_point, output_zero_point): (i32, i32),
    (min, max): (i8, i8),
) {
    w.i8s(weight);
    if bias.is_empty() {
        w.zeros_i32(scales.len());
    } else {
        w.i32s(bias);
    }
    w.double_scales(scales);
    w.i32s(&[input_zero_point, output_zero_point]);
    w.i8s(&[min, max]);
}

/// An average pooling's clamp (input and output share their quantization).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    /// The smallest output.
    pub min: i8,
    /// The largest output.
    pub max: i8,
}

impl PoolParams {
    /// All zero.
    pub const ZERO: Self = Self { min: 0, max: 0 };
    /// Bytes in the image.
    pub const BYTES: usize = 2;

    /// Reads the clamp.
    pub const fn read(&mut self, r: &mut LeReader<'_>) {
        self.min = r.i8();
        self.max = r.i8();
    }

    /// Writes the clamp.
    pub fn write(&self, w: &mut LeWriter<'_>) {
        w.i8s(&[self.min, self.max]);
    }

    /// [`int8::avg_pool2d`] with this clamp.
    #[inline]
    pub fn avg_pool2d(&self, shape: &AvgPool2dShape, input: &[i8], output: &mut [i8]) {
        int8::avg_pool2d(shape, self.min, self.max, input, output);
    }
}

/// [`AddParams`] with nothing set.
pub const ZERO_ADD: AddParams = AddParams {
    input1_zero_point: 0,
    input2_zero_point: 0,
    output_zero_point: 0,
    input1: ZERO_MULTIPLIER,
    input2: ZERO_MULTIPLIER,
    output: ZERO_MULTIPLIER,
    min: 0,
    max: 0,
};
/// Bytes of an [`AddParams`] in the image.
pub const ADD_BYTES: usize = 38;

/// Reads an [`AddParams`].
pub const fn read_add(p: &mut AddParams, r: &mut LeReader<'_>) {
    p.input1_zero_point = r.i32();
    p.input2_zero_point = r.i32();
    p.output_zero_point = r.i32();
    let mut m = [ZERO_MULTIPLIER; 3];
    r.multipliers(&mut m);
    p.input1 = m[0];
    p.input2 = m[1];
    p.output = m[2];
    p.min = r.i8();
    p.max = r.i8();
}

/// Writes an [`AddParams`] as [`read_add`] reads it.
pub fn write_add(p: &AddParams, w: &mut LeWriter<'_>) {
    w.i32s(&[
        p.input1_zero_point,
        p.input2_zero_point,
        p.output_zero_point,
    ]);
    w.multipliers(&[p.input1, p.input2, p.output]);
    w.i8s(&[p.min, p.max]);
}

/// [`SoftmaxParams`] with nothing set.
pub const ZERO_SOFTMAX: SoftmaxParams = SoftmaxParams {
    input_multiplier: 0,
    input_left_shift: 0,
    diff_min: 0,
};
/// Bytes of a [`SoftmaxParams`] in the image.
pub const SOFTMAX_BYTES: usize = 12;

/// Reads a [`SoftmaxParams`].
pub const fn read_softmax(p: &mut SoftmaxParams, r: &mut LeReader<'_>) {
    p.input_multiplier = r.i32();
    p.input_left_shift = r.i32();
    p.diff_min = r.i32();
}

/// Writes a [`SoftmaxParams`] as [`read_softmax`] reads it.
pub fn write_softmax(p: &SoftmaxParams, w: &mut LeWriter<'_>) {
    w.i32s(&[p.input_multiplier, p.input_left_shift, p.diff_min]);
}
