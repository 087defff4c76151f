//! The kernel table: which variant of every CPU-specific kernel this process runs, chosen
//! once.
//!
//! A [`Variant`] names one instruction set's kernels. With `std`, the first kernel call
//! picks the best variant this CPU runs (x86-64: AVX-512F, then AVX2 + FMA; AArch64: NEON;
//! 32-bit Arm: the scalar-FPU kernels; else portable) and keeps it for the life of the
//! process. The environment variable `NN_KERNELS` forces one (`portable`, `scalar-fpu`,
//! `avx2`, `avx512` or `neon`), so that tests and benchmarks can pin a variant; naming one
//! the CPU cannot run panics at the first kernel call rather than fault later. Without `std`
//! the choice is static: NEON on AArch64 targets that enable it, the scalar-FPU kernels on
//! 32-bit Arm, the portable ones elsewhere (compiled for whatever `-C target-feature`
//! allows).
//!
//! The NEON variant has its own matrix-vector, direct convolution and batched dense kernels
//! (the latter with `std` only, as it packs W into a per-thread buffer); its other
//! convolutions, pooling, activations, optimizer guard and int8 kernels are the portable ones.
//!
//! The int8 convolutions and dense layer follow the same choice: `avx2` runs their AVX2
//! kernels, `avx512` their AVX-512 VNNI kernels where the CPU has VNNI (else the AVX2 ones),
//! `portable` and `scalar-fpu` the portable int8 kernels.
//!
//! The kernels themselves live beside their op (`matvec.rs`, `dense_avx2.rs`, …); this file
//! only holds one `Kernels` table per variant, built from safe wrappers that are reachable
//! through a table alone, which is handed out only after the CPU check.

use super::conv::Conv2dShape;
#[cfg(feature = "std")]
use super::matrix::{Matrix, MatrixMut};

/// One instruction set's kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variant {
    /// Plain Rust, vectorized by the compiler for the target's baseline (SSE2, NEON).
    Portable,
    /// Register-tiled scalar loops for cores with a scalar FPU and no vectors (Cortex-M4F,
    /// M7): the static choice on 32-bit Arm, runnable everywhere.
    ScalarFpu,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// x86-64 with AVX-512F (and AVX2 + FMA, which its ragged edges use).
    Avx512,
    /// AArch64 with NEON (Advanced SIMD): its own matrix-vector and batched dense kernels,
    /// the portable ones for everything else.
    Neon,
}

impl Variant {
    /// Every variant, in the order `NN_KERNELS` lists them.
    pub const ALL: [Variant; 5] = [
        Variant::Portable,
        Variant::ScalarFpu,
        Variant::Avx2,
        Variant::Avx512,
        Variant::Neon,
    ];

    /// The variant's name in `NN_KERNELS` and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Variant::Portable => "portable",
            Variant::ScalarFpu => "scalar-fpu",
            Variant::Avx2 => "avx2",
            Variant::Avx512 => "avx512",
            Variant::Neon => "neon",
        }
    }

    /// The variant called `name`, if any.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether this CPU can run the variant (always true for the plain-Rust ones).
    pub fn is_supported(self) -> bool {
        table(self).is_some()
    }
}

/// `y = b + W·x` for one sample: `(weight, bias, input, output)`, lengths checked.
pub(crate) type Matvec = fn(&[f32], &[f32], &[f32], &mut [f32]);
/// `Y = b + X·Wᵀ` for a batch: `(weight, bias, input, output, batch)`, lengths checked,
/// at least one output.
pub(crate) type DenseForwardBatch = fn(&[f32], &[f32], &[f32], &mut [f32], usize);
/// A single-sample convolution: `(shape, weight, bias, input, output)`, lengths checked.
pub(crate) type ConvForward = fn(&Conv2dShape, &[f32], &[f32], &[f32], &mut [f32]);

/// One plane of a max pool's backward pass (`pool.rs`): `(shape, input, output_grad,
/// input_grad)`.
pub(crate) type MaxPoolBackward = fn(&super::pool::Pool2dShape, &[f32], &[f32], &mut [f32]);

