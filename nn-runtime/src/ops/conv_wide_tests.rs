//! The wide convolutions (`conv_wide.rs`) and every kernel table's in-place GEMM under them,
//! against `f64` references: the GEMM on ragged shapes with padded rows, the convolutions'
//! forward, inference and backward passes on ragged geometries of 32–256 filters (padding and
//! strides included), and finite differences through the public batch functions.

use super::tests::{padded, random_data, reference, shape_of, Case};
use super::*;
use crate::ops::kernels::{test_every_variant, RowGemm, Variant};
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// Floats between the rows of every operand (row stride = columns + this), so that a kernel
/// that ignores the strides, or writes past a row's end, fails.
const ROW_PAD: usize = 3;
/// What the padding of C holds; it must survive.
const SENTINEL: f32 = 777.0;

/// Runs `gemm` on random `m × k` and `k × n` operands with padded rows, accumulating into a
/// random C or overwriting it, and checks it against an `f64` triple loop.
fn check_row_gemm(rng: &mut Rng, gemm: RowGemm, [m, n, k]: [usize; 3], accumulate: bool) {
    let (lda, ldb, ldc) = (k + ROW_PAD, n + ROW_PAD, n + ROW_PAD);
    let a = random_vec(rng, m * lda, 1.0);
    let b = random_vec(rng, k * ldb, 1.0);
    let mut c = random_vec(rng, m * ldc, 1.0);
    for row in c.chunks_exact_mut(ldc) {
        row[n..].fill(SENTINEL);
    }
    let mut want = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            let start = if accumulate {
                f64::from(c[i * ldc + j])
            } else {
                0.0
            };
            let dot: f64 = (0..k)
                .map(|p| f64::from(a[i * lda + p]) * f64::from(b[p * ldb + j]))
                .sum();
            want.push(start + dot);
        }
    }
    gemm(
        Matrix::strided(&a, m, k, lda, 1),
        Matrix::strided(&b, k, n, ldb, 1),
        accumulate,
        MatrixMut::strided(&mut c, m, n, ldc, 1),
    );
    let what = format!("{m}×{k} · {k}×{n}, accumulate {accumulate}");
    let got: Vec<f32> = c
        .chunks_exact(ldc)
        .flat_map(|row| row[..n].to_vec())
        .collect();
    let tol = 1e-6 * (k as f64 + 1.0);
    assert_close(&got, &want, tol, tol, &what);
    for row in c.chunks_exact(ldc) {
        assert!(
            row[n..].iter().all(|&v| v == SENTINEL),
            "{what}: wrote into row padding"
        );
    }
}

/// The tables with an in-place GEMM; on a CPU with AVX-512F, the AVX-512 table among them.
fn row_gemms() -> Vec<(Variant, RowGemm)> {
    let all: Vec<_> = crate::ops::kernels::available()
        .filter_map(|k| k.row_gemm.map(|g| (k.variant, g)))
        .collect();
    if Variant::Avx512.is_supported() {
        assert!(all.iter().any(|&(v, _)| v == Variant::Avx512));
    }
    all
}

test_every_variant! {
    fn row_gemm_matches_the_reference_on_ragged_shapes(kernels) {
        let Some(gemm) = kernels.row_gemm else { continue };
        let mut rng = Rng::new(61);
        // Every row count of a tile and its edge (1–13), column counts around the tile's
        // 16-lane vectors and 64-column blocks, k from 0; then the seed CNN's products.
        let mut shapes: Vec<[usize; 3]> = (0..150)
            .map(|_| [1 + rng.below(13), 1 + rng.below(150), rng.below(40)])
            .collect();
        shapes.extend([[64, 576, 288], [288, 64, 576], [288, 576, 64], [32, 9, 576], [1, 1, 1]]);
        for shape in shapes {
            for accumulate in [false, true] {
                check_row_gemm(&mut rng, gemm, shape, accumulate);
            }
        }
    }
}

