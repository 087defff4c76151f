//! Tests of the convolution kernels against an independent six-loop reference and finite
//! differences.

use super::*;
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec;
use std::vec::Vec;

/// `[in_c, h, w, out_c, kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right]`.
pub(super) type Case = [usize; 12];

/// Hand-picked geometries: valid, "same" (pad (k−1)/2 in front, the rest behind), large
/// explicit padding, non-square kernels, strides 1–3, sizes off multiples of 8.
const CASES: [Case; 12] = [
    [1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0],
    [1, 28, 28, 8, 5, 5, 1, 1, 0, 0, 0, 0],
    [8, 13, 13, 16, 3, 3, 1, 1, 0, 0, 0, 0],
    [3, 9, 11, 4, 3, 5, 1, 1, 1, 2, 1, 2],
    [2, 10, 7, 3, 4, 2, 1, 1, 1, 0, 2, 1],
    [4, 7, 9, 5, 1, 1, 1, 1, 0, 0, 0, 0],
    [3, 11, 10, 2, 3, 3, 2, 2, 1, 1, 1, 1],
    [2, 13, 17, 3, 3, 5, 3, 2, 0, 0, 0, 0],
    [2, 6, 5, 3, 3, 3, 2, 3, 3, 4, 2, 5],
    [1, 5, 6, 2, 5, 3, 3, 1, 4, 2, 4, 2],
    [5, 4, 4, 1, 2, 2, 2, 2, 0, 1, 1, 0],
    [2, 3, 2, 2, 1, 3, 1, 1, 0, 1, 0, 1],
];

pub(super) fn shape_of(c: Case) -> Conv2dShape {
    let [in_c, h, w, out_c, kh, kw, sh, sw, pt, pl, pb, pr] = c;
    Conv2dShape {
        in_channels: in_c,
        in_height: h,
        in_width: w,
        out_channels: out_c,
        kernel_h: kh,
        kernel_w: kw,
        stride_h: sh,
        stride_w: sw,
        pad_top: pt,
        pad_left: pl,
        out_height: (h + pt + pb - kh) / sh + 1,
        out_width: (w + pl + pr - kw) / sw + 1,
    }
}

/// Random geometries, "same"-style padding for half of them.
fn random_cases(rng: &mut Rng, count: usize) -> Vec<Case> {
    (0..count)
        .map(|_| {
            let (kh, kw) = (1 + rng.below(5), 1 + rng.below(5));
            let (h, w) = (kh + rng.below(9), kw + rng.below(9));
            let (sh, sw) = (1 + rng.below(3), 1 + rng.below(3));
            let [pt, pl, pb, pr] = if rng.below(2) == 0 {
                [(kh - 1) / 2, (kw - 1) / 2, kh / 2, kw / 2]
            } else {
                [rng.below(3), rng.below(3), rng.below(3), rng.below(3)]
            };
            [
                1 + rng.below(4),
                h,
                w,
                1 + rng.below(4),
                kh,
                kw,
                sh,
                sw,
                pt,
                pl,
                pb,
                pr,
            ]
        })
        .collect()
}

pub(super) fn all_cases(seed: u64) -> Vec<Case> {
    let mut cases = CASES.to_vec();
    cases.extend(random_cases(&mut Rng::new(seed), 20));
    cases
}

/// The input value the convolution reads at padded coordinates, or 0 in the padding.
pub(super) fn padded(
    s: &Conv2dShape,
    x: &[f32],
    c: usize,
    y: usize,
    i: usize,
    xx: usize,
    j: usize,
) -> f64 {
    let iy = (y * s.stride_h + i) as isize - s.pad_top as isize;
    let ix = (xx * s.stride_w + j) as isize - s.pad_left as isize;
    if iy < 0 || ix < 0 || iy >= s.in_height as isize || ix >= s.in_width as isize {
        return 0.0;
    }
    f64::from(x[(c * s.in_height + iy as usize) * s.in_width + ix as usize])
}

/// Six nested loops per sample, in `f64`, with explicit padding checks.
pub(super) fn reference(
    s: &Conv2dShape,
    w: &[f32],
    b: &[f32],
    input: &[f32],
    batch: usize,
) -> Vec<f64> {
    let in_len = s.in_channels * s.in_height * s.in_width;
    let mut out = Vec::new();
    for n in 0..batch {
        let x = &input[n * in_len..(n + 1) * in_len];
        for o in 0..s.out_channels {
            for y in 0..s.out_height {
                for xx in 0..s.out_width {
                    let mut sum = f64::from(b[o]);
                    for c in 0..s.in_channels {
                        for i in 0..s.kernel_h {
                            for j in 0..s.kernel_w {
                                let wv =
                                    w[((o * s.in_channels + c) * s.kernel_h + i) * s.kernel_w + j];
                                sum += f64::from(wv) * padded(s, x, c, y, i, xx, j);
                            }
                        }
                    }
                    out.push(sum);
                }
            }
        }
    }
    out
}

