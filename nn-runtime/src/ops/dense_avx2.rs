//! The AVX2 + FMA register tile of the packed dense kernel (`dense_packed.rs`): panels of
//! [`COLS`] = 16 output units, 6 rows of X at a time, 12 ymm accumulators; per
//! step of `k`, 6 broadcasts of X and 2 loads of the panel feed 12 FMAs. The 6 rows (18.8 KB
//! for `k` = 784) stay in L1 while the panels stream from L2.

use super::dense_packed::{compute, Tile};
use core::arch::x86_64::*;

/// Batches at least this large run here (when the CPU has AVX2 and FMA), training's batches
/// of 32 among them (measured: W3 MLP 0.056 → 0.055 s, W5 1.25× → 1.31×). Below it the
/// packing of W, done once per call, outweighs what the tile gains over `gemm`.
pub(crate) const MIN_BATCH: usize = 8;

/// Output units per panel (two ymm registers).
const COLS: usize = 16;

/// `output[b, o] = bias[o] + Σ_i input[b, i] · weight[o, i]`, for `batch` rows.
///
/// # Safety
/// The CPU must support AVX2 and FMA. (Lengths are checked here.)
pub(crate) unsafe fn forward(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    // SAFETY: the tiles need AVX2 and FMA, the caller's promise.
    unsafe {
        super::dense_packed::forward::<COLS>(
            weight,
            bias,
            input,
            output,
            batch,
            compute::<Avx2Tile>,
        )
    }
}

/// The 6 × 16 tile of AVX2 + FMA.
struct Avx2Tile;

impl Tile for Avx2Tile {
    const COLS: usize = COLS;

    /// The `R × 16` tile; needs AVX2 and FMA besides the trait's contract.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile<const R: usize>(
        x: *const f32,
        k: usize,
        panel: *const f32,
        y: *mut f32,
        ldy: usize,
        cols: usize,
    ) {
        // SAFETY: the trait's bounds; the panel and so every step (16 floats) is 32-byte
        // aligned, so both aligned loads of a step are aligned.
        unsafe {
            let bias = panel;
            let mut lo = [_mm256_load_ps(bias); R];
            let mut hi = [_mm256_load_ps(bias.add(8)); R];
            let mut step = panel.add(COLS);
            for i in 0..k {
                let (b0, b1) = (_mm256_load_ps(step), _mm256_load_ps(step.add(8)));
                for r in 0..R {
                    let a = _mm256_broadcast_ss(&*x.add(r * k + i));
                    lo[r] = _mm256_fmadd_ps(a, b0, lo[r]);
                    hi[r] = _mm256_fmadd_ps(a, b1, hi[r]);
                }
                step = step.add(COLS);
            }
            for r in 0..R {
                let out = y.add(r * ldy);
                if cols == COLS {
                    _mm256_storeu_ps(out, lo[r]);
                    _mm256_storeu_ps(out.add(8), hi[r]);
                } else {
                    let mut lanes = [0.0f32; COLS];
                    _mm256_storeu_ps(lanes.as_mut_ptr(), lo[r]);
                    _mm256_storeu_ps(lanes.as_mut_ptr().add(8), hi[r]);
                    core::ptr::copy_nonoverlapping(lanes.as_ptr(), out, cols);
                }
            }
        }
    }
}
