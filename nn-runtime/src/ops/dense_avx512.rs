//! The AVX-512F register tile of the packed dense kernel (`dense_packed.rs`): panels of
//! [`COLS`] = 64 output units (four zmm registers), 6 rows of X at a time, 24 zmm
//! accumulators; per step of `k`, 6 broadcasts of X and 4 loads of the panel feed 24 FMAs
//! (the AVX2 tile's 12 FMAs of 8 lanes carry a quarter as much work per load). The 6 rows
//! (18.8 KB for `k` = 784) stay in L1 while the panels stream from L2; the right edge of the
//! last panel is stored through lane masks.

use super::dense_packed::{compute, Tile};
use core::arch::x86_64::*;

/// Batches at least this large run here; below it the packing of W, done once per call,
/// outweighs what the tile gains over `gemm` (as for the AVX2 tile).
pub(crate) const MIN_BATCH: usize = 8;

/// Whether `outputs` units suit the 64-unit panels: when they compute no more columns than
/// the AVX2 tile's 16-unit panels would (a multiple of 64, or over 48 past one). Otherwise,
/// as for the MLP's last layer of 10 units (64 columns computed instead of 16, 3 % of the
/// forward pass's multiply-adds), the AVX2 tile runs.
pub(crate) fn suits(outputs: usize) -> bool {
    outputs.div_ceil(COLS) * COLS == outputs.div_ceil(16) * 16
}

/// Vectors of 16 lanes per panel step.
const VECTORS: usize = 4;
/// Output units per panel.
const COLS: usize = 16 * VECTORS;

/// `output[b, o] = bias[o] + Σ_i input[b, i] · weight[o, i]`, for `batch` rows.
///
/// # Safety
/// The CPU must support AVX-512F. (Lengths are checked here.)
pub(crate) unsafe fn forward(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
) {
    // SAFETY: the tiles need AVX-512F, the caller's promise.
    unsafe {
        super::dense_packed::forward::<COLS>(
            weight,
            bias,
            input,
            output,
            batch,
            compute::<Avx512Tile>,
        )
    }
}

/// The 6 × 64 tile of AVX-512F.
struct Avx512Tile;

impl Tile for Avx512Tile {
    const COLS: usize = COLS;

    /// The `R × 64` tile, the right edge of the last panel stored through lane masks; needs
    /// AVX-512F besides the trait's contract.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize>(
        x: *const f32,
        k: usize,
        panel: *const f32,
        y: *mut f32,
        ldy: usize,
        cols: usize,
    ) {
        // SAFETY: the trait's bounds; every step (64 floats) of the aligned panel is
        // 64-byte aligned, so the aligned loads are; the masked stores write only lanes below
        // `cols`.
        unsafe {
            let bias: [__m512; VECTORS] =
                core::array::from_fn(|v| _mm512_load_ps(panel.add(16 * v)));
            let mut acc = [bias; R];
            let mut step = panel.add(COLS);
            for i in 0..k {
                let b: [__m512; VECTORS] =
                    core::array::from_fn(|v| _mm512_load_ps(step.add(16 * v)));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let a = _mm512_set1_ps(*x.add(r * k + i));
                    for (acc, &b) in acc.iter_mut().zip(&b) {
                        *acc = _mm512_fmadd_ps(a, b, *acc);
                    }
                }
                step = step.add(COLS);
            }
            for (r, acc) in acc.iter().enumerate() {
                let out = y.add(r * ldy);
                for (v, &lanes) in acc.iter().enumerate() {
                    let valid = cols.saturating_sub(16 * v).min(16);
                    if valid == 16 {
                        _mm512_storeu_ps(out.add(16 * v), lanes);
                    } else if valid > 0 {
                        let mask = ((1u32 << valid) - 1) as __mmask16;
                        _mm512_mask_storeu_ps(out.add(16 * v), mask, lanes);
                    }
                }
            }
        }
    }
}
