//! The NEON register tile of the packed dense kernel (`dense_packed.rs`), the AVX2 tile
//! (`dense_avx2.rs`) with 4-wide vectors: panels of [`COLS`] = 16 output units, 6 rows of X
//! at a time, 24 of AArch64's 32 vector registers as accumulators; per step of `k`, 6
//! broadcasts of X and 4 loads of the panel feed 24 FMAs.

use super::dense_packed::{compute, Tile};
use core::arch::aarch64::*;

/// Batches at least this large run here. Below it the packing of W, done once per call,
/// outweighs what the tile gains; the threshold is the AVX2 kernel's, not yet measured on
/// Arm hardware.
pub(crate) const MIN_BATCH: usize = 8;

/// Output units per panel (four q registers).
const COLS: usize = 16;

/// `output[b, o] = bias[o] + Σ_i input[b, i] · weight[o, i]`, for `batch` rows.
///
/// # Safety
/// The CPU must support NEON. (Lengths are checked here.)
pub(crate) unsafe fn forward(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    // SAFETY: the tiles need NEON, the caller's promise.
    unsafe {
        super::dense_packed::forward::<COLS>(
            weight,
            bias,
            input,
            output,
            batch,
            compute::<NeonTile>,
        )
    }
}

/// The 6 × 16 tile of NEON.
struct NeonTile;

impl Tile for NeonTile {
    const COLS: usize = COLS;

    /// The `R × 16` tile; needs NEON besides the trait's contract.
    #[inline]
    #[target_feature(enable = "neon")]
    unsafe fn tile<const R: usize>(
        x: *const f32,
        k: usize,
        panel: *const f32,
        y: *mut f32,
        ldy: usize,
        cols: usize,
    ) {
        // SAFETY: the trait's bounds; every step is 16 floats, four whole vectors (NEON
        // loads need no alignment).
        unsafe {
            let bias: [float32x4_t; 4] = core::array::from_fn(|q| vld1q_f32(panel.add(4 * q)));
            let mut acc = [bias; R];
            let mut step = panel.add(COLS);
            for i in 0..k {
                let b: [float32x4_t; 4] = core::array::from_fn(|q| vld1q_f32(step.add(4 * q)));
                for (r, sums) in acc.iter_mut().enumerate() {
                    let a = vld1q_dup_f32(x.add(r * k + i));
                    for (sum, &panel_q) in sums.iter_mut().zip(&b) {
                        *sum = vfmaq_f32(*sum, a, panel_q);
                    }
                }
                step = step.add(COLS);
            }
            for (r, sums) in acc.iter().enumerate() {
                let out = y.add(r * ldy);
                if cols == COLS {
                    for (q, &sum) in sums.iter().enumerate() {
                        vst1q_f32(out.add(4 * q), sum);
                    }
                } else {
                    let mut lanes = [0.0f32; COLS];
                    for (q, &sum) in sums.iter().enumerate() {
                        vst1q_f32(lanes.as_mut_ptr().add(4 * q), sum);
                    }
                    core::ptr::copy_nonoverlapping(lanes.as_ptr(), out, cols);
                }
            }
        }
    }
}
