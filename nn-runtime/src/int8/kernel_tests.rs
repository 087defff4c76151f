//! The kernels on small cases worked out by hand, and the fixed-point functions of softmax
//! against `f64`. The bit-exact comparison with TFLite on the MLPerf Tiny models is
//! `tests/int8_reference.rs`.

use super::*;
use crate::ops::conv::Conv2dShape;

fn unit_scale() -> [QuantizedMultiplier; 1] {
    [QuantizedMultiplier::from_f64(1.0)]
}

fn stage<R: Requantize>(scales: &[R], iz: i32, oz: i32) -> OutputStage<'_, R> {
    OutputStage {
        input_zero_point: iz,
        weight_zero_point: 0,
        output_zero_point: oz,
        min: i8::MIN,
        max: i8::MAX,
        scales,
    }
}

#[test]
fn conv_skips_padding_and_subtracts_zero_points() {
    // 1 channel 3×3, kernel 3×3 of ones, TF `same` (pad 1 each side), stride 2 → 2×2.
    let shape = Conv2dShape {
        in_channels: 1,
        in_height: 3,
        in_width: 3,
        out_channels: 1,
        kernel_h: 3,
        kernel_w: 3,
        stride_h: 2,
        stride_w: 2,
        pad_top: 1,
        pad_left: 1,
        out_height: 2,
        out_width: 2,
    };
    let input: Vec<i8> = (1..=9).map(|v| v - 10).collect(); // real values 1..9 at zero point −10
    let weight = [1i8; 9];
    let scales = unit_scale();
    let mut output = [0i8; 4];
    conv2d(
        &shape,
        &stage(&scales, -10, 3),
        &weight,
        &[100],
        &input,
        &mut output,
    );
    // Windows: top-left sums 1+2+4+5 = 12; top-right 2+3+5+6 = 16 (columns 1..2 of rows
    // 0..1); bottom-left 4+5+7+8 = 24; bottom-right 5+6+8+9 = 28. Bias 100, output zero point 3.
    assert_eq!(output, [115, 119, 127, 127]);
}

#[test]
fn depthwise_multiplier_reads_its_input_channel() {
    // 2 channels 1×1, multiplier 2, kernel 1×1: outputs c·2 and c·2 + 1 read channel c.
    let shape = Conv2dShape {
        in_channels: 2,
        in_height: 1,
        in_width: 1,
        out_channels: 4,
        kernel_h: 1,
        kernel_w: 1,
        stride_h: 1,
        stride_w: 1,
        pad_top: 0,
        pad_left: 0,
        out_height: 1,
        out_width: 1,
    };
    let scales = [0.5, 1.0, 0.25, 2.0].map(QuantizedMultiplier::from_f64);
    let mut output = [0i8; 4];
    depthwise_conv2d(
        &shape,
        &stage(&scales, 0, 0),
        &[1, 2, 3, 4],
        &[],
        &[10, 20],
        &mut output,
    );
    // 10·1·0.5, 10·2·1, 20·3·0.25, 20·4·2 = 160 → clamped.
    assert_eq!(output, [5, 20, 15, 127]);
}

#[test]
fn dense_per_tensor_and_per_channel() {
    let weight = [1i8, -1, 2, 0, 3, -2];
    let input = [4i8, 6, 8];
    let bias = [1, -1];
    let mut output = [0i8; 2];
    let one = [DoubleScale(0.5)];
    fully_connected(&stage(&one, 2, 0), &weight, &bias, &input, &mut output);
    // Inputs minus 2: [2, 4, 6]. Row 0: 2 − 4 + 12 + 1 = 11 → 5.5 → 6; row 1: 0 + 12 − 12 − 1
    // = −1 → −0.5 → −1 (round half away from zero).
    assert_eq!(output, [6, -1]);
    let two = [
        QuantizedMultiplier::from_f64(0.5),
        QuantizedMultiplier::from_f64(3.0),
    ];
    fully_connected(&stage(&two, 2, -5), &weight, &bias, &input, &mut output);
    // 11 · 0.5 = 5.5 → 6 (high multiply rounds up), −1 · 3 = −3; plus −5.
    assert_eq!(output, [1, -8]);
}