pub(super) struct Data {
    pub(super) weight: Vec<f32>,
    pub(super) bias: Vec<f32>,
    pub(super) input: Vec<f32>,
}

pub(super) fn random_data(rng: &mut Rng, s: &Conv2dShape, batch: usize) -> Data {
    let taps = s.in_channels * s.kernel_h * s.kernel_w;
    Data {
        weight: random_vec(rng, s.out_channels * taps, 1.0),
        bias: random_vec(rng, s.out_channels, 1.0),
        input: random_vec(rng, batch * s.in_channels * s.in_height * s.in_width, 1.0),
    }
}

fn forward_batch(s: &Conv2dShape, d: &Data, batch: usize) -> (Vec<f32>, Vec<f32>) {
    let mut y = vec![f32::NAN; batch * s.out_channels * s.out_height * s.out_width];
    let mut cols = vec![f32::NAN; batch * s.col_len()];
    conv2d_forward_batch(s, &d.weight, &d.bias, &d.input, &mut y, &mut cols, batch);
    (y, cols)
}

#[test]
fn forward_matches_the_reference() {
    let mut rng = Rng::new(41);
    for case in all_cases(42) {
        let s = shape_of(case);
        for batch in [1, 3] {
            let d = random_data(&mut rng, &s, batch);
            let want = reference(&s, &d.weight, &d.bias, &d.input, batch);
            let tol = 1e-6 * (s.in_channels * s.kernel_h * s.kernel_w) as f64;
            let out_len = s.out_channels * s.out_height * s.out_width;
            let in_len = s.in_channels * s.in_height * s.in_width;
            let mut single = vec![f32::NAN; batch * out_len];
            for (x, y) in d.input.chunks(in_len).zip(single.chunks_mut(out_len)) {
                conv2d_forward(&s, &d.weight, &d.bias, x, y);
            }
            let what = format!("{case:?} batch {batch}");
            assert_close(&single, &want, tol, tol, &format!("conv2d_forward {what}"));
            let (batched, cols) = forward_batch(&s, &d, batch);
            assert_close(&batched, &want, tol, tol, &format!("forward_batch {what}"));
            assert_close(
                &batched,
                &to_f64(&single),
                tol,
                tol,
                &format!("batch vs single {what}"),
            );

            // `cols` holds each sample's im2col matrix, in the documented layout.
            let ohw = s.out_height * s.out_width;
            for (n, col) in cols.chunks(s.col_len()).enumerate() {
                let x = &d.input[n * in_len..(n + 1) * in_len];
                for (r, row) in col.chunks(ohw).enumerate() {
                    let (c, i, j) = (
                        r / (s.kernel_h * s.kernel_w),
                        (r / s.kernel_w) % s.kernel_h,
                        r % s.kernel_w,
                    );
                    for (p, &v) in row.iter().enumerate() {
                        let want = padded(&s, x, c, p / s.out_width, i, p % s.out_width, j);
                        assert_eq!(f64::from(v), want, "cols {what} sample {n} row {r} col {p}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_known_tiny_convolution() {
    // 3×3 input 1..9, a 2×2 kernel of ones: each output sums a 2×2 block.
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0]);
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let mut y = [f32::NAN; 4];
    conv2d_forward(&s, &[1.0; 4], &[0.5], &x, &mut y);
    assert_eq!(y, [12.5, 16.5, 24.5, 28.5]);
    let (mut yb, mut cols) = ([f32::NAN; 4], [f32::NAN; 16]);
    conv2d_forward_batch(&s, &[1.0; 4], &[0.5], &x, &mut yb, &mut cols, 1);
    assert_eq!(yb, y);

    // Padded by one on every side: a 4×4 output whose corners see one input each.
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1]);
    let mut y = [f32::NAN; 16];
    conv2d_forward(&s, &[1.0; 4], &[0.0], &x, &mut y);
    #[rustfmt::skip]
    let want = [
        1.0, 3.0, 5.0, 3.0,
        5.0, 12.0, 16.0, 9.0,
        11.0, 24.0, 28.0, 15.0,
        7.0, 15.0, 17.0, 9.0,
    ];
    assert_eq!(y, want);

    // Stride 2 over the same padded input, kernel [1 0; 0 −1]: x[p] − x[p + (1, 1)].
    let s = shape_of([1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1, 1]);
    let mut y = [f32::NAN; 4];
    conv2d_forward(&s, &[1.0, 0.0, 0.0, -1.0], &[0.0], &x, &mut y);
    assert_eq!(y, [-1.0, -3.0, -7.0, -9.0 + 5.0]);
}

#[test]
fn backward_matches_finite_differences() {
    let mut rng = Rng::new(43);
    let mut cases = CASES[3..].to_vec();
    cases.retain(|c| c[1] * c[2] <= 120);
    cases.extend(random_cases(&mut Rng::new(44), 6));
    for case in cases {
        let s = shape_of(case);
        let batch = 2;
        let d = random_data(&mut rng, &s, batch);
        let (y, mut cols) = forward_batch(&s, &d, batch);
        let r = random_vec(&mut rng, y.len(), 1.0); // L = Σ r ⊙ Y, so dY = r.
        let objective = |w: &[f32], b: &[f32], x: &[f32]| {
            let d = Data {
                weight: w.to_vec(),
                bias: b.to_vec(),
                input: x.to_vec(),
            };
            weighted_sum(&r, &forward_batch(&s, &d, batch).0)
        };

        // Parameter gradients are added to what is there: start from a known offset.
        let (offset_w, offset_b) = (
            random_vec(&mut rng, d.weight.len(), 1.0),
            random_vec(&mut rng, d.bias.len(), 1.0),
        );
        let (mut dw, mut db) = (offset_w.clone(), offset_b.clone());
        let mut dx = vec![f32::NAN; d.input.len()];
        let cols_copy = cols.clone();
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
        let added_w: Vec<f32> = dw.iter().zip(&offset_w).map(|(a, b)| a - b).collect();
        let added_b: Vec<f32> = db.iter().zip(&offset_b).map(|(a, b)| a - b).collect();

        let what = format!("{case:?}");
        let (eps, rel, abs) = (1e-2, 1e-2, 2e-3);
        check_gradient(
            &format!("dW {what}"),
            &d.weight,
            &added_w,
            eps,
            rel,
            abs,
            |w| objective(w, &d.bias, &d.input),
        );
        check_gradient(
            &format!("db {what}"),
            &d.bias,
            &added_b,
            eps,
            rel,
            abs,
            |b| objective(&d.weight, b, &d.input),
        );
        check_gradient(&format!("dX {what}"), &d.input, &dx, eps, rel, abs, |x| {
            objective(&d.weight, &d.bias, x)
        });

        // Without input_grad, the parameter gradients are the same.
        let (mut dw2, mut db2, mut cols2) = (offset_w.clone(), offset_b.clone(), cols_copy);
        conv2d_backward_batch(
            &s, &d.weight, &r, None, &mut dw2, &mut db2, &mut cols2, batch,
        );
        assert_eq!((dw2, db2), (dw, db), "{what}: gradients without input_grad");
    }
}

/// `col2im` is the adjoint of `im2col`: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩.
#[test]
fn col2im_is_the_adjoint_of_im2col() {
    let mut rng = Rng::new(45);
    for case in all_cases(46) {
        let s = shape_of(case);
        let x = random_vec(&mut rng, s.in_channels * s.in_height * s.in_width, 1.0);
        let c = random_vec(&mut rng, s.col_len(), 1.0);
        let mut cols = vec![f32::NAN; s.col_len()];
        im2col(&s, &x, &mut cols);
        let offset = random_vec(&mut rng, x.len(), 1.0);
        let mut back = offset.clone();
        col2im(&s, &c, &mut back);
        let added: Vec<f32> = back.iter().zip(&offset).map(|(a, b)| a - b).collect();
        let (lhs, rhs) = (weighted_sum(&cols, &c), weighted_sum(&x, &added));
        assert!(
            (lhs - rhs).abs() <= 1e-4 * (1.0 + lhs.abs()),
            "{case:?}: {lhs} vs {rhs}"
        );
    }
}

#[test]
#[should_panic(
    expected = "conv2d_forward: weight has 5 values, but 1 out_channels × 1 in_channels × 2×2 kernel"
)]
fn forward_rejects_a_wrong_weight_length() {
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0]);
    conv2d_forward(&s, &[0.0; 5], &[0.0], &[0.0; 9], &mut [0.0; 4]);
}

