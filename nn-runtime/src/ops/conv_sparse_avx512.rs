//! The AVX-512F kernel of the sparse backward pass (`conv_sparse_grad.rs`), for windows that
//! lie wholly inside the input (valid convolutions, unit horizontal stride); others go to the
//! generic loop. Rather than adding each nonzero's share into memory, it keeps a run of the
//! sums in registers (up to 8 zmm, 128 floats) while every nonzero that adds to it passes:
//!
//! - `dW`: the nonzeros of filter `f` are compressed into a list (`vcompressps`, no branch
//!   per gradient); each kernel row of `dW[f]` is then summed over the list, one load and one
//!   FMA per vector and nonzero, and stored once;
//! - `dX`: the same nonzeros, regrouped by output position (a counting sort), add
//!   `g · W[f]` into the position's window, loaded and stored once per position.

use super::Conv2dShape;
use core::arch::x86_64::*;
use core::cell::RefCell;
use std::vec::Vec;

/// Vectors of 16 floats summed in registers at a time.
const VECTORS: usize = 8;

/// The nonzero gradients of one sample, in the order of the filters, and regrouped by
/// output position.
#[derive(Default)]
struct Nonzeros {
    /// Output position of each nonzero, filter-major.
    position: Vec<u32>,
    /// Its gradient.
    grad: Vec<f32>,
    /// Where each filter's nonzeros start in `position` and `grad` (`filters + 1` entries).
    filter_start: Vec<usize>,
    /// Where each position's nonzeros start in `by_position` (`positions + 1` entries).
    position_start: Vec<usize>,
    /// `(window origin in the input, gradient)` of every nonzero, filter-major.
    by_filter: Vec<(usize, f32)>,
    /// `(filter's offset in the weight, gradient)` of every nonzero, position-major.
    by_position: Vec<(usize, f32)>,
    /// Where each output position's window starts in the channel-last input.
    origin: Vec<usize>,
}

std::thread_local! {
    static NONZEROS: RefCell<Nonzeros> = RefCell::new(Nonzeros::default());
}

/// Whether every window lies inside the input and its kernel rows are contiguous
/// channel-last: what [`sample`] needs beyond the generic loop's contract.
pub(crate) fn suits(s: &Conv2dShape) -> bool {
    let inside = |out: usize, stride: usize, kernel: usize, len: usize| {
        out == 0
            || (out - 1)
                .checked_mul(stride)
                .and_then(|o| o.checked_add(kernel))
                .is_some_and(|end| end <= len)
    };
    s.stride_w == 1
        && s.pad_top == 0
        && s.pad_left == 0
        && inside(s.out_height, s.stride_h, s.kernel_h, s.in_height)
        && inside(s.out_width, 1, s.kernel_w, s.in_width)
        && s.in_channels * s.kernel_w > 0
        && s.out_height * s.out_width <= u32::MAX as usize
        && s.out_channels <= u32::MAX as usize
}