/// `C = A·B`, or `C += A·B` when the flag is set, for views with unit column strides
/// (`gemm_rows_avx512.rs`); checked like `gemm`.
#[cfg(feature = "std")]
pub(crate) type RowGemm = fn(Matrix<'_>, Matrix<'_>, bool, MatrixMut<'_>);

/// `C = A·B` or `C += A·B` with A's rows at offsets into one slice
/// (`gemm_rows_avx512::gemm_rows_indirect`): `(a, row offsets, b, accumulate, c)`.
#[cfg(feature = "std")]
pub(crate) type IndirectGemm = fn(&[f32], &[usize], Matrix<'_>, bool, MatrixMut<'_>);

/// One sample of a convolution's backward pass from its nonzero output gradients
/// (`conv_sparse_grad.rs`): `(shape, output_grad, input channel-last, weight [f, i, j, c],
/// weight_grad [f, i, j, c], input_grad channel-last)`, lengths checked.
#[cfg(feature = "std")]
pub(crate) type SparseGrad =
    fn(&Conv2dShape, &[f32], &[f32], &[f32], &mut [f32], Option<&mut [f32]>);

/// The ReLU loops of one variant.
pub(crate) struct ReluKernels {
    /// `y = relu(x)`, lengths checked.
    pub(crate) forward: fn(&[f32], &mut [f32]),
    /// `x = relu(x)`.
    pub(crate) in_place: fn(&mut [f32]),
    /// `(x, dy, dx)`: `dx = dy` where `x > 0`, else 0, lengths checked.
    pub(crate) backward: fn(&[f32], &[f32], &mut [f32]),
}

/// One variant's kernels. Lengths are checked by the callers (the public ops).
pub(crate) struct Kernels {
    /// Which variant this table holds.
    pub(crate) variant: Variant,
    /// `y = b + W·x` for one sample (`matvec.rs`).
    pub(crate) matvec: Matvec,
    /// `Y = b + X·Wᵀ` for a batch (`dense.rs`, `dense_packed.rs`).
    pub(crate) dense_forward_batch: DenseForwardBatch,
    /// One sample of a convolution, for any geometry.
    pub(crate) conv2d_forward: ConvForward,
    /// Whether [`Kernels::conv2d_forward`] runs a direct SIMD kernel for the geometry, so
    /// that a training batch should use it rather than a GEMM of the im2col matrix.
    pub(crate) conv2d_direct: fn(&Conv2dShape) -> bool,
    /// A product of row-major operands read in place, which the wide convolutions run on
    /// (`conv_wide.rs`) instead of `gemm`; `None` where the variant has none.
    #[cfg(feature = "std")]
    pub(crate) row_gemm: Option<RowGemm>,
    /// The same product with A's rows anywhere in one slice (the narrow convolutions'
    /// weight gradients read the input in place, `conv_flat_grad.rs`); `None` where the
    /// variant has none.
    #[cfg(feature = "std")]
    pub(crate) row_gemm_indirect: Option<IndirectGemm>,
    /// The backward pass from mostly-zero output gradients, per sample.
    #[cfg(feature = "std")]
    pub(crate) conv2d_sparse_grad: SparseGrad,
    /// `dst[c, r] = src[r, c]` for a `rows × cols` row-major `src`: `(src, rows, cols, dst)`,
    /// lengths checked; the wide convolutions' layout changes.
    #[cfg(feature = "std")]
    pub(crate) transpose: fn(&[f32], usize, usize, &mut [f32]),
    /// The backward pass of one plane of a 2×2, stride-2 max pool: `(shape, input plane,
    /// output gradient plane, input gradient plane)`, lengths checked.
    pub(crate) max_pool_halving_backward: MaxPoolBackward,
    /// The forward pass of one plane of a 2×2, stride-2 max pool: `(shape, input plane,
    /// output plane)`, lengths checked.
    pub(crate) max_pool_halving_forward: fn(&super::pool::Pool2dShape, &[f32], &mut [f32]),
    /// The ReLU activation's loops.
    pub(crate) relu: ReluKernels,
    /// Whether every value lies within `[-limit, limit]` (the optimizers' guard).
    #[cfg(feature = "std")]
    pub(crate) all_within: fn(&[f32], f32) -> bool,
    /// The int8 convolutions' and dense layer's sums (`int8::accelerated`); `None` runs the
    /// portable int8 kernels.
    #[cfg(feature = "std")]
    pub(crate) int8: Option<&'static crate::int8::accelerated::Int8Kernels>,
}

/// The plain-Rust table.
const PORTABLE: Kernels = Kernels {
    variant: Variant::Portable,
    matvec: super::matvec::matvec_portable,
    dense_forward_batch: super::dense::dense_forward_batch_gemm,
    conv2d_forward: super::conv::conv2d_forward_portable,
    conv2d_direct: |_| false,
    max_pool_halving_backward: super::pool::max_pool_halving_backward,
    max_pool_halving_forward: super::pool::max_pool_halving_forward,
    relu: ReluKernels {
        forward: super::activation::relu_loops::forward,
        in_place: super::activation::relu_loops::in_place,
        backward: super::activation::relu_loops::backward,
    },
    #[cfg(feature = "std")]
    row_gemm: None,
    #[cfg(feature = "std")]
    row_gemm_indirect: None,
    #[cfg(feature = "std")]
    conv2d_sparse_grad: super::conv::sparse::sample_portable,
    #[cfg(feature = "std")]
    transpose: super::conv::wide::transpose_portable,
    #[cfg(feature = "std")]
    all_within: crate::optim::guard::all_within_portable,
    #[cfg(feature = "std")]
    int8: None,
};

/// The portable table with the scalar-FPU convolutions (the depthwise one reads
/// [`Variant::ScalarFpu`] from the table as well).
const SCALAR_FPU: Kernels = Kernels {
    variant: Variant::ScalarFpu,
    conv2d_forward: super::conv::scalar::conv2d_forward,
    ..PORTABLE
};

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[path = "kernels_x86.rs"]
mod x86;

#[cfg(target_arch = "aarch64")]
#[path = "kernels_aarch64.rs"]
mod aarch64;

/// The table of `variant`, when this CPU can run it.
fn table(variant: Variant) -> Option<&'static Kernels> {
    match variant {
        Variant::Portable => Some(&PORTABLE),
        Variant::ScalarFpu => Some(&SCALAR_FPU),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Variant::Avx2 => x86::avx2(),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Variant::Avx512 => x86::avx512(),
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        Variant::Avx2 | Variant::Avx512 => None,
        #[cfg(target_arch = "aarch64")]
        Variant::Neon => aarch64::neon(),
        #[cfg(not(target_arch = "aarch64"))]
        Variant::Neon => None,
    }
}

