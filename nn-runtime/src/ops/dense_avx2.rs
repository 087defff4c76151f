//! The batched dense forward pass `Y[batch, out] = bias + X[batch, in] · Wᵀ` with AVX2 + FMA,
//! beside the portable path through [`super::gemm::gemm`] (`matrixmultiply`).
//!
//! Per call, W is packed into panels of [`COLS`] output units, each `[bias; W column 0; …;
//! W column k−1]` as 16 contiguous lanes (zero-padded at the right edge): 784×128 floats for
//! the MLP's first layer, cheap beside 256 rows of work. Each panel is then multiplied by
//! [`ROWS`] rows of X at a time, read straight from the input, in a 6 × 16 tile of 12 ymm
//! accumulators over the whole `k` (no k-blocking): per step of `k`, 6 broadcasts of X and 2
//! loads of the panel feed 12 FMAs. The 6 rows (18.8 KB for `k` = 784) stay in L1 while the
//! panels stream from L2. Accumulators start at the bias, so the store is the last step.
//!
//! While threads share GEMMs (`gemm_split`), the output units are cut into the same column
//! blocks as there, and each thread packs and computes its own panels; every element is the
//! same sum in the same order, so the result does not depend on the number of threads. The
//! panels of all blocks live in one buffer of the calling thread (each block packs its own
//! disjoint range of it), so which thread happens to claim which block never decides whether
//! a call allocates: only a W larger than any before on the calling thread does.

use super::gemm_split;
use core::arch::x86_64::*;
use core::cell::RefCell;
use std::vec::Vec;

/// Batches at least this large run here (when the CPU has AVX2 and FMA), training's batches
/// of 32 among them (measured: W3 MLP 0.056 → 0.055 s, W5 1.25× → 1.31×). Below it the
/// packing of W, done once per call, outweighs what the tile gains over `gemm`.
pub(crate) const MIN_BATCH: usize = 8;

/// Rows of X per tile.
const ROWS: usize = 6;
/// Output units per panel (two ymm registers).
const COLS: usize = 16;

/// One step of a panel: 16 lanes, aligned so both halves are aligned vector loads.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Lanes([f32; COLS]);

const ZERO: Lanes = Lanes([0.0; COLS]);

std::thread_local! {
    /// The packed panels of the current call, kept per calling thread so that a call
    /// allocates only when W is larger than any before on this thread.
    static PANELS: RefCell<Vec<Lanes>> = const { RefCell::new(Vec::new()) };
}

/// A pointer shared by the threads of a split product, each of which writes its own
/// disjoint part of what it points at.
struct Shared<T>(*mut T);
// SAFETY: the blocks computed at the same time touch disjoint elements (see `forward`).
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    /// The pointer (a method, so that closures capture the whole `Sync` wrapper).
    fn get(&self) -> *mut T {
        self.0
    }
}

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
    let outputs = bias.len();
    assert!(batch > 0 && outputs > 0 && input.len().is_multiple_of(batch));
    let inputs = input.len() / batch;
    assert!(weight.len() == outputs * inputs && output.len() == batch * outputs);

    // Blocks start at multiples of `gemm_split::ALIGN`, so each owns whole panels.
    const { assert!(gemm_split::ALIGN.is_multiple_of(COLS)) };
    let steps = inputs + 1;
    PANELS.with(|panels| {
        let mut panels = panels.borrow_mut();
        let len = outputs.div_ceil(COLS) * steps;
        if panels.len() < len {
            panels.resize(len, ZERO);
        }
        let all_panels = Shared(panels.as_mut_ptr());
        let out = Shared(output.as_mut_ptr());
        let block = |start: usize, width: usize| {
            assert!(start.is_multiple_of(COLS) && start + width <= outputs);
            // SAFETY: panels `start / COLS ..` for `width` units lie inside the `len` panels
            // reserved above (`start + width <= outputs`), and no other block packs them:
            // blocks are disjoint column ranges that start on panel boundaries. The buffer
            // stays borrowed until every block has returned.
            let panels = unsafe {
                core::slice::from_raw_parts_mut(
                    all_panels.get().add(start / COLS * steps),
                    width.div_ceil(COLS) * steps,
                )
            };
            pack(weight, bias, inputs, start, width, panels);
            // SAFETY: AVX2 and FMA are the caller's promise. Columns `start..start + width`
            // of every one of the `batch` rows lie inside `output` (`start + width <=
            // outputs`, `output.len() == batch * outputs`), and no other block writes them:
            // blocks are disjoint column ranges (`column_blocks`), and `output`'s borrow
            // outlives this call, which returns only after every block has finished.
            unsafe {
                compute(
                    input,
                    batch,
                    inputs,
                    panels,
                    out.get().add(start),
                    outputs,
                    width,
                )
            };
        };
        let split = gemm_split::current().filter(|s| {
            s.parts() > 1
                && batch * inputs * outputs >= gemm_split::MIN_MACS
                && outputs >= 2 * gemm_split::ALIGN
        });
        match split {
            Some(splitter) => gemm_split::split_columns(splitter, outputs, &block),
            None => block(0, outputs),
        }
    });
}

