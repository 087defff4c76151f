//! An AVX-512F product of row-major operands read in place, without packing:
//! `C[m×n] (+)= A[m×k] · B[k×n]`, where each operand has unit column stride and its own row
//! stride. The register tile is [`ROWS`] rows of A × up to [`VECTORS`] vectors of 16 columns
//! of B: per step of `k`, 6 broadcasts of A and 4 loads of B feed 24 FMAs into 24 zmm
//! accumulators. The ragged right edge is loaded and stored through lane masks, so nothing
//! past an operand's last column is touched.
//!
//! The wide convolutions (`conv_wide.rs`) need exactly this shape of product: their im2col
//! matrices and output maps are row-major with long rows, and a GEMM library that packs B
//! first spends as long packing (a transposed im2col matrix above all) as multiplying.

use super::gemm::{check_product, Matrix, MatrixMut};
use core::arch::x86_64::*;

/// Rows of A (and C) per register tile.
const ROWS: usize = 6;
/// Vectors of 16 columns of B (and C) per register tile.
const VECTORS: usize = 4;
/// Columns per register tile.
const COLS: usize = 16 * VECTORS;

/// Raw operands of one product, row strides in elements.
struct RowProduct {
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    /// Where A's rows start, as offsets from `a`, when they have no common stride (null:
    /// row `i` starts at `i · lda`).
    a_rows: *const usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    /// Add to C instead of overwriting it.
    accumulate: bool,
}

/// `C = A·B`, or `C += A·B` when `accumulate`, for views with unit column strides (any row
/// strides). Panics, as `gemm` does, when the dimensions do not chain or a view reaches past
/// its slice, and when a column stride is not 1 or C's rows overlap.
///
/// # Safety
/// The CPU has AVX-512F.
pub(crate) unsafe fn gemm_rows(a: Matrix<'_>, b: Matrix<'_>, accumulate: bool, c: MatrixMut<'_>) {
    check_row_product("gemm_rows", &a, &b, &c);
    let (a_start, lda) = (a.data.as_ptr(), a.row_stride);
    // SAFETY: `check_row_product` proved every element the row strides address lies inside
    // its slice; C is a distinct mutable borrow with rows that do not overlap; AVX-512F is
    // the caller's promise.
    unsafe { run((a_start, lda, core::ptr::null()), &b, accumulate, c) }
}

/// `C = A·B`, or `C += A·B` when `accumulate`, where row `i` of A is
/// `a[a_rows[i] .. a_rows[i] + k]`: rows at any offsets, overlapping or not (an indirect
/// GEMM: the rows of an im2col matrix read where they lie in the input). B and C as for
/// [`gemm_rows`]. Panics when a row reaches past `a`, the dimensions do not chain, a view
/// reaches past its slice, a column stride is not 1 or C's rows overlap.
///
/// # Safety
/// The CPU has AVX-512F.
pub(crate) unsafe fn gemm_rows_indirect(
    a: &[f32],
    a_rows: &[usize],
    b: Matrix<'_>,
    accumulate: bool,
    c: MatrixMut<'_>,
) {
    let k = b.rows;
    assert!(
        a_rows.len() == c.rows,
        "gemm_rows_indirect: {} rows of A for {} rows of C",
        a_rows.len(),
        c.rows
    );
    assert!(
        a_rows
            .iter()
            .all(|&start| start.checked_add(k).is_some_and(|end| end <= a.len())),
        "gemm_rows_indirect: a row of A reaches past its {} values",
        a.len()
    );
    // B and C checked against a stand-in A of the same shape whose rows all start at 0.
    let stand_in = Matrix::strided(&a[..k.min(a.len())], c.rows, k, 0, 1);
    check_row_product("gemm_rows_indirect", &stand_in, &b, &c);
    // SAFETY: every row of A lies in `a` (checked above), B and C were checked as for
    // `gemm_rows`; C is a distinct mutable borrow; AVX-512F is the caller's promise.
    unsafe { run((a.as_ptr(), 0, a_rows.as_ptr()), &b, accumulate, c) }
}

/// `check_product`, and the unit column strides and disjoint rows of C that the tile needs.
fn check_row_product(what: &str, a: &Matrix<'_>, b: &Matrix<'_>, c: &MatrixMut<'_>) {
    check_product(a, b, c);
    let unit = |m: usize, stride: usize| m <= 1 || stride == 1;
    assert!(
        unit(a.cols, a.col_stride) && unit(b.cols, b.col_stride) && unit(c.cols, c.col_stride),
        "{what}: every operand needs unit column stride"
    );
    assert!(
        c.rows <= 1 || c.row_stride >= c.cols,
        "{what}: C's rows overlap"
    );
}