/// The sparse backward pass of one sample (the contract of `sample_portable` in
/// `conv_sparse_grad.rs`), for geometries [`suits`] accepts; others take the generic loop.
///
/// # Safety
/// The CPU has AVX-512F and FMA (and AVX2, for the generic loop).
#[target_feature(enable = "avx512f,avx2,fma")]
pub(crate) unsafe fn sample(
    s: &Conv2dShape,
    dy: &[f32],
    x_last: &[f32],
    w_perm: &[f32],
    dw_perm: &mut [f32],
    dx_last: Option<&mut [f32]>,
) {
    if !suits(s) {
        // SAFETY: the caller's CPU features.
        return unsafe { super::sample_avx2(s, dy, x_last, w_perm, dw_perm, dx_last) };
    }
    let (c, ohw) = (s.in_channels, s.out_height * s.out_width);
    let run = s.kernel_w * c;
    let filter_len = s.kernel_h * run;
    let in_row = s.in_width * c;
    assert!(dy.len() == s.out_channels * ohw && dw_perm.len() == s.out_channels * filter_len);
    assert!(w_perm.len() == dw_perm.len() && x_last.len() == s.in_height * in_row);
    // The window of output `p` starts at `origin(p)` channel-last; with `suits`, its
    // `kernel_h` rows of `run` floats lie inside the input.
    NONZEROS.with(|nonzeros| {
        let mut nz = nonzeros.borrow_mut();
        nz.origin.clear();
        nz.origin.extend(
            (0..ohw).map(|p| (p / s.out_width) * s.stride_h * in_row + (p % s.out_width) * c),
        );
        let nz = &mut *nz;
        // SAFETY: AVX-512F, the caller's promise.
        unsafe { compress(dy, s.out_channels, ohw, nz) };
        nz.by_filter.clear();
        let (origin, position, grad) = (&nz.origin, &nz.position, &nz.grad);
        nz.by_filter.extend(
            position
                .iter()
                .zip(grad)
                .map(|(&p, &g)| (origin[p as usize], g)),
        );
        for f in 0..s.out_channels {
            let terms = &nz.by_filter[nz.filter_start[f]..nz.filter_start[f + 1]];
            if terms.is_empty() {
                continue;
            }
            let dw_f = &mut dw_perm[f * filter_len..][..filter_len];
            for i in 0..s.kernel_h {
                for chunk in (0..run).step_by(16 * VECTORS) {
                    let width = (run - chunk).min(16 * VECTORS);
                    let sums = dw_f[i * run + chunk..][..width].as_mut_ptr();
                    // SAFETY: each term's `width` floats from `origin + i · in_row + chunk`
                    // lie inside the window's row `i` in `x_last` (`suits`); the sums inside
                    // `dw_f`.
                    unsafe {
                        let base = x_last.as_ptr().add(i * in_row + chunk);
                        sum_runs(base, terms, sums, width)
                    };
                }
            }
        }
        let Some(dx) = dx_last else { return };
        assert_eq!(dx.len(), x_last.len());
        regroup_by_position(nz, ohw, filter_len);
        for p in 0..ohw {
            let terms = &nz.by_position[nz.position_start[p]..nz.position_start[p + 1]];
            if terms.is_empty() {
                continue;
            }
            let at = nz.origin[p];
            for i in 0..s.kernel_h {
                for chunk in (0..run).step_by(16 * VECTORS) {
                    let width = (run - chunk).min(16 * VECTORS);
                    let sums = dx[at + i * in_row + chunk..][..width].as_mut_ptr();
                    // SAFETY: each term's `width` floats from `filter + i · run + chunk` lie
                    // inside row `i` of a filter of `w_perm`; the sums inside the window's row
                    // `i` of `dx` (`suits`).
                    unsafe {
                        let base = w_perm.as_ptr().add(i * run + chunk);
                        sum_runs(base, terms, sums, width)
                    };
                }
            }
        }
    });
}