test_every_variant! {
    fn indirect_gemm_matches_the_reference_on_ragged_shapes(kernels) {
        // Rows of A at random offsets into one slice (overlapping, repeated, the last one
        // ending at the slice's end), every tile row count and edge, columns around the
        // 16-lane vectors, k from 0; C with padded rows that must survive.
        let Some(indirect) = kernels.row_gemm_indirect else { continue };
        let mut rng = Rng::new(66);
        for _ in 0..150 {
            let (m, n, k) = (1 + rng.below(13), 1 + rng.below(80), rng.below(40));
            let a_len = k + 1 + rng.below(50);
            let a = random_vec(&mut rng, a_len, 1.0);
            let mut rows: Vec<usize> = (0..m).map(|_| rng.below(a.len() - k + 1)).collect();
            rows[m - 1] = a.len() - k;
            let (ldb, ldc) = (n + ROW_PAD, n + ROW_PAD);
            let b = random_vec(&mut rng, k * ldb, 1.0);
            for accumulate in [false, true] {
                let mut c = random_vec(&mut rng, m * ldc, 1.0);
                for row in c.chunks_exact_mut(ldc) {
                    row[n..].fill(SENTINEL);
                }
                let want: Vec<f64> = (0..m * n)
                    .map(|e| {
                        let (i, j) = (e / n, e % n);
                        let start = if accumulate { f64::from(c[i * ldc + j]) } else { 0.0 };
                        start
                            + (0..k)
                                .map(|q| f64::from(a[rows[i] + q]) * f64::from(b[q * ldb + j]))
                                .sum::<f64>()
                    })
                    .collect();
                indirect(
                    &a,
                    &rows,
                    Matrix::strided(&b, k, n, ldb, 1),
                    accumulate,
                    MatrixMut::strided(&mut c, m, n, ldc, 1),
                );
                let got: Vec<f32> = c.chunks_exact(ldc).flat_map(|r| r[..n].to_vec()).collect();
                let tol = 1e-6 * (k as f64 + 1.0);
                assert_close(&got, &want, tol, tol, &format!("{m}×{k}·{k}×{n} rows {rows:?}"));
                assert!(c.chunks_exact(ldc).all(|r| r[n..].iter().all(|&v| v == SENTINEL)));
            }
        }
    }

    fn indirect_gemm_refuses_rows_past_its_slice(kernels) {
        let Some(indirect) = kernels.row_gemm_indirect else { continue };
        let (a, b) = (vec![1.0f32; 10], vec![1.0f32; 12]);
        let refused = std::panic::catch_unwind(|| {
            let mut c = vec![0.0f32; 6];
            // A row of 4 from offset 7 would read a[10].
            let b = Matrix::row_major(&b, 4, 3);
            indirect(&a, &[0, 7], b, false, MatrixMut::row_major(&mut c, 2, 3));
        });
        assert!(refused.is_err(), "a row past A's end was accepted");
    }
}

/// A call of an in-place GEMM on two operands that should be refused.
type Attempt = fn(RowGemm, &[f32], &[f32]);

#[test]
fn row_gemm_rejects_transposed_and_short_operands() {
    for (variant, gemm) in row_gemms() {
        let (a, b) = (vec![1.0; 6], vec![1.0; 6]);
        let attempts: [(&str, Attempt); 2] = [
            ("transposed A", |g, a, b| {
                let mut c = vec![0.0; 4];
                g(
                    Matrix::row_major(a, 3, 2).t(),
                    Matrix::row_major(b, 3, 2),
                    false,
                    MatrixMut::row_major(&mut c, 2, 2),
                )
            }),
            ("short C", |g, a, b| {
                let mut c = vec![0.0; 3];
                g(
                    Matrix::row_major(a, 2, 3),
                    Matrix::row_major(b, 3, 2),
                    false,
                    MatrixMut::row_major(&mut c, 2, 2),
                )
            }),
        ];
        for (what, attempt) in attempts {
            let failed = std::panic::catch_unwind(|| attempt(gemm, &a, &b));
            assert!(failed.is_err(), "{}: {what} accepted", variant.name());
        }
    }
}

/// Ragged wide geometries: 32–256 filters (off multiples of the tiles), 4–40 input
/// channels, kernels 1–4, strides 1–2, padding on any side; small maps keep the `f64`
/// references quick. Then the seed CNN's three wide layers on shrunken maps.
pub(super) fn wide_cases(rng: &mut Rng) -> Vec<Conv2dShape> {
    let mut cases: Vec<Case> = (0..12)
        .map(|_| {
            let (kh, kw) = (1 + rng.below(4), 1 + rng.below(4));
            let pads = [rng.below(kh), rng.below(kw), rng.below(kh), rng.below(kw)];
            [
                (4 + rng.below(37)).max(64usize.div_ceil(kh * kw)),
                kh + rng.below(7),
                kw + rng.below(9),
                32 + rng.below(225),
                kh,
                kw,
                1 + rng.below(2),
                1 + rng.below(2),
                pads[0],
                pads[1],
                pads[2],
                pads[3],
            ]
        })
        .collect();
    cases.extend([
        [32, 10, 10, 64, 3, 3, 1, 1, 0, 0, 0, 0],
        [64, 7, 7, 64, 3, 3, 1, 1, 0, 0, 0, 0],
        [64, 5, 5, 32, 3, 3, 1, 1, 0, 0, 0, 0],
        [8, 6, 6, 256, 3, 3, 1, 1, 1, 1, 1, 1],
    ]);
    let shapes: Vec<Conv2dShape> = cases.into_iter().map(shape_of).collect();
    assert!(shapes.iter().all(wide::is_wide));
    shapes
}

