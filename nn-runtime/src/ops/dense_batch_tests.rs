//! Every variant's batched dense kernel against a float64 reference and against the portable
//! path (`gemm`), on ragged shapes: batches not a multiple of the 6-row tiles, output counts
//! not a multiple of the 16- and 64-unit panels (or of 8), input counts not a multiple of 8,
//! tiny and large; and split by columns as threads share it, bit for bit against the whole.

use crate::ops::gemm::{gemm, Matrix, MatrixMut};
use crate::ops::gemm_split::{with_splitter, Sequential};
use crate::ops::kernels::{test_every_variant, Kernels};
use crate::ops::test_support::{guarded_output, random_vec};
use crate::rng::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::vec;
use std::vec::Vec;

/// Runs the kernel on random data of `(batch, inputs, outputs)` into a guarded output (see
/// `guarded_output`); returns the output after checking it against the float64 reference
/// and against `gemm`.
fn check(
    kernels: &Kernels,
    rng: &mut Rng,
    (batch, inputs, outputs): (usize, usize, usize),
) -> Vec<f32> {
    let weight = random_vec(rng, outputs * inputs, 1.0);
    let bias = random_vec(rng, outputs, 1.0);
    let input = random_vec(rng, batch * inputs, 1.0);
    let len = batch * outputs;
    let what = format!("batch {batch}, {inputs} inputs, {outputs} outputs");
    let got = guarded_output(len, &what, |output| {
        (kernels.dense_forward_batch)(&weight, &bias, &input, output, batch)
    });

    let mut portable = vec![0.0f32; len];
    for row in portable.chunks_exact_mut(outputs) {
        row.copy_from_slice(&bias);
    }
    let (ld, w) = (inputs, &weight);
    gemm(
        1.0,
        Matrix::strided(&input, batch, inputs, ld, 1),
        Matrix::strided(w, inputs, outputs, 1, ld),
        1.0,
        MatrixMut::row_major(&mut portable, batch, outputs),
    );

    for b in 0..batch {
        for o in 0..outputs {
            let (mut sum, mut magnitude) = (f64::from(bias[o]), f64::from(bias[o]).abs());
            for i in 0..inputs {
                let term = f64::from(input[b * inputs + i]) * f64::from(weight[o * inputs + i]);
                sum += term;
                magnitude += term.abs();
            }
            let tolerance = 1e-6 * (inputs as f64 + 1.0) * magnitude + 1e-6;
            let (y, p) = (
                f64::from(got[b * outputs + o]),
                f64::from(portable[b * outputs + o]),
            );
            assert!(
                (y - sum).abs() <= tolerance && (y - p).abs() <= 2.0 * tolerance,
                "Y[{b},{o}] = {y}, reference {sum}, gemm {p} (batch {batch}, {inputs} inputs, \
                 {outputs} outputs)"
            );
        }
    }
    got
}

test_every_variant! {
    fn matches_the_reference_and_gemm_on_ragged_shapes(kernels) {
        let mut rng = Rng::new(61);
        for batch in [1, 2, 5, 6, 7, 8, 12, 13, 64, 101] {
            for inputs in [0, 1, 7, 8, 9, 31, 100] {
                for outputs in [1, 3, 8, 10, 15, 16, 17, 33, 63, 64, 65, 130] {
                    check(kernels, &mut rng, (batch, inputs, outputs));
                }
            }
        }
        // The benchmark MLP's layers at batch 256, and a large ragged one. Shapes change
        // from call to call, so the reused panel buffer is also checked for stale contents.
        for dims in [
            (256, 784, 128),
            (256, 128, 64),
            (256, 64, 10),
            (259, 785, 130),
        ] {
            check(kernels, &mut rng, dims);
        }
    }

    fn a_split_product_equals_the_whole_one_bit_for_bit(kernels) {
        for (dims, parts) in [
            ((256, 784, 128), 2),
            ((100, 300, 100), 3),
            ((96, 400, 33), 2),
            ((64, 300, 200), 3),
        ] {
            let whole = check(kernels, &mut Rng::new(63), dims);
            let splitter = Sequential {
                parts,
                calls: AtomicUsize::new(0),
            };
            let split = with_splitter(&splitter, || check(kernels, &mut Rng::new(63), dims));
            // Two products, the kernel's and `gemm`'s inside `check`: split where large.
            assert!(
                splitter.calls.load(Ordering::SeqCst) >= 1,
                "{dims:?} not split"
            );
            assert!(whole
                .iter()
                .zip(&split)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}

#[test]
fn dense_forward_batch_runs_the_active_variant() {
    let mut rng = Rng::new(62);
    let (batch, inputs, outputs) = (13, 37, 21);
    let weight = random_vec(&mut rng, outputs * inputs, 1.0);
    let bias = random_vec(&mut rng, outputs, 1.0);
    let input = random_vec(&mut rng, batch * inputs, 1.0);
    let mut via_dense = vec![f32::NAN; batch * outputs];
    crate::ops::dense::dense_forward_batch(&weight, &bias, &input, &mut via_dense, batch);
    let mut direct = vec![f32::NAN; batch * outputs];
    (crate::ops::kernels::active().dense_forward_batch)(&weight, &bias, &input, &mut direct, batch);
    assert!(via_dense
        .iter()
        .zip(&direct)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// The AVX-512 tile on output counts the table gives the AVX2 tile instead (`suits`), so
/// that every lane mask of its right edge is exercised: against the portable variant.
#[cfg(target_arch = "x86_64")]
#[test]
fn the_avx512_tile_handles_every_right_edge() {
    use crate::ops::kernels::Variant;
    if !Variant::Avx512.is_supported() {
        return;
    }
    let mut rng = Rng::new(64);
    for (batch, inputs, outputs) in [
        (9, 20, 1),
        (13, 31, 17),
        (8, 7, 33),
        (20, 50, 65),
        (15, 9, 130),
    ] {
        assert!(!crate::ops::dense_avx512::suits(outputs));
        let weight = random_vec(&mut rng, outputs * inputs, 1.0);
        let bias = random_vec(&mut rng, outputs, 1.0);
        let input = random_vec(&mut rng, batch * inputs, 1.0);
        let len = batch * outputs;
        let what = format!("{batch}×{inputs}→{outputs}");
        let got = guarded_output(len, &what, |output| {
            // SAFETY: the CPU runs the AVX-512 variant (checked above).
            unsafe { crate::ops::dense_avx512::forward(&weight, &bias, &input, output, batch) }
        });
        let mut portable = vec![0.0; len];
        crate::ops::dense::dense_forward_batch_gemm(&weight, &bias, &input, &mut portable, batch);
        for (k, (&got, &want)) in got.iter().zip(&portable).enumerate() {
            let tolerance = 1e-5 * (inputs as f32 + 1.0);
            assert!(
                (got - want).abs() <= tolerance,
                "{batch}×{inputs}→{outputs}, [{k}]: {got} vs {want}"
            );
        }
    }
}
