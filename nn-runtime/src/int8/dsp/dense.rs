//! The fully connected layer with `SMLAD`: the input widened into a column once per piece
//! of [`MAX_COLUMN`] inputs, two outputs' rows at a time.

use super::super::multiplier::Requantize;
use super::super::output_stage::OutputStage;
use super::{dot, pair_for_sxtb16, Column, BLOCK, MAX_COLUMN};

/// [`crate::int8::fully_connected`] with the DSP inner products, two outputs at a time; the
/// inputs in pieces of [`MAX_COLUMN`], whose sums add up on the stack for blocks of
/// `2 · BLOCK` outputs. `false` (nothing written) when the weights have a zero point or a
/// scale has no prepared form.
pub fn fully_connected<R: Requantize>(
    stage: &OutputStage<'_, R>,
    weight: &[i8],
    bias: &[i32],
    input: &[i8],
    output: &mut [i8],
) -> bool {
    let (inputs, outputs) = (input.len(), output.len());
    if stage.weight_zero_point != 0 || !stage.all_prepared() {
        return false;
    }
    let what = "int8::fully_connected";
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
    let iz = stage.input_zero_point;
    let mut column = Column([0; MAX_COLUMN]);
    let mut partial = [0i32; 2 * BLOCK];
    for block in (0..outputs).step_by(2 * BLOCK) {
        let block = block..(block + 2 * BLOCK).min(outputs);
        partial[..block.len()].fill(0);
        for start in (0..inputs).step_by(MAX_COLUMN) {
            let piece = &input[start..(start + MAX_COLUMN).min(inputs)];
            for (widened, &x) in column.0.iter_mut().zip(piece) {
                *widened = (i32::from(x) - iz) as i16;
            }
            pair_for_sxtb16(&mut column.0[..piece.len()]);
            let row = |o: usize| &weight[o * inputs + start..][..piece.len()];
            let mut o = block.start;
            while o < block.end {
                let at = o - block.start;
                if o + 1 < block.end {
                    let [[a], [b]] = dot([row(o), row(o + 1)], [&column.0], piece.len());
                    partial[at] = partial[at].wrapping_add(a);
                    partial[at + 1] = partial[at + 1].wrapping_add(b);
                    o += 2;
                } else {
                    let [[a]] = dot([row(o)], [&column.0], piece.len());
                    partial[at] = partial[at].wrapping_add(a);
                    o += 1;
                }
            }
        }
        for (o, &sum) in block.clone().zip(&partial) {
            let Some((scale, b)) = stage.prepared(o, bias) else {
                return false;
            };
            output[o] = stage.output_prepared(scale, sum.wrapping_add(b));
        }
    }
    true
}