/// Runs the checked product of A (`(start, row stride, row offsets or null)`), `b` and `c`.
///
/// # Safety
/// As [`product`].
unsafe fn run(
    (a, lda, a_rows): (*const f32, usize, *const usize),
    b: &Matrix<'_>,
    accumulate: bool,
    c: MatrixMut<'_>,
) {
    if c.rows == 0 || c.cols == 0 {
        return;
    }
    let p = RowProduct {
        m: c.rows,
        n: c.cols,
        k: b.rows,
        a,
        lda,
        a_rows,
        b: b.data.as_ptr(),
        ldb: b.row_stride,
        c: c.data.as_mut_ptr(),
        ldc: c.row_stride,
        accumulate,
    };
    // SAFETY: forwarded from the caller.
    unsafe { product(&p) }
}

/// Runs the product, column blocks of [`COLS`] outside, row blocks of [`ROWS`] inside, so that
/// a block of B (`k × 64`) is reused by every row block while it sits in cache.
///
/// # Safety
/// The CPU has AVX-512F; `a + i·lda + p` (or `a + a_rows[i] + p`) is readable for `i < m`,
/// `p < k`; `b + p·ldb + j`
/// readable for `p < k`, `j < n`; `c + i·ldc + j` writable (and readable when accumulating)
/// for `i < m`, `j < n`, and aliases neither A nor B.
#[target_feature(enable = "avx512f")]
unsafe fn product(p: &RowProduct) {
    let mut col = 0;
    while col < p.n {
        let width = COLS.min(p.n - col);
        let mut row = 0;
        while row < p.m {
            let rows = ROWS.min(p.m - row);
            // SAFETY: rows `row..row + rows` and columns `col..col + width` lie inside the
            // caller's bounds.
            unsafe { tile_dispatch(p, row, rows, col, width) };
            row += rows;
        }
        col += width;
    }
}

/// Picks the monomorphized tile for `rows` (1..=6) and `width` (1..=64).
///
/// # Safety
/// As [`product`], for the tile's rows and columns.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn tile_dispatch(p: &RowProduct, row: usize, rows: usize, col: usize, width: usize) {
    macro_rules! by_vectors {
        ($r:literal) => {
            match width.div_ceil(16) {
                1 => tile::<$r, 1>(p, row, col, width),
                2 => tile::<$r, 2>(p, row, col, width),
                3 => tile::<$r, 3>(p, row, col, width),
                _ => tile::<$r, 4>(p, row, col, width),
            }
        };
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match rows {
            1 => by_vectors!(1),
            2 => by_vectors!(2),
            3 => by_vectors!(3),
            4 => by_vectors!(4),
            5 => by_vectors!(5),
            _ => by_vectors!(6),
        }
    }
}

/// The lanes of vector `v` that lie below `width` columns.
#[inline(always)]
fn lane_mask(width: usize, v: usize) -> __mmask16 {
    let valid = width.saturating_sub(16 * v).min(16);
    ((1u32 << valid) - 1) as __mmask16
}

/// One `R × (16·V)` tile at (`row`, `col`), `width` columns of it valid (more than
/// `16·(V − 1)`).
///
/// # Safety
/// As [`product`], for the tile's rows and columns.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn tile<const R: usize, const V: usize>(
    p: &RowProduct,
    row: usize,
    col: usize,
    width: usize,
) {
    let masks: [__mmask16; V] = core::array::from_fn(|v| lane_mask(width, v));
    // SAFETY: every load and store below goes through `masks`, which keep it inside the
    // tile's valid columns; rows below `R` exist (the caller's contract).
    unsafe {
        let a: [*const f32; R] = core::array::from_fn(|r| {
            if p.a_rows.is_null() {
                p.a.add((row + r) * p.lda)
            } else {
                p.a.add(*p.a_rows.add(row + r))
            }
        });
        let b = p.b.add(col);
        let c = p.c.add(row * p.ldc + col);
        let mut acc = [[_mm512_setzero_ps(); V]; R];
        if p.accumulate {
            for (r, acc) in acc.iter_mut().enumerate() {
                for (v, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm512_maskz_loadu_ps(masks[v], c.add(r * p.ldc + 16 * v));
                }
            }
        }
        for i in 0..p.k {
            let b_step = b.add(i * p.ldb);
            let bv: [__m512; V] =
                core::array::from_fn(|v| _mm512_maskz_loadu_ps(masks[v], b_step.add(16 * v)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*a[r].add(i));
                for (acc, &bv) in acc.iter_mut().zip(&bv) {
                    *acc = _mm512_fmadd_ps(av, bv, *acc);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (v, &lanes) in acc.iter().enumerate() {
                _mm512_mask_storeu_ps(c.add(r * p.ldc + 16 * v), masks[v], lanes);
            }
        }
    }
}