#[test]
#[should_panic(expected = "output has 5 values, but 1 samples × 1 channels × 2×2 need 4")]
fn forward_rejects_a_wrong_output_length() {
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0]);
    conv2d_forward(&s, &[0.0; 4], &[0.0], &[0.0; 9], &mut [0.0; 5]);
}

#[test]
#[should_panic(expected = "conv2d_forward_batch: cols has 15 values")]
fn batch_rejects_a_short_cols() {
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0]);
    conv2d_forward_batch(
        &s,
        &[0.0; 4],
        &[0.0],
        &[0.0; 18],
        &mut [0.0; 8],
        &mut [0.0; 15],
        2,
    );
}

#[test]
#[should_panic(expected = "conv2d_backward_batch: input_grad has 17 values")]
fn backward_rejects_a_wrong_input_grad_length() {
    let s = shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0]);
    let mut dx = [0.0; 17];
    conv2d_backward_batch(
        &s,
        &[0.0; 4],
        &[0.0; 8],
        Some(&mut dx),
        &mut [0.0; 4],
        &mut [0.0],
        &mut [0.0; 32],
        2,
    );
}

#[test]
#[should_panic(expected = "strides must be at least 1")]
fn zero_stride_is_rejected() {
    let s = Conv2dShape {
        stride_w: 0,
        ..shape_of([1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 0, 0])
    };
    conv2d_forward(&s, &[0.0; 4], &[0.0], &[0.0; 9], &mut [0.0; 4]);
}
