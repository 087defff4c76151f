//! The arithmetic of post-training quantization, as TFLite's converter does it
//! (`tensorflow/lite/tools/optimize/quantization_utils.cc`): the range a calibration run
//! saw ([`TensorRange`]), the asymmetric int8 parameters of an activation from it
//! ([`asymmetric_quantization`]), per-channel symmetric int8 weights
//! ([`symmetric_per_channel`]) and int32 biases at `input_scale · weight_scale`
//! ([`quantize_bias`]).

use super::Quantization;

/// The values a calibration run saw in one tensor: their extremes, and, for
/// [`TensorRange::percentile`], the values themselves.
#[derive(Clone, Debug, Default)]
pub struct TensorRange {
    /// The smallest value seen (`+∞` before any).
    pub min: f32,
    /// The largest value seen (`−∞` before any).
    pub max: f32,
    values: Vec<f32>,
    keep_values: bool,
}

impl TensorRange {
    /// An empty range; `keep_values` keeps every value for [`Self::percentile`].
    pub fn new(keep_values: bool) -> Self {
        Self {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            values: Vec::new(),
            keep_values,
        }
    }

    /// Widens the range to `values`, all finite (checked by the caller).
    pub fn observe(&mut self, values: &[f32]) {
        for &v in values {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        if self.keep_values {
            self.values.extend_from_slice(values);
        }
    }

    /// The range of the values between the `(100 − p)`-th and the `p`-th percentile
    /// (`p` in `(50, 100]`; nearest rank): outliers beyond are clipped, as calibrators
    /// that clip do. Without kept values, or with `p ≥ 100`, the min/max range.
    pub fn percentile(&self, p: f32) -> (f32, f32) {
        if self.values.is_empty() || p >= 100.0 {
            return (self.min, self.max);
        }
        let mut sorted = self.values.clone();
        sorted.sort_unstable_by(f32::total_cmp);
        let last = sorted.len() - 1;
        let rank = |q: f32| ((q / 100.0 * last as f32).round() as usize).min(last);
        (sorted[rank(100.0 - p)], sorted[rank(p)])
    }
}

/// TFLite's `GetAsymmetricQuantizationParams` for int8 (`[−128, 127]`): the range widened to
/// include 0, `scale = (max − min) / 255`, the zero point `−128 − min / scale` rounded
/// (half away from zero) and kept within int8. All in single precision, as there.
///
/// A range of 0 alone (a layer that never fired) has no scale in TFLite's formula (it
/// divides by zero); here it gets scale 1 and zero point −128, which hold that 0 exactly.
pub fn asymmetric_quantization(min: f32, max: f32) -> Quantization {
    const QMIN: f32 = -128.0;
    const QMAX: f32 = 127.0;
    let min = min.min(0.0);
    let max = max.max(0.0);
    let scale = (max - min) / (QMAX - QMIN);
    if scale == 0.0 {
        return Quantization {
            scale: 1.0,
            zero_point: -128,
        };
    }
    let zero_point_from_min = QMIN - min / scale;
    let zero_point = if zero_point_from_min < QMIN {
        -128
    } else if zero_point_from_min > QMAX {
        127
    } else {
        libm::roundf(zero_point_from_min) as i32
    };
    Quantization { scale, zero_point }
}

/// TFLite's `SymmetricPerChannelQuantization` for `[channels, …]` weights: per channel,
/// `scale = max |w| / 127` and `q = round(w · (1 / scale))` clamped to `[−127, 127]`; a
/// channel of zeros gets scale 1 (TFLite's converter leaves it 0, which no kernel can
/// divide by) and zero weights. Returns the int8 weights in the same layout and the scales.
pub fn symmetric_per_channel(weights: &[f32], channels: usize) -> (Vec<i8>, Vec<f32>) {
    let per_channel = weights.len() / channels.max(1);
    let mut quantized = Vec::with_capacity(weights.len());
    let mut scales = Vec::with_capacity(channels);
    for row in weights.chunks(per_channel.max(1)).take(channels) {
        let largest = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let inverse = 1.0 / scale;
        quantized.extend(
            row.iter()
                .map(|&w| (libm::roundf(w * inverse) as i32).clamp(-127, 127) as i8),
        );
        scales.push(scale);
    }
    (quantized, scales)
}

/// TFLite's `SymmetricPerChannelBiasQuantize`: bias `b` of a channel with weight scale `s`
/// becomes `round(b / (input_scale · s))` (the product in single precision), within
/// `±i32::MAX`.
pub fn quantize_bias(bias: &[f32], input_scale: f32, weight_scales: &[f32]) -> Vec<i32> {
    bias.iter()
        .zip(weight_scales)
        .map(|(&b, &s)| {
            let scale = input_scale * s;
            let inverse = if scale == 0.0 {
                0.0
            } else {
                1.0 / f64::from(scale)
            };
            let q = libm::round(f64::from(b) * inverse);
            q.clamp(-f64::from(i32::MAX), f64::from(i32::MAX)) as i32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_of_zero_to_one_is_the_image_quantization() {
        // [0, 1]: scale 1/255, zero point −128 − 0 = −128.
        let q = asymmetric_quantization(0.0, 1.0);
        assert_eq!(q.scale, 1.0 / 255.0);
        assert_eq!(q.zero_point, -128);
    }

    #[test]
    fn the_range_is_widened_to_include_zero() {
        // [2, 4] → [0, 4]: scale 4/255, zero point −128.
        let q = asymmetric_quantization(2.0, 4.0);
        assert_eq!(q.scale, 4.0 / 255.0);
        assert_eq!(q.zero_point, -128);
        // [−4, −2] → [−4, 0]: zero point −128 + 255 = 127.
        let q = asymmetric_quantization(-4.0, -2.0);
        assert_eq!(q.scale, 4.0 / 255.0);
        assert_eq!(q.zero_point, 127);
    }

    #[test]
    fn the_zero_point_is_rounded_from_the_minimum() {
        // [−1, 2]: scale 3/255, −128 + 1 / (3/255) = −128 + 85 = −43.
        let q = asymmetric_quantization(-1.0, 2.0);
        assert_eq!(q.scale, 3.0 / 255.0);
        assert_eq!(q.zero_point, -43);
        // [−1, 1]: −128 + 127.5 = −0.5, rounded away from zero: −1.
        let q = asymmetric_quantization(-1.0, 1.0);
        assert_eq!(q.scale, 2.0 / 255.0);
        assert_eq!(q.zero_point, -1);
        // [−0.3, 5]: −128 + 0.3 · 255 / 5.3 = −128 + 14.43 = −113.57 → −114.
        assert_eq!(asymmetric_quantization(-0.3, 5.0).zero_point, -114);
        // Real zero is then exactly representable: it quantizes to the zero point.
        let q = asymmetric_quantization(-0.3, 5.0);
        assert_eq!(q.quantize(0.0), -114);
    }

    #[test]
    fn a_range_of_zero_alone_gets_scale_one() {
        let q = asymmetric_quantization(0.0, 0.0);
        assert_eq!((q.scale, q.zero_point), (1.0, -128));
        assert_eq!(q.quantize(0.0), -128);
    }

    #[test]
    fn weights_are_symmetric_per_channel() {
        // Channel 0: max |w| = 2 → scale 2/127; channel 1: 0.5 → 0.5/127; channel 2: zeros.
        let w = [2.0, -1.1, 0.5, 0.0, -0.5, 0.3, 0.0, 0.0, 0.0];
        let (q, scales) = symmetric_per_channel(&w, 3);
        assert_eq!(scales, [2.0 / 127.0, 0.5 / 127.0, 1.0]);
        // −1.1 · 63.5 = −69.85 → −70; 0.5 · 63.5 = 31.75 → 32; 0.3 · 254 = 76.2 → 76.
        assert_eq!(q, [127, -70, 32, 0, -127, 76, 0, 0, 0]);
    }

    #[test]
    fn biases_are_at_input_scale_times_weight_scale() {
        // input scale 0.5, weight scales 0.1 and 0.02: bias scales 0.05 and 0.01.
        let b = quantize_bias(&[1.0, -0.256], 0.5, &[0.1, 0.02]);
        assert_eq!(b, [20, -26]);
        // Far beyond int32: saturates.
        assert_eq!(quantize_bias(&[1e12], 1e-3, &[1e-3]), [i32::MAX]);
    }

    #[test]
    fn percentiles_clip_outliers() {
        let mut range = TensorRange::new(true);
        let values: Vec<f32> = (0..=100).map(|i| i as f32).collect();
        range.observe(&values);
        range.observe(&[1000.0]);
        assert_eq!((range.min, range.max), (0.0, 1000.0));
        // 102 values, ranks 0..=101: 99% → rank round(0.99 · 101) = 100 → the value 100.
        assert_eq!(range.percentile(99.0), (1.0, 100.0));
        assert_eq!(range.percentile(100.0), (0.0, 1000.0));
    }
}
