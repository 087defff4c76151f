//! The x86-64 tables. Their entries are safe wrappers around `#[target_feature]` kernels;
//! they are sound because nothing else can reach them: each table is handed out only by
//! [`avx2`] or [`avx512`], after the CPU check (the int8 kernels' tables in `int8::x86` hold to
//! the same rule).

use super::{Kernels, ReluKernels, Variant, PORTABLE};
use crate::int8;
use crate::ops::conv::{self, Conv2dShape};
use crate::ops::matrix::{Matrix, MatrixMut};
use crate::ops::{dense_avx2, dense_avx512, gemm_rows_avx512, matvec};

/// The AVX2 + FMA table, when the CPU has both.
pub(super) fn avx2() -> Option<&'static Kernels> {
    let ok = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    ok.then_some(&AVX2)
}

/// The AVX-512 table, when the CPU has AVX-512F besides AVX2 and FMA; with the int8 VNNI
/// kernels where it has AVX-512 VNNI and BW too.
pub(super) fn avx512() -> Option<&'static Kernels> {
    if avx2().is_none() || !std::is_x86_feature_detected!("avx512f") {
        return None;
    }
    let vnni =
        std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("avx512vnni");
    Some(if vnni { &AVX512_VNNI } else { &AVX512 })
}

const AVX2: Kernels = Kernels {
    variant: Variant::Avx2,
    matvec: matvec_avx2,
    dense_forward_batch: dense_forward_batch_avx2,
    conv2d_forward: conv2d_forward_avx2,
    conv2d_direct: conv::avx2::supports,
    row_gemm: None,
    row_gemm_indirect: None,
    conv2d_sparse_grad: conv2d_sparse_grad_avx2,
    transpose: transpose_avx2,
    max_pool_halving_backward: max_pool_halving_backward_avx2,
    max_pool_halving_forward: max_pool_halving_forward_avx2,
    relu: ReluKernels {
        forward: relu_forward_avx2,
        in_place: relu_in_place_avx2,
        backward: relu_backward_avx2,
    },
    all_within: all_within_avx2,
    int8: Some(&int8::x86::AVX2),
};

const AVX512: Kernels = Kernels {
    variant: Variant::Avx512,
    matvec: matvec_avx512,
    dense_forward_batch: dense_forward_batch_avx512,
    row_gemm: Some(row_gemm_avx512),
    row_gemm_indirect: Some(row_gemm_indirect_avx512),
    conv2d_sparse_grad: conv2d_sparse_grad_avx512,
    ..AVX2
};

const AVX512_VNNI: Kernels = Kernels {
    int8: Some(&int8::x86::VNNI),
    ..AVX512
};

fn matvec_avx2(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    // SAFETY: reachable only through `AVX2` or `AVX512`, handed out when the CPU has AVX2
    // and FMA.
    unsafe { matvec::avx2::matvec(weight, bias, input, output) }
}

fn matvec_avx512(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    // SAFETY: reachable only through `AVX512`, handed out when the CPU has AVX-512F.
    unsafe { matvec::avx512::matvec(weight, bias, input, output) }
}

fn dense_forward_batch_avx2(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    if batch < dense_avx2::MIN_BATCH {
        return (PORTABLE.dense_forward_batch)(weight, bias, input, output, batch);
    }
    // SAFETY: reachable only through a table handed out when the CPU has AVX2 and FMA.
    unsafe { dense_avx2::forward(weight, bias, input, output, batch) }
}

fn dense_forward_batch_avx512(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    if batch < dense_avx512::MIN_BATCH {
        return (PORTABLE.dense_forward_batch)(weight, bias, input, output, batch);
    }
    if !dense_avx512::suits(bias.len()) {
        return dense_forward_batch_avx2(weight, bias, input, output, batch);
    }
    // SAFETY: reachable only through `AVX512`, handed out when the CPU has AVX-512F.
    unsafe { dense_avx512::forward(weight, bias, input, output, batch) }
}

fn row_gemm_indirect_avx512(
    a: &[f32],
    a_rows: &[usize],
    b: Matrix<'_>,
    accumulate: bool,
    c: MatrixMut<'_>,
) {
    // SAFETY: reachable only through `AVX512`, handed out when the CPU has AVX-512F.
    unsafe { gemm_rows_avx512::gemm_rows_indirect(a, a_rows, b, accumulate, c) }
}

fn row_gemm_avx512(a: Matrix<'_>, b: Matrix<'_>, accumulate: bool, c: MatrixMut<'_>) {
    // SAFETY: reachable only through `AVX512`, handed out when the CPU has AVX-512F.
    unsafe { gemm_rows_avx512::gemm_rows(a, b, accumulate, c) }
}

fn conv2d_sparse_grad_avx2(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    dx_last: Option<&mut [f32]>,
) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2 and FMA.
    unsafe { conv::sparse::sample_avx2(s, dy, x_last, w_perm, dw_perm, dx_last) }
}

fn conv2d_sparse_grad_avx512(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    dx_last: Option<&mut [f32]>,
) {
    // SAFETY: reachable only through `AVX512`, handed out when the CPU has AVX-512F, AVX2
    // and FMA.
    unsafe { conv::sparse::avx512::sample(s, dy, x_last, w_perm, dw_perm, dx_last) }
}

fn transpose_avx2(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::transpose_avx2::transpose(src, rows, cols, dst) }
}

fn conv2d_forward_avx2(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    if !conv::avx2::supports(s) {
        return (PORTABLE.conv2d_forward)(s, weight, bias, input, output);
    }
    // SAFETY: reachable only through a table handed out when the CPU has AVX2 and FMA.
    unsafe { conv::avx2::conv2d_forward(s, weight, bias, input, output) }
}

fn max_pool_halving_backward_avx2(
    s: &crate::ops::pool::Pool2dShape,
    plane: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::pool_avx2::max_pool_halving_backward(s, plane, dy, dx) }
}

fn max_pool_halving_forward_avx2(
    s: &crate::ops::pool::Pool2dShape,
    plane: &[f32],
    out: &mut [f32],
) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::pool_avx2::max_pool_halving_forward(s, plane, out) }
}

fn relu_forward_avx2(x: &[f32], y: &mut [f32]) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::activation::relu_avx2::forward(x, y) }
}

fn relu_in_place_avx2(x: &mut [f32]) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::activation::relu_avx2::in_place(x) }
}

fn relu_backward_avx2(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::ops::activation::relu_avx2::backward(x, dy, dx) }
}

fn all_within_avx2(values: &[f32], limit: f32) -> bool {
    // SAFETY: reachable only through a table handed out when the CPU has AVX2.
    unsafe { crate::optim::guard::all_within_avx2(values, limit) }
}
