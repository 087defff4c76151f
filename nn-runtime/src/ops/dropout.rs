//! Inverted dropout: in training, each value is kept with probability `1 − rate` and scaled
//! by `1/(1 − rate)`, so inference is the identity.

use crate::rng::Rng;

/// Training mode: draws a mask (`0` or `1/(1 − rate)` per value) into `mask` and writes
/// `output = input · mask`. `rate` is in `[0, 1)`.
///
/// One `rng.next_f32()` is drawn per value, even at rate 0 (whose mask is all ones), so the
/// generator advances the same way whatever the rate; a value is dropped when its draw is
/// below `rate`.
pub fn dropout_forward_train(
    rate: f32,
    input: &[f32],
    output: &mut [f32],
    mask: &mut [f32],
    rng: &mut Rng,
) {
    assert!(
        (0.0..1.0).contains(&rate),
        "dropout_forward_train: rate must be in [0, 1), got {rate}"
    );
    let len = input.len();
    assert_eq!(
        output.len(),
        len,
        "dropout_forward_train: output has {} values, input {len}",
        output.len()
    );
    assert_eq!(
        mask.len(),
        len,
        "dropout_forward_train: mask has {} values, input {len}",
        mask.len()
    );
    let keep_scale = 1.0 / (1.0 - rate);
    for ((y, m), &x) in output.iter_mut().zip(mask.iter_mut()).zip(input) {
        *m = if rng.next_f32() < rate {
            0.0
        } else {
            keep_scale
        };
        *y = x * *m;
    }
}

/// `input_grad = output_grad · mask` (overwrites).
pub fn dropout_backward(mask: &[f32], output_grad: &[f32], input_grad: &mut [f32]) {
    let len = mask.len();
    assert_eq!(
        output_grad.len(),
        len,
        "dropout_backward: output_grad has {} values, mask {len}",
        output_grad.len()
    );
    assert_eq!(
        input_grad.len(),
        len,
        "dropout_backward: input_grad has {} values, mask {len}",
        input_grad.len()
    );
    for ((dx, &dy), &m) in input_grad.iter_mut().zip(output_grad).zip(mask) {
        *dx = dy * m;
    }
}

#[cfg(test)]
#[path = "dropout_tests.rs"]
mod tests;
