//! General matrix multiply: `matrixmultiply` under `std`, a plain loop without it.
//!
//! [`gemm`] is the safe wrapper over [`Matrix`] views: it checks every stride pattern against
//! its slice, then hands the raw pointers to `matrixmultiply::sgemm` (or, without `std`, runs
//! [`gemm_naive`]). [`gemm_naive`] is always compiled: it is the reference the tests hold the fast path to.

pub use super::matrix::{Matrix, MatrixMut};

/// `C = alpha · A·B + beta · C` for an `m×k` A, a `k×n` B and an `m×n` C, each a view with
/// its own row and column strides, so transposes cost nothing ([`Matrix::t`]).
/// Panics if the dimensions do not chain, if a stride pattern would read or write outside
/// its slice, or if it would make two elements of C share a place.
///
/// As in BLAS, `beta == 0` means C is only written, never read (NaNs in it do not spread).
pub fn gemm(alpha: f32, a: Matrix<'_>, b: Matrix<'_>, beta: f32, c: MatrixMut<'_>) {
    check_product(&a, &b, &c);
    if c.rows == 0 || c.cols == 0 {
        return;
    }
    check_no_aliasing(c.rows, c.cols, c.row_stride, c.col_stride);

    #[cfg(feature = "std")]
    {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let product = Product {
            m,
            k,
            alpha,
            beta,
            a: a.data.as_ptr(),
            a_strides: (
                stride_for_sgemm(m, a.row_stride),
                stride_for_sgemm(k, a.col_stride),
            ),
            b: b.data.as_ptr(),
            b_strides: (stride_for_sgemm(k, b.row_stride), b.col_stride),
            c: c.data.as_mut_ptr(),
            c_strides: (stride_for_sgemm(m, c.row_stride), c.col_stride),
        };
        let split = super::gemm_split::current().filter(|s| {
            s.parts() > 1
                && m * k * n >= super::gemm_split::MIN_MACS
                && n >= 2 * super::gemm_split::ALIGN
        });
        // SAFETY (both calls): `check_product` proved that every element the three stride
        // patterns address lies inside its slice, so every column block of B and C does too;
        // `check_no_aliasing` proved C's elements are distinct, so blocks computed at the same
        // time write disjoint elements; A, B and C come from distinct borrows, which outlive
        // this call, so C aliases neither and A and B are only read.
        match split {
            Some(splitter) => super::gemm_split::split_columns(
                splitter,
                n,
                super::gemm_split::ALIGN,
                &|start, width| unsafe { product.columns(start, width) },
            ),
            None => unsafe { product.columns(0, n) },
        }
    }
    #[cfg(not(feature = "std"))]
    gemm_naive(alpha, a, b, beta, c);
}

/// The same contract as [`gemm`], as a plain triple loop over bounds-checked indices: one dot
/// product per element of C. The reference for tests, and the whole of GEMM without `std`.
pub fn gemm_naive(alpha: f32, a: Matrix<'_>, b: Matrix<'_>, beta: f32, c: MatrixMut<'_>) {
    check_dimensions(&a, &b, &c);
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut sum = 0.0f32;
            for p in 0..a.cols {
                sum += a.data[i * a.row_stride + p * a.col_stride]
                    * b.data[p * b.row_stride + j * b.col_stride];
            }
            let out = &mut c.data[i * c.row_stride + j * c.col_stride];
            *out = if beta == 0.0 {
                alpha * sum
            } else {
                alpha * sum + beta * *out
            };
        }
    }
}

/// Panics unless A's columns are B's rows, A's rows C's rows and B's columns C's columns.
fn check_dimensions(a: &Matrix<'_>, b: &Matrix<'_>, c: &MatrixMut<'_>) {
    assert!(
        a.cols == b.rows && a.rows == c.rows && b.cols == c.cols,
        "gemm: A is {}×{}, B {}×{} and C {}×{}, which do not make C = A·B",
        a.rows,
        a.cols,
        b.rows,
        b.cols,
        c.rows,
        c.cols
    );
}

