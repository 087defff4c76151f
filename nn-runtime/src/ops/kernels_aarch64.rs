//! The AArch64 table. Its entries are safe wrappers around `#[target_feature(enable =
//! "neon")]` kernels; they are sound because nothing else can reach them: the table is handed
//! out only by [`neon`], after the CPU check (with `std`) or when the target enables NEON
//! for every instruction (without).

use super::{Kernels, Variant, PORTABLE};
use crate::ops::conv::{self, Conv2dShape};
use crate::ops::matvec;

/// The NEON table, when the CPU has NEON: detected at run time with `std`; without it, when
/// the target is compiled with NEON (as every AArch64 target but the soft-float ones is).
pub(super) fn neon() -> Option<&'static Kernels> {
    #[cfg(feature = "std")]
    let ok = std::arch::is_aarch64_feature_detected!("neon");
    #[cfg(not(feature = "std"))]
    let ok = cfg!(target_feature = "neon");
    ok.then_some(&NEON)
}

/// NEON matrix-vector, direct convolution and (with `std`) batched dense kernels; the
/// portable optimizer guard and int8 kernels.
const NEON: Kernels = Kernels {
    variant: Variant::Neon,
    matvec: matvec_neon,
    conv2d_forward: conv2d_forward_neon,
    conv2d_direct: conv::neon::supports,
    #[cfg(feature = "std")]
    dense_forward_batch: dense_forward_batch_neon,
    ..PORTABLE
};

fn matvec_neon(weight: &[f32], bias: &[f32], input: &[f32], output: &mut [f32]) {
    // SAFETY: reachable only through `NEON`, handed out when the CPU has NEON.
    unsafe { matvec::neon::matvec(weight, bias, input, output) }
}

#[cfg(feature = "std")]
fn dense_forward_batch_neon(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    use crate::ops::dense_neon;
    if batch < dense_neon::MIN_BATCH {
        return (PORTABLE.dense_forward_batch)(weight, bias, input, output, batch);
    }
    // SAFETY: reachable only through `NEON`, handed out when the CPU has NEON.
    unsafe { dense_neon::forward(weight, bias, input, output, batch) }
}

fn conv2d_forward_neon(
    s: &Conv2dShape,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    if !conv::neon::supports(s) {
        return (PORTABLE.conv2d_forward)(s, weight, bias, input, output);
    }
    // SAFETY: reachable only through `NEON`, handed out when the CPU has NEON.
    unsafe { conv::neon::conv2d_forward(s, weight, bias, input, output) }
}
