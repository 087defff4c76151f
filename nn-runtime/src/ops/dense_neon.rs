//! The NEON register tile of the packed dense kernel (`dense_packed.rs`), the AVX2 tile
//! (`dense_avx2.rs`) with 4-wide vectors: panels of [`COLS`] = 16 output units, [`ROWS`] =
//! 6 rows of X at a time, 24 of AArch64's 32 vector registers as accumulators; per step of
//! `k`, 6 broadcasts of X and 4 loads of the panel feed 24 FMAs.

use core::arch::aarch64::*;

/// Batches at least this large run here. Below it the packing of W, done once per call,
/// outweighs what the tile gains; the threshold is the AVX2 kernel's, not yet measured on
/// Arm hardware.
pub(crate) const MIN_BATCH: usize = 8;

/// Rows of X per tile.
const ROWS: usize = 6;
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
    // SAFETY: `compute` needs NEON, the caller's promise.
    unsafe { super::dense_packed::forward::<COLS>(weight, bias, input, output, batch, compute) }
}

/// Every row of X against every panel: blocks of [`ROWS`] rows, the rest in one smaller
/// block; within a block, the panels in order (the block's rows of X stay in L1).
///
/// # Safety
/// NEON; `x.len() == batch * k`; `panels` as `dense_packed::pack` returns them for `width`
/// units; `y` points at `batch` rows `ldy` apart, each with `width` writable floats.
#[target_feature(enable = "neon")]
unsafe fn compute(
    x: &[f32],
    batch: usize,
    k: usize,
    panels: &[f32],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    assert!(x.len() == batch * k && panels.len() == width.div_ceil(COLS) * (k + 1) * COLS);
    let mut row = 0;
    // SAFETY (every call below): rows `row..row + R` exist (`row + R <= batch`), so their
    // `R * k` values lie in `x` and their outputs in `y`'s `batch` rows; `block` stays within
    // `panels` and `width` columns.
    unsafe {
        while row + ROWS <= batch {
            block::<ROWS>(
                x.as_ptr().add(row * k),
                k,
                panels,
                y.add(row * ldy),
                ldy,
                width,
            );
            row += ROWS;
        }
        let (xr, yr) = (x.as_ptr().add(row * k), y.add(row * ldy));
        match batch - row {
            1 => block::<1>(xr, k, panels, yr, ldy, width),
            2 => block::<2>(xr, k, panels, yr, ldy, width),
            3 => block::<3>(xr, k, panels, yr, ldy, width),
            4 => block::<4>(xr, k, panels, yr, ldy, width),
            5 => block::<5>(xr, k, panels, yr, ldy, width),
            _ => {}
        }
    }
}

/// `R` rows of X (`k` apart from `x`) against every panel, into `R` rows of Y.
///
/// # Safety
/// As [`compute`], for the `R` rows at `x` and `y`.
#[inline]
#[target_feature(enable = "neon")]
unsafe fn block<const R: usize>(
    x: *const f32,
    k: usize,
    panels: &[f32],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    for (p, panel) in panels.chunks_exact((k + 1) * COLS).enumerate() {
        let cols = COLS.min(width - p * COLS);
        // SAFETY: the panel has `k + 1` steps of `COLS` floats; the caller's rows and columns
        // `p * COLS .. p * COLS + cols` (inside `width`).
        unsafe { tile::<R>(x, k, panel.as_ptr(), y.add(p * COLS), ldy, cols) };
    }
}

/// The `R × 16` tile: `R` rows of X times one panel of `k + 1` steps, `cols` columns stored.
///
/// # Safety
/// NEON; `x + r·k + i` readable for `r < R`, `i < k`; `panel` holds `k + 1` steps of 16
/// floats; `y + r·ldy + j` writable for `r < R`, `j < cols <= 16`.
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
    // SAFETY: the caller's bounds above; every step is 16 floats, four whole vectors (NEON
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
