//! Every kernel table's single-sample convolution (portable, the scalar-FPU kernel of
//! Cortex-M cores, on x86-64 the AVX2 + FMA kernel, alone and in each of its tilings, and on
//! AArch64 the NEON kernel)
//! against the six-loop reference of `conv_tests.rs`, on the AVX2 kernel's domain (valid
//! unit-stride convolutions) with ragged sizes and on every other case; the scalar-FPU kernel
//! also on padded and strided geometries of every kernel size it specializes.

use super::tests::{all_cases, random_data, reference, shape_of, Case};
use super::*;
use crate::ops::kernels::{test_every_variant, Variant};
use crate::ops::test_support::*;
use crate::rng::Rng;
use std::vec::Vec;

/// A single-sample convolution kernel.
type SingleSample = fn(&Conv2dShape, &[f32], &[f32], &[f32], &mut [f32]);

/// The AVX2 kernel's tilings, each forced, where the CPU runs them and they apply to `s`.
fn avx2_tilings(s: &Conv2dShape) -> Vec<(&'static str, SingleSample)> {
    // Filled only on x86-64.
    #[allow(unused_mut)]
    let mut all: Vec<(&'static str, SingleSample)> = Vec::new();
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if avx2::supports(s) && Variant::Avx2.is_supported() {
        // SAFETY (of the calls inside): the CPU has AVX2 and FMA, checked just above.
        all.push(("avx2 rows", |s, w, b, x, y| unsafe {
            avx2::conv2d_forward_tiled(avx2::Tiling::Rows, s, w, b, x, y)
        }));
        all.push(("avx2 flat", |s, w, b, x, y| unsafe {
            avx2::conv2d_forward_tiled(avx2::Tiling::Flat, s, w, b, x, y)
        }));
    }
    let _ = s;
    all
}

/// Runs `kernel` on random data for `s` into a guarded output (see `guarded_output`) and
/// panics, naming `what`, unless every output matches the reference and the guards are intact.
fn check_kernel(rng: &mut Rng, s: &Conv2dShape, kernel: SingleSample, what: &str) {
    let d = random_data(rng, s, 1);
    let want = reference(s, &d.weight, &d.bias, &d.input, 1);
    let tol = 1e-6 * (s.in_channels * s.kernel_h * s.kernel_w) as f64;
    let got = guarded_output(want.len(), what, |got| {
        kernel(s, &d.weight, &d.bias, &d.input, got)
    });
    assert_close(&got, &want, tol, tol, what);
}

/// Valid unit-stride convolutions (the AVX2 kernel's domain): widths and heights off
/// multiples of its tiles (maps from 8×2), kernels up to 11 wide (so a whole vector of the
/// flat tiling can fall between two rows' outputs), filter counts off multiples of 4, and
/// inputs larger than the windows need (outputs cropped on the right and bottom).
fn avx2_domain_cases(rng: &mut Rng, count: usize) -> Vec<Conv2dShape> {
    (0..count)
        .map(|_| {
            let (kh, kw) = (1 + rng.below(4), 1 + rng.below(11));
            let (oh, ow) = (2 + rng.below(14), 8 + rng.below(24));
            let (crop_h, crop_w) = if rng.below(4) == 0 {
                (rng.below(3), rng.below(3))
            } else {
                (0, 0)
            };
            Conv2dShape {
                in_channels: 1 + rng.below(5),
                in_height: oh + kh - 1 + crop_h,
                in_width: ow + kw - 1 + crop_w,
                out_channels: 1 + rng.below(9),
                kernel_h: kh,
                kernel_w: kw,
                stride_h: 1,
                stride_w: 1,
                pad_top: 0,
                pad_left: 0,
                out_height: oh,
                out_width: ow,
            }
        })
        .collect()
}

/// The AVX2 kernel's domain with ragged sizes, the benchmark CNN's convolutions, and every
/// case of `conv_tests.rs`.
fn single_sample_cases(rng: &mut Rng) -> Vec<Conv2dShape> {
    let mut shapes = avx2_domain_cases(rng, 400);
    // The benchmark CNN's two convolutions, and the smallest maps the AVX2 kernel takes.
    let fixed: [Case; 4] = [
        [1, 28, 28, 8, 3, 3, 1, 1, 0, 0, 0, 0],
        [8, 13, 13, 16, 3, 3, 1, 1, 0, 0, 0, 0],
        [2, 3, 8, 5, 2, 1, 1, 1, 0, 0, 0, 0],
        [3, 4, 10, 3, 3, 3, 1, 1, 0, 0, 0, 0],
    ];
    shapes.extend(fixed.into_iter().chain(all_cases(44)).map(shape_of));
    shapes
}

test_every_variant! {
    fn every_variant_matches_the_reference(kernels) {
        let mut rng = Rng::new(43);
        let mut direct_cases = 0;
        for s in single_sample_cases(&mut rng) {
            direct_cases += usize::from((kernels.conv2d_direct)(&s));
            check_kernel(&mut rng, &s, kernels.conv2d_forward, &format!("{s:?}"));
        }
        if matches!(kernels.variant, Variant::Avx2 | Variant::Avx512 | Variant::Neon) {
            assert!(
                direct_cases >= 400,
                "only {direct_cases} cases reached the direct SIMD kernel"
            );
        }
    }
}

#[test]
fn every_tiling_of_the_avx2_kernel_matches_the_reference() {
    let mut rng = Rng::new(45);
    for s in single_sample_cases(&mut rng) {
        for (name, kernel) in avx2_tilings(&s) {
            check_kernel(&mut rng, &s, kernel, &format!("{name} {s:?}"));
        }
    }
}

/// Padded and strided geometries for the scalar-FPU kernel: kernels 1–5 high and wide (the
/// 1×1, 3×3 and ·×4 ones it specializes, and others), strides 1–3, padding on any side up
/// to the kernel's size less one, filter counts off its blocks of 4, maps from 1×1; and the
/// MLPerf Tiny models' convolutions.
#[test]
fn scalar_fpu_kernel_matches_the_reference_on_padded_strided_shapes() {
    let mut rng = Rng::new(47);
    let mut cases: Vec<Case> = (0..400)
        .map(|_| {
            let (kh, kw) = (1 + rng.below(5), 1 + rng.below(5));
            let (sh, sw) = (1 + rng.below(3), 1 + rng.below(3));
            let pads = [rng.below(kh), rng.below(kw), rng.below(kh), rng.below(kw)];
            let (h, w) = (1 + rng.below(12), 1 + rng.below(14));
            // Grow the input until one window fits the padded map.
            let (h, w) = (
                h.max(kh.saturating_sub(pads[0] + pads[2])),
                w.max(kw.saturating_sub(pads[1] + pads[3])),
            );
            [
                1 + rng.below(5),
                h,
                w,
                1 + rng.below(9),
                kh,
                kw,
                sh,
                sw,
                pads[0],
                pads[1],
                pads[2],
                pads[3],
            ]
        })
        .collect();
    cases.extend([
        // KWS: 10×4 stride 2 on 49×10 with TensorFlow's `same` padding; a pointwise conv.
        [1, 49, 10, 64, 10, 4, 2, 2, 4, 1, 5, 1],
        [64, 25, 5, 64, 1, 1, 1, 1, 0, 0, 0, 0],
        // VWW: 3×3 stride 2 on 96×96×3 (`same`: padding right and bottom only); a pointwise.
        [3, 96, 96, 8, 3, 3, 2, 2, 0, 0, 1, 1],
        [8, 48, 48, 16, 1, 1, 1, 1, 0, 0, 0, 0],
        // IC: 3×3 `same`, stride 1 and 2, and the 1×1 stride-2 projection.
        [16, 32, 32, 16, 3, 3, 1, 1, 1, 1, 1, 1],
        [16, 32, 32, 32, 3, 3, 2, 2, 0, 0, 1, 1],
        [16, 32, 32, 32, 1, 1, 2, 2, 0, 0, 0, 0],
    ]);
    for case in cases {
        let s = shape_of(case);
        check_kernel(
            &mut rng,
            &s,
            scalar::conv2d_forward,
            &format!("scalar fpu {s:?}"),
        );
    }
}

/// The checker is not vacuous: a kernel that skips one output or gets one wrong fails it.
/// (One that writes past its output cannot be written without undefined behaviour; the guard
/// bands are there to catch the AVX2 kernels' raw stores.)
#[test]
fn check_kernel_rejects_broken_kernels() {
    let s = shape_of([8, 13, 13, 16, 3, 3, 1, 1, 0, 0, 0, 0]);
    let broken: [SingleSample; 2] = [
        |s, w, b, x, y| {
            conv2d_forward(s, w, b, x, y);
            y[57] = f32::NAN;
        },
        |s, w, b, x, y| {
            conv2d_forward(s, w, b, x, y);
            y[120] += 1e-3;
        },
    ];
    check_kernel(&mut Rng::new(1), &s, conv2d_forward, "the right kernel");
    for (k, kernel) in broken.into_iter().enumerate() {
        let failed = std::panic::catch_unwind(|| {
            check_kernel(&mut Rng::new(1), &s, kernel, &format!("broken kernel {k}"));
        });
        assert!(failed.is_err(), "broken kernel {k} passed");
    }
}
