//! Int8 fully connected layer, TFLite's `reference_integer_ops::FullyConnected` (per-tensor
//! weights) and `FullyConnectedPerChannel`: weight `[outputs, inputs]`, one sample.

use super::multiplier::Requantize;
use super::output_stage::{bias_of, OutputStage};

/// The same as [`fully_connected_portable`], on the fastest path this target has.
///
/// On a Cortex-M with the DSP extension (`thumbv7em`) this runs [`super::dsp::fully_connected`] where it
/// applies; with `std`, the int8 kernels of the kernel table's variant
/// ([`crate::ops::kernels`]) where they apply; else [`fully_connected_portable`]. All give
/// the same bits.
pub fn fully_connected<R: Requantize>(
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    #[cfg(nn_arm_dsp)]
    if super::dsp::fully_connected(stage, weight, bias, input, output) {
        return;
    }
    #[cfg(feature = "std")]
    if super::accelerated::fully_connected(
        crate::ops::kernels::active(),
        stage,
        weight,
        bias,
        input,
        output,
    ) {
        return;
    }
    fully_connected_portable(stage, weight, bias, input, output);
}

/// The portable kernel, the reference every other path is tested against. `output[o] = requantize(bias[o] + Σ (weight[o, i] − wz) · (input[i] − iz))`, clamped;
/// the sizes are `input.len()` and `output.len()`, `bias` may be empty.
///
/// TFLite's reference kernel requantizes with [`super::DoubleScale`] (in double precision);
/// its optimized kernels, TFLite Micro and CMSIS-NN with [`super::QuantizedMultiplier`].
// On a DSP core the fast path runs; kept out of line, the fallback adds nothing to its
// stack frame.
#[cfg_attr(nn_arm_dsp, inline(never))]
pub fn fully_connected_portable<R: Requantize>(
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) {
    check_dense_lengths(stage, weight, bias, input, output);
    let inputs = input.len();
    let (iz, wz) = (stage.input_zero_point, stage.weight_zero_point);
    for (o, out) in output.iter_mut().enumerate() {
        let row = &weight[o * inputs..][..inputs];
        let acc = row.iter().zip(input).fold(0i32, |acc, (&w, &x)| {
            let product = (i32::from(w) - wz).wrapping_mul(i32::from(x) - iz);
            acc.wrapping_add(product)
        });
        *out = stage.output(stage.scale(o), acc.wrapping_add(bias_of(bias, o)));
    }
}

/// Asserts the lengths of a fully connected layer and its output stage.
pub(super) fn check_dense_lengths<R: Requantize>(
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &[i8],
) {
    let what = "int8::fully_connected";
    let (inputs, outputs) = (input.len(), output.len());
    assert_eq!(
        weight.len(),
        inputs * outputs,
        "{what}: weight length is not {outputs} outputs × {inputs} inputs"
    );
    assert!(
        bias.is_empty() || bias.len() == outputs,
        "{what}: {} biases for {outputs} outputs",
        bias.len()
    );
    stage.check(what, outputs);
}