/// [`check_dimensions`], and [`check_operand`] for each of the three.
pub(super) fn check_product(a: &Matrix<'_>, b: &Matrix<'_>, c: &MatrixMut<'_>) {
    check_dimensions(a, b, c);
    let c_view = c.as_ref();
    for (name, m) in [("A", a), ("B", b), ("C", &c_view)] {
        check_operand(
            name,
            m.rows,
            m.cols,
            m.data.len(),
            m.row_stride,
            m.col_stride,
        );
    }
}

/// One product's operands and strides, as `matrixmultiply` takes them, so that column blocks
/// of it can be computed apart (and on other threads).
#[cfg(feature = "std")]
struct Product {
    m: usize,
    k: usize,
    alpha: f32,
    beta: f32,
    a: *const f32,
    a_strides: (isize, isize),
    b: *const f32,
    /// Row stride for `sgemm`, column stride in elements (to offset blocks by).
    b_strides: (isize, usize),
    c: *mut f32,
    c_strides: (isize, usize),
}

// SAFETY: blocks read A and B and write disjoint elements of C (see `gemm`), and the borrows
// the pointers come from outlive every call that uses them.
#[cfg(feature = "std")]
unsafe impl Sync for Product {}

#[cfg(feature = "std")]
impl Product {
    /// Columns `start..start + width` of C.
    ///
    /// # Safety
    /// The block lies inside the operands `gemm` checked, and no other thread writes it.
    unsafe fn columns(&self, start: usize, width: usize) {
        // SAFETY: the caller's contract; the strides fit in `isize` (`stride_for_sgemm`).
        unsafe {
            matrixmultiply::sgemm(
                self.m,
                self.k,
                width,
                self.alpha,
                self.a,
                self.a_strides.0,
                self.a_strides.1,
                self.b.add(start * self.b_strides.1),
                self.b_strides.0,
                stride_for_sgemm(width, self.b_strides.1),
                self.beta,
                self.c.add(start * self.c_strides.1),
                self.c_strides.0,
                stride_for_sgemm(width, self.c_strides.1),
            );
        }
    }
}

/// The stride of a dimension with `extent` elements, as `sgemm` takes it. Along a dimension of
/// one element the stride is never applied, so it may be anything (even beyond `isize`) and
/// becomes 0. Otherwise `check_operand` bounded it by an index inside a slice, and a slice
/// holds at most `isize::MAX` bytes, so the conversion is exact.
#[cfg(feature = "std")]
fn stride_for_sgemm(extent: usize, stride: usize) -> isize {
    if extent <= 1 {
        0
    } else {
        stride as isize
    }
}

/// Panics unless the largest index a `rows×cols` stride pattern touches is inside a slice of
/// `len` elements. An empty matrix touches nothing.
fn check_operand(
    name: &str,
    rows: usize,
    cols: usize,
    len: usize,
    row_stride: usize,
    col_stride: usize,
) {
    if rows == 0 || cols == 0 {
        return;
    }
    let last = (rows - 1).checked_mul(row_stride).and_then(|r| {
        (cols - 1)
            .checked_mul(col_stride)
            .and_then(|c| r.checked_add(c))
    });
    match last {
        Some(last) if last < len => {}
        _ => panic!(
            "gemm: {name} is {rows}×{cols} with strides ({row_stride}, {col_stride}), which reaches past \
             its {len} elements"
        ),
    }
}

