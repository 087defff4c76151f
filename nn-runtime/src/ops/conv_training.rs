//! A training layer's entry points: the forward pass may leave a wide or a flat-gradient
//! convolution's im2col matrices unfilled, and the backward pass, which also gets the
//! forward pass's input, takes the sparse path from a mostly-zero output gradient, the flat
//! one (`conv_flat_grad.rs`), or refills them for the GEMMs.

use super::*;

/// [`conv2d_forward_batch`] for a layer whose backward pass is
/// [`conv2d_backward_batch_from_input`]: for a wide convolution, `cols` is left unfilled
/// (the direct kernel needs no im2col, the wide GEMM's goes through scratch that stays in
/// cache), as that backward pass refills it only when it needs it.
pub(crate) fn conv2d_forward_batch_for_training(
    shape: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    #[cfg(feature = "std")]
    if wide::may_skip_cols(shape) || flat_grad::suits(shape) {
        let s = shape;
        let what = "conv2d_forward_batch";
        check_parameters(what, s, weight.len(), bias.len());
        check_samples(what, "input", input.len(), batch, in_dims(s));
        check_samples(what, "output", output.len(), batch, out_dims(s));
        check_cols(what, s, cols.len(), batch);
        let (in_len, out_len) = sample_lens(s);
        if in_len == 0 || out_len == 0 {
            return;
        }
        match wide::forward_chosen(s) {
            Some(gemm) => wide::forward_batch(gemm, s, weight, bias, input, output, None, batch),
            None => {
                let samples = input
                    .chunks_exact(in_len)
                    .zip(output.chunks_exact_mut(out_len));
                for (x, y) in samples {
                    conv2d_forward(s, weight, bias, x, y);
                }
            }
        }
        return;
    }
    conv2d_forward_batch(shape, weight, bias, input, output, cols, batch);
}

/// [`conv2d_backward_batch`] given the forward pass's `input` as well, which lets a mostly-zero
/// `output_grad` (below a max pool and a ReLU) take the path whose cost follows its nonzeros
/// (`conv_sparse_grad.rs`); `cols` as [`conv2d_forward_batch_for_training`] left it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv2d_backward_batch_from_input(
    shape: &Conv2dShape,
    weight: &[f32],
    input: &[f32],
    output_grad: &[f32],
    #[cfg_attr(not(feature = "std"), allow(unused_mut))] mut input_grad: Option<&mut [f32]>,
    weight_grad: &mut [f32],
    bias_grad: &mut [f32],
    cols: &mut [f32],
    batch: usize,
) {
    #[cfg(feature = "std")]
    {
        let (what, s) = ("conv2d_backward_batch", shape);
        check_parameters(what, s, weight.len(), bias_grad.len());
        let (dw_len, w_len) = (weight_grad.len(), weight.len());
        assert_eq!(
            dw_len, w_len,
            "{what}: weight_grad has {dw_len} values, weight {w_len}"
        );
        check_samples(what, "input", input.len(), batch, in_dims(s));
        check_samples(what, "output_grad", output_grad.len(), batch, out_dims(s));
        if let Some(dx) = input_grad.as_deref_mut() {
            check_samples(what, "input_grad", dx.len(), batch, in_dims(s));
        }
        let dy = output_grad;
        if sparse::backward_batch(
            s,
            weight,
            input,
            dy,
            input_grad.as_deref_mut(),
            weight_grad,
            bias_grad,
            batch,
        ) {
            return;
        }
        if flat_grad::suits(s) {
            let indirect = crate::ops::kernels::active().row_gemm_indirect;
            if let (Some(gemm), Some(indirect)) = (wide::backward_chosen(), indirect) {
                let (dw, db) = (weight_grad, bias_grad);
                let (gemms, x) = ((gemm, indirect), input);
                flat_grad::backward_batch(gemms, s, weight, x, dy, input_grad, dw, db, batch);
                return;
            }
        }
        if wide::may_skip_cols(s) || flat_grad::suits(s) {
            // The forward pass for training left `cols` unfilled.
            check_cols(what, s, cols.len(), batch);
            wide::im2col_batch(s, input, cols);
        }
    }
    let _ = input;
    conv2d_backward_batch(
        shape,
        weight,
        output_grad,
        input_grad,
        weight_grad,
        bias_grad,
        cols,
        batch,
    );
}
