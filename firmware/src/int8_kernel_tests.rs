//! Feature `int8-kernel-tests`: the Cortex-M4 DSP int8 kernels (`nn::int8::dsp`, real
//! `SMLAD`/`SXTB16`) against the portable ones on this core, on seeded ragged shapes
//! (strides, padding, odd lengths, filters up to the DSP buffers' limits) and saturation
//! edge cases (every input and weight −128 or 127, extreme zero points and scales that
//! drive outputs into the clamp). Any output byte that differs fails the run.

use cortex_m_semihosting::hprintln;
use nn::int8::{
    conv2d_portable, depthwise_conv2d_portable, dsp, fully_connected_portable, AddParams,
    Conv2dShape, DoubleScale, OutputStage, QuantizedMultiplier,
};
use nn::Rng;

/// Largest input, weight and output of a case (bytes).
const MAX_LEN: usize = 6144;

/// Cases per kernel.
const CASES: usize = 300;

/// Every value `edge`, or seeded random ones.
fn fill(rng: &mut Rng, values: &mut [i8], edge: Option<i8>) {
    for v in values {
        *v = edge.unwrap_or((rng.next_u64() >> 56) as u8 as i8);
    }
}

/// A number in `0..n`.
fn below(rng: &mut Rng, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// Input zero points, weight and input values: random, and the two saturating extremes.
const EDGES: [Option<i8>; 3] = [None, Some(i8::MIN), Some(i8::MAX)];

/// A scale for output channel `o` of a case: ordinary, or so large that outputs saturate
/// (below 0.5, which the DSP kernels' requantization takes).
fn scale(rng: &mut Rng, case: usize, o: usize) -> f64 {
    if case % 5 == 4 {
        0.45 - 0.005 * o as f64
    } else {
        1e-4 + 0.01 * f64::from(rng.next_f32())
    }
}

/// How a convolution case's channels are quantized beyond [`scale`].
#[derive(Clone, Copy, PartialEq)]
enum Channels {
    Ordinary,
    /// Every third filter all zeros, with the bias near ±2^30 and the vanishing or
    /// left-shifting scale TFLite's converter gives a pruned channel: the convolution of
    /// filters that fit a column skips them, the others decline the layer.
    Pruned,
    /// Channel 0's scale 0.75, a left shift: the DSP kernels decline the layer.
    LeftShift,
}

fn channels(case: usize) -> Channels {
    match case % 11 {
        10 => Channels::Pruned,
        7 => Channels::LeftShift,
        _ => Channels::Ordinary,
    }
}

/// A convolution of ragged shape; case `case % 5 == 2` a pointwise one on the input's
/// grid; case `case % 7 == 6` is a long filter (in_channels·9 up
/// to the column limit) or a 3×3 depthwise plane, every other one larger than the ring of
/// rows holds whole.
fn shape(rng: &mut Rng, case: usize, depthwise: bool) -> Conv2dShape {
    let long = case % 7 == 6;
    let in_channels = if long && !depthwise {
        32 + below(rng, 39)
    } else {
        1 + below(rng, 19)
    };
    // Every fifth case a pointwise convolution on the input's own grid (the kernels fill
    // such columns a batch at a time).
    let same_grid = case % 5 == 2;
    let (kernel_h, kernel_w) = if long {
        (3, 3)
    } else if same_grid {
        (1, 1)
    } else {
        (1 + below(rng, 4), 1 + below(rng, 5))
    };
    let (stride_h, stride_w) = if same_grid {
        (1, 1)
    } else {
        (1 + below(rng, 2), 1 + below(rng, 2))
    };
    let grow = match (long && depthwise, case % 14 == 6) {
        (true, true) => 30,
        (true, false) => 12,
        (false, _) => 7,
    };
    let (in_height, in_width) = (kernel_h + below(rng, grow), kernel_w + below(rng, grow));
    let (pad_top, pad_left) = (below(rng, kernel_h), below(rng, kernel_w));
    let out_channels = if depthwise {
        in_channels * (1 + below(rng, 2))
    } else {
        1 + below(rng, 9)
    };
    let mut s = Conv2dShape {
        in_channels: if long && depthwise { 2 } else { in_channels },
        in_height,
        in_width,
        out_channels: if long && depthwise { 4 } else { out_channels },
        kernel_h,
        kernel_w,
        stride_h,
        stride_w,
        pad_top,
        pad_left,
        out_height: 0,
        out_width: 0,
    };
    s.out_height = (in_height + 2 * pad_top - kernel_h) / stride_h + 1;
    s.out_width = (in_width + 2 * pad_left - kernel_w) / stride_w + 1;
    s
}

/// Runs every comparison; prints one line per kernel and tells whether all agreed.
pub fn run() -> bool {
    let mut rng = Rng::new(0x15);
    let mut input = [0i8; MAX_LEN];
    let mut weight = [0i8; MAX_LEN];
    let mut bias = [0i32; 64];
    let mut multipliers = [QuantizedMultiplier::from_f64(1.0); 64];
    let mut doubles = [DoubleScale(1.0); 64];
    let (mut fast, mut portable) = ([0i8; MAX_LEN], [0i8; MAX_LEN]);
    let mut all_agree = true;

    for (kernel, depthwise) in [("conv2d", false), ("depthwise_conv2d", true)] {
        let (mut agreeing, mut outputs, mut bytes, mut declined) = (0, 0, 0, 0);
        for case in 0..CASES {
            let s = shape(&mut rng, case, depthwise);
            let taps = s.kernel_h * s.kernel_w;
            let per_filter = if depthwise {
                taps
            } else {
                s.in_channels * taps
            };
            let (in_len, w_len) = (
                s.in_channels * s.in_height * s.in_width,
                s.out_channels * per_filter,
            );
            let out_len = s.out_channels * s.out_height * s.out_width;
            if in_len > MAX_LEN || w_len > MAX_LEN || out_len > MAX_LEN || s.out_channels > 64 {
                continue;
            }
            fill(&mut rng, &mut input[..in_len], EDGES[case % 3]);
            fill(&mut rng, &mut weight[..w_len], EDGES[(case / 3) % 3]);
            for o in 0..s.out_channels {
                bias[o] = below(&mut rng, 40_001) as i32 - 20_000;
                multipliers[o] = QuantizedMultiplier::from_f64(scale(&mut rng, case, o));
                if channels(case) == Channels::Pruned && o % 3 == 0 {
                    weight[o * per_filter..][..per_filter].fill(0);
                    bias[o] = if o % 2 == 0 {
                        (1 << 30) + 5
                    } else {
                        -(1 << 30) - 77
                    };
                    let vanishing = (o / 3) % 2 == 0;
                    multipliers[o] =
                        QuantizedMultiplier::from_f64(if vanishing { 1e-12 } else { 3.0 });
                }
            }
            if channels(case) == Channels::LeftShift {
                multipliers[0] = QuantizedMultiplier::from_f64(0.75);
            }
            let stage = OutputStage {
                input_zero_point: [-128, 127, 5][(case / 9) % 3],
                weight_zero_point: 0,
                output_zero_point: [-128, 127, -3][case % 3],
                min: if case % 4 == 3 { -128 } else { -100 },
                max: if case % 4 == 3 { 127 } else { 90 },
                scales: &multipliers[..s.out_channels],
            };
            let (input, weight, bias) =
                (&input[..in_len], &weight[..w_len], &bias[..s.out_channels]);
            let ran = if depthwise {
                depthwise_conv2d_portable(
                    &s,
                    &stage,
                    weight,
                    bias,
                    input,
                    &mut portable[..out_len],
                );
                dsp::depthwise_conv2d(&s, &stage, weight, bias, input, &mut fast[..out_len])
            } else {
                conv2d_portable(&s, &stage, weight, bias, input, &mut portable[..out_len]);
                dsp::conv2d(&s, &stage, weight, bias, input, &mut fast[..out_len])
            };
            let declines = match channels(case) {
                Channels::Ordinary => false,
                // Filters summed in pieces do not skip pruned ones either.
                Channels::Pruned => depthwise || per_filter > dsp::MAX_COLUMN,
                Channels::LeftShift => true,
            };
            let same = if declines {
                !ran
            } else {
                ran && fast[..out_len] == portable[..out_len]
            };
            if !same {
                hprintln!(
                    "{} case {} differs (DSP path taken: {}, expected: {}): {:?}",
                    kernel,
                    case,
                    ran,
                    !declines,
                    s
                );
            }
            agreeing += usize::from(same);
            outputs += 1;
            if declines {
                declined += 1;
            } else {
                bytes += out_len;
            }
        }
        hprintln!(
            "int8 kernels: {} DSP bit-identical to portable on {} of {} cases ({} output bytes; {} of them declined as expected)",
            kernel,
            agreeing,
            outputs,
            bytes,
            declined
        );
        all_agree &= agreeing == outputs;
    }

    let (mut agreeing, mut bytes) = (0, 0);
    for case in 0..CASES {
        let (inputs, outputs) = if case % 7 == 6 {
            (600 + below(&mut rng, 41), 1 + below(&mut rng, 9))
        } else {
            (1 + below(&mut rng, 200), 1 + below(&mut rng, 30))
        };
        fill(&mut rng, &mut input[..inputs], EDGES[case % 3]);
        fill(
            &mut rng,
            &mut weight[..inputs * outputs],
            EDGES[(case / 3) % 3],
        );
        for o in 0..outputs {
            bias[o] = below(&mut rng, 40_001) as i32 - 20_000;
            doubles[o] = DoubleScale(scale(&mut rng, case, o));
            multipliers[o] = QuantizedMultiplier::from_f64(doubles[o].0);
        }
        let (input, weight, bias) = (
            &input[..inputs],
            &weight[..inputs * outputs],
            &bias[..outputs],
        );
        let (iz, oz) = ([-128, 127, 5][(case / 9) % 3], [-128, 127, -3][case % 3]);
        let same = if case % 2 == 0 {
            let stage = OutputStage {
                input_zero_point: iz,
                weight_zero_point: 0,
                output_zero_point: oz,
                min: -128,
                max: 127,
                scales: &doubles[..outputs],
            };
            fully_connected_portable(&stage, weight, bias, input, &mut portable[..outputs]);
            dsp::fully_connected(&stage, weight, bias, input, &mut fast[..outputs])
        } else {
            let stage = OutputStage {
                input_zero_point: iz,
                weight_zero_point: 0,
                output_zero_point: oz,
                min: -100,
                max: 100,
                scales: &multipliers[..outputs],
            };
            fully_connected_portable(&stage, weight, bias, input, &mut portable[..outputs]);
            dsp::fully_connected(&stage, weight, bias, input, &mut fast[..outputs])
        } && fast[..outputs] == portable[..outputs];
        if !same {
            hprintln!(
                "fully_connected case {} differs: {} inputs, {} outputs",
                case,
                inputs,
                outputs
            );
        }
        agreeing += usize::from(same);
        bytes += outputs;
    }
    hprintln!(
        "int8 kernels: fully_connected DSP bit-identical to portable on {} of {} cases ({} output bytes)",
        agreeing,
        CASES,
        bytes
    );
    all_agree &= agreeing == CASES;
    all_agree & adds(&mut rng, &mut input, &mut weight, &mut fast)
}

/// The DSP addition against [`AddParams::add`] (TFLite's reference arithmetic) per element:
/// seeded scales (either input the larger, an output scale from tiny to large), zero
/// points at both extremes, clamps, and saturating inputs.
fn adds(rng: &mut Rng, a: &mut [i8], b: &mut [i8], fast: &mut [i8]) -> bool {
    let (mut agreeing, mut bytes) = (0, 0);
    for case in 0..CASES {
        let len = 1 + below(rng, 700);
        fill(rng, &mut a[..len], EDGES[case % 3]);
        fill(rng, &mut b[..len], EDGES[(case / 3) % 3]);
        let mut scale = |low: f32, high: f32| low + (high - low) * rng.next_f32();
        let (s1, s2, so) = (scale(1e-3, 0.2), scale(1e-3, 0.2), scale(1e-3, 0.5));
        let zero_point = |k: usize| [-128, 127, 0, -7][k % 4];
        let clamp = if case % 4 == 1 {
            (-90, 100)
        } else {
            (-128, 127)
        };
        let params = AddParams::new(
            (s1, zero_point(case)),
            (s2, zero_point(case / 4)),
            (so, zero_point(case / 16)),
            clamp,
        );
        let ran = dsp::add(&params, &a[..len], &b[..len], &mut fast[..len]);
        let same = ran && (0..len).all(|i| fast[i] == params.add(a[i], b[i]));
        if !same {
            hprintln!(
                "add case {} differs (DSP path taken: {}): {:?}",
                case,
                ran,
                params
            );
        }
        agreeing += usize::from(same);
        bytes += len;
    }
    hprintln!(
        "int8 kernels: add DSP bit-identical to portable on {} of {} cases ({} output bytes)",
        agreeing,
        CASES,
        bytes
    );
    agreeing == CASES
}