#[test]
fn average_pool_counts_only_positions_inside() {
    assert_eq!(rounded_average(5, 2), 3);
    assert_eq!(rounded_average(-5, 2), -3);
    assert_eq!(rounded_average(-4, 3), -1);
    assert_eq!(rounded_average(0, 4), 0);
    // 1 channel 2×2, window 2×2, stride 1, padding 1 top-left → 2×2 outputs whose windows
    // hold 1, 2, 2 and 4 positions.
    let shape = AvgPool2dShape {
        channels: 1,
        in_height: 2,
        in_width: 2,
        size_h: 2,
        size_w: 2,
        stride_h: 1,
        stride_w: 1,
        pad_top: 1,
        pad_left: 1,
        out_height: 2,
        out_width: 2,
    };
    let mut output = [0i8; 4];
    avg_pool2d(&shape, -128, 127, &[1, 2, -3, -6], &mut output);
    // [1], [1, 2] → 1.5 → 2, [1, −3] → −1, [1, 2, −3, −6] → −1.5 → −2.
    assert_eq!(output, [1, 2, -1, -2]);
    avg_pool2d(&shape, 0, 1, &[1, 2, -3, -6], &mut output);
    assert_eq!(output, [1, 1, 0, 0]);
}

#[test]
fn add_rescales_both_inputs() {
    // Equal scales: 2·max = 2s, input multipliers 0.5, output 2s / (2^20 · s_out).
    let params = AddParams::new((0.5, 0), (0.5, 0), (1.0, -10), (-128, 127));
    let mut output = [0i8; 3];
    add(&params, &[2, -3, 100], &[4, 3, 100], &mut output);
    // Reals 1 + 2 = 3, −1.5 + 1.5 = 0, 50 + 50 = 100 → output steps of 1 plus −10.
    assert_eq!(output, [-7, -10, 90]);
    assert_eq!(
        activation_range(FusedActivation::Relu, 1.0, -10),
        (-10, 127)
    );
}

#[test]
fn activation_ranges_quantize_their_bounds() {
    assert_eq!(activation_range(FusedActivation::None, 0.1, 3), (-128, 127));
    assert_eq!(activation_range(FusedActivation::Relu, 0.1, -5), (-5, 127));
    assert_eq!(
        activation_range(FusedActivation::Relu6, 0.0625, -128),
        (-128, -32)
    );
    // 6 / 4 = 1.5 rounds away from zero to 2.
    assert_eq!(activation_range(FusedActivation::Relu6, 4.0, 0), (0, 2));
    assert_eq!(
        activation_range(FusedActivation::ReluN1To1, 0.25, 0),
        (-4, 4)
    );
    // A zero point that puts 0 above the int8 range clamps both bounds to 127.
    assert_eq!(
        activation_range(FusedActivation::Relu, 0.001, 200),
        (127, 127)
    );
}

#[test]
fn fixed_point_exp_and_reciprocal_track_f64() {
    // gemmlowp's exp is a 4th-order Taylor polynomial on quarters: its error is
    // (1/8)^5 / 120 ≈ 2.5e−7 relative, about 550 steps of Q0.31.
    let tolerance = 1e-6 * 2f64.powi(31);
    assert_eq!(exp_on_negative_values(0), i32::MAX);
    for k in 1..2000 {
        let a = -(k * 50_000); // Q5.26: down to about −1.5
        let exact = (f64::from(a) / f64::from(1 << 26)).exp() * 2f64.powi(31);
        let got = f64::from(exp_on_negative_values(a));
        assert!(
            (got - exact).abs() < tolerance,
            "exp({a}): {got} vs {exact}"
        );
    }
    for k in 0..1000 {
        let a = k * 2_000_000; // Q0.31 in [0, 1)
        let exact = 1.0 / (1.0 + f64::from(a) / 2f64.powi(31)) * 2f64.powi(31);
        let got = f64::from(one_over_one_plus_x_for_x_in_0_1(a));
        assert!(
            (got - exact).abs() < tolerance,
            "1/(1+{a}): {got} vs {exact}"
        );
    }
}

#[test]
fn softmax_of_equal_inputs_is_uniform() {
    let params = SoftmaxParams::new(1.0, 0.1);
    let mut output = [0i8; 8];
    softmax(
        &params,
        4,
        &[5, 5, 5, 5, -128, 127, -128, -128],
        &mut output,
    );
    // 1/4 = 64/256 → 64 − 128; the second row puts all of it on one element (255/256 at
    // most, 0/256 elsewhere: exp(−25.5) is below the output's resolution).
    assert_eq!(output[..4], [-64; 4]);
    assert_eq!(output[4..], [-128, 127, -128, -128]);
}
