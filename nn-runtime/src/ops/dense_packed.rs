//! The batched dense forward pass `Y[batch, out] = bias + X[batch, in] · Wᵀ` over packed
//! panels of W, shared by the SIMD variants (`dense_avx2.rs`, `dense_avx512.rs`), which
//! supply only the register tile ([`Tile`]); the rows and panels around it are walked here.
//!
//! Per call, W is packed into panels of `C` output units, each `[bias; W column 0; …;
//! W column k−1]` as `C` contiguous lanes (zero-padded at the right edge): 784×128 floats for
//! the MLP's first layer, cheap beside 256 rows of work. Each panel is then multiplied by a
//! few rows of X at a time, read straight from the input, over the whole `k` (no
//! k-blocking); the rows stay in L1 while the panels stream from L2. Accumulators start at
//! the bias, so the store is the last step.
//!
//! While threads share GEMMs (`gemm_split`), the output units are cut into column blocks of
//! whole panels, and each thread packs and computes its own panels; every element is the
//! same sum in the same order, so the result depends neither on the number of threads nor on
//! the panel width. The panels of all blocks live in one buffer of the calling thread (each
//! block packs its own disjoint range of it), so which thread happens to claim which block
//! never decides whether a call allocates: only a W larger than any before on the calling
//! thread does.

use super::gemm_split;
use core::cell::RefCell;
use std::vec::Vec;

/// The unit of the panel buffer: 16 floats, 64-byte aligned, so that every panel step of a
/// multiple of 16 lanes starts on a cache line (aligned vector loads).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; 16]);