/// Packs output units `start..start + width` of W and the bias into `panels`, one panel of
/// [`COLS`] units per `inputs + 1` steps (the bias first).
fn pack(
    weight: &[f32],
    bias: &[f32],
    inputs: usize,
    start: usize,
    width: usize,
    panels: &mut [Lanes],
) {
    assert_eq!(panels.len(), width.div_ceil(COLS) * (inputs + 1));
    for (p, panel) in panels.chunks_exact_mut(inputs + 1).enumerate() {
        let first = start + p * COLS;
        let cols = COLS.min(start + width - first);
        let (head, steps) = panel.split_first_mut().expect("a panel has a bias step");
        *head = ZERO;
        head.0[..cols].copy_from_slice(&bias[first..first + cols]);
        if cols < COLS {
            steps.fill(ZERO);
        }
        // Blocks of 16 steps: the 16 destination lines stay in L1 while 16 rows fill them.
        for (s, chunk) in steps.chunks_mut(16).enumerate() {
            for j in 0..cols {
                let row = &weight[(first + j) * inputs + s * 16..][..chunk.len()];
                for (step, &w) in chunk.iter_mut().zip(row) {
                    step.0[j] = w;
                }
            }
        }
    }
}

/// Every row of X against every panel: blocks of [`ROWS`] rows, the rest in one smaller
/// block; within a block, the panels in order (the block's rows of X stay in L1).
///
/// # Safety
/// AVX2 and FMA; `x.len() == batch * k`; `panels` as [`pack`] returns them for `width`
/// units; `y` points at `batch` rows `ldy` apart, each with `width` writable floats.
#[target_feature(enable = "avx2,fma")]
unsafe fn compute(
    x: &[f32],
    batch: usize,
    k: usize,
    panels: &[Lanes],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    assert!(x.len() == batch * k && panels.len() == width.div_ceil(COLS) * (k + 1));
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
#[target_feature(enable = "avx2,fma")]
unsafe fn block<const R: usize>(
    x: *const f32,
    k: usize,
    panels: &[Lanes],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    for (p, panel) in panels.chunks_exact(k + 1).enumerate() {
        let cols = COLS.min(width - p * COLS);
        // SAFETY: the panel has `k + 1` steps; the caller's rows and columns `p * COLS ..
        // p * COLS + cols` (inside `width`).
        unsafe { tile::<R>(x, k, panel.as_ptr(), y.add(p * COLS), ldy, cols) };
    }
}

/// The `R × 16` tile: `R` rows of X times one panel of `k + 1` steps, `cols` columns stored.
///
/// # Safety
/// AVX2 and FMA; `x + r·k + i` readable for `r < R`, `i < k`; `panel` holds `k + 1` steps;
/// `y + r·ldy + j` writable for `r < R`, `j < cols <= 16`.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile<const R: usize>(
    x: *const f32,
    k: usize,
    panel: *const Lanes,
    y: *mut f32,
    ldy: usize,
    cols: usize,
) {
    // SAFETY: the caller's bounds above; `Lanes` is 64-byte aligned, so both aligned loads
    // of a step are aligned.
    unsafe {
        let bias = panel.cast::<f32>();
        let mut lo = [_mm256_load_ps(bias); R];
        let mut hi = [_mm256_load_ps(bias.add(8)); R];
        let mut step = panel.add(1).cast::<f32>();
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

#[cfg(test)]
#[path = "dense_avx2_tests.rs"]
mod tests;