/// The variant chosen without looking at the CPU or the environment.
const fn static_choice() -> Variant {
    if cfg!(all(target_arch = "aarch64", target_feature = "neon")) {
        Variant::Neon
    } else if cfg!(target_arch = "arm") {
        Variant::ScalarFpu
    } else {
        Variant::Portable
    }
}

/// The best variant this CPU runs.
#[cfg(feature = "std")]
fn detected() -> Variant {
    [Variant::Avx512, Variant::Avx2, Variant::Neon]
        .into_iter()
        .find(|v| v.is_supported())
        .unwrap_or(static_choice())
}

/// The table this process runs: with `std`, chosen at the first call from `NN_KERNELS` or
/// the CPU and cached; without, the static choice.
#[inline]
pub(crate) fn active() -> &'static Kernels {
    #[cfg(feature = "std")]
    {
        static ACTIVE: std::sync::OnceLock<&'static Kernels> = std::sync::OnceLock::new();
        ACTIVE.get_or_init(choose)
    }
    #[cfg(not(feature = "std"))]
    {
        table(static_choice()).unwrap_or(&PORTABLE)
    }
}

/// Reads `NN_KERNELS`, or detects.
///
/// # Panics
/// When `NN_KERNELS` names no variant, or one this CPU cannot run.
#[cfg(feature = "std")]
fn choose() -> &'static Kernels {
    match std::env::var("NN_KERNELS") {
        Ok(forced) => forced_table(&forced).unwrap_or_else(|message| panic!("{message}")),
        Err(_) => table(detected()).expect("the detected variant runs"),
    }
}