/// `(dW, db, dX)` of `L = Σ dY ⊙ Y` over the batch, in `f64` loops.
pub(super) fn reference_backward(
    s: &Conv2dShape,
    w: &[f32],
    x: &[f32],
    dy: &[f32],
    batch: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (in_len, out_len) = sample_lens(s);
    let (mut dw, mut db, mut dx) = (
        vec![0.0; w.len()],
        vec![0.0; s.out_channels],
        vec![0.0; x.len()],
    );
    for n in 0..batch {
        let xs = &x[n * in_len..][..in_len];
        for o in 0..s.out_channels {
            for y in 0..s.out_height {
                for xx in 0..s.out_width {
                    let g = f64::from(dy[n * out_len + (o * s.out_height + y) * s.out_width + xx]);
                    db[o] += g;
                    for c in 0..s.in_channels {
                        for i in 0..s.kernel_h {
                            for j in 0..s.kernel_w {
                                let wi =
                                    ((o * s.in_channels + c) * s.kernel_h + i) * s.kernel_w + j;
                                dw[wi] += g * padded(s, xs, c, y, i, xx, j);
                                let iy = (y * s.stride_h + i).checked_sub(s.pad_top);
                                let ix = (xx * s.stride_w + j).checked_sub(s.pad_left);
                                if let (Some(iy), Some(ix)) = (iy, ix) {
                                    if iy < s.in_height && ix < s.in_width {
                                        dx[n * in_len
                                            + (c * s.in_height + iy) * s.in_width
                                            + ix] += g * f64::from(w[wi]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (dw, db, dx)
}

/// Panics, naming `what`, unless the parameter gradients a backward pass added to its
/// offsets (`got.0 − offsets.0`, `got.1 − offsets.1`) and its input gradient `got.2` match the
/// `f64` reference `want`, within the rounding of sums over the batch's outputs and a filter's
/// taps.
pub(super) fn assert_gradients(
    s: &Conv2dShape,
    batch: usize,
    what: &str,
    got: (&[f32], &[f32], &[f32]),
    offsets: (&[f32], &[f32]),
    want: &(Vec<f64>, Vec<f64>, Vec<f64>),
) {
    let added = |got: &[f32], offset: &[f32]| -> Vec<f32> {
        got.iter().zip(offset).map(|(g, o)| g - o).collect()
    };
    let taps = s.in_channels * s.kernel_h * s.kernel_w;
    let tol = 1e-5 * (batch * s.out_height * s.out_width + taps) as f64;
    assert_close(
        &added(got.0, offsets.0),
        &want.0,
        tol,
        tol,
        &format!("dW {what}"),
    );
    assert_close(
        &added(got.1, offsets.1),
        &want.1,
        tol,
        tol,
        &format!("db {what}"),
    );
    assert_close(got.2, &want.2, tol, tol, &format!("dX {what}"));
}

test_every_variant! {
    fn wide_passes_match_the_reference(kernels) {
        let Some(gemm) = kernels.row_gemm else { continue };
        let mut rng = Rng::new(62);
        for s in wide_cases(&mut rng) {
            let batch = 1 + rng.below(3);
            let d = random_data(&mut rng, &s, batch);
            let want = reference(&s, &d.weight, &d.bias, &d.input, batch);
            let taps = s.in_channels * s.kernel_h * s.kernel_w;
            let tol = 1e-6 * taps as f64;
            let what = format!("{s:?} batch {batch}");
            let mut cols = vec![f32::NAN; batch * s.col_len()];
            let y = guarded_output(want.len(), &what, |y| {
                wide::forward_batch(gemm, &s, &d.weight, &d.bias, &d.input, y, Some(&mut cols), batch)
            });
            assert_close(&y, &want, tol, tol, &format!("forward {what}"));
            let inferred = guarded_output(want.len(), &what, |y| {
                wide::infer_batch(gemm, &s, &d.weight, &d.bias, &d.input, y, batch)
            });
            assert_close(&inferred, &want, tol, tol, &format!("inference {what}"));

            check_backward(&mut rng, gemm, &s, &d, &mut cols, batch, &what);
        }
    }
}

/// [`wide::backward_batch`] on `gemm` against the `f64` reference, `cols` holding the batch's
/// im2col matrices. Parameter gradients are added to what is there; the input gradient
/// starts at zero (the public function zeroes it) and gathers every window's share.
fn check_backward(
    rng: &mut Rng,
    gemm: RowGemm,
    s: &Conv2dShape,
    d: &super::tests::Data,
    cols: &mut [f32],
    batch: usize,
    what: &str,
) {
    let dy = random_vec(
        rng,
        batch * s.out_channels * s.out_height * s.out_width,
        1.0,
    );
    let want = reference_backward(s, &d.weight, &d.input, &dy, batch);
    let (offset_w, offset_b) = (
        random_vec(rng, d.weight.len(), 1.0),
        random_vec(rng, s.out_channels, 1.0),
    );
    let (mut dw, mut db, mut dx) = (offset_w.clone(), offset_b.clone(), vec![0.0; d.input.len()]);
    wide::backward_batch(
        gemm,
        s,
        &d.weight,
        &dy,
        Some(&mut dx),
        &mut dw,
        &mut db,
        cols,
        batch,
    );
    let got = (&dw[..], &db[..], &dx[..]);
    assert_gradients(s, batch, what, got, (&offset_w, &offset_b), &want);
}

/// Narrow geometries: the MNIST CNN's two layers, a 1×1 map and kernel, `extra`, and `count`
/// random ones with kernels up to 4×4, up to 9 channels and 31 filters; with strides 1–3 and
/// padding on the top and left when `strided`, else valid unit-stride ones.
fn narrow_cases(rng: &mut Rng, extra: &[Case], count: usize, strided: bool) -> Vec<Case> {
    let mut cases: Vec<Case> = vec![
        [1, 28, 28, 8, 3, 3, 1, 1, 0, 0, 0, 0],
        [8, 13, 13, 16, 3, 3, 1, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    ];
    cases.extend_from_slice(extra);
    for _ in 0..count {
        let (kh, kw) = (1 + rng.below(4), 1 + rng.below(4));
        let (c, h, w, f) = (
            1 + rng.below(9),
            kh + rng.below(12),
            kw + rng.below(12),
            1 + rng.below(31),
        );
        cases.push(if strided {
            let (sh, sw, pt, pl) = (
                1 + rng.below(3),
                1 + rng.below(3),
                rng.below(2),
                rng.below(2),
            );
            [c, h, w, f, kh, kw, sh, sw, pt, pl, 0, 0]
        } else {
            [c, h, w, f, kh, kw, 1, 1, 0, 0, 0, 0]
        });
    }
    cases
}

test_every_variant! {
    fn narrow_backward_passes_on_the_gemm_match_the_reference(kernels) {
        // The backward pass takes the in-place GEMM for narrow convolutions too: the MNIST
        // CNN's two layers, single filters and channels, odd maps, padding and strides.
        let Some(gemm) = kernels.row_gemm else { continue };
        let mut rng = Rng::new(64);
        let extra = [[3, 7, 9, 5, 3, 2, 2, 1, 1, 0, 2, 1], [2, 10, 6, 17, 1, 1, 2, 3, 0, 0, 0, 0]];
        let cases = narrow_cases(&mut rng, &extra, 8, true);
        for case in cases {
            let s = shape_of(case);
            let batch = 1 + rng.below(3);
            let d = random_data(&mut rng, &s, batch);
            let mut cols = vec![f32::NAN; batch * s.col_len()];
            wide::im2col_batch(&s, &d.input, &mut cols);
            check_backward(&mut rng, gemm, &s, &d, &mut cols, batch, &format!("{case:?} batch {batch}"));
        }
    }
}

/// Through the public batch functions (the active table, so the wide path where it has one):
/// forward against the reference, backward against finite differences of the forward.
#[test]
fn public_batch_functions_on_a_wide_shape_match_finite_differences() {
    let mut rng = Rng::new(63);
    for case in [
        [8, 5, 6, 32, 3, 3, 1, 1, 0, 0, 0, 0],
        [16, 4, 4, 40, 2, 2, 1, 1, 1, 0, 0, 1],
    ] {
        let s = shape_of(case);
        let batch = 2;
        let d = random_data(&mut rng, &s, batch);
        let forward = |w: &[f32], b: &[f32], x: &[f32], cols: &mut [f32]| {
            let mut y = vec![f32::NAN; batch * s.out_channels * s.out_height * s.out_width];
            conv2d_forward_batch(&s, w, b, x, &mut y, cols, batch);
            y
        };
        let mut cols = vec![f32::NAN; batch * s.col_len()];
        let y = forward(&d.weight, &d.bias, &d.input, &mut cols);
        let tol = 1e-6 * (s.in_channels * s.kernel_h * s.kernel_w) as f64;
        let want = reference(&s, &d.weight, &d.bias, &d.input, batch);
        assert_close(&y, &want, tol, tol, &format!("forward {case:?}"));
        let mut inferred = vec![f32::NAN; y.len()];
        conv2d_infer_batch(&s, &d.weight, &d.bias, &d.input, &mut inferred, batch);
        assert_close(&inferred, &want, tol, tol, &format!("inference {case:?}"));

        let r = random_vec(&mut rng, y.len(), 1.0);
        let (mut dw, mut db, mut dx) = (
            vec![0.0; d.weight.len()],
            vec![0.0; s.out_channels],
            vec![f32::NAN; d.input.len()],
        );
        conv2d_backward_batch(
            &s,
            &d.weight,
            &r,
            Some(&mut dx),
            &mut dw,
            &mut db,
            &mut cols,
            batch,
        );
        let objective = |w: &[f32], b: &[f32], x: &[f32]| {
            let mut cols = vec![0.0; batch * s.col_len()];
            weighted_sum(&r, &forward(w, b, x, &mut cols))
        };
        let (eps, rel, abs) = (1e-2, 1e-2, 2e-3);
        let what = format!("{case:?}");
        check_gradient(&format!("dW {what}"), &d.weight, &dw, eps, rel, abs, |w| {
            objective(w, &d.bias, &d.input)
        });
        check_gradient(&format!("db {what}"), &d.bias, &db, eps, rel, abs, |b| {
            objective(&d.weight, b, &d.input)
        });
        check_gradient(&format!("dX {what}"), &d.input, &dx, eps, rel, abs, |x| {
            objective(&d.weight, &d.bias, x)
        });
    }
}

test_every_variant! {
    fn transpose_swaps_rows_and_columns(kernels) {
        let mut shapes = vec![[1, 1], [3, 17], [17, 3], [33, 40], [0, 5], [8, 8], [16, 24], [64, 676]];
        let mut rng = Rng::new(64);
        shapes.extend((0..40).map(|_| [1 + rng.below(40), 1 + rng.below(40)]));
        for [rows, cols] in shapes {
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let mut dst = vec![f32::NAN; rows * cols];
            (kernels.transpose)(&src, rows, cols, &mut dst);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(dst[c * rows + r], src[r * cols + c], "{rows}×{cols} at ({r}, {c})");
                }
            }
        }
    }
}

test_every_variant! {
    /// Single samples through the in-place GEMM, where the variant has one: pointwise
    /// convolutions on their input's grid (ragged maps of 1 to 2,304 positions, ragged
    /// channel counts) read in place, and strided, padded and tall kernels through im2col
    /// (in blocks of channels where the scratch needs), all against the `f64` reference; a
    /// geometry the direct kernel takes, or whose one channel's im2col exceeds the scratch,
    /// is declined untouched unless it is pointwise.
    fn single_samples_on_the_gemm_match_the_reference(kernels) {
        let mut rng = Rng::new(61);
        let mut check = |s: Conv2dShape, direct: bool| {
            let d = random_data(&mut rng, &s, 1);
            let mut y = vec![f32::NAN; s.out_channels * s.out_height * s.out_width];
            let (w, b, x) = (&d.weight, &d.bias, &d.input);
            let ran = wide::gemm_sample(kernels.row_gemm, direct, &s, w, b, x, &mut y);
            let pointwise = s.kernel_h * s.kernel_w == 1 && s.stride_h * s.stride_w == 1;
            let fits = s.kernel_h * s.kernel_w * s.out_height * s.out_width <= 32_768;
            let taken = pointwise || (!direct && fits);
            assert_eq!(ran, kernels.row_gemm.is_some() && taken, "{s:?}");
            if ran {
                let want = reference(&s, w, b, x, 1);
                let tol = 1e-6 * (s.in_channels * s.kernel_h * s.kernel_w) as f64 + 1e-6;
                assert_close(&y, &want, tol, tol, &format!("{s:?}"));
            } else {
                assert!(y.iter().all(|v| v.is_nan()), "{s:?}: nothing written");
            }
        };
        let maps = [(1, 1), (3, 3), (1, 17), (6, 6), (5, 25), (12, 12), (48, 48)];
        for &(h, w) in &maps {
            for (in_c, out_c) in [(1, 1), (3, 8), (8, 16), (16, 7), (64, 130), (131, 64)] {
                check(shape_of([in_c, h, w, out_c, 1, 1, 1, 1, 0, 0, 0, 0]), true);
            }
        }
        // Strided and padded geometries: VWW's first layer, KWS's, ResNet-8's 3×3 and its
        // strided 1×1 shortcut, an odd tall kernel.
        for c in [
            [3, 13, 14, 8, 3, 3, 2, 2, 0, 0, 1, 1],
            [1, 49, 10, 64, 10, 4, 2, 2, 4, 1, 5, 1],
            [16, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1],
            [16, 8, 8, 32, 1, 1, 2, 2, 0, 0, 0, 0],
            [5, 11, 6, 3, 5, 2, 1, 3, 2, 0, 2, 1],
            // im2col in blocks of two channels (9 · 1,600 floats each), and one channel's
            // im2col too large for the scratch (declined).
            [21, 40, 40, 6, 3, 3, 1, 1, 1, 1, 1, 1],
            [2, 70, 70, 4, 3, 3, 1, 1, 1, 1, 1, 1],
        ] {
            check(shape_of(c), false);
            check(shape_of(c), true);
        }
    }
}

test_every_variant! {
    fn flat_backward_passes_match_the_reference(kernels) {
        // Valid unit-stride narrow convolutions without im2col: the MNIST CNN's two layers,
        // 1×1 maps and kernels, kernels as wide or high as the input, inputs larger than the
        // windows need (junk columns, unread rows), single channels and filters.
        let (Some(gemm), Some(indirect)) = (kernels.row_gemm, kernels.row_gemm_indirect) else {
            continue;
        };
        let mut rng = Rng::new(65);
        let extra = [[2, 5, 7, 3, 5, 7, 1, 1, 0, 0, 0, 0], [3, 6, 9, 2, 1, 1, 1, 1, 0, 0, 0, 0]];
        let cases = narrow_cases(&mut rng, &extra, 12, false);
        for case in cases {
            let mut s = shape_of(case);
            // Now and then an output map smaller than the windows allow: rows and columns
            // of the input that no window reads.
            if rng.below(3) == 0 {
                s.out_height = 1 + rng.below(s.out_height);
                s.out_width = 1 + rng.below(s.out_width);
            }
            if !flat_grad::fits(&s) {
                assert!(wide::is_wide(&s), "{s:?} should suit the flat pass");
                continue;
            }
            let batch = 1 + rng.below(3);
            let what = format!("{s:?} batch {batch}");
            let d = random_data(&mut rng, &s, batch);
            let dy = random_vec(&mut rng, batch * s.out_channels * s.out_height * s.out_width, 1.0);
            let want = reference_backward(&s, &d.weight, &d.input, &dy, batch);
            let (offset_w, offset_b) =
                (random_vec(&mut rng, d.weight.len(), 1.0), random_vec(&mut rng, s.out_channels, 1.0));
            let (mut dw, mut db) = (offset_w.clone(), offset_b.clone());
            let mut dx = vec![f32::NAN; d.input.len()];
            flat_grad::backward_batch(
                (gemm, indirect), &s, &d.weight, &d.input, &dy, Some(&mut dx), &mut dw, &mut db, batch,
            );
            assert_gradients(&s, batch, &what, (&dw, &db, &dx), (&offset_w, &offset_b), &want);
            // Without the input gradient, the same parameter gradients.
            let (mut dw2, mut db2) = (offset_w.clone(), offset_b.clone());
            flat_grad::backward_batch(
                (gemm, indirect), &s, &d.weight, &d.input, &dy, None, &mut dw2, &mut db2, batch,
            );
            assert_eq!((dw2, db2), (dw, db), "{what}: gradients without the input's");
        }
    }
}