/// Panics if two elements of the `m×n` C would land on the same place. Accepts every layout
/// where one dimension's stride steps over a whole line of the other (row-major, column-major,
/// padded, single row or column), which is a sufficient condition for distinct elements.
fn check_no_aliasing(m: usize, n: usize, row_stride: usize, col_stride: usize) {
    let rows_distinct = m <= 1 || row_stride > 0;
    let cols_distinct = n <= 1 || col_stride > 0;
    // Here `check_operand` has already ruled out overflow of these products.
    let rows_disjoint = m <= 1 || n <= 1 || row_stride > (n - 1) * col_stride;
    let cols_disjoint = m <= 1 || n <= 1 || col_stride > (m - 1) * row_stride;
    assert!(
        rows_distinct && cols_distinct && (rows_disjoint || cols_disjoint),
        "gemm: C is {m}×{n} with strides ({row_stride}, {col_stride}), which makes elements overlap"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_support::random_vec;
    use crate::rng::Rng;
    use std::vec;
    use std::vec::Vec;

    /// A matrix stored either row-major or column-major, with `pad` unused elements after each
    /// stored line (a leading dimension larger than needed).
    struct Layout {
        transposed: bool,
        pad: usize,
    }

    impl Layout {
        /// (row stride, column stride, storage length) for a `rows×cols` matrix.
        fn strides(&self, rows: usize, cols: usize) -> (usize, usize, usize) {
            if self.transposed {
                let ld = rows + self.pad;
                (1, ld, ld * cols)
            } else {
                let ld = cols + self.pad;
                (ld, 1, ld * rows)
            }
        }
    }

    /// `alpha · A·B + beta · C` in `f64`, from explicit indices (independent of both kernels).
    #[allow(clippy::too_many_arguments)]
    fn reference(
        (m, k, n): (usize, usize, usize),
        alpha: f32,
        (a, ars, acs): (&[f32], usize, usize),
        (b, brs, bcs): (&[f32], usize, usize),
        beta: f32,
        (c, crs, ccs): (&[f32], usize, usize),
    ) -> (Vec<f64>, Vec<f64>) {
        let (mut value, mut magnitude) = (vec![0.0; m * n], vec![0.0; m * n]);
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut s_abs) = (0.0f64, 0.0f64);
                for p in 0..k {
                    let prod = f64::from(a[i * ars + p * acs]) * f64::from(b[p * brs + j * bcs]);
                    s += prod;
                    s_abs += prod.abs();
                }
                let old = if beta == 0.0 {
                    0.0
                } else {
                    f64::from(beta) * f64::from(c[i * crs + j * ccs])
                };
                value[i * n + j] = f64::from(alpha) * s + old;
                magnitude[i * n + j] = f64::from(alpha).abs() * s_abs + old.abs();
            }
        }
        (value, magnitude)
    }

    type Kernel = fn(f32, Matrix<'_>, Matrix<'_>, f32, MatrixMut<'_>);

    /// Runs `kernel` on random data in the given layouts and checks C against the reference,
    /// including that padding elements of C are left alone.
    fn check_kernel(
        kernel: Kernel,
        dims: (usize, usize, usize),
        layouts: [&Layout; 3],
        alpha: f32,
        beta: f32,
        rng: &mut Rng,
    ) {
        let (m, k, n) = dims;
        let (ars, acs, alen) = layouts[0].strides(m, k);
        let (brs, bcs, blen) = layouts[1].strides(k, n);
        let (crs, ccs, clen) = layouts[2].strides(m, n);
        let a = random_vec(rng, alen, 1.0);
        let b = random_vec(rng, blen, 1.0);
        let mut c = random_vec(rng, clen, 1.0);
        if beta == 0.0 {
            // beta = 0 must not read C: poison the matrix, keep a sentinel in the padding.
            for i in 0..m {
                for j in 0..n {
                    c[i * crs + j * ccs] = f32::NAN;
                }
            }
        }
        let before = c.clone();
        let (want, magnitude) = reference(
            dims,
            alpha,
            (&a, ars, acs),
            (&b, brs, bcs),
            beta,
            (&c, crs, ccs),
        );
        kernel(
            alpha,
            Matrix::strided(&a, m, k, ars, acs),
            Matrix::strided(&b, k, n, brs, bcs),
            beta,
            MatrixMut::strided(&mut c, m, n, crs, ccs),
        );
        let mut touched = vec![false; clen];
        for i in 0..m {
            for j in 0..n {
                let idx = i * crs + j * ccs;
                touched[idx] = true;
                let (got, w) = (f64::from(c[idx]), want[i * n + j]);
                let tolerance = 1e-5 * (k as f64 + 1.0) * magnitude[i * n + j] + 1e-6;
                assert!(
                    (got - w).abs() <= tolerance,
                    "C[{i},{j}] = {got}, expected {w} (m,k,n = {m},{k},{n}; alpha {alpha}, beta {beta}; \
                     strides A ({ars},{acs}) B ({brs},{bcs}) C ({crs},{ccs}))"
                );
            }
        }
        for idx in (0..clen).filter(|&i| !touched[i]) {
            assert_eq!(
                c[idx].to_bits(),
                before[idx].to_bits(),
                "padding C[{idx}] was written"
            );
        }
    }

    const SIZES: [usize; 4] = [1, 7, 33, 100];

    fn all_layouts() -> Vec<Layout> {
        vec![
            Layout {
                transposed: false,
                pad: 0,
            },
            Layout {
                transposed: true,
                pad: 0,
            },
        ]
    }

    fn check_all_shapes_and_layouts(kernel: Kernel, seed: u64) {
        let mut rng = Rng::new(seed);
        let layouts = all_layouts();
        for &m in &SIZES {
            for &k in &SIZES {
                for &n in &SIZES {
                    for la in &layouts {
                        for lb in &layouts {
                            for lc in &layouts {
                                check_kernel(kernel, (m, k, n), [la, lb, lc], 0.75, 0.0, &mut rng);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn gemm_matches_reference_for_every_transposition_and_size() {
        check_all_shapes_and_layouts(gemm, 21);
    }

    #[test]
    fn gemm_naive_matches_reference_for_every_transposition_and_size() {
        check_all_shapes_and_layouts(gemm_naive, 22);
    }

    #[test]
    fn gemm_accumulates_with_beta_and_respects_padding() {
        let mut rng = Rng::new(23);
        let padded = [
            Layout {
                transposed: false,
                pad: 3,
            },
            Layout {
                transposed: true,
                pad: 5,
            },
        ];
        for kernel in [gemm as Kernel, gemm_naive as Kernel] {
            for dims in [(1, 1, 1), (7, 33, 1), (1, 7, 33), (33, 100, 7), (17, 5, 16)] {
                for la in &padded {
                    for lb in &padded {
                        for lc in &padded {
                            for (alpha, beta) in [(1.0, 1.0), (-0.5, 2.0), (2.0, 0.0), (0.0, -1.0)]
                            {
                                check_kernel(kernel, dims, [la, lb, lc], alpha, beta, &mut rng);
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn gemm_and_naive_agree_with_each_other() {
        let mut rng = Rng::new(24);
        let (m, k, n) = (13, 29, 11);
        let a = random_vec(&mut rng, m * k, 1.0);
        let b = random_vec(&mut rng, k * n, 1.0);
        let c0 = random_vec(&mut rng, m * n, 1.0);
        let (mut fast, mut slow) = (c0.clone(), c0);
        gemm(
            1.5,
            Matrix::row_major(&a, m, k),
            Matrix::row_major(&b, n, k).t(),
            -0.25,
            MatrixMut::row_major(&mut fast, m, n),
        );
        gemm_naive(
            1.5,
            Matrix::row_major(&a, m, k),
            Matrix::row_major(&b, n, k).t(),
            -0.25,
            MatrixMut::row_major(&mut slow, m, n),
        );
        for (f, s) in fast.iter().zip(&slow) {
            assert!((f - s).abs() <= 1e-4 * (1.0 + s.abs()), "{f} vs {s}");
        }
    }

    #[test]
    fn zero_sized_dimensions() {
        // m or n = 0: nothing is touched, even through empty slices.
        gemm(
            1.0,
            Matrix::row_major(&[], 0, 5),
            Matrix::row_major(&[0.0; 15], 5, 3),
            0.0,
            MatrixMut::row_major(&mut [], 0, 3),
        );
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 20], 4, 5),
            Matrix::row_major(&[], 5, 0),
            0.0,
            MatrixMut::row_major(&mut [], 4, 0),
        );
        // k = 0: A·B is the zero matrix, so C becomes beta · C.
        for kernel in [gemm as Kernel, gemm_naive as Kernel] {
            let mut c = [1.0, 2.0, 3.0, 4.0];
            kernel(
                1.0,
                Matrix::row_major(&[], 2, 0),
                Matrix::row_major(&[], 0, 2),
                0.5,
                MatrixMut::row_major(&mut c, 2, 2),
            );
            assert_eq!(c, [0.5, 1.0, 1.5, 2.0]);
            let mut c = [f32::NAN; 4];
            kernel(
                1.0,
                Matrix::row_major(&[], 2, 0),
                Matrix::row_major(&[], 0, 2),
                0.0,
                MatrixMut::row_major(&mut c, 2, 2),
            );
            assert_eq!(c, [0.0; 4]);
        }
    }

    #[test]
    fn a_known_small_product() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50], with B given transposed.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b_t = [5.0, 7.0, 6.0, 8.0];
        let mut c = [0.0; 4];
        gemm(
            1.0,
            Matrix::row_major(&a, 2, 2),
            Matrix::row_major(&b_t, 2, 2).t(),
            0.0,
            MatrixMut::row_major(&mut c, 2, 2),
        );
        assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
    }

    #[test]
    fn a_transposed_output_is_written_through_swapped_strides() {
        // Cᵀ = A·B stored row-major is C stored column-major: [19 43; 22 50].
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
        let mut c_t = [0.0; 4];
        for kernel in [gemm as Kernel, gemm_naive as Kernel] {
            kernel(
                1.0,
                Matrix::row_major(&a, 2, 2),
                Matrix::row_major(&b, 2, 2),
                0.0,
                MatrixMut::row_major(&mut c_t, 2, 2).t(),
            );
            assert_eq!(c_t, [19.0, 43.0, 22.0, 50.0]);
        }
    }

    #[test]
    #[should_panic(expected = "A is 3×4, B 5×2 and C 3×2, which do not make C = A·B")]
    fn rejects_dimensions_that_do_not_chain() {
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 12], 3, 4),
            Matrix::row_major(&[0.0; 10], 5, 2),
            0.0,
            MatrixMut::row_major(&mut [0.0; 6], 3, 2),
        );
    }

    #[test]
    #[should_panic(expected = "A is 3×4 with strides (4, 1)")]
    fn rejects_a_short_a() {
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 11], 3, 4),
            Matrix::row_major(&[0.0; 8], 4, 2),
            0.0,
            MatrixMut::row_major(&mut [0.0; 6], 3, 2),
        );
    }

    #[test]
    #[should_panic(expected = "B is 4×2 with strides (1, 4)")]
    fn rejects_a_short_transposed_b() {
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 12], 3, 4),
            Matrix::row_major(&[0.0; 7], 2, 4).t(),
            0.0,
            MatrixMut::row_major(&mut [0.0; 6], 3, 2),
        );
    }

    #[test]
    #[should_panic(expected = "C is 3×2 with strides (2, 1)")]
    fn rejects_a_short_c() {
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 12], 3, 4),
            Matrix::row_major(&[0.0; 8], 4, 2),
            0.0,
            MatrixMut::row_major(&mut [0.0; 5], 3, 2),
        );
    }

    #[test]
    #[should_panic(expected = "reaches past")]
    fn rejects_overflowing_strides() {
        gemm(
            1.0,
            Matrix::strided(&[0.0; 3], 3, 1, usize::MAX / 2, 1),
            Matrix::row_major(&[0.0], 1, 1),
            0.0,
            MatrixMut::row_major(&mut [0.0; 3], 3, 1),
        );
    }

    #[test]
    #[should_panic(expected = "overlap")]
    fn rejects_overlapping_c() {
        // Row stride 1 with 3 columns of stride 1: C[0,1] and C[1,0] share a place.
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 2], 2, 1),
            Matrix::row_major(&[0.0; 3], 1, 3),
            0.0,
            MatrixMut::strided(&mut [0.0; 8], 2, 3, 1, 1),
        );
    }

    #[test]
    #[should_panic(expected = "overlap")]
    fn rejects_zero_stride_c() {
        gemm(
            1.0,
            Matrix::row_major(&[0.0; 2], 2, 1),
            Matrix::row_major(&[0.0; 1], 1, 1),
            0.0,
            MatrixMut::strided(&mut [0.0; 1], 2, 1, 0, 1),
        );
    }

    #[test]
    fn broadcast_strides_are_fine_for_inputs() {
        // A zero stride repeats a row of A: every row of C is the same.
        let a = [1.0, 2.0];
        let b = [1.0, 0.0, 0.0, 1.0];
        let mut c = [0.0; 6];
        gemm(
            1.0,
            Matrix::strided(&a, 3, 2, 0, 1),
            Matrix::row_major(&b, 2, 2),
            0.0,
            MatrixMut::row_major(&mut c, 3, 2),
        );
        assert_eq!(c, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    }
}
