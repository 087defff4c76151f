//! The AVX2 transpose of a row-major matrix, in 8 × 8 blocks of eight loads, 24 shuffles
//! and eight stores (the portable loop moves one float at a time); the ragged edges go
//! through the portable loop. The wide convolutions' layout changes run on it.

use core::arch::x86_64::*;

/// `dst[c, r] = src[r, c]` for a `rows × cols` row-major `src`.
///
/// # Safety
/// The CPU has AVX2. (Lengths are checked here.)
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    assert!(src.len() == rows * cols && dst.len() == rows * cols);
    let (full_rows, full_cols) = (rows / 8 * 8, cols / 8 * 8);
    for r in (0..full_rows).step_by(8) {
        for c in (0..full_cols).step_by(8) {
            // SAFETY: rows `r..r + 8` and columns `c..c + 8` lie inside `src` (`r + 8 <=
            // rows`, `c + 8 <= cols`), and the transposed block inside `dst`.
            unsafe {
                block(
                    src.as_ptr().add(r * cols + c),
                    cols,
                    dst.as_mut_ptr().add(c * rows + r),
                    rows,
                )
            };
        }
    }
    // The columns right of the last full block, then the rows below them.
    for r in 0..full_rows {
        for c in full_cols..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
    for r in full_rows..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/// One 8 × 8 block: rows `ld` apart at `from`, transposed into rows `ld_to` apart at `to`.
///
/// # Safety
/// AVX2; eight rows of eight floats readable at `from`, writable at `to`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn block(from: *const f32, ld: usize, to: *mut f32, ld_to: usize) {
    // SAFETY: the caller's bounds.
    unsafe {
        let r: [__m256; 8] = core::array::from_fn(|i| _mm256_loadu_ps(from.add(i * ld)));
        let t = [
            _mm256_unpacklo_ps(r[0], r[1]),
            _mm256_unpackhi_ps(r[0], r[1]),
            _mm256_unpacklo_ps(r[2], r[3]),
            _mm256_unpackhi_ps(r[2], r[3]),
            _mm256_unpacklo_ps(r[4], r[5]),
            _mm256_unpackhi_ps(r[4], r[5]),
            _mm256_unpacklo_ps(r[6], r[7]),
            _mm256_unpackhi_ps(r[6], r[7]),
        ];
        let s = [
            _mm256_shuffle_ps::<0x44>(t[0], t[2]),
            _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
            _mm256_shuffle_ps::<0x44>(t[1], t[3]),
            _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
            _mm256_shuffle_ps::<0x44>(t[4], t[6]),
            _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
            _mm256_shuffle_ps::<0x44>(t[5], t[7]),
            _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
        ];
        let o = [
            _mm256_permute2f128_ps::<0x20>(s[0], s[4]),
            _mm256_permute2f128_ps::<0x20>(s[1], s[5]),
            _mm256_permute2f128_ps::<0x20>(s[2], s[6]),
            _mm256_permute2f128_ps::<0x20>(s[3], s[7]),
            _mm256_permute2f128_ps::<0x31>(s[0], s[4]),
            _mm256_permute2f128_ps::<0x31>(s[1], s[5]),
            _mm256_permute2f128_ps::<0x31>(s[2], s[6]),
            _mm256_permute2f128_ps::<0x31>(s[3], s[7]),
        ];
        for (i, &o) in o.iter().enumerate() {
            _mm256_storeu_ps(to.add(i * ld_to), o);
        }
    }
}