/// Lists the nonzero gradients of `dy` (`filters` planes of `positions`) filter by filter,
/// 16 at a time through lane compression. NaNs count as nonzero.
///
/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn compress(dy: &[f32], filters: usize, positions: usize, nz: &mut Nonzeros) {
    nz.position.clear();
    nz.position.resize(dy.len() + 16, 0);
    nz.grad.clear();
    nz.grad.resize(dy.len() + 16, 0.0);
    nz.filter_start.clear();
    let mut count = 0;
    for plane in dy.chunks_exact(positions).take(filters) {
        nz.filter_start.push(count);
        for start in (0..positions).step_by(16) {
            let lanes = (positions - start).min(16);
            let valid = ((1u32 << lanes) - 1) as __mmask16;
            // SAFETY: the masked load reads `lanes` floats of the plane from `start`; the
            // stores write 16 values at `count`, which stays at most `dy.len()` (each gradient
            // is listed once), inside the `dy.len() + 16` reserved.
            unsafe {
                let g = _mm512_maskz_loadu_ps(valid, plane.as_ptr().add(start));
                let nonzero = _mm512_mask_cmp_ps_mask::<_CMP_NEQ_UQ>(valid, g, _mm512_setzero_ps());
                let index = _mm512_add_epi32(
                    _mm512_set1_epi32(start as i32),
                    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                );
                // Compressed in registers and stored whole (the lanes past the nonzeros are
                // overwritten next): storing compressed is microcoded and slow on Zen 4.
                let packed = _mm512_maskz_compress_ps(nonzero, g);
                _mm512_storeu_ps(nz.grad.as_mut_ptr().add(count), packed);
                let packed = _mm512_maskz_compress_epi32(nonzero, index);
                _mm512_storeu_si512(nz.position.as_mut_ptr().add(count).cast(), packed);
                count += nonzero.count_ones() as usize;
            }
        }
    }
    nz.filter_start.push(count);
    nz.position.truncate(count);
    nz.grad.truncate(count);
}

/// Regroups the filter-major list by output position (a counting sort, stable in the
/// filters), each filter named by its offset in the weight (`filter_len` floats apart).
fn regroup_by_position(nz: &mut Nonzeros, positions: usize, filter_len: usize) {
    let Nonzeros {
        position,
        grad,
        filter_start,
        position_start,
        by_position,
        ..
    } = nz;
    position_start.clear();
    position_start.resize(positions + 1, 0);
    for &p in position.iter() {
        position_start[p as usize + 1] += 1;
    }
    for p in 0..positions {
        position_start[p + 1] += position_start[p];
    }
    by_position.clear();
    by_position.resize(position.len(), (0, 0.0));
    let mut next = position_start.clone();
    for f in 0..filter_start.len() - 1 {
        for k in filter_start[f]..filter_start[f + 1] {
            let slot = &mut next[position[k] as usize];
            by_position[*slot] = (f * filter_len, grad[k]);
            *slot += 1;
        }
    }
}

/// `sums[..width] += Σ g · base[offset..][..width]` over the `terms` `(offset, g)`, the sums
/// held in registers throughout.
///
/// # Safety
/// The CPU has AVX-512F; every `base + offset .. + width` is readable, `sums .. + width`
/// readable and writable; `width <= 128`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn sum_runs(base: *const f32, terms: &[(usize, f32)], sums: *mut f32, width: usize) {
    macro_rules! with_vectors {
        ($($v:literal)*) => {
            match width.div_ceil(16) {
                $($v => sum_runs_of::<$v>(base, terms, sums, width),)*
                _ => unreachable!("at most 128 floats"),
            }
        };
    }
    // SAFETY: forwarded from the caller.
    unsafe { with_vectors!(1 2 3 4 5 6 7 8) }
}

/// [`sum_runs`] with `V` vectors, the last one masked to `width`.
///
/// # Safety
/// As [`sum_runs`], with `16 · (V − 1) < width <= 16 · V`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn sum_runs_of<const V: usize>(
    base: *const f32,
    terms: &[(usize, f32)],
    sums: *mut f32,
    width: usize,
) {
    let masks: [__mmask16; V] = core::array::from_fn(|v| {
        let valid = width.saturating_sub(16 * v).min(16);
        ((1u32 << valid) - 1) as __mmask16
    });
    // SAFETY: every access goes through `masks`, inside the caller's `width` floats.
    unsafe {
        let mut acc = [_mm512_setzero_ps(); V];
        for &(offset, g) in terms {
            let (from, g) = (base.add(offset), _mm512_set1_ps(g));
            for (v, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(g, _mm512_maskz_loadu_ps(masks[v], from.add(16 * v)), *acc);
            }
        }
        for (v, &acc) in acc.iter().enumerate() {
            let to = sums.add(16 * v);
            let total = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[v], to), acc);
            _mm512_mask_storeu_ps(to, masks[v], total);
        }
    }
}