std::thread_local! {
    /// The packed panels of the current call, kept per calling thread so that a call
    /// allocates only when W is larger than any before on this thread.
    static PANELS: RefCell<Vec<Line>> = const { RefCell::new(Vec::new()) };
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

/// Rows of X per tile: 6 rows (18.8 KB for `k` = 784) stay in L1 while the panels stream
/// from L2, and leave enough registers for the accumulators of a whole panel step.
const ROWS: usize = 6;

/// A SIMD variant's register tile: `R` rows of X times one panel of [`Self::COLS`] units.
pub(crate) trait Tile {
    /// Output units per panel.
    const COLS: usize;

    /// `R` rows of X (`k` apart from `x`) times one panel of `k + 1` steps (the bias first),
    /// into `R` rows of Y (`ldy` apart), `cols` columns stored.
    ///
    /// # Safety
    /// The CPU features of the variant; `x + r·k + i` readable for `r < R`, `i < k`; `panel`
    /// holds `k + 1` steps of `COLS` floats, 64-byte aligned; `y + r·ldy + j` writable for
    /// `r < R`, `j < cols <= COLS`.
    unsafe fn tile<const R: usize>(
        x: *const f32,
        k: usize,
        panel: *const f32,
        y: *mut f32,
        ldy: usize,
        cols: usize,
    );
}

/// Every row of X against every panel with the tiles of `T`: blocks of [`ROWS`] rows, the
/// rest in one smaller block; within a block, the panels in order (the block's rows of X
/// stay in L1). A [`Compute`].
///
/// # Safety
/// The CPU features of `T`; `x.len() == batch * k`; `panels` as [`pack`] writes them for
/// `width` units, 64-byte aligned; `y` points at `batch` rows `ldy` apart, each with `width`
/// writable floats.
pub(crate) unsafe fn compute<T: Tile>(
    x: &[f32],
    batch: usize,
    k: usize,
    panels: &[f32],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    assert!(x.len() == batch * k && panels.len() == width.div_ceil(T::COLS) * (k + 1) * T::COLS);
    let mut row = 0;
    // SAFETY (every call below): rows `row..row + R` exist (`row + R <= batch`), so their
    // `R * k` values lie in `x` and their outputs in `y`'s `batch` rows; `block` stays within
    // `panels` and `width` columns.
    unsafe {
        while row + ROWS <= batch {
            block::<T, ROWS>(
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
            1 => block::<T, 1>(xr, k, panels, yr, ldy, width),
            2 => block::<T, 2>(xr, k, panels, yr, ldy, width),
            3 => block::<T, 3>(xr, k, panels, yr, ldy, width),
            4 => block::<T, 4>(xr, k, panels, yr, ldy, width),
            5 => block::<T, 5>(xr, k, panels, yr, ldy, width),
            _ => {}
        }
    }
}

/// `R` rows of X (`k` apart from `x`) against every panel, into `R` rows of Y.
///
/// # Safety
/// As [`compute`], for the `R` rows at `x` and `y`.
#[inline]
unsafe fn block<T: Tile, const R: usize>(
    x: *const f32,
    k: usize,
    panels: &[f32],
    y: *mut f32,
    ldy: usize,
    width: usize,
) {
    for (p, panel) in panels.chunks_exact((k + 1) * T::COLS).enumerate() {
        let cols = T::COLS.min(width - p * T::COLS);
        // SAFETY: the panel has `k + 1` steps of `COLS` floats; the caller's rows and columns
        // `p * COLS .. p * COLS + cols` (inside `width`).
        unsafe { T::tile::<R>(x, k, panel.as_ptr(), y.add(p * T::COLS), ldy, cols) };
    }
}

/// A variant's register tiles over one column block: `(x, batch, k, panels, y, ldy,
/// width)`, every row of `x` (`batch × k`) against the `panels` of `width` units (each
/// `(k + 1) · C` floats, 64-byte aligned), into `batch` rows of `y`, `ldy` apart, `width`
/// columns each.
pub(crate) type Compute = unsafe fn(&[f32], usize, usize, &[f32], *mut f32, usize, usize);

/// `output[b, o] = bias[o] + Σ_i input[b, i] · weight[o, i]`, for `batch` rows, with panels
/// of `C` units and the tiles of `compute`.
///
/// # Safety
/// The CPU must support what `compute` needs. (Lengths are checked here.)
pub(crate) unsafe fn forward<const C: usize>(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
    batch: usize,
    compute: Compute,
) {
    const { assert!(C.is_multiple_of(16)) };
    let outputs = bias.len();
    assert!(batch > 0 && outputs > 0 && input.len().is_multiple_of(batch));
    let inputs = input.len() / batch;
    assert!(weight.len() == outputs * inputs && output.len() == batch * outputs);

    let panel_len = (inputs + 1) * C;
    PANELS.with(|panels| {
        let mut panels = panels.borrow_mut();
        let lines = outputs.div_ceil(C) * panel_len / 16;
        if panels.len() < lines {
            panels.resize(lines, Line([0.0; 16]));
        }
        let all_panels = Shared(panels.as_mut_ptr().cast::<f32>());
        let out = Shared(output.as_mut_ptr());
        let block = |start: usize, width: usize| {
            assert!(start.is_multiple_of(C) && start + width <= outputs);
            // SAFETY: panels `start / C ..` for `width` units lie inside the `lines` reserved
            // above (`start + width <= outputs`), and no other block packs them: blocks are
            // disjoint column ranges that start on panel boundaries. The buffer stays
            // borrowed until every block has returned.
            let panels = unsafe {
                core::slice::from_raw_parts_mut(
                    all_panels.get().add(start / C * panel_len),
                    width.div_ceil(C) * panel_len,
                )
            };
            pack::<C>(weight, bias, inputs, start, width, panels);
            // SAFETY: the CPU features are the caller's promise. Columns `start..start +
            // width` of every one of the `batch` rows lie inside `output` (`start + width <=
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
            s.parts() > 1 && batch * inputs * outputs >= gemm_split::MIN_MACS && outputs >= 2 * C
        });
        match split {
            Some(splitter) => gemm_split::split_columns(splitter, outputs, C, &block),
            None => block(0, outputs),
        }
    });
}

/// Packs output units `start..start + width` of W and the bias into `panels`, one panel of
/// `C` units per `(inputs + 1) · C` floats (the bias first).
fn pack<const C: usize>(
    weight: &[f32],
    bias: &[f32],
    inputs: usize,
    start: usize,
    width: usize,
    panels: &mut [f32],
) {
    let steps = inputs + 1;
    assert_eq!(panels.len(), width.div_ceil(C) * steps * C);
    for (p, panel) in panels.chunks_exact_mut(steps * C).enumerate() {
        let first = start + p * C;
        let cols = C.min(start + width - first);
        let (head, rest) = panel.split_at_mut(C);
        head.fill(0.0);
        head[..cols].copy_from_slice(&bias[first..first + cols]);
        if cols < C {
            rest.fill(0.0);
        }
        // Blocks of 16 steps: the destination lines stay in L1 while 16 rows fill them.
        for (s, chunk) in rest.chunks_mut(16 * C).enumerate() {
            for j in 0..cols {
                let row = &weight[(first + j) * inputs + s * 16..][..chunk.len() / C];
                for (step, &w) in chunk.chunks_exact_mut(C).zip(row) {
                    step[j] = w;
                }
            }
        }
    }
}