/// The table `NN_KERNELS=forced` asks for, or what is wrong with the request.
#[cfg(feature = "std")]
fn forced_table(forced: &str) -> Result<&'static Kernels, std::string::String> {
    let list = |keep: fn(Variant) -> bool| {
        let names: std::vec::Vec<&str> = Variant::ALL
            .into_iter()
            .filter(|&v| keep(v))
            .map(Variant::name)
            .collect();
        names.join(", ")
    };
    let Some(variant) = Variant::from_name(forced.trim()) else {
        return Err(std::format!(
            "NN_KERNELS={forced:?} names no kernel variant; use one of: {}",
            list(|_| true)
        ));
    };
    table(variant).ok_or_else(|| {
        std::format!(
            "NN_KERNELS={forced:?}, but this CPU cannot run the {} kernels; it runs: {}",
            variant.name(),
            list(Variant::is_supported)
        )
    })
}

/// The variant this process runs (see the module documentation for how it is chosen).
pub fn active_variant() -> Variant {
    active().variant
}

/// Every variant this CPU runs, the active one's table among them: what the kernel tests
/// iterate over.
#[cfg(test)]
pub(crate) fn available() -> impl Iterator<Item = &'static Kernels> {
    Variant::ALL.into_iter().filter_map(table)
}

/// Names the variant under test when a test inside [`test_every_variant!`] panics.
#[cfg(test)]
pub(crate) struct NameOnPanic(pub(crate) Variant);

#[cfg(test)]
impl Drop for NameOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::eprintln!("(with the {} kernels)", self.0.name());
        }
    }
}

/// Declares tests that run once per kernel variant this CPU runs, the variant's table bound
/// to the given name: `test_every_variant! { fn name(kernels) { … } … }`. A failure names
/// the variant.
#[cfg(test)]
macro_rules! test_every_variant {
    ($($(#[$attr:meta])* fn $name:ident($kernels:ident) $body:block)*) => {$(
        $(#[$attr])*
        #[test]
        fn $name() {
            for $kernels in $crate::ops::kernels::available() {
                let _naming = $crate::ops::kernels::NameOnPanic($kernels.variant);
                $body
            }
        }
    )*};
}
#[cfg(test)]
pub(crate) use test_every_variant;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_plain_variants_always_run() {
        for v in Variant::ALL {
            assert_eq!(Variant::from_name(v.name()), Some(v));
        }
        assert_eq!(Variant::from_name("sse"), None);
        assert!(Variant::Portable.is_supported() && Variant::ScalarFpu.is_supported());
        assert!(available().any(|k| k.variant == detected()));
        assert!(available().any(|k| k.variant == active_variant()));
    }

    #[test]
    fn nn_kernels_forces_a_runnable_variant_and_explains_the_rest() {
        let table = forced_table(" portable\n").expect("portable always runs");
        assert_eq!(table.variant, Variant::Portable);
        let unknown = forced_table("sse4").err().expect("no such variant");
        assert!(
            unknown.contains("portable, scalar-fpu, avx2, avx512, neon"),
            "{unknown}"
        );
        for v in Variant::ALL {
            let forced = forced_table(v.name());
            assert_eq!(
                forced.is_ok(),
                v.is_supported(),
                "{forced:?}",
                forced = forced.err()
            );
            if let Err(message) = forced {
                assert!(message.contains("cannot run the"), "{message}");
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_the_cpu() {
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let avx512 = avx2 && std::is_x86_feature_detected!("avx512f");
        assert_eq!(Variant::Avx2.is_supported(), avx2);
        assert_eq!(Variant::Avx512.is_supported(), avx512);
        let vnni = avx512
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vnni");
        if let Some(table) = table(Variant::Avx512) {
            let expected = if vnni {
                &crate::int8::x86::VNNI
            } else {
                &crate::int8::x86::AVX2
            };
            assert!(table.int8.is_some_and(|k| core::ptr::eq(k, expected)));
        }
    }

    #[cfg(target_arch = "aarch64")]
    #[test]
    fn detection_agrees_with_the_cpu() {
        let neon = std::arch::is_aarch64_feature_detected!("neon");
        assert_eq!(Variant::Neon.is_supported(), neon);
        assert_eq!(detected() == Variant::Neon, neon);
    }

    #[cfg(not(target_arch = "aarch64"))]
    #[test]
    fn neon_runs_on_aarch64_alone() {
        assert!(!Variant::Neon.is_supported());
    }
}
